/**
 * sessions() through the test client: lazy loading and `Vary: Cookie`, when cookies are set and
 * with which attributes, saving rules (modified only, never on 5xx), the store seeing only token
 * hashes, and configuration errors.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { createApp } from '../app/index.ts'
import { HttpError, json } from '../http/index.ts'
import { testClient } from '../testing/index.ts'
import { memorySessionStore } from './memory-store.ts'
import { getSession, peekSession, sessions } from './middleware.ts'
import type { SessionsOptions } from './options.ts'
import type { SessionRecord, SessionStore } from './store.ts'

/** A memory store that records every call. */
function recordingStore() {
  const inner = memorySessionStore()
  const calls: Array<{
    op: 'get' | 'set' | 'delete'
    id: string
    record?: SessionRecord
    ttlMs?: number
  }> = []
  const store: SessionStore = {
    get(id) {
      calls.push({ op: 'get', id })
      return inner.get(id)
    },
    set(id, record, ttlMs) {
      calls.push({ op: 'set', id, record: structuredClone(record), ttlMs })
      return inner.set(id, record, ttlMs)
    },
    delete(id) {
      calls.push({ op: 'delete', id })
      return inner.delete(id)
    },
  }
  return { store, calls, inner }
}

function appWith(options: SessionsOptions = {}, debug = false) {
  const app = createApp({ logger: false, debug })
  app.use(sessions({ store: 'memory', ...options }))
  app.get('/untouched', () => ({ ok: true }))
  app.get('/read', async (ctx) => {
    const session = await getSession(ctx)
    return { value: session.get('value') ?? null, isNew: session.isNew }
  })
  app.get('/has', async (ctx) => ({ has: (await getSession(ctx)).has('value') }))
  app.post('/set', async (ctx) => {
    const session = await getSession(ctx)
    session.set('value', ctx.query.v ?? 'x')
    return { ok: true }
  })
  app.post('/clear', async (ctx) => {
    ;(await getSession(ctx)).clear()
    return { ok: true }
  })
  app.post('/fail', async (ctx) => {
    ;(await getSession(ctx)).set('value', 'from a failed request')
    throw new Error('boom')
  })
  app.post('/refuse', async (ctx) => {
    ;(await getSession(ctx)).set('value', 'from a 400')
    throw new HttpError(400, 'No.', { code: 'refused' })
  })
  return app
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex')

describe('sessions(): lazy loading and Vary', () => {
  it('does not touch the store, set cookies or vary when the handler never asks', async () => {
    const { store, calls } = recordingStore()
    const client = testClient(appWith({ store }))
    const res = await client.get('/untouched', {
      headers: { cookie: `__Host-session=${'a'.repeat(43)}` },
    })
    assert.equal(res.status, 200)
    assert.deepEqual(calls, [])
    assert.equal(res.headers['set-cookie'], undefined)
    assert.equal(res.headers.vary, undefined)
    await client.close()
  })

  it('loads at most once per request, however often it is asked', async () => {
    const { store, calls } = recordingStore()
    const app = createApp({ logger: false })
    app.use(sessions({ store }))
    app.get('/', async (ctx) => {
      assert.equal(peekSession(ctx), undefined)
      const [a, b] = await Promise.all([getSession(ctx), getSession(ctx)])
      assert.equal(a, b)
      assert.equal(await getSession(ctx), a)
      assert.equal(peekSession(ctx), a)
      return { ok: true }
    })
    const client = testClient(app)
    const token = 'b'.repeat(43)
    await client.get('/', { headers: { cookie: `__Host-session=${token}` } })
    assert.deepEqual(calls, [{ op: 'get', id: hashOf(token) }])
    await client.close()
  })

  it('adds Vary: Cookie when the session is only checked with has()', async () => {
    const client = testClient(appWith())
    const res = await client.get('/has')
    assert.deepEqual(res.json(), { has: false })
    assert.equal(res.headers.vary, 'Cookie')
    assert.equal(res.headers['set-cookie'], undefined, 'an empty new session sets no cookie')
    await client.close()
  })

  it('appends Cookie to a Vary set on the reply and on ctx, without duplicates', async () => {
    const app = createApp({ logger: false })
    app.use(sessions({ store: 'memory' }))
    app.get('/both', async (ctx) => {
      ctx.setHeader('Vary', 'Accept-Language')
      await getSession(ctx)
      return json({ ok: true }, { headers: { vary: 'Origin, accept-language' } })
    })
    app.get('/already', async (ctx) => {
      await getSession(ctx)
      return json({ ok: true }, { headers: { vary: 'cookie' } })
    })
    app.get('/star', async (ctx) => {
      await getSession(ctx)
      return json({ ok: true }, { headers: { vary: '*' } })
    })
    const client = testClient(app)
    assert.equal((await client.get('/both')).headers.vary, 'Accept-Language, Origin, Cookie')
    assert.equal((await client.get('/already')).headers.vary, 'cookie')
    assert.equal((await client.get('/star')).headers.vary, '*')
    await client.close()
  })

  it('throws PLINTH_SESSIONS_MISSING_MIDDLEWARE without sessions()', async () => {
    const app = createApp({ logger: false, debug: true })
    let thrown: unknown
    app.get('/', async (ctx) => {
      try {
        await getSession(ctx)
      } catch (error) {
        thrown = error
      }
      return { ok: true }
    })
    const client = testClient(app)
    await client.get('/')
    assert.equal((thrown as { code?: string }).code, 'PLINTH_SESSIONS_MISSING_MIDDLEWARE')
    assert.match((thrown as Error).message, /app\.use\(sessions\(\)\)/)
    await client.close()
  })
})

describe('sessions(): cookies', () => {
  it('sets a hardened __Host- cookie in production, with Max-Age = idle timeout', async () => {
    const client = testClient(appWith())
    const res = await client.post('/set')
    const [cookie] = res.headers['set-cookie']!
    assert.match(
      cookie!,
      /^__Host-session=[A-Za-z0-9_-]{43}; Max-Age=1209600; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
    )
    await client.close()
  })

  it('drops Secure and the prefix in debug mode (plain http://localhost)', async () => {
    const client = testClient(appWith({}, true))
    const [cookie] = (await client.post('/set')).headers['set-cookie']!
    assert.match(
      cookie!,
      /^session=[A-Za-z0-9_-]{43}; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Lax$/,
    )
    await client.close()
  })

  it('follows the secure, cookieName, domain, sameSite and expireAtBrowserClose options', async () => {
    const cases: Array<[SessionsOptions, boolean, RegExp]> = [
      [
        { secure: true },
        true,
        /^__Host-session=\S+; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      ],
      [{ secure: false }, false, /^session=\S+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/],
      [
        { cookieName: 'sid' },
        false,
        /^sid=\S+; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      ],
      [
        { domain: 'example.com' },
        false,
        /^__Secure-session=\S+; Max-Age=\d+; Domain=example\.com; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      ],
      [{ sameSite: 'strict' }, false, /; SameSite=Strict$/],
      [
        { expireAtBrowserClose: true },
        false,
        /^__Host-session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      ],
      [{ idleTimeoutMs: 3_600_000 }, false, /; Max-Age=3600;/],
    ]
    for (const [options, debug, expected] of cases) {
      const client = testClient(appWith(options, debug))
      const [cookie] = (await client.post('/set')).headers['set-cookie']!
      assert.match(cookie!, expected, JSON.stringify(options))
      await client.close()
    }
  })

  it('accepts __proto__ as the cookie name', async () => {
    const client = testClient(appWith({ cookieName: '__proto__' }))
    await client.post('/set', { query: { v: 'kept' } })
    assert.match(client.cookies.get('__proto__')!, /^[A-Za-z0-9_-]{43}$/)
    assert.deepEqual((await client.get('/read')).json(), { value: 'kept', isNew: false })
    await client.close()
  })
})

describe('sessions(): saving', () => {
  it('hands the store only the SHA-256 of the token, never the token', async () => {
    const { store, calls } = recordingStore()
    const client = testClient(appWith({ store }))
    await client.post('/set', { query: { v: 'hello' } })
    const token = client.cookies.get('__Host-session')!
    const writes = calls.filter((c) => c.op === 'set')
    assert.equal(writes.length, 1)
    assert.equal(writes[0]!.id, hashOf(token))
    assert.match(writes[0]!.id, /^[0-9a-f]{64}$/)
    assert.doesNotMatch(JSON.stringify(calls), new RegExp(token))
    assert.deepEqual(writes[0]!.record!.data, { value: 'hello' })
    assert.equal(writes[0]!.ttlMs, 14 * 24 * 3600 * 1000)
    await client.close()
  })

  it('reads back on the next request and writes nothing when nothing changed', async () => {
    const { store, calls } = recordingStore()
    const client = testClient(appWith({ store }))
    await client.post('/set', { query: { v: 'one' } })
    calls.length = 0
    const res = await client.get('/read')
    assert.deepEqual(res.json(), { value: 'one', isNew: false })
    assert.deepEqual(
      calls.map((c) => c.op),
      ['get'],
    )
    assert.equal(res.headers['set-cookie'], undefined)
    await client.close()
  })

  it('saves a change to an existing session without sending the cookie again', async () => {
    const { store, calls } = recordingStore()
    const client = testClient(appWith({ store }))
    await client.post('/set', { query: { v: 'one' } })
    const token = client.cookies.get('__Host-session')
    calls.length = 0
    const res = await client.post('/set', { query: { v: 'two' } })
    assert.equal(res.headers['set-cookie'], undefined)
    assert.deepEqual(
      calls.map((c) => c.op),
      ['get', 'set'],
    )
    assert.equal(client.cookies.get('__Host-session'), token)
    assert.deepEqual((await client.get('/read')).json(), { value: 'two', isNew: false })
    await client.close()
  })

  it('does not save on a 5xx answer, but does on a 4xx (Django)', async () => {
    const { store, calls } = recordingStore()
    const client = testClient(appWith({ store }))
    const failed = await client.post('/fail')
    assert.equal(failed.status, 500)
    assert.equal(failed.headers['set-cookie'], undefined)
    assert.equal(calls.filter((c) => c.op === 'set').length, 0)
    const refused = await client.post('/refuse')
    assert.equal(refused.status, 400)
    assert.equal(refused.headers.vary, 'Cookie')
    assert.ok(refused.headers['set-cookie'])
    assert.deepEqual((await client.get('/read')).json(), { value: 'from a 400', isNew: false })
    await client.close()
  })

  it('keeps the stored session untouched when a later request fails with 5xx', async () => {
    const client = testClient(appWith())
    await client.post('/set', { query: { v: 'before' } })
    assert.equal((await client.post('/fail')).status, 500)
    assert.deepEqual((await client.get('/read')).json(), { value: 'before', isNew: false })
    await client.close()
  })

  it('deletes an emptied session from the store and removes its cookie', async () => {
    const { store, inner } = recordingStore()
    const client = testClient(appWith({ store }))
    await client.post('/set')
    assert.equal(inner.size, 1)
    const res = await client.post('/clear')
    assert.match(
      res.headers['set-cookie']![0]!,
      /^__Host-session=; Max-Age=0; Expires=Thu, 01 Jan 1970/,
    )
    assert.equal(inner.size, 0)
    assert.equal(client.cookies.get('__Host-session'), undefined)
    await client.close()
  })

  it('answers 500 when the store fails, and the next request works', async () => {
    let down = true
    const inner = memorySessionStore()
    const store: SessionStore = {
      get: (id) => (down ? Promise.reject(new Error('store down')) : inner.get(id)),
      set: (id, record, ttl) =>
        down ? Promise.reject(new Error('store down')) : inner.set(id, record, ttl),
      delete: (id) => inner.delete(id),
    }
    const client = testClient(appWith({ store }))
    assert.equal(
      (await client.get('/read', { headers: { cookie: `__Host-session=${'c'.repeat(43)}` } }))
        .status,
      500,
    )
    assert.equal((await client.post('/set')).status, 500, 'a failed save is a failed request')
    down = false
    assert.equal((await client.post('/set')).status, 200)
    await client.close()
  })
})

describe('sessions(): rotate and destroy in one response', () => {
  function flowApp() {
    const app = createApp({ logger: false })
    app.use(sessions({ store: 'memory' }))
    app.post('/login', async (ctx) => {
      ;(await getSession(ctx)).set('user', 'ada')
      return { ok: true }
    })
    app.get('/me', async (ctx) => {
      const session = await getSession(ctx)
      return { user: session.get('user') ?? null, keys: session.keys() }
    })
    app.post('/logout-with-message', async (ctx) => {
      const session = await getSession(ctx)
      await session.destroy()
      session.set('message', 'Logged out.')
      return { ok: true }
    })
    app.post('/rotate-then-fail', async (ctx) => {
      await (await getSession(ctx)).rotate()
      throw new Error('boom after rotating')
    })
    return app
  }

  it('starts a fresh session with a new token for values set after destroy()', async () => {
    const client = testClient(flowApp())
    await client.post('/login')
    const old = client.cookies.get('__Host-session')!
    const res = await client.post('/logout-with-message')
    assert.equal(res.headers['set-cookie']!.length, 1)
    const fresh = client.cookies.get('__Host-session')!
    assert.match(fresh, /^[A-Za-z0-9_-]{43}$/)
    assert.notEqual(fresh, old)
    assert.deepEqual((await client.get('/me')).json(), { user: null, keys: ['message'] })
    const replay = await client.get('/me', {
      cookies: false,
      headers: { cookie: `__Host-session=${old}` },
    })
    assert.deepEqual(replay.json(), { user: null, keys: [] })
    await client.close()
  })

  it('removes the cookie when a request fails after rotate(): the old token is already dead', async () => {
    const client = testClient(flowApp())
    await client.post('/login')
    const res = await client.post('/rotate-then-fail')
    assert.equal(res.status, 500)
    assert.match(res.headers['set-cookie']![0]!, /^__Host-session=; Max-Age=0;/)
    assert.deepEqual((await client.get('/me')).json(), { user: null, keys: [] })
    await client.close()
  })
})
