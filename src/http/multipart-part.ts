/**
 * One part of a `multipart/form-data` body: reading its headers, a bounded text value, or a file
 * that stays in memory up to a threshold and is spooled to a randomly named temp file beyond it.
 * The orchestration (counting parts, limits on the whole body, cleanup) is in `multipart.ts`.
 */
import { randomBytes } from 'node:crypto'
import { type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { TextDecoder } from 'node:util'
import { parseFormDataDisposition } from './content-disposition.ts'
import { type MediaType, parseMediaType } from './content-type.ts'
import { invalidMultipart, multipartLimit, quoteName } from './multipart-errors.ts'

/** Header lines allowed in one part; browsers send two (disposition and type). */
export const MAX_PART_HEADERS = 32
/** Bytes of one part's header block; longer blocks are cut off by the parser. */
export const MAX_PART_HEADER_BYTES = 16 * 1024

/** Part headers as the parser delivers them: lower-case names, raw (latin1) values. */
export type PartHeaders = Record<string, string[] | undefined>

/** What a part's headers say about it. */
export interface PartInfo {
  name: string
  /** Present (possibly empty) for file parts, `undefined` for text fields. */
  filename: string | undefined
  /** The part's parsed `Content-Type`, or `null` when it has none. */
  type: MediaType | null
}

/** Validate a part's headers; throws 400 `invalid_multipart` when they are unusable. */
export function describePart(headers: PartHeaders): PartInfo {
  let lines = 0
  for (const values of Object.values(headers)) lines += values?.length ?? 0
  if (lines > MAX_PART_HEADERS) {
    throw invalidMultipart(`A part has more than ${MAX_PART_HEADERS} header lines.`)
  }
  const disposition = single(headers, 'content-disposition')
  if (disposition === undefined) {
    throw invalidMultipart('Each part needs a Content-Disposition header.')
  }
  // Header bytes arrive as latin1; browsers send names and file names as raw UTF-8.
  const parsed = parseFormDataDisposition(Buffer.from(disposition, 'latin1').toString('utf8'))
  if ('error' in parsed) throw invalidMultipart(parsed.error)
  const rawType = single(headers, 'content-type')
  const type = rawType === undefined ? null : parseMediaType(rawType.trim())
  if (rawType !== undefined && type === null) {
    throw invalidMultipart(`Part ${quoteName(parsed.name)} has an invalid Content-Type.`)
  }
  return { name: parsed.name, filename: parsed.filename, type }
}

function single(headers: PartHeaders, name: string): string | undefined {
  const values = headers[name]
  if (values === undefined) return undefined
  if (values.length > 1) throw invalidMultipart(`A part has more than one ${name} header.`)
  return values[0]
}

const utf8 = new TextDecoder('utf-8')

/** Decoder for a text field's `charset` (UTF-8 by default); throws 400 for an unknown one. */
export function textDecoderFor(info: PartInfo): TextDecoder {
  const charset = info.type?.params.charset
  if (charset === undefined) return utf8
  try {
    return new TextDecoder(charset)
  } catch {
    throw invalidMultipart(
      `Field ${quoteName(info.name)} uses the unsupported charset ${quoteName(charset)}.`,
    )
  }
}

/** Read a text field's bytes, failing with 413 `field_too_large` past `limit`. */
export async function readTextPart(part: Readable, name: string, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of part as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) {
      throw multipartLimit(
        'field_too_large',
        `Field ${quoteName(name)} is larger than the limit of ${limit} bytes.`,
      )
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

/** Where a received file's bytes ended up. */
export type SpooledFile =
  | { size: number; memory: Buffer[]; path: null }
  | { size: number; memory: null; path: string }

/** Options for {@link spoolFilePart}. */
export interface SpoolOptions {
  fieldName: string
  fileSize: number
  fileMemorySize: number
  uploadDir: string
  /** Called with a temp file's path *before* it is created, so a failure can never orphan it. */
  onTempFile: (path: string) => void
}

/** Server-chosen temp file name; nothing the client sends ever reaches the path. */
export function tempFilePath(uploadDir: string): string {
  return join(uploadDir, `plinth-upload-${randomBytes(16).toString('hex')}`)
}

/**
 * Receive a file part: in memory while it is at most `fileMemorySize` bytes, then in a temp file
 * (the bytes so far and the rest). Each chunk is written before the next is read, so a client
 * faster than the disk is slowed down by back-pressure instead of filling memory. Fails with 413
 * `file_too_large` past `fileSize`; the handle is always closed, the file removed by the caller.
 */
export async function spoolFilePart(part: Readable, options: SpoolOptions): Promise<SpooledFile> {
  const memory: Buffer[] = []
  let size = 0
  let handle: FileHandle | undefined
  let path: string | undefined
  try {
    for await (const chunk of part as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > options.fileSize) {
        throw multipartLimit(
          'file_too_large',
          `File ${quoteName(options.fieldName)} is larger than the limit of ${options.fileSize} bytes.`,
        )
      }
      if (handle === undefined) {
        memory.push(chunk)
        if (size <= options.fileMemorySize) continue
        path = tempFilePath(options.uploadDir)
        options.onTempFile(path)
        // 'wx': never follow or reuse an existing file; 0o600: readable by this process's user only.
        handle = await open(path, 'wx', 0o600)
        for (const buffered of memory.splice(0)) await writeFully(handle, buffered)
        continue
      }
      await writeFully(handle, chunk)
    }
  } finally {
    await handle?.close()
  }
  return path === undefined ? { size, memory, path: null } : { size, memory: null, path }
}

async function writeFully(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset)
    offset += bytesWritten
  }
}
