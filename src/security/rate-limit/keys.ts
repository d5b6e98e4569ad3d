/**
 * Rate-limit key functions: which bucket a request counts against.
 *
 * The client address is the socket peer (`ctx.ip`) unless the trusted-proxies middleware has
 * resolved a client address into `ctx.state.clientIp`; raw `X-Forwarded-For` is never read here,
 * so a direct client cannot pick its own key by sending one. IPv6 clients are keyed by their /64
 * network (one subscriber usually holds a whole /64 and could otherwise rotate addresses), and
 * IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) by their IPv4 form.
 */
import { isIPv4, isIPv6 } from 'node:net'
import type { AnyInputs, Context } from '../../app/index.ts'
import { CLIENT_IP_KEY } from '../proxies.ts'

/** Computes the bucket key for a request; `undefined` or `''` falls back to {@link byIp}. */
export type RateLimitKey = (
  ctx: Context<AnyInputs>,
) => string | undefined | Promise<string | undefined>

/** Where `trustedProxies` puts the client address. */
export const CLIENT_IP_STATE_KEY = CLIENT_IP_KEY

/**
 * The client address: `ctx.state.clientIp` when a trusted-proxies middleware set it, else the
 * socket peer. `'unknown'` when the socket is already gone.
 *
 * @example
 * app.get('/whoami', (ctx) => ({ ip: clientIp(ctx) }))
 */
export function clientIp(ctx: Context<AnyInputs>): string {
  const resolved = ctx.state[CLIENT_IP_STATE_KEY]
  if (typeof resolved === 'string' && resolved !== '') return resolved
  return ctx.ip ?? 'unknown'
}

/**
 * Key by client address (the default): `ip:<address>`, IPv6 grouped by /64.
 *
 * @example
 * app.use(rateLimit({ limit: 100, windowMs: 60_000, key: byIp }))
 */
export function byIp(ctx: Context<AnyInputs>): string {
  return `ip:${normalizeIp(clientIp(ctx))}`
}

/**
 * Key by user id (`user:<id>`), falling back to the client address for anonymous requests.
 *
 * @example
 * app.use(rateLimit({ limit: 1000, windowMs: 3_600_000, key: byUser((ctx) => ctx.state.user?.id) }))
 */
export function byUser(
  getId: (ctx: Context<AnyInputs>) => string | number | bigint | null | undefined,
): RateLimitKey {
  return (ctx) => {
    const id = getId(ctx)
    return id === undefined || id === null || id === '' ? byIp(ctx) : `user:${String(id)}`
  }
}

/**
 * Key by matched route and client address: `route:<METHOD> <pattern>|ip:<address>`. The route
 * pattern (`/users/:id`), not the raw path, so `/users/1` and `/users/2` share a bucket and path
 * variants cannot open new ones; requests that match no route share one `<unmatched>` bucket.
 *
 * @example
 * app.post('/login', { middleware: [rateLimit({ limit: 5, windowMs: 60_000, key: byRoute })] }, login)
 */
export function byRoute(ctx: Context<AnyInputs>): string {
  const route = ctx.route
  const name = route === null ? '<unmatched>' : `${route.method} ${route.path}`
  return `route:${name}|${byIp(ctx)}`
}

/**
 * Canonical form of an address for keying: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 as
 * its /64 network (`2001:db8:0:1::/64`), anything else unchanged.
 */
export function normalizeIp(address: string): string {
  if (isIPv4(address)) return address
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  const zoneless = bare.split('%')[0]!
  if (!isIPv6(zoneless)) return address
  const groups = expandIPv6(zoneless.toLowerCase())
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff
  if (mapped) return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`
}

/** The eight 16-bit groups of a valid IPv6 address (embedded IPv4 tail allowed). */
function expandIPv6(address: string): number[] {
  let text = address
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16))
  const left = parse(head)
  if (tail === undefined) return left
  const right = parse(tail)
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
}
