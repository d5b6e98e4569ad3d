/**
 * Options of `csrf()`, checked once when the middleware is built so a typo in a trusted origin or
 * a cookie name fails at startup rather than as a 403 on the first form submission.
 */
import type { AnyInputs, Context } from '../app/index.ts'
import { type CookieOptions, PlinthError, serializeCookie } from '../http/index.ts'

/** Options of `csrf()`. */
export interface CsrfOptions {
  /**
   * Other origins allowed to send unsafe requests, exactly as browsers send them in `Origin`:
   * scheme + host + non-default port, no path (`'https://admin.shop.example'`). Default none.
   */
  trustedOrigins?: readonly string[]
  /** Skip the check for requests this returns `true` for (webhooks signed another way, say). */
  exempt?: (ctx: Context<AnyInputs>) => boolean
  /** Cookie holding the secret. Default `__Host-csrf` when `secure`, else `csrftoken`. */
  cookieName?: string
  /** Send the cookie over HTTPS only. Default: `true` unless the app is in debug mode. */
  secure?: boolean
  /** `SameSite` of the cookie. Default `'lax'`. */
  sameSite?: 'lax' | 'strict' | 'none'
  /** Form field carrying the token. Default `csrf_token` (what `{% csrf_token %}` renders). */
  fieldName?: string
  /** Request header carrying the token (for `fetch`). Default `X-CSRF-Token`. */
  headerName?: string
}

/** @internal Options after checking. */
export interface CsrfConfig {
  readonly trustedOrigins: ReadonlySet<string>
  readonly exempt: ((ctx: Context<AnyInputs>) => boolean) | undefined
  readonly cookieName: string | undefined
  readonly secure: boolean | undefined
  readonly sameSite: 'lax' | 'strict' | 'none'
  readonly fieldName: string
  /** Lower-cased, as Node stores request header names. */
  readonly headerName: string
  /** As configured, for messages. */
  readonly headerLabel: string
}

/** The secret cookie lives a year, like Django's: forms in tabs restored later still work. */
export const CSRF_COOKIE_MAX_AGE = 365 * 24 * 60 * 60

const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function configError(message: string): PlinthError {
  return new PlinthError('PLINTH_SECURITY_CSRF_CONFIG', `csrf(): ${message}`)
}

function checkOrigin(entry: unknown): string {
  if (typeof entry !== 'string' || entry === 'null' || entry.includes('*')) {
    throw configError(
      `trusted origin ${JSON.stringify(entry)} is not an origin: list exact origins such as 'https://admin.example.com' (no wildcards, never 'null').`,
    )
  }
  let url: URL
  try {
    url = new URL(entry)
  } catch {
    throw configError(
      `trusted origin ${JSON.stringify(entry)} is not a URL: write it as 'https://host[:port]'.`,
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError(`trusted origin ${JSON.stringify(entry)} must use http: or https:.`)
  }
  if (url.origin !== entry) {
    throw configError(
      `trusted origin ${JSON.stringify(entry)} is not written the way browsers send Origin; use ${JSON.stringify(url.origin)} (lower case, no path or trailing slash, no default port).`,
    )
  }
  return entry
}

/** @internal */
export function resolveCsrfOptions(options: CsrfOptions = {}): CsrfConfig {
  if (options === null || typeof options !== 'object') throw configError('pass an options object.')
  const trusted = options.trustedOrigins ?? []
  if (!Array.isArray(trusted)) throw configError('trustedOrigins must be an array of origins.')
  if (options.exempt !== undefined && typeof options.exempt !== 'function')
    throw configError('exempt must be a function (ctx) => boolean.')
  if (options.secure !== undefined && typeof options.secure !== 'boolean')
    throw configError('secure must be true or false.')
  const sameSite = options.sameSite ?? 'lax'
  if (!['lax', 'strict', 'none'].includes(sameSite))
    throw configError(`sameSite must be 'lax', 'strict' or 'none', got ${String(sameSite)}.`)
  const fieldName = options.fieldName ?? 'csrf_token'
  if (typeof fieldName !== 'string' || fieldName === '')
    throw configError('fieldName must be a non-empty string.')
  const headerName = options.headerName ?? 'X-CSRF-Token'
  if (typeof headerName !== 'string' || !HEADER_TOKEN.test(headerName))
    throw configError(`headerName ${JSON.stringify(headerName)} is not a valid header name.`)
  const config: CsrfConfig = {
    trustedOrigins: new Set(trusted.map(checkOrigin)),
    exempt: options.exempt,
    cookieName: options.cookieName,
    secure: options.secure,
    sameSite,
    fieldName,
    headerName: headerName.toLowerCase(),
    headerLabel: headerName,
  }
  // Serialize a sample cookie in both modes now: a bad name fails here, not per request.
  for (const debug of [false, true]) {
    const { name, attributes } = csrfCookie(config, debug)
    try {
      serializeCookie(name, 'x', attributes)
    } catch (error) {
      throw configError((error as Error).message)
    }
  }
  return config
}

/** @internal The secret cookie's name and attributes for an app in (or out of) debug mode. */
export function csrfCookie(
  config: CsrfConfig,
  debug: boolean,
): { name: string; attributes: CookieOptions } {
  const secure = config.secure ?? !debug
  const name = config.cookieName ?? (secure ? '__Host-csrf' : 'csrftoken')
  return {
    name,
    attributes: {
      path: '/',
      httpOnly: true,
      sameSite: config.sameSite,
      secure,
      maxAge: CSRF_COOKIE_MAX_AGE,
    },
  }
}
