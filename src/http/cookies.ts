/**
 * Cookie parsing and serialization (RFC 6265bis).
 *
 * Parsing is tolerant of junk but never lets a hostile name through: only SP/HTAB are trimmed
 * (not U+00A0, which would let `\u00a0__Host-sid` shadow `__Host-sid`), nameless pairs such as
 * `=__Host-sid=x` are dropped, the first occurrence of a name wins, and the result is a
 * null-prototype object so `__proto__` is just another key.
 *
 * Serialization is strict: an invalid name, a value with control characters, or a `Path`/`Domain`
 * that could inject attributes throws instead of emitting a header.
 */
import { PlinthError } from './errors.ts'

/** Attributes for `Set-Cookie`. Defaults are the safe ones: `Path=/; HttpOnly; SameSite=Lax`. */
export interface CookieOptions {
  /** Lifetime in seconds; `0` expires the cookie immediately. */
  maxAge?: number
  expires?: Date
  domain?: string
  /** Defaults to `/`. */
  path?: string
  /** Defaults to `false`; required (and forced) for `__Secure-`/`__Host-` names and `SameSite=None`. */
  secure?: boolean
  /** Defaults to `true`: scripts cannot read the cookie. Set `false` for values `fetch` code must read. */
  httpOnly?: boolean
  /** Defaults to `'lax'`. */
  sameSite?: 'strict' | 'lax' | 'none' | false
  partitioned?: boolean
  priority?: 'low' | 'medium' | 'high'
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// Attribute values (path, domain) may not contain controls or ';'.
const ATTRIBUTE_VALUE = /^[\u0020-\u003a\u003c-\u007e]*$/

/**
 * Parse a `Cookie` header into a null-prototype record. Values are percent-decoded when they
 * decode cleanly, otherwise kept as sent.
 *
 * @example
 * parseCookies('a=1; __Host-sid=abc; a=2') // { a: '1', '__Host-sid': 'abc' }
 */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  if (!header) return out
  const n = header.length
  let start = 0
  while (start < n) {
    let end = header.indexOf(';', start)
    if (end === -1) end = n
    const eq = header.indexOf('=', start)
    if (eq !== -1 && eq < end) {
      const name = trimOws(header, start, eq)
      if (name.length > 0 && !(name in out)) {
        let value = trimOws(header, eq + 1, end)
        if (
          value.length >= 2 &&
          value.charCodeAt(0) === 0x22 &&
          value.charCodeAt(value.length - 1) === 0x22
        ) {
          value = value.slice(1, -1)
        }
        out[name] = value.includes('%') ? safeDecode(value) : value
      }
    }
    start = end + 1
  }
  return out
}

function trimOws(s: string, from: number, to: number): string {
  while (from < to && (s.charCodeAt(from) === 0x20 || s.charCodeAt(from) === 0x09)) from++
  while (to > from && (s.charCodeAt(to - 1) === 0x20 || s.charCodeAt(to - 1) === 0x09)) to--
  return s.slice(from, to)
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/**
 * Build one `Set-Cookie` header value. The value is percent-encoded; names and attributes are
 * validated and an invalid one throws a `PlinthError` (a programming error, answered with 500).
 *
 * @example
 * serializeCookie('theme', 'dark', { maxAge: 3600 }) // 'theme=dark; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax'
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!TOKEN.test(name)) {
    throw new PlinthError(
      'PLINTH_COOKIE_INVALID_NAME',
      `Cookie name ${JSON.stringify(name)} is not a valid token.`,
    )
  }
  const path = options.path ?? '/'
  const sameSite = options.sameSite ?? 'lax'
  let secure = options.secure ?? false
  if (
    name.startsWith('__Secure-') ||
    name.startsWith('__Host-') ||
    sameSite === 'none' ||
    options.partitioned
  ) {
    secure = true
  }
  if (name.startsWith('__Host-') && (options.domain !== undefined || path !== '/')) {
    throw new PlinthError(
      'PLINTH_COOKIE_HOST_PREFIX',
      `Cookie ${name} uses the __Host- prefix, which requires Path=/ and no Domain.`,
    )
  }
  let out = `${name}=${encodeURIComponent(value)}`
  if (options.maxAge !== undefined) {
    if (!Number.isFinite(options.maxAge)) {
      throw new PlinthError(
        'PLINTH_COOKIE_INVALID_MAX_AGE',
        `Cookie maxAge must be a finite number of seconds.`,
      )
    }
    out += `; Max-Age=${Math.floor(options.maxAge)}`
  }
  if (options.expires !== undefined) {
    if (Number.isNaN(options.expires.getTime())) {
      throw new PlinthError('PLINTH_COOKIE_INVALID_EXPIRES', 'Cookie expires must be a valid Date.')
    }
    out += `; Expires=${options.expires.toUTCString()}`
  }
  if (options.domain !== undefined) out += `; Domain=${checkAttribute('domain', options.domain)}`
  out += `; Path=${checkAttribute('path', path)}`
  if (secure) out += '; Secure'
  if (options.httpOnly ?? true) out += '; HttpOnly'
  if (sameSite)
    out += `; SameSite=${sameSite === 'lax' ? 'Lax' : sameSite === 'strict' ? 'Strict' : 'None'}`
  if (options.partitioned) out += '; Partitioned'
  if (options.priority)
    out += `; Priority=${options.priority[0]!.toUpperCase()}${options.priority.slice(1)}`
  return out
}

function checkAttribute(attribute: string, value: string): string {
  if (!ATTRIBUTE_VALUE.test(value) || value.length > 1024) {
    throw new PlinthError(
      'PLINTH_COOKIE_INVALID_ATTRIBUTE',
      `Cookie ${attribute} ${JSON.stringify(value)} contains characters that are not allowed (controls or ';').`,
    )
  }
  return value
}
