/**
 * The options of `sessions()`, checked once at startup so a bad setting fails when the app is
 * built, not on the first request that touches the session.
 */
import type { Context } from '../app/index.ts'
import { type CookieOptions, PlinthError, serializeCookie } from '../http/index.ts'
import { databaseSessionStore } from './database-store.ts'
import { MemorySessionStore, memorySessionStore } from './memory-store.ts'
import { redisSessionStore } from './redis-store.ts'
import type { SessionStore } from './store.ts'

const DAY = 24 * 60 * 60 * 1000

/** Default idle timeout: 14 days (Django's `SESSION_COOKIE_AGE`). */
export const DEFAULT_IDLE_TIMEOUT_MS = 14 * DAY
/** Default absolute timeout: 30 days after the session was created or last rotated. */
export const DEFAULT_ABSOLUTE_TIMEOUT_MS = 30 * DAY

/** Options of `sessions()`. */
export interface SessionsOptions {
  /**
   * Where sessions live: a {@link SessionStore}, or by name — `'memory'`, `'database'`, or a
   * `redis://` / `rediss://` URL. Default: `'database'` (table `plinth_session`: add
   * `sessionsModule` to your migrations). `'memory'` is for development and tests: it is per
   * process and forgets everything on restart.
   */
  store?: SessionStore | 'memory' | 'database' | (string & {})
  /** A session unused for this long (ms) expires. Default 14 days. */
  idleTimeoutMs?: number
  /** A session expires this long (ms) after it was created or rotated, however active. Default 30 days; `Infinity` for none. */
  absoluteTimeoutMs?: number
  /** Cookie name. Default `__Host-session` when secure (`__Secure-session` with `domain`), else `session`. */
  cookieName?: string
  /** Send the cookie over HTTPS only. Default: `true` unless the app is in debug mode. */
  secure?: boolean
  /** Share the cookie with subdomains (e.g. `'example.com'`). Default: none (this host only). */
  domain?: string
  /** Default `'lax'`: the cookie goes with top-level navigations from other sites, not with their forms or fetches. */
  sameSite?: 'lax' | 'strict' | 'none'
  /** Omit `Max-Age` so the browser forgets the cookie when it closes. Default `false` (Max-Age = idle timeout). */
  expireAtBrowserClose?: boolean
  /** The clock (ms since the epoch). Default `Date.now`; tests pass their own. */
  now?: () => number
}

/** @internal Options after checking. */
export interface SessionsConfig {
  readonly store: SessionStore
  /** The store is the in-process memory store (warned about outside debug mode). */
  readonly memoryStore: boolean
  readonly idleTimeoutMs: number
  readonly absoluteTimeoutMs: number
  readonly cookieName: string | undefined
  readonly secure: boolean | undefined
  readonly domain: string | undefined
  readonly sameSite: 'lax' | 'strict' | 'none'
  readonly expireAtBrowserClose: boolean
  readonly now: () => number
}

function configError(message: string): PlinthError {
  return new PlinthError('PLINTH_SESSIONS_CONFIG', `sessions(): ${message}`)
}

function toStore(store: SessionsOptions['store']): SessionStore {
  if (store === 'memory') return memorySessionStore()
  if (store === undefined || store === 'database') return databaseSessionStore()
  if (typeof store === 'string') {
    if (/^rediss?:\/\//.test(store)) return redisSessionStore({ redis: store })
    throw configError(
      `store ${JSON.stringify(store)} is not a store: use 'memory', 'database', a redis:// URL, or a SessionStore object.`,
    )
  }
  const candidate = store as Partial<SessionStore> | null
  if (
    typeof candidate?.get !== 'function' ||
    typeof candidate.set !== 'function' ||
    typeof candidate.delete !== 'function'
  )
    throw configError('store must have get(id), set(id, record, ttlMs) and delete(id) methods.')
  return store
}

function checkDuration(name: string, value: number, allowInfinity: boolean): number {
  const ok = allowInfinity && value === Number.POSITIVE_INFINITY
  if (!ok && !(Number.isSafeInteger(value) && value > 0))
    throw configError(
      `${name} must be a positive whole number of milliseconds, got ${String(value)}.`,
    )
  return value
}

/** @internal */
export function resolveSessionsOptions(options: SessionsOptions = {}): SessionsConfig {
  if (options === null || typeof options !== 'object') throw configError('pass an options object.')
  const idleTimeoutMs = checkDuration(
    'idleTimeoutMs',
    options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    false,
  )
  const absoluteTimeoutMs = checkDuration(
    'absoluteTimeoutMs',
    options.absoluteTimeoutMs ?? DEFAULT_ABSOLUTE_TIMEOUT_MS,
    true,
  )
  const { cookieName, domain, secure } = options
  const sameSite = options.sameSite ?? 'lax'
  if (!['lax', 'strict', 'none'].includes(sameSite))
    throw configError(`sameSite must be 'lax', 'strict' or 'none', got ${String(sameSite)}.`)
  if (secure !== undefined && typeof secure !== 'boolean')
    throw configError('secure must be true or false.')
  if (cookieName?.startsWith('__Host-') && domain !== undefined)
    throw configError(
      `cookie ${cookieName} uses the __Host- prefix, which browsers refuse together with a Domain: drop domain or use a __Secure- name.`,
    )
  const config: SessionsConfig = {
    store: toStore(options.store),
    memoryStore: options.store === 'memory' || options.store instanceof MemorySessionStore,
    idleTimeoutMs,
    absoluteTimeoutMs,
    cookieName,
    secure,
    domain,
    sameSite,
    expireAtBrowserClose: options.expireAtBrowserClose ?? false,
    now: options.now ?? Date.now,
  }
  // Serialize a sample cookie in both modes now: a bad name or domain fails here, not per request.
  for (const debug of [false, true]) {
    const { name, attributes } = sessionCookie(config, debug)
    try {
      serializeCookie(name, 'x', attributes)
    } catch (error) {
      throw configError(`${(error as Error).message}`)
    }
  }
  return config
}

/** @internal The cookie's name and attributes for an app in (or out of) debug mode. */
export function sessionCookie(
  config: SessionsConfig,
  debug: boolean,
): { name: string; attributes: CookieOptions } {
  const secure = config.secure ?? !debug
  const prefix = config.domain === undefined ? '__Host-' : '__Secure-'
  const name = config.cookieName ?? (secure ? `${prefix}session` : 'session')
  const attributes: CookieOptions = { path: '/', httpOnly: true, sameSite: config.sameSite, secure }
  if (config.domain !== undefined) attributes.domain = config.domain
  return { name, attributes }
}

/** @internal */
export function cookieFor(config: SessionsConfig, ctx: Context) {
  return sessionCookie(config, ctx.app.debug)
}
