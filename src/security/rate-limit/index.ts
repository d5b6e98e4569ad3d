/**
 * Rate limiting: the `rateLimit` middleware, key helpers, the store interface and the bounded
 * memory store. The algorithms live in `algorithms.ts` so a shared store (Redis) can mirror them.
 */
export {
  applyHit,
  type HitOutcome,
  type RateLimitAlgorithm,
  type RateLimitResult,
  type RateLimitRule,
  type RateLimitState,
  type SlidingWindowState,
  type TokenBucketState,
} from './algorithms.ts'
export {
  byIp,
  byRoute,
  byUser,
  CLIENT_IP_STATE_KEY,
  clientIp,
  normalizeIp,
  type RateLimitKey,
} from './keys.ts'
export { type RateLimitOptions, rateLimit, rateLimitHeaders } from './middleware.ts'
export {
  MemoryRateLimitStore,
  type MemoryStoreOptions,
  memoryStore,
  type RateLimitStore,
} from './store.ts'
