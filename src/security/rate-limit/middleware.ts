/**
 * `rateLimit(options)`: middleware that counts requests per key and answers 429 past the limit.
 *
 * Every counted response carries the IETF draft headers `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` (seconds) and `RateLimit-Policy`; a refused request gets a 429 JSON error with
 * `Retry-After` (seconds) and never reaches the handler. Config mistakes fail at construction with
 * `PLINTH_SECURITY_RATE_LIMIT_CONFIG`.
 */
import type { AnyInputs, Context, Middleware } from '../../app/index.ts'
import { HttpError, PlinthError } from '../../http/index.ts'
import type { RateLimitAlgorithm, RateLimitResult, RateLimitRule } from './algorithms.ts'
import { byIp, type RateLimitKey } from './keys.ts'
import { memoryStore, type RateLimitStore } from './store.ts'

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Requests allowed per window (token bucket: bucket capacity). A positive integer. */
  limit: number
  /** Window length in ms (token bucket: time to refill `limit` tokens). */
  windowMs: number
  /** Default `'sliding-window'` (weighted two-window counter); or `'token-bucket'`. */
  algorithm?: RateLimitAlgorithm
  /** Bucket key for a request. Default {@link byIp}; see also `byUser`, `byRoute`. */
  key?: RateLimitKey
  /** Where counters live. Default: a new bounded `memoryStore()` for this limiter. */
  store?: RateLimitStore
  /** Prefix added to every key, so limiters can share a store. Default `''`. */
  prefix?: string
  /** Requests for which this returns true are not counted and get no rate-limit headers. */
  skip?: (ctx: Context<AnyInputs>) => boolean | Promise<boolean>
  /** Send the `RateLimit-*` headers (default true). `Retry-After` is always sent with a 429. */
  headers?: boolean
  /** Message of the 429 error. Default: says the limit and when to retry. */
  message?: string
  /** If the store fails (e.g. Redis is down): `false` (default) answers with the error, `true` lets requests through. */
  passOnStoreError?: boolean
  /** Clock in ms since the epoch (default `Date.now`); inject a fake one in tests. */
  now?: () => number
}

function configError(message: string): PlinthError {
  return new PlinthError('PLINTH_SECURITY_RATE_LIMIT_CONFIG', message)
}

function checkOptions(options: RateLimitOptions): void {
  if (options === null || typeof options !== 'object')
    throw configError(
      'rateLimit(options) needs an object: rateLimit({ limit: 100, windowMs: 60_000 }).',
    )
  const { limit, windowMs, algorithm } = options
  if (!Number.isInteger(limit) || limit <= 0)
    throw configError(`rateLimit({ limit }) must be a positive integer, got ${String(limit)}.`)
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0)
    throw configError(
      `rateLimit({ windowMs }) must be a positive number of milliseconds (e.g. 60_000 for a minute), got ${String(windowMs)}.`,
    )
  if (algorithm !== undefined && algorithm !== 'sliding-window' && algorithm !== 'token-bucket')
    throw configError(
      `rateLimit({ algorithm }) must be 'sliding-window' or 'token-bucket', got ${String(algorithm)}.`,
    )
  for (const name of ['key', 'skip', 'now'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      throw configError(`rateLimit({ ${name} }) must be a function.`)
  }
  const store = options.store
  if (
    store !== undefined &&
    (typeof store?.hit !== 'function' || typeof store.reset !== 'function')
  )
    throw configError('rateLimit({ store }) must implement RateLimitStore (hit and reset).')
  if (options.prefix !== undefined && typeof options.prefix !== 'string')
    throw configError('rateLimit({ prefix }) must be a string.')
}

const seconds = (ms: number) => Math.ceil(ms / 1000)

function humanWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? 'hour' : `${ms / 3_600_000} hours`
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} minutes`
  if (ms % 1000 === 0) return ms === 1000 ? 'second' : `${ms / 1000} seconds`
  return `${ms} ms`
}

/** The rate-limit headers for a result (lower-case names). */
export function rateLimitHeaders(
  result: RateLimitResult,
  windowMs: number,
): Record<string, string> {
  return {
    'ratelimit-limit': String(result.limit),
    'ratelimit-remaining': String(result.remaining),
    'ratelimit-reset': String(seconds(result.resetMs)),
    'ratelimit-policy': `${result.limit};w=${seconds(windowMs)}`,
  }
}

/**
 * Limit requests per key. Place it before the routes it protects (app, router or route
 * middleware); a refused request gets 429 and never reaches the handler.
 *
 * @example
 * app.use(rateLimit({ limit: 300, windowMs: 60_000 }))
 * app.post('/login', {
 *   middleware: [rateLimit({ limit: 5, windowMs: 60_000, algorithm: 'token-bucket', key: byRoute })],
 * }, login)
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  checkOptions(options)
  const rule: RateLimitRule = Object.freeze({
    algorithm: options.algorithm ?? 'sliding-window',
    limit: options.limit,
    windowMs: options.windowMs,
  })
  const keyOf = options.key ?? byIp
  const store = options.store ?? memoryStore()
  const prefix = options.prefix ?? ''
  const skip = options.skip
  const sendHeaders = options.headers ?? true
  const passOnStoreError = options.passOnStoreError ?? false
  const now = options.now ?? Date.now
  const message = (retryAfter: number) =>
    options.message ??
    `Too many requests: the limit is ${rule.limit} per ${humanWindow(rule.windowMs)}. Retry in ${retryAfter} s.`

  return async function rateLimitMiddleware(ctx, next) {
    if (skip !== undefined && (await skip(ctx))) return next()
    const key = (await keyOf(ctx)) || byIp(ctx)
    let result: RateLimitResult
    try {
      result = await store.hit(prefix + key, rule, now(), 1)
    } catch (error) {
      if (!passOnStoreError) throw error
      ctx.log.error({ err: error }, 'rate-limit store failed; letting the request through')
      return next()
    }
    const headers = sendHeaders ? rateLimitHeaders(result, rule.windowMs) : {}
    if (!result.allowed) {
      const retryAfter = Math.max(1, seconds(result.retryAfterMs))
      throw new HttpError(429, message(retryAfter), {
        headers: { ...headers, 'retry-after': String(retryAfter) },
        details: { limit: rule.limit, windowMs: rule.windowMs, retryAfter },
      })
    }
    const reply = await next()
    // With nested limiters, the most restrictive one's headers win.
    const inner = Number(reply.headers['ratelimit-remaining'] ?? Number.POSITIVE_INFINITY)
    if (result.remaining < inner) for (const name in headers) reply.header(name, headers[name]!)
    return reply
  }
}
