/**
 * Cleaning up after tests that write to the shared Redis (see services.ts): each test file keys
 * its data under a prefix of its own and deletes that prefix when it is done.
 */
import { connectRedis } from 'plinth/redis'
import { SERVICES } from './services.ts'

/** Delete every key under `prefix`; nothing to do (no error) when Redis is not reachable. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = connectRedis(`redis://${SERVICES.redis.host}:${SERVICES.redis.port}`)
  try {
    const keys = (await redis.command(['KEYS', `${prefix}*`]).catch(() => [])) as string[]
    if (keys.length > 0) await redis.command(['DEL', ...keys])
  } finally {
    await redis.close()
  }
}
