/**
 * The attacks from the security catalogue (0.2 #24–25, 2.E E1–E9) against sessions, through the
 * public API and real HTTP bytes: fixation, replay after logout, tampered, forged, planted and
 * junk cookies, a leaked store, prototype keys, cache mixing (`Vary: Cookie`), and the cookie
 * attributes in production and debug mode.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { createApp } from 'plinth'
import {
  getSession,
  memorySessionStore,
  type SessionRecord,
  type SessionStore,
  type SessionsOptions,
  sessions,
} from 'plinth/sessions'
import { testClient } from 'plinth/testing'
import { addCartLoginLogout } from '../support/session-routes.ts'

const COOKIE = '__Host-session'
const DAY = 24 * 3600 * 1000

function shopApp(options: SessionsOptions = {}, debug = false) {
  const writes: string[] = []
  const memory = memorySessionStore()
  const store: SessionStore = {
    get: (id) => memory.get(id),
    set: (id, record: SessionRecord, ttl) => {
      writes.push(id)
      return memory.set(id, record, ttl)
    },
    delete: (id) => memory.delete(id),
  }
  const app = createApp({ logger: false, debug })
  app.use(sessions({ store, ...options }))
  app.get('/public', () => ({ ok: true }))
  app.get('/me', async (ctx) => {
    const session = await getSession(ctx)
    return {
      user: session.get('user') ?? null,
      cart: session.get('cart') ?? null,
      isNew: session.isNew,
    }
  })
  app.get('/has-user', async (ctx) => ({ has: (await getSession(ctx)).has('user') }))
  addCartLoginLogout(app)
  app.post('/proto', async (ctx) => {
    const session = await getSession(ctx)
    session.set('__proto__', { isAdmin: true })
    session.set('constructor', { prototype: { isAdmin: true } })
    return { keys: session.keys() }
  })
  app.get('/proto', async (ctx) => {
    const session = await getSession(ctx)
    return { keys: session.keys(), proto: session.get('__proto__') ?? null }
  })
  return { app, memory, writes }
}

const withCookie = (value: string) => ({ cookies: false, headers: { cookie: value } })
const anonymous = { user: null, cart: null, isNew: true }

describe('session fixation (E5)', () => {
  const { app } = shopApp()
  const client = testClient(app)
  after(() => client.close())

  it('gives a new token on login and kills the anonymous one', async () => {
    await client.post('/cart')
    const before = client.cookies.get(COOKIE)!
    const login = await client.post('/login')
    const [setCookie] = login.headers['set-cookie']!
    const afterLogin = client.cookies.get(COOKIE)!
    assert.match(setCookie!, new RegExp(`^${COOKIE}=${afterLogin};`))
    assert.notEqual(afterLogin, before)
    assert.deepEqual((await client.get('/me', withCookie(`${COOKIE}=${before}`))).json(), anonymous)
    assert.deepEqual((await client.get('/me')).json(), {
      user: 'ada',
      cart: ['lamp'],
      isNew: false,
    })
  })

  it('never adopts a token the client made up (planted by an attacker)', async () => {
    const planted = 'A'.repeat(43)
    const res = await client.post('/cart', withCookie(`${COOKIE}=${planted}`))
    const [setCookie] = res.headers['set-cookie']!
    assert.doesNotMatch(setCookie!, new RegExp(planted))
    assert.match(setCookie!, /^__Host-session=[A-Za-z0-9_-]{43};/)
  })
})

describe('logout and replay (E6)', () => {
  it('destroys the session server-side: the old cookie is anonymous afterwards', async () => {
    const { app, memory } = shopApp()
    const client = testClient(app)
    await client.post('/login')
    const token = client.cookies.get(COOKIE)!
    const logout = await client.post('/logout')
    assert.match(logout.headers['set-cookie']![0]!, /^__Host-session=; Max-Age=0;/)
    assert.equal(memory.size, 0)
    const replay = await client.get('/me', withCookie(`${COOKIE}=${token}`))
    assert.deepEqual(replay.json(), anonymous)
    assert.equal(replay.headers['set-cookie'], undefined)
    await client.close()
  })

  it('refuses a session past its idle timeout even with the right cookie', async () => {
    let now = Date.UTC(2026, 0, 1)
    const { app } = shopApp({ now: () => now })
    const client = testClient(app)
    await client.post('/login')
    now += 14 * DAY
    assert.deepEqual((await client.get('/me')).json(), anonymous)
    await client.close()
  })

  it('refuses a session past its absolute timeout however active', async () => {
    let now = Date.UTC(2026, 0, 1)
    const { app } = shopApp({ now: () => now, absoluteTimeoutMs: 2 * DAY, idleTimeoutMs: DAY })
    const client = testClient(app)
    await client.post('/login')
    for (const hours of [10, 20, 30, 40, 47]) {
      now = Date.UTC(2026, 0, 1) + hours * 3600_000
      assert.equal((await client.get('/me')).json().user, 'ada', `${hours} h`)
    }
    now = Date.UTC(2026, 0, 1) + 2 * DAY
    assert.deepEqual((await client.get('/me')).json(), anonymous)
    await client.close()
  })
})

describe('tampered, forged and junk cookies (E1, E2, E8)', () => {
  const { app, writes } = shopApp()
  const client = testClient(app)
  after(() => client.close())
  let token = ''

  it('setup: a logged-in session', async () => {
    await client.post('/login')
    token = client.cookies.get(COOKIE)!
    writes.length = 0
  })

  it('treats a token with one character flipped as anonymous', async () => {
    for (const index of [0, 21, 42]) {
      const flipped = token[index] === 'A' ? 'B' : 'A'
      const tampered = token.slice(0, index) + flipped + token.slice(index + 1)
      const res = await client.get('/me', withCookie(`${COOKIE}=${tampered}`))
      assert.equal(res.status, 200)
      assert.deepEqual(res.json(), anonymous)
      assert.equal(res.headers['set-cookie'], undefined)
    }
    assert.deepEqual(writes, [], 'no store entry for sessions that stay empty')
  })

  it('treats junk of every shape as anonymous, never a 500', async () => {
    const junk = [
      '',
      token.slice(1),
      `${token}A`,
      `${token.slice(0, 42)}=`,
      'x'.repeat(10_000),
      '%E0%A4%A',
      '"quoted"',
      `"${token}"x`,
      '\u00ff'.repeat(43),
      createHash('sha256').update(token).digest('hex'), // the store id, as leaked from a dump
      createHash('sha256').update(token).digest('base64url').slice(0, 43),
    ]
    for (const value of junk) {
      const res = await client.get('/me', withCookie(`${COOKIE}=${value}`))
      assert.equal(res.status, 200, value.slice(0, 40))
      assert.deepEqual(res.json(), anonymous, value.slice(0, 40))
      assert.equal(res.headers['set-cookie'], undefined)
    }
    assert.deepEqual(writes, [])
  })

  it('answers an oversized Cookie header with 431 (E4)', async () => {
    const res = await client.get('/me', withCookie(`${COOKIE}=${'x'.repeat(20_000)}`))
    assert.equal(res.status, 431)
  })

  it('parses hostile Cookie headers without pollution, first name wins', async () => {
    const cases: Array<[string, string | null]> = [
      [`__proto__=x; constructor=y; ${COOKIE}=${token}`, 'ada'],
      [`${COOKIE}=junk; ${COOKIE}=${token}`, null],
      [`${COOKIE}=${token}; ${COOKIE}=junk`, 'ada'],
      [`=${COOKIE}=${token}`, null],
      [`session=${token}`, null],
      [`__Secure-session=${token}`, null],
      [`${COOKIE.toLowerCase()}=${token}`, null],
    ]
    for (const [header, user] of cases) {
      const res = await client.get('/me', withCookie(header))
      assert.equal(res.status, 200, header)
      assert.equal(res.json().user, user, header)
    }
    assert.equal(({} as Record<string, unknown>).x, undefined)
  })
})

describe('prototype keys in session data', () => {
  it('stores __proto__ and constructor as plain keys across requests', async () => {
    const { app } = shopApp()
    const client = testClient(app)
    assert.deepEqual((await client.post('/proto')).json(), { keys: ['__proto__', 'constructor'] })
    assert.deepEqual((await client.get('/me')).json(), { user: null, cart: null, isNew: false })
    assert.deepEqual((await client.get('/proto')).json(), {
      keys: ['__proto__', 'constructor'],
      proto: { isAdmin: true },
    })
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined)
    await client.close()
  })
})

describe('cache mixing (E9)', () => {
  const { app } = shopApp()
  const client = testClient(app)
  after(() => client.close())

  it('sends Vary: Cookie when the session was read, even only with has()', async () => {
    const res = await client.get('/has-user')
    assert.equal(res.headers.vary, 'Cookie')
    await client.post('/login')
    assert.equal((await client.get('/has-user')).headers.vary, 'Cookie')
  })

  it('sends no Vary and no cookie when the session was not read', async () => {
    const res = await client.get('/public')
    assert.equal(res.headers.vary, undefined)
    assert.equal(res.headers['set-cookie'], undefined)
  })
})

describe('cookie attributes (E7)', () => {
  it('production: __Host- name, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const client = testClient(shopApp().app)
    const [cookie] = (await client.post('/login')).headers['set-cookie']!
    assert.match(
      cookie!,
      /^__Host-session=[A-Za-z0-9_-]{43}; Max-Age=1209600; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
    )
    assert.doesNotMatch(cookie!, /Domain=/)
    await client.close()
  })

  it('debug mode: plain name without Secure, still HttpOnly and SameSite=Lax', async () => {
    const client = testClient(shopApp({}, true).app)
    const [cookie] = (await client.post('/login')).headers['set-cookie']!
    assert.match(
      cookie!,
      /^session=[A-Za-z0-9_-]{43}; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Lax$/,
    )
    await client.close()
  })

  it('refuses a __Host- cookie name with a domain at startup', () => {
    assert.throws(() => sessions({ cookieName: '__Host-sid', domain: 'example.com' }), {
      code: 'PLINTH_SESSIONS_CONFIG',
    })
  })
})
