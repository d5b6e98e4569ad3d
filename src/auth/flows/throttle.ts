/**
 * Login throttling (ASVS 2.2.1): a limit per account and a limit per client address, checked
 * *before* a password is verified, so a locked account is refused even with the right password
 * and a guess past the limit costs the attacker nothing but a 429.
 *
 * - Per account: every attempt is counted when it starts (so parallel guesses cannot all slip
 *   past a check made before any of them failed), and a successful login clears the counter:
 *   what accumulates is failures. The key is the case-folded, NFKC-normalised login name, hashed
 *   (no user names in the store, bounded key size), whether or not such an account exists — a
 *   throttled answer therefore says nothing about which accounts exist.
 * - Per address: every attempt is counted, keyed on the client address `clientIp(ctx)` gives:
 *   the socket peer, or the address `trustedProxies()` took from `X-Forwarded-For` sent by a
 *   configured proxy — never a header a client picked. IPv6 addresses count per /64. (Successes
 *   count too: a store offers no "un-count", and a check that only peeks would let parallel
 *   guesses through. Raise `perIp` for many users behind one NAT.)
 *
 * Both limits are plain `RateLimitStore` hits (sliding window), so the memory store and the Redis
 * store work alike; with the Redis store the limits hold across processes.
 */
import { createHash } from 'node:crypto'
import type { Context } from '../../app/index.ts'
import { HttpError, PlinthError } from '../../http/index.ts'
import {
  byIp,
  memoryStore,
  type RateLimitResult,
  type RateLimitRule,
  type RateLimitStore,
} from '../../security/index.ts'

/** A number of attempts per window. */
export interface ThrottleLimit {
  /** Attempts allowed per window (a positive integer). */
  limit: number
  /** Window length in ms. */
  windowMs: number
}

/** Options of {@link loginThrottle}. */
export interface LoginThrottleOptions {
  /** Where counters live. Default: a bounded in-process `memoryStore()`; use a Redis store with several processes. */
  store?: RateLimitStore
  /** Prefix of every key, so the store can be shared with other limiters. Default `'plinth:login:'`. */
  prefix?: string
  /** Failed attempts per login name (a success clears it). Default 10 per 15 minutes; `false` turns it off. */
  perAccount?: ThrottleLimit | false
  /** Attempts per client address. Default 100 per hour; `false` turns it off. */
  perIp?: ThrottleLimit | false
  /** Clock in ms since the epoch (default `Date.now`); tests inject one. */
  now?: () => number
}

/** The default limits (ASVS 2.2.1 allows at most 100 failures per hour per account). */
export const DEFAULT_LOGIN_THROTTLE = Object.freeze({
  perAccount: Object.freeze({ limit: 10, windowMs: 15 * 60_000 }),
  perIp: Object.freeze({ limit: 100, windowMs: 60 * 60_000 }),
})

/** One started login attempt: report how it ended. */
export interface LoginAttempt {
  /** The credentials were right: the account's counter is cleared. */
  succeeded(): Promise<void>
  /** The credentials were wrong: the attempt stays counted. */
  failed(): Promise<void>
}

/** 429 `login_throttled` with `Retry-After`, the same for account and address limits. */
export class LoginThrottledError extends HttpError {
  /** Seconds until another attempt may be made. */
  readonly retryAfter: number
  constructor(retryAfter: number) {
    super(429, `Too many failed login attempts. Try again in ${describeWait(retryAfter)}.`, {
      code: 'login_throttled',
      headers: { 'retry-after': String(retryAfter) },
      details: { retryAfter },
    })
    this.name = 'LoginThrottledError'
    this.retryAfter = retryAfter
  }
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} minutes`
}

function configError(message: string): PlinthError {
  return new PlinthError('PLINTH_AUTH_THROTTLE_CONFIG', message)
}

function toRule(
  name: string,
  value: ThrottleLimit | false | undefined,
  fallback: ThrottleLimit,
): RateLimitRule | undefined {
  if (value === false) return undefined
  const { limit, windowMs } = value ?? fallback
  if (!Number.isInteger(limit) || limit <= 0)
    throw configError(
      `loginThrottle({ ${name}: { limit } }) must be a positive integer, got ${String(limit)}.`,
    )
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0)
    throw configError(
      `loginThrottle({ ${name}: { windowMs } }) must be a positive number of milliseconds, got ${String(windowMs)}.`,
    )
  return Object.freeze({ algorithm: 'sliding-window', limit, windowMs })
}

/**
 * The form of a login name used for its counter: NFKC, trimmed, lower-cased. `Alice`, `alice `
 * and `ａｌｉｃｅ` share one counter, so case or width variants (which a case-insensitive
 * database collation may still match) do not buy more guesses.
 */
export function normalizeLoginName(name: string): string {
  return name.normalize('NFKC').trim().toLowerCase()
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

/** Per-account and per-address login limits. Create with {@link loginThrottle}. */
export class LoginThrottle {
  readonly store: RateLimitStore
  readonly prefix: string
  readonly perAccount: RateLimitRule | undefined
  readonly perIp: RateLimitRule | undefined
  readonly #now: () => number

  constructor(options: LoginThrottleOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw configError(
        'loginThrottle(options) takes an object, e.g. loginThrottle({ perAccount: { limit: 5, windowMs: 900_000 } }).',
      )
    const store = options.store
    if (
      store !== undefined &&
      (typeof store?.hit !== 'function' || typeof store.reset !== 'function')
    )
      throw configError(
        'loginThrottle({ store }) must implement RateLimitStore (hit and reset), e.g. memoryStore() or redisRateLimitStore().',
      )
    if (options.prefix !== undefined && typeof options.prefix !== 'string')
      throw configError('loginThrottle({ prefix }) must be a string.')
    if (options.now !== undefined && typeof options.now !== 'function')
      throw configError('loginThrottle({ now }) must be a function returning ms since the epoch.')
    this.store = store ?? memoryStore()
    this.prefix = options.prefix ?? 'plinth:login:'
    this.perAccount = toRule('perAccount', options.perAccount, DEFAULT_LOGIN_THROTTLE.perAccount)
    this.perIp = toRule('perIp', options.perIp, DEFAULT_LOGIN_THROTTLE.perIp)
    this.#now = options.now ?? Date.now
  }

  /** The store key of a login name (a hash: no user names in the store, bounded length). */
  accountKey(loginName: string): string {
    const digest = createHash('sha256').update(normalizeLoginName(loginName)).digest('base64url')
    return `${this.prefix}account:${digest}`
  }

  /** The store key of the request's client address. */
  ipKey(ctx: Context<any>): string {
    return `${this.prefix}${byIp(ctx)}`
  }

  /**
   * Start an attempt for `loginName`: refuses with {@link LoginThrottledError} (429) when the
   * address or the account is over its limit, otherwise counts the attempt against both.
   *
   * @example
   * const attempt = await throttle.begin(ctx, username)
   * const user = await auth.authenticate({ username, password })
   * await (user ? attempt.succeeded() : attempt.failed())
   */
  async begin(ctx: Context<any>, loginName: string): Promise<LoginAttempt> {
    const ipKey = this.ipKey(ctx)
    const accountKey = this.accountKey(loginName)
    // The address first: a refused address does not spend the account's attempts. A refused
    // hit is not counted, so hammering a locked account does not extend its lock.
    if (this.perIp !== undefined) {
      const hit = await this.store.hit(ipKey, this.perIp, this.#now(), 1)
      if (!hit.allowed) this.#refuse(ctx, 'ip', hit)
    }
    if (this.perAccount !== undefined) {
      const hit = await this.store.hit(accountKey, this.perAccount, this.#now(), 1)
      if (!hit.allowed) this.#refuse(ctx, 'account', hit)
    }
    return {
      succeeded: async () => {
        if (this.perAccount !== undefined) await this.store.reset(accountKey)
      },
      failed: async () => {},
    }
  }

  /**
   * Run `verify` as one throttled attempt: a non-null result is a success, `null` a failure.
   *
   * @example
   * const user = await throttle.run(ctx, username, () => auth.authenticate({ username, password }))
   */
  async run<T>(
    ctx: Context<any>,
    loginName: string,
    verify: () => Promise<T | null>,
  ): Promise<T | null> {
    const attempt = await this.begin(ctx, loginName)
    const result = await verify()
    await (result === null ? attempt.failed() : attempt.succeeded())
    return result
  }

  /** Clear an account's counter (after its owner proved themselves, e.g. by a password reset). */
  async resetAccount(loginName: string): Promise<void> {
    await this.store.reset(this.accountKey(loginName))
  }

  #refuse(ctx: Context<any>, scope: 'ip' | 'account', result: RateLimitResult): never {
    const retryAfter = seconds(result.retryAfterMs)
    // The login name is not logged: people type passwords into it by mistake.
    ctx.log.warn(
      { event: 'login_throttled', scope, ip: ctx.ip, retryAfter },
      'login attempt throttled',
    )
    throw new LoginThrottledError(retryAfter)
  }
}

/**
 * Create a login throttle. Pass it to `attemptLogin`, `changePassword` and `resetPassword` (they
 * use a per-`Auth` in-process one when none is given).
 *
 * @example
 * const throttle = loginThrottle({ store: redisRateLimitStore({ redis: process.env.REDIS_URL! }) })
 * app.post('/login', async (ctx) => {
 *   const form = await ctx.form()
 *   await attemptLogin(ctx, { username: String(form.username), password: String(form.password) }, { throttle })
 *   return redirect('/account', 303)
 * })
 */
export function loginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  return new LoginThrottle(options)
}
