/**
 * The Redis session store: sessions shared by every process and machine of an app.
 *
 * One key per session (`<prefix><sha256 of the token>`), holding the record as JSON, written with
 * `SET … PX <ttl>` so Redis drops expired sessions by itself. Nothing else is kept, so any number
 * of app processes can share one Redis (or a managed Redis with eviction) safely.
 */
import { PlinthError } from '../http/index.ts'
import { type Redis, type RedisInput, toRedis } from '../redis/index.ts'
import { parseSessionRecord, type SessionRecord, type SessionStore } from './store.ts'

/** Options of {@link redisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** A URL (`redis://127.0.0.1:6379/0`), a node-redis or ioredis client, or a `Redis` from `plinth/redis`. */
  redis: RedisInput
  /** Prefix of every key. Default `plinth:session:`; give apps sharing one Redis their own. */
  prefix?: string
}

/** The store returned by {@link redisSessionStore}. */
export class RedisSessionStore implements SessionStore {
  readonly redis: Redis
  readonly prefix: string

  constructor(options: RedisSessionStoreOptions) {
    if (options?.redis === undefined || options.redis === null) {
      throw new PlinthError(
        'PLINTH_SESSIONS_CONFIG',
        "redisSessionStore() needs a connection: redisSessionStore({ redis: 'redis://127.0.0.1:6379' }).",
      )
    }
    this.prefix = options.prefix ?? 'plinth:session:'
    if (typeof this.prefix !== 'string') {
      throw new PlinthError(
        'PLINTH_SESSIONS_CONFIG',
        'redisSessionStore({ prefix }) must be a string.',
      )
    }
    this.redis = toRedis(options.redis)
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    return parseSessionRecord(await this.redis.command(['GET', this.prefix + id]))
  }

  async set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(ttlMs))
    await this.redis.command(['SET', this.prefix + id, JSON.stringify(record), 'PX', ttl])
  }

  async delete(id: string): Promise<void> {
    await this.redis.command(['DEL', this.prefix + id])
  }

  /** Close the connection (only one Plinth opened from a URL; a client you passed stays open). */
  close(): Promise<void> {
    return this.redis.close()
  }
}

/**
 * Keep sessions in Redis, shared by all processes and machines. Pass a URL and Plinth connects
 * on first use with the `redis` package (`npm install redis`), or pass a client you already have.
 *
 * @example
 * app.use(sessions({ store: redisSessionStore({ redis: process.env.REDIS_URL! }) }))
 */
export function redisSessionStore(options: RedisSessionStoreOptions): RedisSessionStore {
  return new RedisSessionStore(options)
}
