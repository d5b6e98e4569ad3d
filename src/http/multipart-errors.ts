/**
 * The errors a multipart parse can end with. Codes are stable: `invalid_multipart` (400) for
 * malformed input, one code per limit (413), `request_aborted`, `invalid_encoding` and
 * `body_read_error` (400) for the transport, `upload_failed` (500) for the server's own storage.
 *
 * Every error raised while the body is still streaming closes the connection: the unread rest of
 * a hostile body must not be drained, nor be parsed as the next request on a keep-alive socket.
 */
import { HttpError } from './errors.ts'

function closing(): Record<string, string> {
  return { connection: 'close' }
}

/** 400 for input that is not well-formed multipart. */
export function invalidMultipart(message: string): HttpError {
  return new HttpError(400, message, { code: 'invalid_multipart', headers: closing() })
}

/** 413 for a multipart limit, with a stable code. */
export function multipartLimit(code: string, message: string): HttpError {
  return new HttpError(413, message, { code, headers: closing() })
}

/** A client-sent name, quoted and shortened for an error message. */
export function quoteName(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name)
}

/** 400 when the client went away before the body was complete. */
export function requestAborted(): HttpError {
  return new HttpError(400, 'The client aborted the request.', { code: 'request_aborted' })
}

/** 400 for a part whose header block was cut off by the next boundary or the end of the body. */
export function unterminatedHeaders(): HttpError {
  return invalidMultipart('A part ended before the blank line that closes its headers.')
}

/** 500 for a failure that is not the client's (disk full, upload dir missing); cause kept for logs. */
export function storageFailure(cause: unknown): HttpError {
  return new HttpError(500, 'The upload could not be stored.', {
    code: 'upload_failed',
    cause,
    headers: closing(),
  })
}

/** Map an error of the request (or its decompression) stream to the answer it deserves. */
export function bodyStreamError(error: NodeJS.ErrnoException): HttpError {
  if (error.code === 'ECONNRESET') return requestAborted()
  if (error.code?.startsWith('Z_') || error.message.includes('incorrect header')) {
    return new HttpError(400, 'Request body could not be decompressed.', {
      code: 'invalid_encoding',
      cause: error,
      headers: closing(),
    })
  }
  return new HttpError(400, 'Request body could not be read.', {
    code: 'body_read_error',
    cause: error,
    headers: closing(),
  })
}
