/** SharedConnections over a real Pool of fake connections: who gets which connection, and when. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Pool } from './pool.ts'
import { SharedConnections, type SharedUse } from './shared.ts'

interface Fake {
  id: number
  broken: boolean
  writes: string[]
  corked: number
}

function setup(max: number) {
  let next = 0
  const released: { id: number; destroy: boolean }[] = []
  const sockets = new Map<Fake, { cork(): void; uncork(): void }>()
  const pool = new Pool<Fake>({
    create: async () => ({ id: ++next, broken: false, writes: [], corked: 0 }),
    destroy: () => {},
    max,
    acquireTimeoutMs: 1000,
    idleTimeoutMs: 60_000,
  })
  const shared = new SharedConnections<Fake>({
    pool,
    max,
    acquire: () => pool.acquire(),
    usable: (c) => !c.broken,
    release: (c, destroy) => {
      released.push({ id: c.id, destroy })
      pool.release(c, destroy)
    },
    socket: (c) => {
      // One object per connection, as a client's socket is.
      let socket = sockets.get(c)
      if (socket === undefined) {
        socket = {
          cork: () => {
            c.corked++
          },
          uncork: () => {
            c.corked--
            c.writes.push('flush')
          },
        }
        sockets.set(c, socket)
      }
      return socket
    },
  })
  const use = async () => shared.take() ?? (await shared.open())
  return { pool, shared, released, use }
}

const turn = () => new Promise((resolve) => setImmediate(resolve))

describe('SharedConnections', () => {
  it('opens connections up to max, then pipelines onto the least busy', async () => {
    const { pool, shared, use } = setup(2)
    const a = await use()
    const b = await use() // below max with nobody opening: a second connection
    assert.notEqual(a.connection.id, b.connection.id)
    assert.equal(pool.size, 2)
    const c = await use() // full: shares the least busy (both have 1, the first found)
    assert.equal(c.inFlight, 2)
    const d = await use()
    assert.equal(
      d.connection.id,
      c.connection.id === a.connection.id ? b.connection.id : a.connection.id,
    )
    assert.equal(pool.size, 2)
    for (const u of [a, b, c, d]) shared.done(u)
    assert.equal(pool.idleCount, 2)
  })

  it('gives a connection back to the pool when its last statement is done', async () => {
    const { shared, released, use } = setup(1)
    const a = await use()
    const b = await use()
    assert.equal(a, b)
    shared.done(a)
    assert.deepEqual(released, [])
    shared.done(b)
    assert.deepEqual(released, [{ id: a.connection.id, destroy: false }])
  })

  it('stops piling onto shared connections while a caller waits for one of its own', async () => {
    const { pool, shared, use } = setup(1)
    const a = await use()
    const reserved = pool.acquire() // a transaction waits
    assert.equal(shared.take(), undefined)
    const waiting = shared.open() // queues behind the transaction (FIFO)
    shared.done(a)
    const connection = await reserved
    assert.equal(connection, a.connection)
    pool.release(connection)
    const b = await waiting
    assert.equal(b.connection, a.connection)
    shared.done(b)
  })

  it('skips retired and broken connections and closes a retired one once idle', async () => {
    const { shared, released, use } = setup(2)
    const a = await use()
    const b = await use()
    a.retire = true
    b.connection.broken = true
    assert.equal(shared.take(), undefined)
    shared.done(a)
    assert.deepEqual(released.at(-1), { id: a.connection.id, destroy: true })
    shared.done(b)
  })

  it('corks each socket once per event-loop turn and uncorks at its end', async () => {
    const { shared, use } = setup(1)
    const uses: SharedUse<Fake>[] = []
    for (let i = 0; i < 5; i++) uses.push(await use())
    const fake = uses[0]!.connection
    assert.equal(fake.corked, 1)
    await turn()
    assert.equal(fake.corked, 0)
    assert.deepEqual(fake.writes, ['flush'])
    uses.push(await use())
    assert.equal(fake.corked, 1)
    await turn()
    assert.deepEqual(fake.writes, ['flush', 'flush'])
    for (const u of uses) shared.done(u)
  })
})
