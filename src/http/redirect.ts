/**
 * Redirects that cannot be turned into open redirects.
 *
 * A target is judged the way a browser will read it (WHATWG URL parsing, which treats `\` as `/`,
 * strips leading controls and drops tabs/newlines), against both an `http:` and an `https:` base,
 * so tricks like `/\evil.example`, `\x08//evil.example` or `java\nscript:` are caught.
 */
import { HttpError } from './errors.ts'
import { Reply, type ReplyInit } from './reply.ts'

const BASES = ['http://plinth.invalid/', 'https://plinth.invalid/']
// Controls, backslashes and surrounding spaces never appear in a legitimate redirect target;
// browsers strip or reinterpret them, which is how "\x08//evil.example" becomes off-site.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const SUSPICIOUS = /[\u0000-\u001f\u007f-\u009f\\]|^\s|\s$/

/** Options for {@link isSafeRedirect}. */
export interface SafeRedirectOptions {
  /** Host names (with port when not default) that absolute URLs may point to. */
  allowedHosts?: readonly string[]
  /** Only allow `https:` for absolute URLs to allowed hosts. */
  requireHttps?: boolean
}

/**
 * True when redirecting to `url` keeps the user on this site (a relative URL) or sends them to
 * one of `allowedHosts`.
 *
 * @example
 * isSafeRedirect('/cart?step=2')               // true
 * isSafeRedirect('//evil.example')             // false
 * isSafeRedirect('https://shop.example/', { allowedHosts: ['shop.example'] }) // true
 */
export function isSafeRedirect(url: string, options: SafeRedirectOptions = {}): boolean {
  if (typeof url !== 'string' || url.length === 0 || url.length > 8192) return false
  if (SUSPICIOUS.test(url) || url.startsWith('///')) return false
  for (const base of BASES) {
    let parsed: URL
    try {
      parsed = new URL(url, base)
    } catch {
      return false
    }
    if (
      parsed.origin === new URL(base).origin &&
      !/^[a-z][a-z0-9+.-]*:/i.test(url) &&
      !url.startsWith('//')
    ) {
      continue // relative: stays on the current origin whatever it is
    }
    if (parsed.protocol !== 'https:' && (options.requireHttps || parsed.protocol !== 'http:'))
      return false
    if (parsed.username || parsed.password) return false
    const allowed = options.allowedHosts ?? []
    if (!allowed.some((host) => host.toLowerCase() === parsed.host.toLowerCase())) return false
  }
  return true
}

/** Options for {@link redirect}. */
export interface RedirectInit extends ReplyInit {
  /** Allow an absolute URL to another site (e.g. an OAuth provider). Never pass user input with this. */
  allowExternal?: boolean
}

// Characters that may appear unencoded in a Location header (what `encodeurl` keeps).
const LOCATION_UNSAFE = /[^\x21\x23-\x3B\x3D\x3F-\x5F\x61-\x7A\x7C\x7E%]|%(?![0-9A-Fa-f]{2})/g

/**
 * Redirect (302 by default). Only same-site targets are accepted unless `allowExternal` is set; an
 * unsafe target answers 400 instead of redirecting. For a user-supplied `next` parameter use
 * {@link safeRedirect}, which falls back instead.
 *
 * @example
 * return redirect(app.url('product-detail', { id: product.id }), { status: 303 })
 */
export function redirect(url: string, options: number | RedirectInit = {}): Reply {
  const opts = typeof options === 'number' ? { status: options } : options
  if (!opts.allowExternal && !isSafeRedirect(url)) {
    throw new HttpError(400, 'Refusing to redirect to an external or malformed URL.', {
      code: 'unsafe_redirect',
    })
  }
  if (/[\r\n\0]/.test(url)) {
    throw new HttpError(400, 'Redirect target contains control characters.', {
      code: 'unsafe_redirect',
    })
  }
  const status = opts.status ?? 302
  if (status < 300 || status > 399) {
    throw new HttpError(500, `Redirect status must be 3xx, got ${status}.`)
  }
  const reply = new Reply('empty', status)
  reply.headers.location = url.replace(LOCATION_UNSAFE, (c) =>
    c === '%' ? '%25' : encodeURIComponent(c),
  )
  if (opts.headers)
    for (const name of Object.keys(opts.headers)) reply.header(name, opts.headers[name]!)
  return reply
}

/**
 * Redirect to a user-supplied target when it is safe, otherwise to `fallback`.
 *
 * @example
 * return safeRedirect(ctx.query.next, '/account')
 */
export function safeRedirect(
  target: unknown,
  fallback: string,
  options: SafeRedirectOptions & { status?: number } = {},
): Reply {
  const safe = typeof target === 'string' && isSafeRedirect(target, options)
  return redirect(safe ? (target as string) : fallback, {
    status: options.status ?? 302,
    allowExternal: safe && options.allowedHosts !== undefined,
  })
}
