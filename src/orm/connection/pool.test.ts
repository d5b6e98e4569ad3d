import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ConnectionError, PoolTimeoutError } from '../errors.ts'
import { Pool, type PoolConfig } from './pool.ts'

interface Fake {
  id: number
  destroyed: boolean
}

function fakePool(options: Partial<PoolConfig<Fake>> & { fail?: () => Error | undefined } = {}) {
  let next = 1
  const created: Fake[] = []
  const pool = new Pool<Fake>({
    create: async () => {
      await sleep(1)
      const error = options.fail?.()
      if (error) throw error
      const fake = { id: next++, destroyed: false }
      created.push(fake)
      return fake
    },
    destroy: (fake) => {
      fake.destroyed = true
    },
    max: 2,
    acquireTimeoutMs: 1000,
    idleTimeoutMs: 30_000,
    label: 'FakeDB at db.example:5432',
    ...options,
  })
  return { pool, created }
}

describe('Pool', () => {
  it('opens connections up to max and reuses released ones', async () => {
    const { pool, created } = fakePool()
    const a = await pool.acquire()
    const b = await pool.acquire()
    assert.notEqual(a, b)
    pool.release(a)
    assert.equal(await pool.acquire(), a)
    assert.equal(created.length, 2)
    pool.release(a)
    pool.release(b)
    assert.equal(pool.size, 2)
    assert.equal(pool.idleCount, 2)
    await pool.close()
  })

  it('tryAcquire returns an idle connection synchronously, or undefined', async () => {
    const { pool } = fakePool()
    assert.equal(pool.tryAcquire(), undefined)
    const a = await pool.acquire()
    assert.equal(pool.tryAcquire(), undefined) // no idle connection: does not open one
    pool.release(a)
    assert.equal(pool.tryAcquire(), a)
    pool.release(a)
    await pool.close()
  })

  it('serves waiters in FIFO order', async () => {
    const { pool } = fakePool({ max: 1 })
    const first = await pool.acquire()
    const order: string[] = []
    const w1 = pool.acquire().then((c) => {
      order.push('w1')
      return c
    })
    const w2 = pool.acquire().then((c) => {
      order.push('w2')
      return c
    })
    assert.equal(pool.waitingCount, 2)
    assert.equal(pool.tryAcquire(), undefined, 'tryAcquire does not jump the queue')
    pool.release(first)
    pool.release(await w1)
    pool.release(await w2)
    assert.deepEqual(order, ['w1', 'w2'])
    await pool.close()
  })

  it('rejects with PoolTimeoutError when nothing frees up in time', async () => {
    const { pool } = fakePool({ max: 1, acquireTimeoutMs: 20 })
    const held = await pool.acquire()
    await assert.rejects(pool.acquire(), PoolTimeoutError)
    assert.equal(pool.waitingCount, 0)
    // The pool still works after a timeout.
    pool.release(held)
    pool.release(await pool.acquire())
    await pool.close()
  })

  it('a timed-out waiter does not receive a connection later', async () => {
    const { pool } = fakePool({ max: 1, acquireTimeoutMs: 10 })
    const held = await pool.acquire()
    const late = pool.acquire()
    await assert.rejects(late, PoolTimeoutError)
    pool.release(held)
    assert.equal(pool.idleCount, 1)
    await pool.close()
  })

  it('turns a failed creation into ConnectionError for the waiter and frees the slot', async () => {
    let failures = 1
    const secret = new Error('password authentication failed for user "app"')
    const { pool } = fakePool({
      max: 1,
      fail: () => (failures-- > 0 ? secret : undefined),
    })
    const error = await pool.acquire().then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    )
    assert.ok(error instanceof ConnectionError)
    assert.match(error.message, /FakeDB at db\.example:5432/)
    assert.equal(error.cause, secret)
    assert.equal(pool.size, 0, 'no slot leaked')
    const c = await pool.acquire()
    assert.equal(c.id, 1)
    pool.release(c)
    await pool.close()
  })

  it('keeps a ConnectionError thrown by create as is', async () => {
    const own = new ConnectionError('Could not connect to PostgreSQL at h:1: refused')
    const { pool } = fakePool({ fail: () => own })
    await assert.rejects(pool.acquire(), (e) => e === own)
    await pool.close()
  })

  it('gives each waiter its own attempt when creations keep failing', async () => {
    const { pool } = fakePool({ max: 1, fail: () => new Error('ECONNREFUSED') })
    const results = await Promise.allSettled([pool.acquire(), pool.acquire(), pool.acquire()])
    for (const r of results) {
      assert.equal(r.status, 'rejected')
      assert.ok(r.reason instanceof ConnectionError)
    }
    assert.equal(pool.size, 0)
    await pool.close()
  })

  it('destroys a connection released with destroy=true and opens a new one', async () => {
    const { pool, created } = fakePool({ max: 1 })
    const a = await pool.acquire()
    pool.release(a, true)
    assert.equal(a.destroyed, true)
    assert.equal(pool.size, 0)
    const b = await pool.acquire()
    assert.notEqual(a, b)
    assert.equal(created.length, 2)
    pool.release(b)
    await pool.close()
  })

  it('hands a destroyed slot to a waiter', async () => {
    const { pool } = fakePool({ max: 1 })
    const a = await pool.acquire()
    const waiting = pool.acquire()
    pool.release(a, true)
    const b = await waiting
    assert.notEqual(a, b)
    pool.release(b)
    await pool.close()
  })

  it('closes idle connections that validate() rejects instead of handing them out', async () => {
    const { pool } = fakePool({ validate: (fake) => fake.id !== 1 })
    const a = await pool.acquire()
    pool.release(a)
    assert.equal(pool.tryAcquire(), undefined)
    assert.equal(a.destroyed, true)
    const b = await pool.acquire()
    assert.equal(b.id, 2)
    pool.release(b)
    await pool.close()
  })

  it('refuses a double release', async () => {
    const { pool } = fakePool()
    const a = await pool.acquire()
    pool.release(a)
    assert.throws(() => pool.release(a), /released twice/)
    await pool.close()
  })

  it('closes idle connections after idleTimeoutMs', async () => {
    const { pool } = fakePool({ idleTimeoutMs: 15 })
    const a = await pool.acquire()
    const b = await pool.acquire()
    pool.release(a)
    pool.release(b)
    assert.equal(pool.idleCount, 2)
    await sleep(60)
    assert.equal(pool.idleCount, 0)
    assert.ok(a.destroyed && b.destroyed)
    // Still usable afterwards.
    pool.release(await pool.acquire())
    await pool.close()
  })

  it('keeps idle connections forever with idleTimeoutMs Infinity', async () => {
    const { pool } = fakePool({ idleTimeoutMs: Number.POSITIVE_INFINITY })
    const a = await pool.acquire()
    pool.release(a)
    await sleep(10)
    assert.equal(pool.idleCount, 1)
    await pool.close()
    assert.equal(a.destroyed, true)
  })

  it('close() waits for reserved connections, then destroys everything', async () => {
    const { pool } = fakePool()
    const a = await pool.acquire()
    const b = await pool.acquire()
    pool.release(b)
    let closed = false
    const closing = pool.close().then(() => {
      closed = true
    })
    await sleep(5)
    assert.equal(b.destroyed, true, 'idle ones go at once')
    assert.equal(closed, false, 'waits for the reserved one')
    pool.release(a)
    await closing
    assert.equal(a.destroyed, true)
    assert.equal(pool.size, 0)
  })

  it('rejects pending and later acquires after close, clearly', async () => {
    const { pool } = fakePool({ max: 1 })
    const a = await pool.acquire()
    const pending = pool.acquire()
    const closing = pool.close()
    await assert.rejects(
      pending,
      (e: Error) => e instanceof ConnectionError && /closed/.test(e.message),
    )
    await assert.rejects(pool.acquire(), /pool for FakeDB at db\.example:5432 is closed/)
    pool.release(a)
    await closing
    await pool.close() // twice is fine
  })

  it('close() waits for a creation in flight and destroys its connection', async () => {
    const { pool, created } = fakePool()
    const acquiring = assert.rejects(pool.acquire(), ConnectionError)
    await pool.close()
    await acquiring
    assert.equal(created[0]?.destroyed, true)
  })
})
