/**
 * Rate-limit algorithms, the memory store and key normalisation, with a fake clock (plain numbers):
 * window rollover, sliding weighting, token refill, bounded memory under a key flood.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { applyHit, type RateLimitRule, type RateLimitState } from './algorithms.ts'
import { normalizeIp } from './keys.ts'
import { memoryStore } from './store.ts'

const sliding: RateLimitRule = { algorithm: 'sliding-window', limit: 10, windowMs: 1000 }
const bucket: RateLimitRule = { algorithm: 'token-bucket', limit: 4, windowMs: 1000 }

/** Hit `n` times at `now`, returning the final state and results. */
function hits(rule: RateLimitRule, state: RateLimitState | undefined, now: number, n: number) {
  const results = []
  for (let i = 0; i < n; i++) {
    const outcome = applyHit(state, rule, now, 1)
    state = outcome.state
    results.push(outcome.result)
  }
  return { state, results }
}

describe('sliding window (weighted two-window counter)', () => {
  it('allows `limit` hits per window, then refuses with the time until the next window', () => {
    const { state, results } = hits(sliding, undefined, 10_000, 11)
    assert.deepEqual(
      results.map((r) => r.allowed),
      [...Array(10).fill(true), false],
    )
    assert.deepEqual(
      results.map((r) => r.remaining),
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0],
    )
    // 10 hits at the start of window [10000, 11000): one more is allowed once the current count,
    // weighted in the next window, has decayed to 9 → 100 ms into the next window.
    assert.equal(results[10]!.retryAfterMs, 1100)
    assert.equal(results[10]!.resetMs, 2000)
    const later = applyHit(state, sliding, 11_099, 1)
    assert.equal(later.result.allowed, false)
    assert.equal(applyHit(state, sliding, 11_100, 1).result.allowed, true)
  })

  it('weights the previous window by how much of it still overlaps', () => {
    const { state } = hits(sliding, undefined, 10_000, 10)
    // Halfway through the next window the previous 10 hits count as 5: 5 more are allowed.
    const { results } = hits(sliding, state, 11_500, 6)
    assert.deepEqual(
      results.map((r) => r.allowed),
      [true, true, true, true, true, false],
    )
    assert.equal(results[0]!.remaining, 4)
    // Refused with current = 5, previous = 10 at 50 %: wait until the weight drops to 0.4.
    assert.equal(results[5]!.retryAfterMs, 100)
  })

  it('forgets everything after two windows', () => {
    const { state } = hits(sliding, undefined, 10_000, 10)
    const outcome = applyHit(state, sliding, 12_000, 1)
    assert.equal(outcome.result.allowed, true)
    assert.equal(outcome.result.remaining, 9)
    assert.equal(hits(sliding, undefined, 10_000, 1).results[0]!.resetMs, 2000)
  })

  it('does not count refused hits', () => {
    const { state } = hits(sliding, undefined, 10_000, 50)
    assert.equal(state?.kind === 'sliding-window' && state.current, 10)
  })
})

describe('token bucket', () => {
  it('allows a burst of `limit`, then refills `limit` per window', () => {
    const { state, results } = hits(bucket, undefined, 0, 5)
    assert.deepEqual(
      results.map((r) => [r.allowed, r.remaining]),
      [
        [true, 3],
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ],
    )
    // One token every 250 ms.
    assert.equal(results[4]!.retryAfterMs, 250)
    assert.equal(results[4]!.resetMs, 1000)
    assert.equal(applyHit(state, bucket, 249, 1).result.allowed, false)
    const refilled = applyHit(state, bucket, 250, 1)
    assert.equal(refilled.result.allowed, true)
    assert.equal(refilled.result.remaining, 0)
    // A full window refills the whole bucket, never more.
    assert.equal(applyHit(state, bucket, 10_000, 1).result.remaining, 3)
  })

  it('ignores a clock that goes backwards', () => {
    const { state } = hits(bucket, undefined, 5000, 4)
    assert.equal(applyHit(state, bucket, 1000, 1).result.allowed, false)
  })

  it('refuses a cost above the capacity', () => {
    assert.equal(applyHit(undefined, bucket, 0, 5).result.allowed, false)
    assert.equal(applyHit(undefined, sliding, 0, 11).result.allowed, false)
  })
})

describe('memory store', () => {
  it('keeps keys apart and resets one on request', async () => {
    const store = memoryStore()
    for (let i = 0; i < 4; i++) await store.hit('a', bucket, 0)
    assert.equal((await store.hit('a', bucket, 0)).allowed, false)
    assert.equal((await store.hit('b', bucket, 0)).allowed, true)
    await store.reset('a')
    assert.equal((await store.hit('a', bucket, 0)).allowed, true)
  })

  it('stays bounded under a flood of distinct keys (LRU eviction)', () => {
    const store = memoryStore({ maxKeys: 100 })
    for (let i = 0; i < 10_000; i++) store.hitSync(`flood-${i}`, sliding, 0)
    assert.equal(store.size, 100)
    // The most recently used keys survive.
    assert.equal(store.hitSync('flood-9999', sliding, 0).remaining, 8)
  })

  it('keeps a busy key while evicting idle ones', () => {
    const store = memoryStore({ maxKeys: 10 })
    for (let i = 0; i < 10; i++) store.hitSync('busy', sliding, 0)
    for (let i = 0; i < 100; i++) {
      store.hitSync(`idle-${i}`, sliding, 0)
      if (i % 5 === 0) assert.equal(store.hitSync('busy', sliding, 0).allowed, false)
    }
    assert.equal(store.size, 10)
  })

  it('sweeps expired keys', () => {
    const store = memoryStore({ sweepIntervalMs: 1000 })
    for (let i = 0; i < 50; i++) store.hitSync(`k${i}`, sliding, 0)
    assert.equal(store.size, 50)
    store.hitSync('late', sliding, 5000)
    assert.equal(store.size, 1)
  })

  it('rejects invalid options', () => {
    for (const options of [{ maxKeys: 0 }, { maxKeys: 1.5 }, { sweepIntervalMs: -1 }]) {
      assert.throws(() => memoryStore(options), { code: 'PLINTH_SECURITY_RATE_LIMIT_CONFIG' })
    }
  })
})

describe('normalizeIp', () => {
  it('keys IPv6 by /64 and IPv4-mapped addresses by IPv4', () => {
    assert.equal(normalizeIp('203.0.113.9'), '203.0.113.9')
    assert.equal(normalizeIp('::ffff:203.0.113.9'), '203.0.113.9')
    assert.equal(normalizeIp('::ffff:cb00:7109'), '203.0.113.9')
    assert.equal(normalizeIp('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
    assert.equal(normalizeIp('2001:DB8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64')
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80:0:0:0::/64')
    assert.equal(normalizeIp('::1'), '0:0:0:0::/64')
    assert.equal(normalizeIp('unknown'), 'unknown')
  })
})
