/**
 * `allowedHosts()`: answer 400 unless the request's host is one you serve (Django's ALLOWED_HOSTS).
 *
 * Why: apps build absolute URLs (password-reset links, redirects, cache keys) from the Host header,
 * which the client controls. A poisoned Host (`evil.example`, `example.com@evil.tld`) would end up
 * in emails and caches. Entries match exactly (`example.com`), a leading dot matches the domain and
 * its subdomains (`.example.com`), and `*` opts out. Malformed hosts are refused even with `*`.
 * The forwarded host is used only when `trustedProxies()` vouched for it (`FORWARDED_HOST_KEY`).
 */
import { isIP } from 'node:net'
import type { Middleware } from '../app/index.ts'
import { HttpError, PlinthError } from '../http/index.ts'
import { FORWARDED_HOST_KEY, HOST_KEY } from './proxies.ts'

/** A parsed `host[:port]`. */
export interface ParsedHost {
  /** Lower-case name without port or trailing dot; IPv6 literals keep their brackets (`[::1]`). */
  hostname: string
  port: number | undefined
}

const HOST_RE = /^([a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/

/** Canonical bracketed form of an IPv6 literal (`[0:0::1]` → `[::1]`), or `null`. */
function canonicalIPv6(inner: string): string | null {
  if (isIP(inner) !== 6) return null
  try {
    return new URL(`http://[${inner}]/`).hostname
  } catch {
    return null
  }
}

/**
 * Parse a `Host` value (`example.com`, `EXAMPLE.com:8080`, `[::1]:80`). Returns `null` for anything
 * malformed: empty, spaces, userinfo (`@`), paths, backslashes, several ports, bad IPv6, too long.
 *
 * @example
 * parseHost('Example.COM:8080') // { hostname: 'example.com', port: 8080 }
 * parseHost('example.com@evil.tld') // null
 */
export function parseHost(value: string): ParsedHost | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 260) return null
  const match = HOST_RE.exec(value.toLowerCase())
  if (match === null) return null
  let hostname = match[1]!
  const port = match[2] === undefined ? undefined : Number(match[2])
  if (port !== undefined && port > 65535) return null
  if (hostname.startsWith('[')) {
    const canonical = canonicalIPv6(hostname.slice(1, -1))
    if (canonical === null) return null
    hostname = canonical
  } else {
    if (hostname.endsWith('.')) hostname = hostname.slice(0, -1)
    if (hostname.length > 253 || hostname.split('.').some((label) => label.length > 63)) return null
  }
  return { hostname, port }
}

type Matcher = { kind: 'any' } | { kind: 'exact'; host: string } | { kind: 'domain'; host: string }

function configError(message: string): PlinthError {
  return new PlinthError('PLINTH_SECURITY_HOSTS_CONFIG', message)
}

function compileEntry(entry: unknown): Matcher {
  if (typeof entry !== 'string') throw configError('Each allowed host must be a string.')
  const value = entry.trim().toLowerCase()
  if (value === '*') return { kind: 'any' }
  const domain = value.startsWith('.')
  const body = domain ? value.slice(1) : value
  // Accept a bare IPv6 literal ('::1') as well as the bracketed form.
  const parsed = parseHost(isIP(body) === 6 ? `[${body}]` : body)
  if (parsed === null || body.endsWith('.') || (domain && body.startsWith('['))) {
    throw configError(
      `Allowed host ${JSON.stringify(entry)} is not a host name; use "example.com", ".example.com" (domain and subdomains), an IP address or "*".`,
    )
  }
  if (parsed.port !== undefined) {
    throw configError(
      `Allowed host ${JSON.stringify(entry)} has a port; list the host without it (ports are not checked).`,
    )
  }
  return domain
    ? { kind: 'domain', host: parsed.hostname }
    : { kind: 'exact', host: parsed.hostname }
}

function matches(matchers: readonly Matcher[], hostname: string): boolean {
  for (const m of matchers) {
    if (m.kind === 'any') return true
    if (m.kind === 'exact' && hostname === m.host) return true
    if (m.kind === 'domain' && (hostname === m.host || hostname.endsWith(`.${m.host}`))) return true
  }
  return false
}

/** Count `Host` lines in the raw headers (Node keeps only the first in `req.headers`). */
function hostHeaderCount(rawHeaders: readonly string[]): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'host') count++
  }
  return count
}

/** A client-safe rendering of a rejected host for debug messages (no markup, bounded length). */
function describe(host: string | undefined): string {
  if (host === undefined) return '(none)'
  return JSON.stringify(host.slice(0, 100).replace(/[^a-zA-Z0-9.:[\]-]/g, '?'))
}

function reject(reason: string, host: string | undefined, debug: boolean): never {
  const message = debug
    ? `Invalid Host header ${describe(host)}: ${reason} Add the host to allowedHosts([...]) if it is yours.`
    : `Invalid Host header: ${reason}`
  throw new HttpError(400, message, { code: 'invalid_host' })
}

/**
 * Refuse requests whose host is not in `hosts` with 400 (`code: 'invalid_host'`).
 *
 * Entries: `'example.com'` (exact), `'.example.com'` (the domain and every subdomain), IP
 * addresses (`'127.0.0.1'`, `'[::1]'`), or `'*'` to accept any well-formed host. Ports are ignored.
 * Behind a proxy, add `trustedProxies()` first: its vouched `X-Forwarded-Host` is checked instead.
 *
 * @example
 * app.use(allowedHosts(['example.com', '.example.com', 'localhost', '127.0.0.1', '[::1]']))
 */
export function allowedHosts(hosts: readonly string[]): Middleware {
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw configError(
      'allowedHosts() needs a non-empty list of host names, e.g. ["example.com", ".example.com"]; use ["*"] to accept any host.',
    )
  }
  const matchers = hosts.map(compileEntry)

  return (ctx, next) => {
    const req = ctx.req
    const debug = ctx.app.debug
    let candidate: string | undefined
    const state = ctx.state
    if (state[FORWARDED_HOST_KEY] === true && typeof state[HOST_KEY] === 'string') {
      candidate = state[HOST_KEY] as string
    } else {
      if (hostHeaderCount(req.rawHeaders) > 1)
        reject('the request has several Host headers.', undefined, debug)
      candidate = req.headers.host
    }
    if (candidate === undefined || candidate === '')
      reject('the request has no host.', candidate, debug)
    const parsed = parseHost(candidate)
    if (parsed === null) reject('the host is malformed.', candidate, debug)
    if (!matches(matchers, parsed.hostname)) reject('the host is not allowed.', candidate, debug)
    return next()
  }
}
