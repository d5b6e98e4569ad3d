/**
 * Rate-limit algorithms as pure state transitions, shared by every store.
 *
 * A store keeps one small state per key and applies `applyHit` atomically (the memory store in one
 * synchronous step; a Redis store does the same arithmetic in a Lua script). Keeping the maths
 * here, free of I/O and clocks, makes it testable with plain numbers and keeps stores identical.
 *
 * - **Sliding window** (weighted two-window counter, as Cloudflare and `rate-limiter-flexible`
 *   describe it): windows are aligned to multiples of `windowMs`; the estimate is
 *   `previous × (1 − elapsed / windowMs) + current`. O(1) memory per key, smooth at window edges
 *   (no double burst), at the cost of assuming the previous window's hits were evenly spread.
 * - **Token bucket**: capacity `limit`, refilled continuously at `limit` tokens per `windowMs`;
 *   bursts of up to `limit`, then a steady rate.
 *
 * Denied hits are not counted: a client hammering at the limit still gets exactly `limit` per
 * window, and stops being refused as soon as its rate drops.
 */

/** Slack for floating-point error in counts and durations (far below one request or one ms). */
const EPSILON = 1e-6

/** Which algorithm a limiter uses. */
export type RateLimitAlgorithm = 'sliding-window' | 'token-bucket'

/** What a store needs to know to apply one hit. */
export interface RateLimitRule {
  readonly algorithm: RateLimitAlgorithm
  /** Requests allowed per window (sliding window) or bucket capacity (token bucket). */
  readonly limit: number
  /** Window length (sliding window) or time to refill an empty bucket (token bucket), in ms. */
  readonly windowMs: number
}

/** The outcome of one hit. All durations are milliseconds from `now`, never negative. */
export interface RateLimitResult {
  /** Whether the request may proceed (its cost was consumed). */
  allowed: boolean
  /** The rule's `limit`. */
  limit: number
  /** Requests still allowed right now (after this one, when it was allowed). */
  remaining: number
  /** Time until the full quota is available again. */
  resetMs: number
  /** Time until a request of the same cost would be allowed (0 when allowed). */
  retryAfterMs: number
}

/** Weighted two-window counter state. */
export interface SlidingWindowState {
  readonly kind: 'sliding-window'
  /** Start of the current window (a multiple of `windowMs`). */
  windowStart: number
  current: number
  previous: number
}

/** Token bucket state. */
export interface TokenBucketState {
  readonly kind: 'token-bucket'
  tokens: number
  updatedAt: number
}

/** Per-key state kept by a store. */
export type RateLimitState = SlidingWindowState | TokenBucketState

/** The state after a hit, the result to report, and when the state becomes equivalent to none. */
export interface HitOutcome {
  state: RateLimitState
  result: RateLimitResult
  /** Absolute time after which the key can be forgotten (a fresh key behaves the same). */
  expiresAt: number
}

/**
 * Apply one hit of `cost` at `now` to `state` (undefined for a new key).
 *
 * @example
 * const rule = { algorithm: 'token-bucket', limit: 10, windowMs: 60_000 } as const
 * const first = applyHit(undefined, rule, Date.now(), 1)
 * first.result.remaining // 9
 */
export function applyHit(
  state: RateLimitState | undefined,
  rule: RateLimitRule,
  now: number,
  cost: number,
): HitOutcome {
  return rule.algorithm === 'token-bucket'
    ? tokenBucket(state?.kind === 'token-bucket' ? state : undefined, rule, now, cost)
    : slidingWindow(state?.kind === 'sliding-window' ? state : undefined, rule, now, cost)
}

function slidingWindow(
  old: SlidingWindowState | undefined,
  { limit, windowMs: w }: RateLimitRule,
  now: number,
  cost: number,
): HitOutcome {
  const windowStart = Math.floor(now / w) * w
  let current = 0
  let previous = 0
  if (old !== undefined) {
    if (old.windowStart === windowStart) {
      current = old.current
      previous = old.previous
    } else if (old.windowStart === windowStart - w) {
      previous = old.current
    } else if (old.windowStart > windowStart) {
      // The clock went backwards: keep the newer counts rather than forgetting them.
      current = old.current
      previous = old.previous
    }
  }
  const elapsed = now - windowStart
  const estimate = (c: number) => previous * (1 - elapsed / w) + c
  const allowed = cost <= limit && estimate(current) + cost <= limit + EPSILON
  if (allowed) current += cost
  const state: SlidingWindowState = { kind: 'sliding-window', windowStart, current, previous }
  const windowEnd = windowStart + w
  // Full quota again once both windows have slid out of the estimate.
  const resetAt = current > 0 ? windowEnd + w : previous > 0 ? windowEnd : now
  let retryAfterMs = 0
  if (!allowed) {
    if (cost > limit) retryAfterMs = resetAt - now
    else if (current + cost <= limit) {
      // Wait in this window until the previous window's weight has decayed enough.
      retryAfterMs = Math.ceil(w * (1 - (limit - current - cost) / previous) - elapsed - EPSILON)
    } else {
      // Wait into the next window, where this window's count becomes the decaying one.
      retryAfterMs = Math.ceil(windowEnd - now + w * (1 - (limit - cost) / current) - EPSILON)
    }
  }
  return {
    state,
    expiresAt: windowEnd + w,
    result: {
      allowed,
      limit,
      remaining: Math.max(0, Math.floor(limit - estimate(current) + EPSILON)),
      resetMs: Math.max(0, resetAt - now),
      retryAfterMs: Math.max(allowed ? 0 : 1, retryAfterMs),
    },
  }
}

function tokenBucket(
  old: TokenBucketState | undefined,
  { limit, windowMs: w }: RateLimitRule,
  now: number,
  cost: number,
): HitOutcome {
  let tokens = limit
  let updatedAt = now
  if (old !== undefined) {
    const elapsed = Math.max(0, now - old.updatedAt)
    tokens = Math.min(limit, old.tokens + (elapsed * limit) / w)
    updatedAt = Math.max(now, old.updatedAt)
  }
  const allowed = cost <= limit && tokens + EPSILON >= cost
  if (allowed) tokens = Math.max(0, tokens - cost)
  const resetMs = Math.ceil(((limit - tokens) * w) / limit - EPSILON)
  const retryAfterMs = allowed
    ? 0
    : cost > limit
      ? resetMs
      : Math.max(1, Math.ceil(((cost - tokens) * w) / limit - EPSILON))
  return {
    state: { kind: 'token-bucket', tokens, updatedAt },
    expiresAt: updatedAt + Math.max(0, resetMs),
    result: {
      allowed,
      limit,
      remaining: Math.floor(tokens + EPSILON),
      resetMs: Math.max(0, resetMs),
      retryAfterMs,
    },
  }
}
