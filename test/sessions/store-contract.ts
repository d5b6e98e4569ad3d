/**
 * What every session store must do, run against each real backend by stores.test.ts: record
 * round trips (with awkward keys and values), replacement, deletion, and the full login → rotate
 * → logout flow through an app, replaying the old cookies after each step.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { it, type TestContext } from 'node:test'
import { createApp } from 'plinth'
import { getSession, type SessionRecord, type SessionStore, sessions } from 'plinth/sessions'
import { testClient } from 'plinth/testing'
import { addCartLoginLogout } from '../support/session-routes.ts'

const id = () => randomBytes(32).toString('hex')
const future = () => Date.now() + 3_600_000

/**
 * Register the contract's tests. `ready(t)` resolves with the store, or `undefined` after
 * skipping the test (a service that is not running locally: see test/support/services.ts).
 */
export function storeContract(ready: (t: TestContext) => Promise<SessionStore | undefined>): void {
  let current: SessionStore
  const store = () => current
  const test = (name: string, fn: () => Promise<void>) =>
    it(name, async (t) => {
      const found = await ready(t)
      if (found === undefined) return
      current = found
      await fn()
    })

  test('returns undefined for an unknown id', async () => {
    assert.equal(await store().get(id()), undefined)
  })

  test('round-trips a record with nested, unicode and __proto__ keys', async () => {
    const key = id()
    const data = JSON.parse(
      '{"user":{"id":7,"roles":["admin"]},"name":"Zoë 🌍 \\u2028","__proto__":{"isAdmin":true},"n":null,"f":1.5,"t":true}',
    )
    const record: SessionRecord = { data, createdAt: Date.now() - 1000, expiresAt: future() }
    await store().set(key, record, 3_600_000)
    const read = await store().get(key)
    assert.deepEqual(read, record)
    assert.ok(Object.hasOwn(read!.data, '__proto__'))
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined)
    await store().delete(key)
  })

  test('replaces a record, also with identical values', async () => {
    const key = id()
    const record: SessionRecord = { data: { a: 1 }, createdAt: 1, expiresAt: future() }
    await store().set(key, record, 3_600_000)
    await store().set(key, record, 3_600_000)
    const changed = { ...record, data: { a: 2, b: 'x' }, expiresAt: record.expiresAt + 5 }
    await store().set(key, changed, 3_600_000)
    assert.deepEqual(await store().get(key), changed)
    await store().delete(key)
  })

  test('deletes one record and leaves the others', async () => {
    const [a, b] = [id(), id()]
    await store().set(a, { data: { who: 'a' }, createdAt: 1, expiresAt: future() }, 3_600_000)
    await store().set(b, { data: { who: 'b' }, createdAt: 1, expiresAt: future() }, 3_600_000)
    await store().delete(a)
    await store().delete(a)
    await store().delete(id())
    assert.equal(await store().get(a), undefined)
    assert.deepEqual((await store().get(b))?.data, { who: 'b' })
    await store().delete(b)
  })

  test('carries a session through login, rotation and logout; old cookies stop working', async () => {
    const app = createApp({ logger: false })
    app.use(sessions({ store: store() }))
    app.get('/me', async (ctx) => ({ user: (await getSession(ctx)).get('user') ?? null }))
    addCartLoginLogout(app)
    const client = testClient(app)
    const asCookie = (token: string) => ({
      cookies: false,
      headers: { cookie: `__Host-session=${token}` },
    })
    await client.post('/cart')
    const anonymous = client.cookies.get('__Host-session')!
    assert.deepEqual((await client.post('/login')).json(), { cart: ['lamp'] })
    const loggedIn = client.cookies.get('__Host-session')!
    assert.notEqual(loggedIn, anonymous)
    assert.deepEqual((await client.get('/me')).json(), { user: 'ada' })
    assert.deepEqual((await client.get('/me', asCookie(anonymous))).json(), { user: null })
    await client.post('/logout')
    assert.equal(client.cookies.get('__Host-session'), undefined)
    assert.deepEqual((await client.get('/me', asCookie(loggedIn))).json(), { user: null })
    await client.close()
  })
}
