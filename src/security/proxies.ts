/**
 * `trustedProxies()`: believe `X-Forwarded-For/Proto/Host` (or RFC 7239 `Forwarded`) only when the
 * direct peer is a proxy you configured.
 *
 * Why: any client can send `X-Forwarded-For: 1.2.3.4`. Trusting it from everyone lets attackers
 * pick their IP (rate limits, audit logs), their scheme (`Secure` cookies, redirects) and their
 * host (password-reset poisoning). So trust is given by address (IPs and CIDR ranges, never "all"
 * nor a hop count), and the client IP is the right-most forwarded address that is not itself a
 * trusted proxy. Results land in `ctx.state` under exported keys; malformed values are ignored.
 */
import { BlockList, isIP } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { Middleware } from '../app/index.ts'
import { PlinthError } from '../http/index.ts'

/** `ctx.state` key of the client IP (the peer address unless a trusted proxy forwarded one). */
export const CLIENT_IP_KEY = 'clientIp'
/** `ctx.state` key of the request's scheme: `'http'` or `'https'`. */
export const PROTOCOL_KEY = 'protocol'
/** `ctx.state` key of the effective host (`Host`, or the forwarded host from a trusted proxy). */
export const HOST_KEY = 'host'
/** `ctx.state` key set to `true` when `HOST_KEY` came from a trusted proxy's forwarded header. */
export const FORWARDED_HOST_KEY = 'hostForwarded'

/** Options of {@link trustedProxies}. */
export interface TrustedProxiesOptions {
  /**
   * Addresses of your proxies: IPs (`'10.0.0.5'`, `'::1'`), CIDR ranges (`'10.0.0.0/8'`,
   * `'fd00::/8'`) and the shorthands `'loopback'`, `'private'` and `'linklocal'`.
   */
  proxies: readonly string[]
  /** Which headers to read: `'x-forwarded'` (default) or RFC 7239 `'forwarded'`. Only one is read. */
  header?: 'x-forwarded' | 'forwarded'
  /** Use the forwarded host (`X-Forwarded-Host` / `Forwarded: host=`). Default `true`. */
  forwardedHost?: boolean
}

const SHORTHANDS: Record<string, readonly string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
}

const HOST_SYNTAX = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/

function configError(message: string): PlinthError {
  return new PlinthError('PLINTH_SECURITY_PROXIES_CONFIG', message)
}

/** Normalize an address: drop an IPv6 zone id and unwrap IPv4-mapped IPv6 (`::ffff:1.2.3.4`). */
function normalizeAddress(address: string): string {
  let value = address
  const zone = value.indexOf('%')
  if (zone !== -1) value = value.slice(0, zone)
  value = value.toLowerCase()
  if (value.startsWith('::ffff:') && isIP(value.slice(7)) === 4) value = value.slice(7)
  return value
}

/** Parse one `X-Forwarded-For` / `Forwarded for=` entry (ports and brackets allowed) to an IP. */
function parseForwardedAddress(raw: string): string | null {
  let value = raw.trim()
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1)
  if (value.startsWith('[')) {
    const end = value.indexOf(']')
    if (end === -1) return null
    const rest = value.slice(end + 1)
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null
    value = value.slice(1, end)
  } else if (/^[0-9.]+:\d{1,5}$/.test(value)) {
    value = value.slice(0, value.indexOf(':'))
  }
  const normalized = normalizeAddress(value)
  return isIP(normalized) === 0 ? null : normalized
}

function buildList(proxies: readonly string[]): BlockList {
  if (!Array.isArray(proxies) || proxies.length === 0) {
    throw configError(
      'trustedProxies({ proxies }) needs a non-empty list of proxy addresses, e.g. ["loopback"] or ["10.0.0.0/8"]; without proxies, remove the middleware.',
    )
  }
  const list = new BlockList()
  const entries = proxies.flatMap((entry) =>
    typeof entry === 'string' && Object.hasOwn(SHORTHANDS, entry) ? SHORTHANDS[entry]! : [entry],
  )
  for (const entry of entries) {
    if (typeof entry !== 'string') throw configError('Each trusted proxy must be a string.')
    const [address = '', prefix, ...extra] = entry.trim().split('/')
    const ip = normalizeAddress(address)
    const family = isIP(ip)
    if (family === 0 || extra.length > 0 || ip !== address.trim().toLowerCase()) {
      throw configError(
        `Trusted proxy ${JSON.stringify(entry)} is not an IP address, a CIDR range ("10.0.0.0/8") or one of "loopback", "private", "linklocal".`,
      )
    }
    if (prefix === undefined) {
      list.addAddress(ip, family === 4 ? 'ipv4' : 'ipv6')
      continue
    }
    const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN
    const max = family === 4 ? 32 : 128
    if (!(bits >= 0 && bits <= max)) {
      throw configError(`Trusted proxy ${JSON.stringify(entry)} has an invalid prefix length.`)
    }
    if (bits === 0) {
      throw configError(
        `Trusted proxy ${JSON.stringify(entry)} trusts every address, so any client could spoof X-Forwarded-*; list your proxies' addresses instead.`,
      )
    }
    list.addSubnet(ip, bits, family === 4 ? 'ipv4' : 'ipv6')
  }
  return list
}

function isTrusted(list: BlockList, ip: string): boolean {
  return list.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6')
}

/** Split a comma-separated header value (Node joins repeated headers with ", "). */
function listOf(value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value.join(',') : value).split(',')
}

interface Hop {
  for?: string
  proto?: string
  host?: string
}

/** Parse RFC 7239 `Forwarded` into hops (left to right); a malformed element yields `null`. */
function parseForwarded(value: string | string[] | undefined): Array<Hop | null> {
  return listOf(value).map((element) => {
    const hop: Hop = {}
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=')
      if (eq <= 0) return null
      const key = pair.slice(0, eq).trim().toLowerCase()
      let val = pair.slice(eq + 1).trim()
      if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) val = val.slice(1, -1)
      if (key === 'for' || key === 'proto' || key === 'host') hop[key] = val
    }
    return hop
  })
}

function lastOf(value: string | string[] | undefined): string | undefined {
  const items = listOf(value)
  const last = items[items.length - 1]?.trim()
  return last === '' ? undefined : last
}

function validProto(value: string | undefined): 'http' | 'https' | undefined {
  const proto = value?.toLowerCase()
  return proto === 'http' || proto === 'https' ? proto : undefined
}

function validHost(value: string | undefined): string | undefined {
  const host = value?.toLowerCase()
  return host !== undefined && host.length <= 260 && HOST_SYNTAX.test(host) ? host : undefined
}

/**
 * Trust `X-Forwarded-For`, `X-Forwarded-Proto` and `X-Forwarded-Host` (or RFC 7239 `Forwarded`)
 * only from the listed proxies. Sets `ctx.state[CLIENT_IP_KEY]`, `ctx.state[PROTOCOL_KEY]`,
 * `ctx.state[HOST_KEY]` (and `FORWARDED_HOST_KEY`) for every request; from any other peer the
 * headers are ignored. Add it before `allowedHosts()` so the host check sees the forwarded host.
 *
 * @example
 * app.use(trustedProxies({ proxies: ['loopback', '10.0.0.0/8'] }))
 * app.get('/whoami', (ctx) => ({ ip: ctx.state[CLIENT_IP_KEY], scheme: ctx.state[PROTOCOL_KEY] }))
 */
export function trustedProxies(options: TrustedProxiesOptions): Middleware {
  if (options === null || typeof options !== 'object') {
    throw configError(
      'trustedProxies() takes an options object: trustedProxies({ proxies: [...] }).',
    )
  }
  const list = buildList(options.proxies)
  const mode = options.header ?? 'x-forwarded'
  if (mode !== 'x-forwarded' && mode !== 'forwarded') {
    throw configError('Option "header" must be "x-forwarded" or "forwarded".')
  }
  const useHost = options.forwardedHost ?? true

  return (ctx, next) => {
    const req = ctx.req
    const peerRaw = req.socket.remoteAddress
    const peer = peerRaw === undefined ? undefined : normalizeAddress(peerRaw)
    let clientIp = peer
    let protocol: 'http' | 'https' = (req.socket as TLSSocket).encrypted ? 'https' : 'http'
    const hostHeader = req.headers.host
    let host = hostHeader === undefined ? undefined : hostHeader.toLowerCase()
    let forwardedHost = false

    if (peer !== undefined && isIP(peer) !== 0 && isTrusted(list, peer)) {
      let proto: string | undefined
      let fwdHost: string | undefined
      let chain: Array<string | null>
      if (mode === 'forwarded') {
        const hops = parseForwarded(req.headers.forwarded)
        const last = hops[hops.length - 1]
        proto = last?.proto
        fwdHost = last?.host
        chain = hops.map((hop) => (hop?.for === undefined ? null : parseForwardedAddress(hop.for)))
      } else {
        proto = lastOf(req.headers['x-forwarded-proto'])
        fwdHost = lastOf(req.headers['x-forwarded-host'])
        chain = listOf(req.headers['x-forwarded-for']).map(parseForwardedAddress)
      }
      // Walk from the right: stop at the first address that is not a trusted proxy, or at a
      // malformed entry (everything left of it is unverifiable).
      for (let i = chain.length - 1; i >= 0; i--) {
        const hop = chain[i]
        if (hop === null || hop === undefined) break
        clientIp = hop
        if (!isTrusted(list, hop)) break
      }
      protocol = validProto(proto?.trim()) ?? protocol
      const vouched = useHost ? validHost(fwdHost?.trim()) : undefined
      if (vouched !== undefined) {
        host = vouched
        forwardedHost = true
      }
    }

    const state = ctx.state
    state[CLIENT_IP_KEY] = clientIp
    state[PROTOCOL_KEY] = protocol
    state[HOST_KEY] = host
    state[FORWARDED_HOST_KEY] = forwardedHost
    return next()
  }
}
