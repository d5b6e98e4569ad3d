/**
 * Reading a request body into memory with a byte limit.
 *
 * The limit applies to the *decoded* bytes: a gzip bomb of 50 MiB of zeros (~50 KB on the wire)
 * is stopped as soon as the inflated size passes the limit. A declared `Content-Length` over the
 * limit is refused before a single byte is read. Unknown or stacked encodings are refused (415).
 */
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { HttpError } from './errors.ts'

/** The stream to read a body from, decoded per `Content-Encoding`; throws 415 for unknown encodings. */
export function decodedBodyStream(req: IncomingMessage): Readable {
  const encoding = req.headers['content-encoding']
  if (encoding === undefined) return req
  switch (encoding.trim().toLowerCase()) {
    case '':
    case 'identity':
      return req
    case 'gzip':
    case 'x-gzip':
      return req.pipe(createGunzip())
    case 'deflate':
      return req.pipe(createInflate())
    case 'br':
      return req.pipe(createBrotliDecompress())
    default:
      throw new HttpError(
        415,
        `Content-Encoding ${JSON.stringify(encoding)} is not supported; use gzip, deflate or br.`,
        {
          code: 'unsupported_encoding',
        },
      )
  }
}

/** 413 with the limit in the message; the connection is closed so the unread rest is never parsed. */
export function bodyTooLarge(limit: number): HttpError {
  return new HttpError(413, `Request body is larger than the limit of ${limit} bytes.`, {
    code: 'payload_too_large',
    headers: { connection: 'close' },
  })
}

/** Refuse early when the declared length already exceeds the limit. */
export function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > limit) throw bodyTooLarge(limit)
}

/**
 * Read the whole (decoded) body, failing with 413 past `limit` bytes.
 *
 * @example
 * const bytes = await readBody(req, 1024 * 1024)
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (req.readableDidRead || req.readableEnded) {
    // Another reader (a multipart form) consumed the stream; waiting would hang forever.
    return Promise.reject(
      new HttpError(
        500,
        'The request body was already read as a form; read it once, with ctx.form() or ctx.bytes().',
        {
          code: 'body_already_read',
        },
      ),
    )
  }
  checkDeclaredLength(req, limit)
  const stream = decodedBodyStream(req)
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (error: unknown, value?: Buffer) => {
      if (done) return
      done = true
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', onError)
      req.off('aborted', onAborted)
      if (error) reject(error)
      else resolve(value!)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        if (stream !== req) stream.destroy()
        req.pause()
        finish(bodyTooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => finish(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    const onError = (error: Error) => {
      const zlib =
        (error as NodeJS.ErrnoException).code?.startsWith('Z_') ||
        error.message.includes('incorrect header')
      finish(
        zlib
          ? new HttpError(400, 'Request body could not be decompressed.', {
              code: 'invalid_encoding',
              cause: error,
            })
          : new HttpError(400, 'Request body could not be read.', {
              code: 'body_read_error',
              cause: error,
            }),
      )
    }
    const onAborted = () =>
      finish(new HttpError(400, 'The client aborted the request.', { code: 'request_aborted' }))
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
    req.on('aborted', onAborted)
    if (stream !== req) req.on('error', onError)
  })
}

const CHARSETS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'us-ascii': 'latin1',
  ascii: 'latin1',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
  'utf-16le': 'utf16le',
}

/** Map a `charset` parameter to a Buffer encoding; throws 415 for charsets Node cannot decode. */
export function bufferEncodingFor(charset: string | undefined): BufferEncoding {
  if (charset === undefined) return 'utf8'
  const encoding = CHARSETS[charset.toLowerCase()]
  if (encoding === undefined) {
    throw new HttpError(415, `Charset ${JSON.stringify(charset)} is not supported.`, {
      code: 'unsupported_charset',
    })
  }
  return encoding
}
