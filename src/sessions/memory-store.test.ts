/**
 * The memory store: TTL on its own clock, periodic sweep, least-recently-used eviction at
 * `maxEntries`, no shared objects between reads, and option checks.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { memorySessionStore } from './memory-store.ts'
import type { SessionRecord } from './store.ts'

const record = (data: SessionRecord['data'] = { a: 1 }): SessionRecord => ({
  data,
  createdAt: 0,
  expiresAt: 1,
})

describe('memorySessionStore', () => {
  it('round-trips records and forgets deleted ones', async () => {
    const store = memorySessionStore()
    assert.equal(await store.get('x'), undefined)
    await store.set('x', record(JSON.parse('{"cart":["a"],"__proto__":"own key"}')), 1_000)
    const read = await store.get('x')
    assert.deepEqual(Object.keys(read!.data), ['cart', '__proto__'])
    assert.equal(Object.getPrototypeOf(read!.data), Object.prototype)
    await store.delete('x')
    await store.delete('never there')
    assert.equal(await store.get('x'), undefined)
  })

  it('returns a new copy on every read', async () => {
    const store = memorySessionStore()
    await store.set('x', record({ list: [1] }), 1_000)
    const first = await store.get('x')
    ;(first!.data.list as number[]).push(2)
    assert.deepEqual((await store.get('x'))!.data, { list: [1] })
  })

  it('drops a record once its TTL has passed', async () => {
    let now = 1_000
    const store = memorySessionStore({ now: () => now })
    await store.set('x', record(), 500)
    now = 1_499
    assert.ok(await store.get('x'))
    now = 1_500
    assert.equal(await store.get('x'), undefined)
    assert.equal(store.size, 0)
  })

  it('sweeps expired records it is never asked for', async () => {
    let now = 0
    const store = memorySessionStore({ now: () => now, sweepIntervalMs: 100 })
    for (let i = 0; i < 5; i++) await store.set(`old${i}`, record(), 50)
    await store.set('long', record(), 10_000)
    assert.equal(store.size, 6)
    now = 200
    await store.set('new', record(), 50)
    assert.equal(store.size, 2, 'the five expired records were swept')
  })

  it('evicts the least recently used record beyond maxEntries', async () => {
    const store = memorySessionStore({ maxEntries: 3 })
    await store.set('a', record(), 60_000)
    await store.set('b', record(), 60_000)
    await store.set('c', record(), 60_000)
    await store.get('a') // a is now the most recently used
    await store.set('d', record(), 60_000)
    assert.equal(store.size, 3)
    assert.equal(await store.get('b'), undefined, 'b was the least recently used')
    assert.ok(await store.get('a'))
    await store.set('a', record({ a: 2 }), 60_000) // replacing does not evict
    assert.equal(store.size, 3)
  })

  it('stays bounded under a flood of new sessions', async () => {
    const store = memorySessionStore({ maxEntries: 100 })
    for (let i = 0; i < 5_000; i++) await store.set(`flood${i}`, record(), 60_000)
    assert.equal(store.size, 100)
  })

  it('refuses invalid options', () => {
    for (const options of [
      { maxEntries: 0 },
      { maxEntries: 1.5 },
      { sweepIntervalMs: 0 },
      { sweepIntervalMs: Number.NaN },
    ])
      assert.throws(() => memorySessionStore(options), { code: 'PLINTH_SESSIONS_CONFIG' })
  })
})
