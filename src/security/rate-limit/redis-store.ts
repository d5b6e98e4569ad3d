/**
 * A rate-limit store in Redis, shared by every process and machine that points at it.
 *
 * Each hit is one Lua script run atomically on the server: it reads the key's hash, applies the
 * same arithmetic as `algorithms.ts` (line for line, so a memory store and this store answer the
 * same sequence identically), writes the hash back and sets `PEXPIRE` so idle keys vanish. No
 * read-modify-write race is possible between processes, and one round trip serves a request.
 *
 * Numbers cross the Lua boundary as `%.17g` strings: Lua's default number-to-string keeps only 14
 * digits and Redis truncates Lua numbers in replies to integers, either of which would make
 * fractional token counts drift from the memory store's.
 */
import { PlinthError } from '../../http/index.ts'
import { type Redis, type RedisInput, RedisScript, toRedis } from '../../redis/index.ts'
import type { RateLimitResult, RateLimitRule } from './algorithms.ts'
import type { RateLimitStore } from './store.ts'

// KEYS[1] = key; ARGV = algorithm, limit, windowMs, cost, now ('' = use the server's TIME).
// Hash fields: k = algorithm, e = expiresAt, then a/b/c = windowStart/current/previous (sliding
// window) or tokens/updatedAt (token bucket). Mirrors algorithms.ts; keep the two in step.
const HIT = new RedisScript(`
local key, algorithm = KEYS[1], ARGV[1]
local limit, w, cost = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = tonumber(ARGV[5])
if now == nil then
  if redis.replicate_commands then redis.replicate_commands() end
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local EPSILON = 1e-6
local function fmt(x) return string.format('%.17g', x) end
local old = redis.call('HMGET', key, 'k', 'e', 'a', 'b', 'c')
local expires = tonumber(old[2])
local live = old[1] == algorithm and expires ~= nil and expires > now
local a, b, c = tonumber(old[3]), tonumber(old[4]), tonumber(old[5])
local allowed, remaining, resetMs, retry, expiresAt

if algorithm == 'token-bucket' then
  local tokens, updatedAt = limit, now
  if live then
    local elapsed = math.max(0, now - b)
    tokens = math.min(limit, a + (elapsed * limit) / w)
    updatedAt = math.max(now, b)
  end
  allowed = cost <= limit and tokens + EPSILON >= cost
  if allowed then tokens = math.max(0, tokens - cost) end
  resetMs = math.ceil(((limit - tokens) * w) / limit - EPSILON)
  if allowed then retry = 0
  elseif cost > limit then retry = resetMs
  else retry = math.max(1, math.ceil(((cost - tokens) * w) / limit - EPSILON)) end
  expiresAt = updatedAt + math.max(0, resetMs)
  remaining = math.floor(tokens + EPSILON)
  resetMs = math.max(0, resetMs)
  redis.call('HSET', key, 'k', algorithm, 'e', fmt(expiresAt), 'a', fmt(tokens), 'b', fmt(updatedAt))
else
  local windowStart = math.floor(now / w) * w
  local current, previous = 0, 0
  if live then
    if a == windowStart then current = b; previous = c
    elseif a == windowStart - w then previous = b
    elseif a > windowStart then current = b; previous = c end
  end
  local elapsed = now - windowStart
  local function estimate(x) return previous * (1 - elapsed / w) + x end
  allowed = cost <= limit and estimate(current) + cost <= limit + EPSILON
  if allowed then current = current + cost end
  local windowEnd = windowStart + w
  local resetAt = now
  if current > 0 then resetAt = windowEnd + w elseif previous > 0 then resetAt = windowEnd end
  retry = 0
  if not allowed then
    if cost > limit then retry = resetAt - now
    elseif current + cost <= limit then
      retry = math.ceil(w * (1 - (limit - current - cost) / previous) - elapsed - EPSILON)
    else retry = math.ceil(windowEnd - now + w * (1 - (limit - cost) / current) - EPSILON) end
  end
  local minRetry = 0
  if not allowed then minRetry = 1 end
  retry = math.max(minRetry, retry)
  expiresAt = windowEnd + w
  remaining = math.max(0, math.floor(limit - estimate(current) + EPSILON))
  resetMs = math.max(0, resetAt - now)
  redis.call('HSET', key, 'k', algorithm, 'e', fmt(expiresAt), 'a', fmt(windowStart),
    'b', fmt(current), 'c', fmt(previous))
end

-- With the caller's clock, Redis's own (real-time) expiry gets a minute of slack: 'e' decides
-- whether the state is live, and deleting the key early would forget hits.
local ttl = math.ceil(expiresAt - now)
if ARGV[5] ~= '' then ttl = ttl + 60000 end
if ttl > 0 then redis.call('PEXPIRE', key, ttl) else redis.call('DEL', key) end
return { allowed and 1 or 0, fmt(remaining), fmt(resetMs), fmt(retry) }
`)

/** Where a hit's time comes from. */
export type RedisRateLimitClock = 'redis' | 'caller'

/** What a hit answers while Redis cannot be reached. */
export type RedisRateLimitFailureMode = 'allow' | 'deny'

/** Where the store reports that Redis failed and recovered (a pino logger such as `app.log` fits). */
export interface RateLimitStoreLogger {
  error(details: object, message: string): void
  info(details: object, message: string): void
}

/** Options of {@link redisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  /** A URL (`redis://127.0.0.1:6379`; the store opens and owns the connection), a client or a `Redis`. */
  redis: RedisInput
  /** Prepended to every key. Default `'plinth:rl:'`. */
  prefix?: string
  /**
   * `'redis'` (default): every hit uses the Redis server's `TIME`, so processes whose clocks
   * disagree still share one timeline, and the `now` passed to `hit` is ignored. `'caller'`:
   * use the `now` passed to `hit` (deterministic tests; clocks you trust to agree); the stored
   * expiry then decides whether a state is live, and Redis deletes idle keys a minute late.
   */
  clock?: RedisRateLimitClock
  /**
   * While Redis is unreachable or slower than `timeoutMs`: `'deny'` (default, fail closed) refuses
   * the hit with `retryAfterMs` of one second; `'allow'` (fail open) lets it through uncounted
   * (reporting the full `limit` as remaining).
   * Either way the failure and the recovery are logged once each, not per request.
   */
  onError?: RedisRateLimitFailureMode
  /**
   * How long a hit waits for Redis before counting as a failure, in ms. Default 1,000. Given a
   * URL, the first hits also open the connection and may wait up to 5 s.
   */
  timeoutMs?: number
  /** Default: one line on stderr per failure and per recovery. */
  logger?: RateLimitStoreLogger
}

/** Retry-After given by a fail-closed hit: soon, since Redis may be back by then. */
const DENIED_RETRY_MS = 1000

const consoleLogger: RateLimitStoreLogger = {
  error: (details, message) => console.error(`plinth: ${message}`, details),
  info: (_details, message) => console.error(`plinth: ${message}`),
}

function configError(message: string): PlinthError {
  return new PlinthError('PLINTH_SECURITY_RATE_LIMIT_CONFIG', message)
}

const positive = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0

function checkOptions(options: RedisRateLimitStoreOptions): void {
  if (options === null || typeof options !== 'object' || options.redis == null)
    throw configError(
      "redisRateLimitStore(options) needs { redis }: redisRateLimitStore({ redis: 'redis://127.0.0.1:6379' }).",
    )
  const { prefix, clock, onError, timeoutMs, logger } = options
  if (prefix !== undefined && typeof prefix !== 'string')
    throw configError('redisRateLimitStore({ prefix }) must be a string.')
  if (clock !== undefined && clock !== 'redis' && clock !== 'caller')
    throw configError(
      `redisRateLimitStore({ clock }) must be 'redis' or 'caller', got ${String(clock)}.`,
    )
  if (onError !== undefined && onError !== 'allow' && onError !== 'deny')
    throw configError(
      `redisRateLimitStore({ onError }) must be 'allow' (fail open) or 'deny' (fail closed), got ${String(onError)}.`,
    )
  if (timeoutMs !== undefined && !positive(timeoutMs))
    throw configError(
      `redisRateLimitStore({ timeoutMs }) must be a positive number of milliseconds, got ${String(timeoutMs)}.`,
    )
  if (
    logger !== undefined &&
    (typeof logger?.error !== 'function' || typeof logger.info !== 'function')
  )
    throw configError('redisRateLimitStore({ logger }) needs error() and info() (e.g. app.log).')
}

function checkHit(rule: RateLimitRule, now: number, cost: number, clock: RedisRateLimitClock) {
  if (rule?.algorithm !== 'sliding-window' && rule?.algorithm !== 'token-bucket')
    throw configError(`Unknown rate-limit algorithm ${String(rule?.algorithm)}.`)
  if (!positive(rule.limit) || !positive(rule.windowMs))
    throw configError('A rate-limit rule needs a positive limit and windowMs.')
  if (!positive(cost)) throw configError(`A hit's cost must be positive, got ${String(cost)}.`)
  if (clock === 'caller' && !Number.isFinite(now))
    throw configError(`With clock: 'caller', hit() needs a finite now, got ${String(now)}.`)
}

/**
 * Reject when `promise` has not settled within `ms` (the late outcome is ignored).
 *
 * When the timer fires, the rejection waits one `setImmediate`: timers run before the event loop
 * polls its sockets, so after a stall (a busy machine, a long synchronous task) the timer would
 * otherwise win against a reply that arrived in time and only waits to be read.
 */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => setImmediate(() => reject(new Error(`Redis did not answer within ${ms} ms`))),
      ms,
    )
  })
  promise.catch(() => {}) // a rejection after the timeout must not go unhandled
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

// `+ 0` turns a `-0` from Lua into 0, as Math.max(0, -0) does in algorithms.ts.
const toNumber = (value: unknown) => Number(value) + 0
/** What the first hits may wait: the Redis connection's own connect timeout (`plinth/redis`). */
const CONNECT_BUDGET_MS = 5_000

/** The store returned by {@link redisRateLimitStore}. */
export class RedisRateLimitStore implements RateLimitStore {
  readonly prefix: string
  readonly clock: RedisRateLimitClock
  readonly onError: RedisRateLimitFailureMode
  readonly timeoutMs: number
  readonly #redis: Redis
  readonly #ownsConnection: boolean
  readonly #logger: RateLimitStoreLogger
  #failing = false
  /** A hit has finished (answered or failed): the connection is no longer being opened. */
  #settled = false

  constructor(options: RedisRateLimitStoreOptions) {
    checkOptions(options)
    this.prefix = options.prefix ?? 'plinth:rl:'
    this.clock = options.clock ?? 'redis'
    this.onError = options.onError ?? 'deny'
    this.timeoutMs = options.timeoutMs ?? 1000
    this.#logger = options.logger ?? consoleLogger
    this.#redis = toRedis(options.redis)
    this.#ownsConnection = typeof options.redis === 'string'
  }

  async hit(key: string, rule: RateLimitRule, now: number, cost = 1): Promise<RateLimitResult> {
    checkHit(rule, now, cost, this.clock)
    const args = [
      rule.algorithm,
      rule.limit,
      rule.windowMs,
      cost,
      this.clock === 'caller' ? now : '',
    ]
    let reply: unknown
    try {
      // With a URL the first hits also open the connection (and load the script): give them the
      // connect timeout, so a cold start under load is not mistaken for an outage.
      const opening = this.#ownsConnection && !this.#settled
      const budget = opening ? Math.max(this.timeoutMs, CONNECT_BUDGET_MS) : this.timeoutMs
      reply = await withTimeout(HIT.run(this.#redis, [this.prefix + key], args), budget)
      if (!Array.isArray(reply) || reply.length !== 4)
        throw new Error(`unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`)
    } catch (error) {
      this.#settled = true
      this.#failed(error)
      return this.onError === 'allow'
        ? { allowed: true, limit: rule.limit, remaining: rule.limit, resetMs: 0, retryAfterMs: 0 }
        : {
            allowed: false,
            limit: rule.limit,
            remaining: 0,
            resetMs: DENIED_RETRY_MS,
            retryAfterMs: DENIED_RETRY_MS,
          }
    }
    this.#settled = true
    this.#recovered()
    return {
      allowed: Number(reply[0]) === 1,
      limit: rule.limit,
      remaining: toNumber(reply[1]),
      resetMs: toNumber(reply[2]),
      retryAfterMs: toNumber(reply[3]),
    }
  }

  /**
   * Forget a key (`DEL`). Best effort: while Redis is down the failure is logged, not thrown — a
   * counter left behind only errs on the strict side and expires by itself.
   */
  async reset(key: string): Promise<void> {
    try {
      await withTimeout(this.#redis.command(['DEL', this.prefix + key]), this.timeoutMs)
      this.#recovered()
    } catch (error) {
      this.#failed(error)
    }
  }

  /** Close the connection if this store opened it from a URL (a client you passed stays open). */
  async close(): Promise<void> {
    if (this.#ownsConnection) await this.#redis.close()
  }

  #failed(error: unknown): void {
    if (this.#failing) return
    this.#failing = true
    const decision = this.onError === 'allow' ? 'letting requests through' : 'refusing requests'
    this.#logger.error(
      { err: error, onError: this.onError },
      `Redis rate-limit store failed; ${decision} (onError: '${this.onError}') until it answers again`,
    )
  }

  #recovered(): void {
    if (!this.#failing) return
    this.#failing = false
    this.#logger.info({ onError: this.onError }, 'Redis rate-limit store answers again')
  }
}

/**
 * A rate-limit store in Redis: one atomic Lua script per hit, the same arithmetic as the memory
 * store, keys that expire when idle. Share it by all processes (and limiters, with a `prefix` per
 * limiter in `rateLimit`).
 *
 * @example
 * const store = redisRateLimitStore({ redis: process.env.REDIS_URL!, onError: 'deny' })
 * app.use(rateLimit({ limit: 100, windowMs: 60_000, store }))
 * app.hook('shutdown', () => store.close())
 */
export function redisRateLimitStore(options: RedisRateLimitStoreOptions): RedisRateLimitStore {
  return new RedisRateLimitStore(options)
}
