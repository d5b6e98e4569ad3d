/**
 * Idle and absolute expiry on a controlled clock, and Lucia's refresh rule: the idle expiry is
 * pushed back (one store write and a fresh cookie) only once less than half of it remains.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../app/index.ts'
import { testClient } from '../testing/index.ts'
import { getSession, sessions } from './middleware.ts'
import type { SessionsOptions } from './options.ts'
import type { SessionRecord, SessionStore } from './store.ts'

const DAY = 24 * 3600 * 1000
const T0 = Date.UTC(2026, 0, 1)

function setup(options: SessionsOptions = {}) {
  const clock = { now: T0 }
  // A store without expiry of its own (like a database before clearExpiredSessions runs), so
  // these tests see the middleware's decisions alone.
  const inner = new Map<string, SessionRecord>()
  const ops: string[] = []
  const store: SessionStore = {
    async get(id) {
      ops.push('get')
      return structuredClone(inner.get(id))
    },
    async set(id, record) {
      ops.push('set')
      inner.set(id, structuredClone(record))
    },
    async delete(id) {
      ops.push('delete')
      inner.delete(id)
    },
  }
  const app = createApp({ logger: false })
  app.use(sessions({ store, now: () => clock.now, ...options }))
  app.post('/login', async (ctx) => {
    ;(await getSession(ctx)).set('user', 'ada')
    return { ok: true }
  })
  app.post('/rotate', async (ctx) => {
    await (await getSession(ctx)).rotate()
    return { ok: true }
  })
  app.get('/me', async (ctx) => ({ user: (await getSession(ctx)).get('user') ?? null }))
  const client = testClient(app)
  const at = async (days: number) => {
    clock.now = T0 + days * DAY
    ops.length = 0
    const res = await client.get('/me')
    return {
      user: res.json().user as string | null,
      setCookie: res.headers['set-cookie'],
      ops: [...ops],
    }
  }
  return { client, clock, inner, store, ops, at, app }
}

describe('sessions(): idle timeout', () => {
  it('expires a session unused for the idle timeout, and deletes it', async () => {
    const { client, at, inner } = setup()
    await client.post('/login')
    assert.equal(inner.size, 1)
    const later = await at(14)
    assert.equal(later.user, null)
    assert.deepEqual(later.ops, ['get', 'delete'])
    assert.equal(later.setCookie, undefined, 'the empty fresh session sets no cookie')
    assert.equal(inner.size, 0)
    await client.close()
  })

  it('keeps it just before the idle timeout', async () => {
    const { client, at } = setup()
    await client.post('/login')
    assert.equal((await at(13.99)).user, 'ada')
    await client.close()
  })

  it('follows a configured idle timeout', async () => {
    const { client, at } = setup({ idleTimeoutMs: DAY })
    await client.post('/login')
    assert.equal((await at(0.9)).user, 'ada')
    assert.equal((await at(1.85)).user, 'ada', 'the read at 0.9 days pushed the expiry back')
    assert.equal((await at(3)).user, null)
    await client.close()
  })
})

describe('sessions(): refresh only when less than half the idle timeout remains', () => {
  it('writes nothing while more than half remains, then refreshes once', async () => {
    const { client, at } = setup()
    await client.post('/login')
    for (const day of [1, 3, 6.9]) {
      const seen = await at(day)
      assert.equal(seen.user, 'ada')
      assert.deepEqual(seen.ops, ['get'], `day ${day}: read only`)
      assert.equal(seen.setCookie, undefined)
    }
    const refreshed = await at(7.5)
    assert.deepEqual(refreshed.ops, ['get', 'set'])
    assert.match(refreshed.setCookie![0]!, /^__Host-session=[A-Za-z0-9_-]{43}; Max-Age=1209600;/)
    assert.deepEqual((await at(8)).ops, ['get'], 'fresh again: no write')
    // The refresh moved the expiry to day 21.5: alive at day 21, gone at day 21.5.
    assert.equal((await at(21)).user, 'ada')
    await client.close()
  })

  it('keeps the same token when refreshing', async () => {
    const { client, at } = setup()
    await client.post('/login')
    const token = client.cookies.get('__Host-session')
    await at(8)
    assert.equal(client.cookies.get('__Host-session'), token)
    await client.close()
  })
})

describe('sessions(): absolute timeout', () => {
  it('ends an active session 30 days after it was created, without extra writes near the cap', async () => {
    const { client, at } = setup()
    await client.post('/login')
    assert.deepEqual((await at(6)).ops, ['get'])
    assert.deepEqual((await at(8)).ops, ['get', 'set'], 'refreshed to day 22')
    assert.deepEqual((await at(16)).ops, ['get', 'set'], 'refreshed to the cap, day 30')
    const capped = await at(24)
    assert.deepEqual(capped.ops, ['get'], 'the cap cannot move: no write')
    assert.equal(capped.user, 'ada')
    assert.equal((await at(29.9)).user, 'ada')
    const ended = await at(30)
    assert.equal(ended.user, null)
    assert.deepEqual(ended.ops, ['get', 'delete'])
    await client.close()
  })

  it('sends a cookie that expires with the session at the cap', async () => {
    const { client, at } = setup()
    await client.post('/login')
    await at(8)
    const capped = await at(16)
    assert.match(capped.setCookie![0]!, new RegExp(`; Max-Age=${14 * 24 * 3600};`))
    await client.close()
  })

  it('applies a shorter absolute timeout to sessions created before the change', async () => {
    const first = setup()
    await first.client.post('/login')
    const token = first.client.cookies.get('__Host-session')!
    // A new deployment with a 1-day absolute timeout, same store.
    const app = createApp({ logger: false })
    app.use(sessions({ store: first.store, absoluteTimeoutMs: DAY, now: () => T0 + 2 * DAY }))
    app.get('/me', async (ctx) => ({ user: (await getSession(ctx)).get('user') ?? null }))
    const client = testClient(app)
    const res = await client.get('/me', { headers: { cookie: `__Host-session=${token}` } })
    assert.deepEqual(res.json(), { user: null })
    await client.close()
    await first.client.close()
  })

  it('starts the absolute timeout again on rotate()', async () => {
    const { client, at, clock } = setup()
    await client.post('/login')
    await at(8) // keep it alive: expiry day 22
    clock.now = T0 + 20 * DAY
    await client.post('/rotate') // expiry day 34, cap day 50
    for (const day of [26, 28, 36, 44, 49.9])
      assert.equal((await at(day)).user, 'ada', `day ${day}`)
    assert.equal((await at(50)).user, null, '30 days after the rotation')
    await client.close()
  })
})
