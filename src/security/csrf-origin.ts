/**
 * Step 1 of the CSRF check: did the browser say the request comes from this site?
 *
 * Modern browsers send `Sec-Fetch-Site`, which settles it (Go 1.25 `CrossOriginProtection`).
 * Otherwise `Origin` must be this site's own origin or a trusted one. A request with neither comes
 * from an old browser or a non-browser client: over HTTPS its `Referer` must then be same-origin
 * (Django's strict Referer check, which keeps a network attacker's plain-HTTP page from posting
 * to the HTTPS site); over plain HTTP it passes this step. The token (step 2) is required anyway.
 */
import type { TLSSocket } from 'node:tls'
import type { AnyInputs, Context } from '../app/index.ts'
import { HttpError } from '../http/index.ts'
import type { CsrfConfig } from './csrf-options.ts'
import { HOST_KEY, PROTOCOL_KEY } from './proxies.ts'

// A host with an optional port and nothing else (no user info, path or spaces).
const HOST_SYNTAX = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/
// Only an absolute URL with an authority counts as a Referer (not `//host/`, `https:host`).
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]/i

/** @internal A 403 with a stable code; the message says what the developer can do about it. */
export function csrfFailure(code: string, message: string): HttpError {
  return new HttpError(403, `CSRF check failed: ${message}`, { code })
}

/** A header value for an error message: quoted and cut short (it is client input). */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value)
}

/** The request's scheme: what `trustedProxies()` found, else whether the socket is TLS. */
export function requestProtocol(ctx: Context<AnyInputs>): 'http' | 'https' {
  const proto = ctx.state[PROTOCOL_KEY]
  if (proto === 'https' || proto === 'http') return proto
  return (ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http'
}

/**
 * This request's own origin (`https://shop.example`): the scheme and host `trustedProxies()`
 * found, else the socket's and the `Host` header's; `null` when the host is unusable.
 *
 * @example
 * // refuse a WebSocket upgrade from another site
 * if (ctx.headers.origin !== requestOrigin(ctx)) throw new HttpError(403, 'Foreign origin')
 */
export function requestOrigin(ctx: Context<AnyInputs>): string | null {
  const forwarded = ctx.state[HOST_KEY]
  const raw =
    typeof forwarded === 'string'
      ? forwarded
      : (ctx.req.headers.host ?? (ctx.req.headers[':authority'] as string | undefined))
  const host = raw?.toLowerCase()
  if (host === undefined || host.length > 260 || !HOST_SYNTAX.test(host)) return null
  try {
    return new URL(`${requestProtocol(ctx)}://${host}`).origin
  } catch {
    return null
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

function trustedHint(config: CsrfConfig): string {
  return config.trustedOrigins.size === 0
    ? 'no trusted origins are configured'
    : `trusted origins: ${[...config.trustedOrigins].join(', ')}`
}

/** Throw the 403 explaining why, unless the request demonstrably comes from this site. */
export function checkCsrfOrigin(ctx: Context<AnyInputs>, config: CsrfConfig): void {
  const headers = ctx.req.headers
  const origin = single(headers.origin)
  const fetchSite = single(headers['sec-fetch-site'])?.trim().toLowerCase()
  if (fetchSite !== undefined && fetchSite !== '') {
    if (fetchSite === 'same-origin' || fetchSite === 'none') return
    if (origin !== undefined && config.trustedOrigins.has(origin)) return
    throw csrfFailure(
      'csrf_cross_site',
      `the browser reports a ${quote(fetchSite)} request${origin === undefined ? '' : ` from ${quote(origin)}`}. Forms and fetch calls must come from this site's own pages; if that origin is yours, add it to csrf({ trustedOrigins }) (${trustedHint(config)}).`,
    )
  }
  if (origin !== undefined) {
    if (origin === 'null') {
      throw csrfFailure(
        'csrf_null_origin',
        'the request has "Origin: null" (a sandboxed iframe, a data: or file: page, or a redirect across origins). Submit the form from a normal page of this site.',
      )
    }
    const own = requestOrigin(ctx)
    if (origin === own || config.trustedOrigins.has(origin)) return
    throw csrfFailure(
      'csrf_origin_mismatch',
      `Origin ${quote(origin)} does not match this site (${own ?? 'unknown host'}). If that origin is yours, add it to csrf({ trustedOrigins }) (${trustedHint(config)}); behind a TLS-terminating proxy, install trustedProxies() so Plinth sees the real scheme and host.`,
    )
  }
  if (requestProtocol(ctx) === 'https') checkReferer(ctx, config, single(headers.referer))
}

/** Django's HTTPS Referer check, for requests with neither `Sec-Fetch-Site` nor `Origin`. */
function checkReferer(ctx: Context<AnyInputs>, config: CsrfConfig, referer: string | undefined) {
  if (referer === undefined) {
    throw csrfFailure(
      'csrf_referer_missing',
      'this HTTPS request has no Origin, Sec-Fetch-Site or Referer header, so its source cannot be checked. Browsers send one unless a Referrer-Policy of "no-referrer" forbids it: use "same-origin" or "strict-origin-when-cross-origin" instead.',
    )
  }
  let url: URL | undefined
  try {
    url = ABSOLUTE_URL.test(referer) ? new URL(referer) : undefined
  } catch {
    url = undefined
  }
  if (url === undefined || url.host === '') {
    throw csrfFailure(
      'csrf_referer_invalid',
      `the Referer header ${quote(referer)} is malformed; browsers send an absolute URL.`,
    )
  }
  if (url.protocol !== 'https:') {
    throw csrfFailure(
      'csrf_referer_invalid',
      `the Referer ${quote(referer)} is insecure while this site is HTTPS: a page served over plain HTTP may not post here.`,
    )
  }
  const own = requestOrigin(ctx)
  if (url.origin === own || config.trustedOrigins.has(url.origin)) return
  throw csrfFailure(
    'csrf_referer_mismatch',
    `Referer ${quote(referer)} does not match this site (${own ?? 'unknown host'}) or any trusted origin (${trustedHint(config)}).`,
  )
}
