/**
 * Rate-limit stores: the `RateLimitStore` interface and the in-process memory store.
 *
 * The interface is one atomic operation, `hit(key, rule, now, cost)`, so a store shared by several
 * processes (Redis, with the same arithmetic as `algorithms.ts` in a Lua script) can implement it
 * without read-modify-write races. The rule travels with each hit, so one store can serve several
 * limiters (give each its own `prefix`).
 *
 * The memory store is bounded: keys past their expiry are swept periodically, and the number of
 * keys is capped with least-recently-used eviction, so a flood of distinct keys cannot exhaust
 * memory. It is per process: use a shared store when running several processes.
 */
import { PlinthError } from '../../http/index.ts'
import {
  applyHit,
  type RateLimitResult,
  type RateLimitRule,
  type RateLimitState,
} from './algorithms.ts'

/**
 * Where counters live. `hit` must be atomic per key: read the state, apply the rule, store it.
 *
 * @example
 * const store: RateLimitStore = memoryStore({ maxKeys: 50_000 })
 * const result = await store.hit('login:alice', { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 }, Date.now())
 * if (!result.allowed) console.log(`retry in ${result.retryAfterMs} ms`)
 */
export interface RateLimitStore {
  /**
   * Count one request of `cost` (default 1) for `key` at `now` (ms since the epoch). A store may
   * use its own clock instead (a Redis store may prefer the server's `TIME`).
   */
  hit(key: string, rule: RateLimitRule, now: number, cost?: number): Promise<RateLimitResult>
  /** Forget a key (e.g. clear a login throttle after a successful login). */
  reset(key: string): Promise<void>
}

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most keys kept; the least recently used is evicted beyond it. Default 10,000. */
  maxKeys?: number
  /** How often (at most) expired keys are swept, in ms of the clock passed to `hit`. Default 60,000. */
  sweepIntervalMs?: number
}

interface Entry {
  state: RateLimitState
  expiresAt: number
}

/** The in-process store returned by {@link memoryStore}. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly maxKeys: number
  readonly sweepIntervalMs: number
  // Map iteration order is insertion order: re-inserting on every hit keeps it in LRU order.
  readonly #entries = new Map<string, Entry>()
  #nextSweep = Number.NEGATIVE_INFINITY

  constructor(options: MemoryStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 10_000
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000
    if (!Number.isInteger(this.maxKeys) || this.maxKeys <= 0) {
      throw new PlinthError(
        'PLINTH_SECURITY_RATE_LIMIT_CONFIG',
        `memoryStore({ maxKeys }) must be a positive integer, got ${String(options.maxKeys)}.`,
      )
    }
    if (!(this.sweepIntervalMs > 0) || !Number.isFinite(this.sweepIntervalMs)) {
      throw new PlinthError(
        'PLINTH_SECURITY_RATE_LIMIT_CONFIG',
        `memoryStore({ sweepIntervalMs }) must be a positive number of milliseconds, got ${String(options.sweepIntervalMs)}.`,
      )
    }
  }

  /** Number of keys currently held (for monitoring and tests). */
  get size(): number {
    return this.#entries.size
  }

  hit(key: string, rule: RateLimitRule, now: number, cost = 1): Promise<RateLimitResult> {
    return Promise.resolve(this.hitSync(key, rule, now, cost))
  }

  /** The synchronous core of `hit` (the memory store never waits). */
  hitSync(key: string, rule: RateLimitRule, now: number, cost = 1): RateLimitResult {
    if (now >= this.#nextSweep) this.sweep(now)
    const entries = this.#entries
    const old = entries.get(key)
    const live = old !== undefined && old.expiresAt > now ? old.state : undefined
    const outcome = applyHit(live, rule, now, cost)
    if (old !== undefined) entries.delete(key)
    else if (entries.size >= this.maxKeys) {
      // Evict the least recently used key (the first in iteration order).
      const oldest = entries.keys().next()
      if (!oldest.done) entries.delete(oldest.value)
    }
    entries.set(key, { state: outcome.state, expiresAt: outcome.expiresAt })
    return outcome.result
  }

  reset(key: string): Promise<void> {
    this.#entries.delete(key)
    return Promise.resolve()
  }

  /** Drop every key whose state has expired at `now`. Runs automatically from `hit`. */
  sweep(now: number): void {
    this.#nextSweep = now + this.sweepIntervalMs
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key)
    }
  }
}

/**
 * A bounded in-process store (the default). Per process: several processes need a shared store.
 *
 * @example
 * app.use(rateLimit({ limit: 100, windowMs: 60_000, store: memoryStore({ maxKeys: 50_000 }) }))
 */
export function memoryStore(options?: MemoryStoreOptions): MemoryRateLimitStore {
  return new MemoryRateLimitStore(options)
}
