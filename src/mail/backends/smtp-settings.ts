/**
 * Checks `smtpMailBackend()` options when the backend is created (not at the first send, which
 * may be days later in production) and fills in the defaults.
 */
import { isIP } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { PlinthError } from '../../http/index.ts'
import type { SmtpMailBackendOptions } from './smtp.ts'

/** Resolved SMTP options. */
export interface SmtpSettings {
  host: string
  port: number
  secure: boolean
  requireTLS: boolean
  auth: { user: string; pass: string } | undefined
  pool: false | { maxConnections?: number; maxMessages?: number }
  timeouts: { connection: number; greeting: number; socket: number }
  tls: ConnectionOptions | undefined
  name: string | undefined
}

const DEFAULT_TIMEOUTS = { connection: 10_000, greeting: 10_000, socket: 60_000 }

/** Validate options and apply the defaults. */
export function smtpSettings(options: SmtpMailBackendOptions): SmtpSettings {
  if (typeof options !== 'object' || options === null)
    fail('pass an options object: { url } or { host, port, auth }')
  const fromUrl = options.url === undefined ? {} : parseSmtpUrl(options.url)
  const host = options.host ?? fromUrl.host
  if (typeof host !== 'string' || host === '')
    fail('set `url` (smtp://user:pass@host:587) or `host`')
  const secure =
    options.secure ?? (fromUrl.secure === true || (options.port ?? fromUrl.port) === 465)
  const port = options.port ?? fromUrl.port ?? (secure ? 465 : 587)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    fail('`port` must be an integer from 1 to 65535')
  const auth = options.auth ?? fromUrl.auth
  if (auth !== undefined && (typeof auth.user !== 'string' || typeof auth.pass !== 'string')) {
    fail('`auth` must be { user: string, pass: string }')
  }
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts }
  for (const [key, value] of Object.entries(timeouts)) {
    if (!Number.isInteger(value) || value <= 0)
      fail(`\`timeouts.${key}\` must be a positive number of milliseconds`)
  }
  const pool = options.pool === true ? {} : (options.pool ?? false)
  return {
    host,
    port,
    secure,
    requireTLS: secure ? false : (options.requireTLS ?? !isLoopback(host)),
    auth,
    pool,
    timeouts,
    tls: options.tls,
    name: options.name,
  }
}

function parseSmtpUrl(
  url: string,
): Partial<Pick<SmtpSettings, 'host' | 'port' | 'secure' | 'auth'>> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    fail('`url` is not a URL; write smtp://user:pass@host:587 or smtps://user:pass@host:465')
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    fail(`\`url\` must start with smtp:// or smtps://, not ${parsed.protocol}//`)
  }
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '') {
    fail('`url` takes no path or query; pass other settings as options')
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  const result: Partial<Pick<SmtpSettings, 'host' | 'port' | 'secure' | 'auth'>> = {
    host,
    secure: parsed.protocol === 'smtps:',
  }
  if (parsed.port !== '') result.port = Number(parsed.port)
  if (parsed.username !== '') {
    result.auth = {
      user: decodeURIComponent(parsed.username),
      pass: decodeURIComponent(parsed.password),
    }
  }
  return result
}

function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '')
  if (name === 'localhost' || name.endsWith('.localhost')) return true
  if (isIP(name) === 4) return name.startsWith('127.')
  return name === '::1' || name === '[::1]'
}

function fail(problem: string): never {
  // The message never includes the options: they hold the SMTP password.
  throw new PlinthError('PLINTH_MAIL_SMTP_CONFIG', `smtpMailBackend(): ${problem}.`)
}
