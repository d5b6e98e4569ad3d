/**
 * Errors shared by every layer.
 *
 * - `HttpError` is what a handler throws to answer with a 4xx/5xx status. Its `code` is a
 *   stable, machine-readable string (`not_found`, `validation_error`, …) that clients can rely on.
 * - `PlinthError` is a programming or configuration mistake found by the framework (a duplicate
 *   route, an invalid limit). Its `code` is `PLINTH_<MODULE>_<REASON>` and its message says how to
 *   fix it. These surface at startup, never as a client response body.
 */
import { STATUS_CODES } from 'node:http'

/** Options accepted by {@link HttpError}. */
export interface HttpErrorOptions {
  /** Stable machine-readable code; defaults to a snake_case form of the status text. */
  code?: string
  /** Extra, client-safe structured data (e.g. a list of validation issues). */
  details?: unknown
  /** Headers sent with the error response (e.g. `Allow`, `Retry-After`, `WWW-Authenticate`). */
  headers?: Record<string, string>
  /** Underlying error, kept for logs; never sent to the client. */
  cause?: unknown
  /**
   * Whether `message` may be shown to the client. Defaults to true for 4xx and false for 5xx,
   * so a 500 thrown with internal details only shows a generic message in production.
   */
  expose?: boolean
}

/**
 * An error that maps to an HTTP response.
 *
 * @example
 * throw new HttpError(404, 'Product 3 does not exist')
 * throw new HttpError(409, 'Slug already taken', { code: 'slug_taken', details: { slug } })
 */
export class HttpError extends Error {
  readonly status: number
  readonly code: string
  readonly details: unknown
  readonly headers: Record<string, string> | undefined
  readonly expose: boolean

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new PlinthError(
        'PLINTH_HTTP_INVALID_ERROR_STATUS',
        `HttpError status must be an integer from 400 to 599, got ${String(status)}.`,
      )
    }
    super(
      message ?? statusText(status),
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = 'HttpError'
    this.status = status
    this.code = options.code ?? defaultErrorCode(status)
    this.details = options.details
    this.headers = options.headers
    this.expose = options.expose ?? status < 500
  }
}

/**
 * A mistake in how the framework is used or configured. Thrown at startup (or registration),
 * with a stable code and a message that says what to change.
 */
export class PlinthError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PlinthError'
    this.code = code
  }
}

/** Standard reason phrase for a status code (`404` → `Not Found`). */
export function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown Status'
}

const CODE_CACHE = new Map<number, string>()

/** `404` → `not_found`, `413` → `payload_too_large`. */
export function defaultErrorCode(status: number): string {
  let code = CODE_CACHE.get(status)
  if (code === undefined) {
    code = statusText(status)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
    CODE_CACHE.set(status, code)
  }
  return code
}
