/**
 * `redisRateLimitStore` without a server: configuration checks, what a hit answers when Redis
 * fails or is too slow (`onError`), logging once per outage, and what is sent to Redis. The
 * arithmetic against a real Redis is in test/security/redis-rate-limit-store.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Redis } from '../../redis/index.ts'
import type { RateLimitRule } from './algorithms.ts'
import {
  type RateLimitStoreLogger,
  type RedisRateLimitStoreOptions,
  redisRateLimitStore,
} from './redis-store.ts'

const rule: RateLimitRule = { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 }

/** A Redis whose answers the test scripts; records every command. */
function scriptedRedis(answer: (args: ReadonlyArray<string | number>) => Promise<unknown>) {
  const sent: Array<ReadonlyArray<string | number>> = []
  let closed = 0
  const redis: Redis = {
    command: (args) => {
      sent.push(args)
      return answer(args)
    },
    close: async () => {
      closed++
    },
  }
  return { redis, sent, closed: () => closed }
}

function recordingLogger() {
  const lines: Array<{ level: 'error' | 'info'; message: string; details: object }> = []
  const logger: RateLimitStoreLogger = {
    error: (details, message) => lines.push({ level: 'error', message, details }),
    info: (details, message) => lines.push({ level: 'info', message, details }),
  }
  return { logger, lines }
}

const down = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))

describe('redisRateLimitStore configuration', () => {
  it('rejects invalid options with PLINTH_SECURITY_RATE_LIMIT_CONFIG', () => {
    const { redis } = scriptedRedis(down)
    const bad: unknown[] = [
      undefined,
      {},
      { redis: null },
      { redis, prefix: 5 },
      { redis, clock: 'local' },
      { redis, onError: 'ignore' },
      { redis, onError: true },
      { redis, timeoutMs: 0 },
      { redis, timeoutMs: Number.POSITIVE_INFINITY },
      { redis, logger: console.log },
      { redis, logger: { error() {} } },
    ]
    for (const options of bad) {
      assert.throws(
        () => redisRateLimitStore(options as RedisRateLimitStoreOptions),
        { name: 'PlinthError', code: 'PLINTH_SECURITY_RATE_LIMIT_CONFIG' },
        JSON.stringify(options),
      )
    }
  })

  it('rejects a URL that is not redis:// at construction, not on the first request', () => {
    assert.throws(() => redisRateLimitStore({ redis: 'http://127.0.0.1:6379' }), {
      code: 'PLINTH_REDIS_URL',
    })
  })

  it('documents its defaults on the instance', () => {
    const store = redisRateLimitStore({ redis: scriptedRedis(down).redis })
    assert.equal(store.prefix, 'plinth:rl:')
    assert.equal(store.clock, 'redis')
    assert.equal(store.onError, 'deny')
    assert.equal(store.timeoutMs, 1000)
  })

  it('throws on a malformed hit instead of treating it as a Redis failure', async () => {
    const { redis, sent } = scriptedRedis(down)
    const store = redisRateLimitStore({ redis, clock: 'caller', onError: 'allow' })
    const badRules = [
      { algorithm: 'fixed-window', limit: 5, windowMs: 1000 },
      { algorithm: 'token-bucket', limit: 0, windowMs: 1000 },
      { algorithm: 'token-bucket', limit: 5, windowMs: Number.NaN },
    ] as unknown as RateLimitRule[]
    for (const r of badRules) {
      await assert.rejects(store.hit('k', r, 1000), { code: 'PLINTH_SECURITY_RATE_LIMIT_CONFIG' })
    }
    for (const cost of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await assert.rejects(store.hit('k', rule, 1000, cost), {
        code: 'PLINTH_SECURITY_RATE_LIMIT_CONFIG',
      })
    }
    await assert.rejects(store.hit('k', rule, Number.NaN), {
      code: 'PLINTH_SECURITY_RATE_LIMIT_CONFIG',
    })
    assert.equal(sent.length, 0, 'nothing reached Redis')
  })
})

describe('redisRateLimitStore commands', () => {
  it("sends one script call per hit with the prefixed key, and '' as now with the Redis clock", async () => {
    const { redis, sent } = scriptedRedis(async () => [1, '4', '60000', '0'])
    const store = redisRateLimitStore({ redis, prefix: 'app:' })
    const result = await store.hit('ip:192.0.2.1', rule, 123_456, 2)
    assert.deepEqual(result, {
      allowed: true,
      limit: 5,
      remaining: 4,
      resetMs: 60_000,
      retryAfterMs: 0,
    })
    assert.equal(sent.length, 1)
    const [command, , keyCount, key, ...args] = sent[0]!
    assert.equal(command, 'EVALSHA')
    assert.equal(keyCount, 1)
    assert.equal(key, 'app:ip:192.0.2.1')
    assert.deepEqual(args, ['sliding-window', 5, 60_000, 2, ''])
  })

  it("passes the caller's now with clock: 'caller'", async () => {
    const { redis, sent } = scriptedRedis(async () => [0, '0', '1', '1'])
    const store = redisRateLimitStore({ redis, clock: 'caller' })
    await store.hit('k', rule, 123_456.5)
    assert.equal(sent[0]!.at(-1), 123_456.5)
  })

  it('falls back to EVAL when the server does not know the script yet', async () => {
    const { redis, sent } = scriptedRedis(async (args) => {
      if (args[0] === 'EVALSHA') throw new Error('NOSCRIPT No matching script.')
      return [1, '2', '10', '0']
    })
    const result = await redisRateLimitStore({ redis }).hit('k', rule, 0)
    assert.equal(result.remaining, 2)
    assert.deepEqual(
      sent.map((args) => args[0]),
      ['EVALSHA', 'EVAL'],
    )
    assert.match(String(sent[1]![1]), /redis\.call\('PEXPIRE'/)
  })

  it('reset deletes the prefixed key', async () => {
    const { redis, sent } = scriptedRedis(async () => 1)
    await redisRateLimitStore({ redis, prefix: 'p:' }).reset('user:7')
    assert.deepEqual(sent, [['DEL', 'p:user:7']])
  })

  it('closes only a connection it opened itself', async () => {
    const passed = scriptedRedis(down)
    await redisRateLimitStore({ redis: passed.redis }).close()
    assert.equal(passed.closed(), 0)
    // A URL: the store owns the connection; closing one never used resolves at once.
    await redisRateLimitStore({ redis: 'redis://127.0.0.1:1' }).close()
  })
})

describe('redisRateLimitStore when Redis fails', () => {
  it('fails closed by default: the hit is refused with a one-second Retry-After', async () => {
    const { logger } = recordingLogger()
    const store = redisRateLimitStore({ redis: scriptedRedis(down).redis, logger })
    assert.deepEqual(await store.hit('k', rule, 0), {
      allowed: false,
      limit: 5,
      remaining: 0,
      resetMs: 1000,
      retryAfterMs: 1000,
    })
  })

  it("fails open with onError: 'allow'", async () => {
    const { logger } = recordingLogger()
    const store = redisRateLimitStore({
      redis: scriptedRedis(down).redis,
      onError: 'allow',
      logger,
    })
    const result = await store.hit('k', rule, 0)
    assert.equal(result.allowed, true)
    assert.equal(result.retryAfterMs, 0)
  })

  it('treats a reply of the wrong shape (a proxy or another server answering) as a failure', async () => {
    const { logger, lines } = recordingLogger()
    const store = redisRateLimitStore({ redis: scriptedRedis(async () => 'OK').redis, logger })
    assert.equal((await store.hit('k', rule, 0)).allowed, false)
    assert.match(String((lines[0]!.details as { err: Error }).err.message), /unexpected reply/)
  })

  it('gives up on a Redis that does not answer after timeoutMs, without unhandled rejections', async () => {
    let rejectLate: (error: Error) => void = () => {}
    const hung = new Promise<unknown>((_, reject) => {
      rejectLate = reject
    })
    const { logger, lines } = recordingLogger()
    const store = redisRateLimitStore({
      redis: scriptedRedis(() => hung).redis,
      timeoutMs: 20,
      logger,
    })
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      assert.equal((await store.hit('k', rule, 0)).allowed, false)
      assert.match(String((lines[0]!.details as { err: Error }).err.message), /within 20 ms/)
      rejectLate(new Error('connection finally failed'))
      await new Promise((resolve) => setImmediate(resolve))
      assert.deepEqual(unhandled, [])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('logs an outage once and its recovery once, not once per request', async () => {
    let up = false
    const { redis } = scriptedRedis(() => (up ? Promise.resolve([1, '4', '1', '0']) : down()))
    const { logger, lines } = recordingLogger()
    const store = redisRateLimitStore({ redis, logger })
    for (let i = 0; i < 5; i++) await store.hit('k', rule, 0)
    await store.reset('k')
    up = true
    for (let i = 0; i < 3; i++) assert.equal((await store.hit('k', rule, 0)).allowed, true)
    up = false
    await store.hit('k', rule, 0)
    assert.deepEqual(
      lines.map((l) => l.level),
      ['error', 'info', 'error'],
    )
    assert.match(lines[0]!.message, /refusing requests \(onError: 'deny'\)/)
    assert.match(String((lines[0]!.details as { err: Error }).err.message), /ECONNREFUSED/)
    assert.match(lines[1]!.message, /answers again/)
  })

  it('reset is best effort: a failure is logged, not thrown', async () => {
    const { logger, lines } = recordingLogger()
    const store = redisRateLimitStore({ redis: scriptedRedis(down).redis, logger })
    await store.reset('k')
    assert.equal(lines.length, 1)
    assert.equal(lines[0]!.level, 'error')
  })
})
