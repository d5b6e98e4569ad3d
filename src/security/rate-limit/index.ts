/**
 * Rate limiting: the `rateLimit` middleware, key helpers, the store interface and the bounded
 * memory store, and the Redis store shared by processes (`redis-store.ts`, which mirrors the
 * arithmetic of `algorithms.ts` in a Lua script).
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
  type RateLimitStoreLogger,
  type RedisRateLimitClock,
  type RedisRateLimitFailureMode,
  RedisRateLimitStore,
  type RedisRateLimitStoreOptions,
  redisRateLimitStore,
} from './redis-store.ts'
export {
  MemoryRateLimitStore,
  type MemoryStoreOptions,
  memoryStore,
  type RateLimitStore,
} from './store.ts'
