/**
 * Writing replies to a Node `ServerResponse`. The only module that touches the socket.
 *
 * Headers are written in one `writeHead(status, headers)` call with a computed `content-length`
 * (what Fastify does: one object, no per-header `setHeader` calls). `HEAD` bodies are dropped by
 * Node itself.
 */
import { createReadStream, type Stats } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { basename, isAbsolute, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { HttpError } from './errors.ts'
import { contentTypeFor } from './mime.ts'
import type { Reply } from './reply.ts'

/** Pre-computed header values for JSON bodies. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

/** Write a complete in-memory body. */
export function writeBody(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: string | Uint8Array,
): void {
  headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  res.writeHead(status, headers)
  res.end(body)
}

/** Write a response with no body (204, 304, redirects). */
export function writeEmpty(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
): void {
  if (status !== 204 && status !== 304 && (status < 100 || status >= 200))
    headers['content-length'] = 0
  res.writeHead(status, headers)
  res.end()
}

/** Pipe a stream reply; the source is destroyed if the client disconnects. */
export async function writeStream(
  res: ServerResponse,
  reply: Reply,
  headers: OutgoingHttpHeaders,
): Promise<void> {
  const source = reply.stream!
  const readable =
    source instanceof Readable
      ? source
      : isWebStream(source)
        ? Readable.fromWeb(source as import('node:stream/web').ReadableStream<Uint8Array>)
        : Readable.from(source)
  res.writeHead(reply.status, headers)
  try {
    await pipeline(readable, res)
  } catch (error) {
    // A client that went away is not an application error.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ERR_STREAM_PREMATURE_CLOSE' && code !== 'ECONNRESET' && code !== 'EPIPE')
      throw error
  }
}

function isWebStream(value: unknown): boolean {
  return typeof (value as ReadableStream).getReader === 'function'
}

/** Resolve a file reply's path, confined to `root` when given. Throws 404 for anything unsafe. */
export async function resolveFilePath(path: string, root: string | undefined): Promise<string> {
  if (path.includes('\0')) throw new HttpError(404, 'File not found.')
  if (root === undefined) return resolve(path)
  const rootPath = await realpath(resolve(root)).catch(() => {
    throw new HttpError(404, 'File not found.')
  })
  const segments = path.split(/[\\/]/)
  // No parent segments, no dotfiles (.env, .git) and no absolute paths under a root.
  if (isAbsolute(path) || segments.some((s) => s === '..' || s.startsWith('.'))) {
    throw new HttpError(404, 'File not found.')
  }
  const full = resolve(rootPath, ...segments.filter((s) => s.length > 0))
  const real = await realpath(full).catch(() => {
    throw new HttpError(404, 'File not found.')
  })
  // A symlink inside the root may point outside it.
  if (real !== rootPath && !real.startsWith(rootPath + sep))
    throw new HttpError(404, 'File not found.')
  return real
}

function etagFor(stats: Stats): string {
  return `W/"${stats.size.toString(36)}-${Math.floor(stats.mtimeMs).toString(36)}"`
}

function isFresh(req: IncomingMessage, etag: string, mtime: Date): boolean {
  const noneMatch = req.headers['if-none-match']
  if (noneMatch !== undefined) {
    if (noneMatch.trim() === '*') return true
    const bare = etag.slice(2)
    return noneMatch.split(',').some((tag) => {
      const t = tag.trim()
      return t === etag || t === bare || t.slice(2) === bare
    })
  }
  const since = req.headers['if-modified-since']
  if (since !== undefined) {
    const time = Date.parse(since)
    return !Number.isNaN(time) && Math.floor(mtime.getTime() / 1000) * 1000 <= time
  }
  return false
}

/** Parse a single `bytes=a-b` range; `undefined` means "send everything", `null` means 416. */
function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | null | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match) return undefined // multiple or unknown ranges: ignoring Range is allowed (RFC 9110 §14.2)
  const [, from, to] = match
  if (from === '' && to === '') return null
  let start: number
  let end: number
  if (from === '') {
    start = Math.max(0, size - Number(to))
    end = size - 1
  } else {
    start = Number(from)
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1)
  }
  if (start > end || start >= size) return null
  return { start, end }
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** Send a file with validators, conditional GET and single ranges. */
export async function writeFile(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  headers: OutgoingHttpHeaders,
): Promise<void> {
  const { path, options } = reply.file!
  const fullPath = await resolveFilePath(path, options.root)
  let stats: Stats
  try {
    stats = await stat(fullPath)
  } catch {
    throw new HttpError(404, 'File not found.')
  }
  if (!stats.isFile()) throw new HttpError(404, 'File not found.')
  const etag = etagFor(stats)
  headers.etag = etag
  headers['last-modified'] = stats.mtime.toUTCString()
  headers['accept-ranges'] = 'bytes'
  headers['x-content-type-options'] = 'nosniff'
  headers['cache-control'] ??=
    `public, max-age=${Math.max(0, Math.floor(options.maxAge ?? 0))}${options.immutable ? ', immutable' : ''}`
  headers['content-type'] ??= options.contentType ?? contentTypeFor(fullPath)
  if (options.download) {
    headers['content-disposition'] = contentDisposition(
      options.download === true ? basename(fullPath) : options.download,
    )
  }
  if ((req.method === 'GET' || req.method === 'HEAD') && isFresh(req, etag, stats.mtime)) {
    delete headers['content-type']
    delete headers['content-disposition']
    res.writeHead(304, headers)
    res.end()
    return
  }
  let status = reply.status
  let start = 0
  let end = stats.size - 1
  const rangeHeader = req.headers.range
  const ifRange = req.headers['if-range']
  if (rangeHeader !== undefined && status === 200 && (ifRange === undefined || ifRange === etag)) {
    const range = parseRange(rangeHeader, stats.size)
    if (range === null) {
      headers['content-range'] = `bytes */${stats.size}`
      writeEmpty(res, 416, headers)
      return
    }
    if (range !== undefined) {
      status = 206
      start = range.start
      end = range.end
      headers['content-range'] = `bytes ${start}-${end}/${stats.size}`
    }
  }
  headers['content-length'] = stats.size === 0 ? 0 : end - start + 1
  res.writeHead(status, headers)
  if (req.method === 'HEAD' || stats.size === 0) {
    res.end()
    return
  }
  try {
    await pipeline(createReadStream(fullPath, { start, end }), res)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ERR_STREAM_PREMATURE_CLOSE' && code !== 'ECONNRESET' && code !== 'EPIPE')
      throw error
  }
}
