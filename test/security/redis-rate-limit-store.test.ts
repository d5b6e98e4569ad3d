/**
 * The Redis rate-limit store against a real Redis: the Lua script answers exactly as the memory
 * store (both algorithms, cost > 1, refill, window roll-over, expiry, a clock going backwards),
 * keys carry a TTL and vanish when idle, the server clock makes skewed callers agree, and
 * parallel hits over several connections never get past the limit (atomicity).
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { connectRedis, type Redis } from 'plinth/redis'
import {
  memoryStore,
  type RateLimitResult,
  type RateLimitRule,
  redisRateLimitStore,
} from 'plinth/security'
import { requireService } from '../support/services.ts'

const URL = 'redis://127.0.0.1:6379'
const PREFIX = `plinth:test:rl-store:${process.pid}:${randomUUID().slice(0, 8)}:`

const connections: Redis[] = []
function connection(): Redis {
  const redis = connectRedis(URL)
  connections.push(redis)
  return redis
}

after(async () => {
  if (connections.length === 0) return
  const redis = connections[0]!
  let cursor = '0'
  do {
    const [next, keys] = (await redis.command(['SCAN', cursor, 'MATCH', `${PREFIX}*`])) as [
      string,
      string[],
    ]
    cursor = next
    if (keys.length > 0) await redis.command(['DEL', ...keys])
  } while (cursor !== '0')
  await Promise.all(connections.map((c) => c.close()))
})

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

interface Step {
  key: string
  dt: number
  cost: number
}

/** A hostile mix of gaps (none, refill-sized, roll-over, expiry, backwards) and costs. */
function randomSteps(rule: RateLimitRule, seed: number, count: number): Step[] {
  const next = random(seed)
  const w = rule.windowMs
  const steps: Step[] = []
  for (let i = 0; i < count; i++) {
    const r = next()
    let dt: number
    if (r < 0.3) dt = 0
    else if (r < 0.6) dt = Math.round(((next() * w) / rule.limit) * 2)
    else if (r < 0.78)
      dt = next() * w // fractional milliseconds too
    else if (r < 0.9) dt = Math.round(w + next() * w)
    else if (r < 0.95) dt = Math.round(2 * w + next() * 3 * w)
    else dt = -Math.round((next() * w) / 2)
    const c = next()
    const cost = c < 0.7 ? 1 : c < 0.93 ? 2 + Math.floor(next() * (rule.limit - 1)) : rule.limit + 1
    steps.push({ key: `k${Math.floor(next() * 3)}`, dt, cost })
  }
  return steps
}

/**
 * The memory store can answer `-0` (`Math.ceil(-1e-6)`, a full bucket refusing a cost above its
 * capacity); the Redis store reports it as 0. The values are equal; only `deepEqual` tells them apart.
 */
function withoutNegativeZero(result: RateLimitResult): RateLimitResult {
  return {
    ...result,
    remaining: result.remaining + 0,
    resetMs: result.resetMs + 0,
    retryAfterMs: result.retryAfterMs + 0,
  }
}

/** Run the same steps through a memory store and the Redis store; every result must match. */
async function assertParity(rule: RateLimitRule, steps: Step[], name: string, start: number) {
  // No periodic sweep: with a clock going backwards, a sweep would drop states that become live
  // again; without it both stores decide liveness by the stored expiry alone.
  const memory = memoryStore({ sweepIntervalMs: Number.MAX_SAFE_INTEGER })
  const redis = redisRateLimitStore({
    redis: connection(),
    prefix: `${PREFIX}${name}:`,
    clock: 'caller',
  })
  let now = start
  const results: RateLimitResult[] = []
  for (const [i, step] of steps.entries()) {
    now += step.dt
    const expected = withoutNegativeZero(await memory.hit(step.key, rule, now, step.cost))
    const actual = await redis.hit(step.key, rule, now, step.cost)
    assert.deepEqual(actual, expected, `${name}, step ${i} (${JSON.stringify(step)}, now ${now})`)
    results.push(expected)
  }
  return results
}

describe('Redis rate-limit store: same answers as the memory store', () => {
  it('for a scripted sliding-window sequence (cost > 1, roll-over, decay, expiry)', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const rule: RateLimitRule = { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 }
    const at = (dt: number, cost = 1): Step => ({ key: 'a', dt, cost })
    const steps = [
      at(0, 2), // window start
      at(0),
      at(10_000, 2), // 5 of 5
      at(0), // refused: wait into the next window until the 5 weigh 4
      at(0, 6), // more than the limit: refused until both windows slid out
      at(55_000), // next window, the 5 still weigh 4.58
      at(7_000), // they weigh 4: allowed
      at(0, 3), // refused until they weigh 1
      at(36_000, 3), // they weigh 1: allowed
      at(12_000, 2), // next window again: the 4 of the last window weigh 4
      at(200_000, 5), // everything expired: a full quota
    ]
    const results = await assertParity(rule, steps, 'scripted-sliding', 1_700_000_100_000)
    assert.deepEqual(
      results.map((r) => r.allowed),
      [true, true, true, false, false, false, true, false, true, false, true],
    )
    assert.deepEqual(
      results.map((r) => r.remaining),
      [3, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0],
    )
    assert.deepEqual(
      results.map((r) => r.retryAfterMs),
      [0, 0, 0, 62_000, 110_000, 7000, 0, 36_000, 0, 15_000, 0],
    )
  })

  it('for a scripted token-bucket sequence (cost > 1, partial refill, full refill)', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const rule: RateLimitRule = { algorithm: 'token-bucket', limit: 4, windowMs: 1000 }
    const at = (dt: number, cost = 1): Step => ({ key: 'b', dt, cost })
    const results = await assertParity(
      rule,
      [at(0, 3), at(0, 2), at(125, 2), at(125, 2), at(0, 5), at(333), at(10_000, 4), at(1)],
      'scripted-bucket',
      1_700_000_123_457,
    )
    assert.deepEqual(
      results.map((r) => r.allowed),
      [true, false, false, true, false, true, true, false],
    )
    assert.deepEqual(
      results.map((r) => r.retryAfterMs),
      [0, 250, 125, 0, 1000, 0, 0, 249],
    )
  })

  const rules: RateLimitRule[] = [
    { algorithm: 'sliding-window', limit: 1, windowMs: 1000 },
    { algorithm: 'sliding-window', limit: 3, windowMs: 60_000 },
    { algorithm: 'sliding-window', limit: 10, windowMs: 1000 },
    { algorithm: 'sliding-window', limit: 7, windowMs: 1500.5 },
    { algorithm: 'token-bucket', limit: 1, windowMs: 1000 },
    { algorithm: 'token-bucket', limit: 4, windowMs: 1000 },
    { algorithm: 'token-bucket', limit: 10, windowMs: 60_000 },
    { algorithm: 'token-bucket', limit: 3, windowMs: 7 },
  ]
  for (const [index, rule] of rules.entries()) {
    it(`for 400 random hits on three keys: ${rule.algorithm}, ${rule.limit} per ${rule.windowMs} ms`, async (t) => {
      if (!(await requireService(t, 'redis'))) return
      const steps = randomSteps(rule, 1000 + index, 400)
      const results = await assertParity(rule, steps, `random-${index}`, 1_700_000_123_457)
      // The sequence exercised both outcomes, including an allowed hit of cost > 1.
      assert.ok(results.some((r) => r.allowed))
      assert.ok(results.some((r) => !r.allowed))
      if (rule.limit > 1) assert.ok(steps.some((s, i) => s.cost > 1 && results[i]!.allowed))
    })
  }

  it('for one key used with both algorithms in turn (a stale state of the other kind is ignored)', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const memory = memoryStore()
    const redis = redisRateLimitStore({
      redis: connection(),
      prefix: `${PREFIX}mixed:`,
      clock: 'caller',
    })
    const sliding: RateLimitRule = { algorithm: 'sliding-window', limit: 3, windowMs: 1000 }
    const bucket: RateLimitRule = { algorithm: 'token-bucket', limit: 3, windowMs: 1000 }
    let now = 5_000_000
    for (const rule of [sliding, sliding, bucket, sliding, bucket, bucket, sliding]) {
      now += 100
      const expected = withoutNegativeZero(await memory.hit('k', rule, now))
      assert.deepEqual(await redis.hit('k', rule, now), expected)
    }
  })
})

describe('Redis rate-limit store keys', () => {
  it('are hashes with a TTL until the state is equivalent to none', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const redis = connection()
    const store = redisRateLimitStore({ redis, prefix: `${PREFIX}ttl:` })
    // Sliding window: a hit weighs in until the end of the next window (1 to 2 windows away).
    await store.hit('sw', { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 }, 0)
    assert.equal(await redis.command(['TYPE', `${PREFIX}ttl:sw`]), 'hash')
    const slidingTtl = Number(await redis.command(['PTTL', `${PREFIX}ttl:sw`]))
    assert.ok(slidingTtl > 50_000 && slidingTtl <= 120_000, `PTTL ${slidingTtl}`)
    // Token bucket: one token of four used, refilled after a quarter of the window.
    await store.hit('tb', { algorithm: 'token-bucket', limit: 4, windowMs: 600_000 }, 0)
    const bucketTtl = Number(await redis.command(['PTTL', `${PREFIX}ttl:tb`]))
    assert.ok(bucketTtl > 100_000 && bucketTtl <= 150_000, `PTTL ${bucketTtl}`)
  })

  it("add a minute of slack with clock: 'caller' (the stored expiry decides, not Redis's clock)", async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const redis = connection()
    const store = redisRateLimitStore({ redis, prefix: `${PREFIX}ttl-caller:`, clock: 'caller' })
    const rule: RateLimitRule = { algorithm: 'token-bucket', limit: 4, windowMs: 600_000 }
    await store.hit('tb', rule, 5_000_000)
    const ttl = Number(await redis.command(['PTTL', `${PREFIX}ttl-caller:tb`]))
    assert.ok(ttl > 150_000 && ttl <= 210_000, `PTTL ${ttl}`)
    // Past the stored expiry (caller's clock), the state is ignored although the key still exists.
    assert.equal((await store.hit('tb', rule, 5_150_000)).remaining, 3)
  })

  it('vanish once idle long enough, and the quota is whole again', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const redis = connection()
    const store = redisRateLimitStore({ redis, prefix: `${PREFIX}idle:` })
    // 1000 tokens per second: one spent token is back after 1 ms, so the key lives 1 ms.
    const rule: RateLimitRule = { algorithm: 'token-bucket', limit: 1000, windowMs: 1000 }
    assert.equal((await store.hit('k', rule, 0)).remaining, 999)
    await sleep(20)
    assert.equal(await redis.command(['EXISTS', `${PREFIX}idle:k`]), 0)
    assert.equal((await store.hit('k', rule, 0)).remaining, 999)
  })

  it('reset deletes the key, giving the full quota back', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const redis = connection()
    const store = redisRateLimitStore({ redis, prefix: `${PREFIX}reset:` })
    const rule: RateLimitRule = { algorithm: 'sliding-window', limit: 2, windowMs: 3_600_000 }
    await store.hit('login:alice', rule, 0)
    await store.hit('login:alice', rule, 0)
    assert.equal((await store.hit('login:alice', rule, 0)).allowed, false)
    await store.reset('login:alice')
    assert.equal(await redis.command(['EXISTS', `${PREFIX}reset:login:alice`]), 0)
    assert.equal((await store.hit('login:alice', rule, 0)).remaining, 1)
  })

  it('keep limiters with different prefixes apart on one connection', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const redis = connection()
    const rule: RateLimitRule = { algorithm: 'sliding-window', limit: 1, windowMs: 3_600_000 }
    const a = redisRateLimitStore({ redis, prefix: `${PREFIX}a:` })
    const b = redisRateLimitStore({ redis, prefix: `${PREFIX}b:` })
    assert.equal((await a.hit('k', rule, 0)).allowed, true)
    assert.equal((await a.hit('k', rule, 0)).allowed, false)
    assert.equal((await b.hit('k', rule, 0)).allowed, true)
  })
})

describe('Redis rate-limit store clock and atomicity', () => {
  it("uses the server's clock: callers whose clocks disagree by hours share one limit", async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const rule: RateLimitRule = { algorithm: 'sliding-window', limit: 4, windowMs: 3_600_000 }
    const a = redisRateLimitStore({ redis: connection(), prefix: `${PREFIX}skew:` })
    const b = redisRateLimitStore({ redis: connection(), prefix: `${PREFIX}skew:` })
    const allowed: boolean[] = []
    for (let i = 0; i < 5; i++) {
      allowed.push((await a.hit('k', rule, Date.now())).allowed)
      allowed.push((await b.hit('k', rule, Date.now() + 7 * 3_600_000)).allowed)
    }
    assert.deepEqual(allowed, [true, true, true, true, false, false, false, false, false, false])
    // Durations are relative to the server's time: the window is at most two hours ahead.
    const refused = await a.hit('k', rule, 0)
    assert.ok(refused.resetMs > 3_600_000 && refused.resetMs <= 7_200_000, `${refused.resetMs}`)
    assert.ok(refused.retryAfterMs >= 1 && refused.retryAfterMs <= refused.resetMs)
  })

  for (const algorithm of ['sliding-window', 'token-bucket'] as const) {
    it(`never allows more than the limit to 100 parallel hits over four connections (${algorithm})`, async (t) => {
      if (!(await requireService(t, 'redis'))) return
      const rule: RateLimitRule = { algorithm, limit: 10, windowMs: 3_600_000 }
      const stores = [1, 2, 3, 4].map(() =>
        redisRateLimitStore({ redis: connection(), prefix: `${PREFIX}burst-${algorithm}:` }),
      )
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => stores[i % 4]!.hit('k', rule, Date.now())),
      )
      assert.equal(results.filter((r) => r.allowed).length, 10)
      // Each allowed hit saw a distinct remaining count: no two read the same state.
      assert.deepEqual(
        results
          .filter((r) => r.allowed)
          .map((r) => r.remaining)
          .sort((x, y) => x - y),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      )
    })
  }

  it('charges a parallel burst of cost-3 hits exactly: three fit in a bucket of ten', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const rule: RateLimitRule = { algorithm: 'token-bucket', limit: 10, windowMs: 3_600_000 }
    const stores = [1, 2].map(() =>
      redisRateLimitStore({ redis: connection(), prefix: `${PREFIX}cost:` }),
    )
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => stores[i % 2]!.hit('k', rule, 0, 3)),
    )
    assert.equal(results.filter((r) => r.allowed).length, 3)
    assert.ok(results.every((r) => r.allowed || r.retryAfterMs >= 1))
  })
})
