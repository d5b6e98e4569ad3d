/**
 * `Reply`: a response that has been decided but not yet written.
 *
 * Handlers return plain values (sent as JSON) or a `Reply` built by the helpers in this module
 * (`json`, `text`, `html`, `redirect`, `stream`, `noContent`; `file` and `sse` live beside them).
 * Middleware receives the `Reply` from `next()` and may change its status and headers before it is
 * written. Only `send.ts` writes to the socket.
 */
import type { Readable } from 'node:stream'
import { type CookieOptions, serializeCookie } from './cookies.ts'
import { PlinthError } from './errors.ts'

/** What kind of payload a reply carries; decides how `send` writes it. */
export type ReplyKind = 'json' | 'bytes' | 'stream' | 'file' | 'empty'

/** Status and headers accepted by every reply helper. */
export interface ReplyInit {
  status?: number
  headers?: Record<string, string | string[]>
}

/** Options of a file reply, resolved by `send` against the file system. */
export interface FileReplyOptions {
  /** Serve only inside this directory; `path` is then resolved relative to it and may not escape. */
  root?: string
  /** `true` (use the file's name) or a file name: sends `Content-Disposition: attachment`. */
  download?: boolean | string
  /** Override the type guessed from the extension. */
  contentType?: string
  /** `Cache-Control: max-age` in seconds (default 0, i.e. revalidate with the ETag). */
  maxAge?: number
  /** Adds `immutable` to `Cache-Control` (for fingerprinted assets). */
  immutable?: boolean
}

/** A response that has been decided but not yet written. */
export class Reply {
  status: number
  /** Lower-case header names. `set-cookie` is always an array. */
  headers: Record<string, string | string[]>
  kind: ReplyKind
  /** JSON replies: the value to serialize (a route's response schema picks the serializer). */
  data: unknown
  /** `bytes` replies: the payload. */
  body: string | Uint8Array | null
  /** `stream` replies: the source. */
  stream: Readable | AsyncIterable<string | Uint8Array> | null
  /** `file` replies: the path and options. */
  file: { path: string; options: FileReplyOptions } | null

  constructor(kind: ReplyKind, status = 200) {
    this.status = status
    this.headers = Object.create(null)
    this.kind = kind
    this.data = undefined
    this.body = null
    this.stream = null
    this.file = null
  }

  /** Set a header (lower-cased). `set-cookie` values are appended rather than replaced. */
  header(name: string, value: string | string[]): this {
    const key = name.toLowerCase()
    if (key === 'set-cookie') {
      const list = (this.headers['set-cookie'] as string[] | undefined) ?? []
      this.headers['set-cookie'] = list.concat(value)
    } else {
      this.headers[key] = value
    }
    return this
  }

  /** Add a `Set-Cookie` header. */
  cookie(name: string, value: string, options?: CookieOptions): this {
    return this.header('set-cookie', serializeCookie(name, value, options))
  }

  /** Expire a cookie in the browser (same `path`/`domain` as when it was set). */
  clearCookie(
    name: string,
    options: Pick<CookieOptions, 'path' | 'domain' | 'secure' | 'sameSite'> = {},
  ): this {
    return this.header(
      'set-cookie',
      serializeCookie(name, '', { ...options, maxAge: 0, expires: new Date(0) }),
    )
  }

  /** Change the status code. */
  withStatus(status: number): this {
    this.status = checkStatus(status)
    return this
  }
}

function checkStatus(status: number): number {
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new PlinthError(
      'PLINTH_HTTP_INVALID_STATUS',
      `Response status must be an integer from 100 to 599, got ${status}.`,
    )
  }
  return status
}

function init(reply: Reply, options: ReplyInit | undefined): Reply {
  if (options === undefined) return reply
  if (options.status !== undefined) reply.status = checkStatus(options.status)
  if (options.headers !== undefined) {
    for (const name of Object.keys(options.headers)) reply.header(name, options.headers[name]!)
  }
  return reply
}

/**
 * A JSON response. Returning a plain value from a handler does the same with status 200.
 *
 * @example
 * return json(product, { status: 201, headers: { location: `/products/${product.id}` } })
 */
export function json(data: unknown, options?: ReplyInit): Reply {
  const reply = new Reply('json')
  reply.data = data
  return init(reply, options)
}

function bytes(
  body: string | Uint8Array,
  contentType: string,
  options: ReplyInit | undefined,
): Reply {
  const reply = new Reply('bytes')
  reply.body = body
  reply.headers['content-type'] = contentType
  return init(reply, options)
}

/** A `text/plain; charset=utf-8` response. */
export function text(body: string, options?: ReplyInit): Reply {
  return bytes(body, 'text/plain; charset=utf-8', options)
}

/**
 * A `text/html; charset=utf-8` response. The string is sent as is: escape any user data in it
 * (the template engine does this for you).
 */
export function html(body: string, options?: ReplyInit): Reply {
  return bytes(body, 'text/html; charset=utf-8', options)
}

/** Raw bytes with an explicit content type (default `application/octet-stream`). */
export function binary(
  body: Uint8Array | string,
  contentType = 'application/octet-stream',
  options?: ReplyInit,
): Reply {
  return bytes(body, contentType, options)
}

/** An empty response, 204 by default. */
export function noContent(options?: ReplyInit): Reply {
  return init(new Reply('empty', 204), options)
}

/**
 * A streamed response: a Node `Readable`, an async iterable of chunks, or a web `ReadableStream`.
 * Sent with chunked transfer encoding; the stream is destroyed if the client goes away.
 *
 * @example
 * return stream(createReadStream('report.csv'), { headers: { 'content-type': 'text/csv' } })
 */
export function stream(
  source: Readable | AsyncIterable<string | Uint8Array> | ReadableStream<Uint8Array>,
  options?: ReplyInit & { contentType?: string },
): Reply {
  const reply = new Reply('stream')
  reply.stream = source as Readable | AsyncIterable<string | Uint8Array>
  reply.headers['content-type'] = options?.contentType ?? 'application/octet-stream'
  return init(reply, options)
}

/**
 * Send a file from disk with `ETag`/`Last-Modified`, conditional GET (304), single byte ranges
 * (206) and a type guessed from the extension. With `root`, the path is confined to that directory.
 *
 * @example
 * return file(`${ctx.params.name}.pdf`, { root: './reports', download: true })
 */
export function file(path: string, options: FileReplyOptions & ReplyInit = {}): Reply {
  const reply = new Reply('file')
  reply.file = { path, options }
  return init(reply, options)
}
