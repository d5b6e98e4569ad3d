/**
 * Storing uploaded images. The stored name is generated here; the client's file name is never
 * used for the path.
 */
import { randomUUID } from 'node:crypto'
import { copyFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/gif': '.gif',
}

/** Accepted image types, for schemas and `accept` attributes. */
export const IMAGE_TYPES = Object.keys(EXTENSIONS)

/** Save an uploaded image under `mediaDir` and return its public URL. */
export async function saveImage(image: File, mediaDir: string): Promise<string> {
  const name = `${randomUUID()}${EXTENSIONS[image.type] ?? ''}`
  const target = join(mediaDir, name)
  // Large uploads were spooled to disk by Plinth: copy that file rather than reading it into memory.
  const spooled = (image as File & { path?: string | null }).path
  if (spooled) await copyFile(spooled, target)
  else await writeFile(target, new Uint8Array(await image.arrayBuffer()))
  return `/media/${name}`
}
