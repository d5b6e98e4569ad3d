/**
 * `rateLimit` over real HTTP (in-process test client) with a fake clock: 429s and headers, window
 * rollover, per-key isolation, and the bypass attempts of security catalogue F5/F6/A17 (rotating
 * `X-Forwarded-For`, path variants, key floods).
 */
import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { type App, createApp, type Middleware } from '../../app/index.ts'
import { type TestClient, type TestClientOptions, testClient } from '../../testing/index.ts'
import { byRoute, byUser, memoryStore, type RateLimitOptions, rateLimit } from './index.ts'

// Clients opened by a test, closed after it (no `await using`: Node 22 lacks it).
const opened: TestClient[] = []
afterEach(() => Promise.all(opened.splice(0).map((c) => c.close())))
function open(app: App, options?: TestClientOptions): TestClient {
  const client = testClient(app, options)
  opened.push(client)
  return client
}

function clock(start = 1_000_000) {
  const fake = { t: start, now: () => fake.t }
  return fake
}

function appWith(options: Partial<RateLimitOptions>, setup?: (app: App) => void) {
  const calls = { n: 0 }
  const app = createApp({ logger: false })
  if (setup) setup(app)
  app.use(rateLimit({ limit: 3, windowMs: 60_000, ...options }))
  app.get('/hello', () => {
    calls.n++
    return { ok: true }
  })
  app.get('/users/:id', (ctx) => ({ id: ctx.params.id }))
  app.post('/login', () => ({ ok: true }))
  return { app, calls }
}

async function statuses(send: () => Promise<{ status: number }>, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push((await send()).status)
  return out
}

describe('rateLimit', () => {
  it('answers 429 past the limit without reaching the handler', async () => {
    const { app, calls } = appWith({ now: clock().now })
    const client = open(app)
    assert.deepEqual(await statuses(() => client.get('/hello'), 5), [200, 200, 200, 429, 429])
    assert.equal(calls.n, 3)
    const refused = await client.get('/hello')
    assert.match(refused.headers['content-type'] ?? '', /application\/json/)
    const body = refused.json()
    assert.equal(body.error.status, 429)
    assert.equal(body.error.code, 'too_many_requests')
    assert.match(body.error.message, /limit is 3 per minute/)
    // The clock is 40 s into a window: 20 s to its end, then 20 s until the 3 hits weigh 2.
    assert.deepEqual(body.error.details, { limit: 3, windowMs: 60_000, retryAfter: 40 })
    assert.equal(refused.headers['retry-after'], '40')
  })

  it('sends RateLimit-* headers on every response and Retry-After on 429', async () => {
    const time = clock(6_000_000) // a window boundary
    const { app } = appWith({ now: time.now })
    const client = open(app)
    const first = await client.get('/hello')
    assert.equal(first.headers['ratelimit-limit'], '3')
    assert.equal(first.headers['ratelimit-remaining'], '2')
    assert.equal(first.headers['ratelimit-reset'], '120')
    assert.equal(first.headers['ratelimit-policy'], '3;w=60')
    assert.equal(first.headers['retry-after'], undefined)
    await client.get('/hello')
    time.t += 30_000
    assert.equal((await client.get('/hello')).headers['ratelimit-remaining'], '0')
    const refused = await client.get('/hello')
    assert.equal(refused.status, 429)
    assert.equal(refused.headers['ratelimit-remaining'], '0')
    // 3 hits in this window: one is allowed again once they weigh 2 → 20 s into the next window.
    assert.equal(refused.headers['retry-after'], '50')
    // Errors from the handler still carry the headers.
    const other = open(app, { remoteAddress: '192.0.2.50' })
    const missing = await other.get('/nowhere')
    assert.equal(missing.status, 404)
    assert.equal(missing.headers['ratelimit-remaining'], '2')
  })

  it('lets requests through again when the window rolls over (sliding weighting)', async () => {
    const time = clock(6_000_000)
    const { app } = appWith({ now: time.now })
    const client = open(app)
    await statuses(() => client.get('/hello'), 3)
    time.t += 60_000 + 19_999 // previous window's 3 hits still weigh > 2
    assert.equal((await client.get('/hello')).status, 429)
    time.t += 1 // now they weigh exactly 2
    assert.equal((await client.get('/hello')).status, 200)
    assert.equal((await client.get('/hello')).status, 429)
    time.t += 60_000 // the 3 old hits are gone; this window's 1 hit weighs 2/3
    assert.deepEqual(await statuses(() => client.get('/hello'), 3), [200, 200, 429])
  })

  it('refills a token bucket at `limit` per window', async () => {
    const time = clock()
    const { app } = appWith({ now: time.now, algorithm: 'token-bucket' })
    const client = open(app)
    assert.deepEqual(await statuses(() => client.get('/hello'), 4), [200, 200, 200, 429])
    const refused = await client.get('/hello')
    assert.equal(refused.headers['retry-after'], '20')
    assert.equal(refused.headers['ratelimit-reset'], '60')
    time.t += 19_999
    assert.equal((await client.get('/hello')).status, 429)
    time.t += 1
    assert.deepEqual(await statuses(() => client.get('/hello'), 2), [200, 429])
    time.t += 60_000
    assert.deepEqual(await statuses(() => client.get('/hello'), 4), [200, 200, 200, 429])
  })

  it('keeps clients apart', async () => {
    const { app } = appWith({ now: clock().now })
    const a = open(app, { remoteAddress: '198.51.100.1' })
    const b = open(app, { remoteAddress: '198.51.100.2' })
    assert.deepEqual(await statuses(() => a.get('/hello'), 4), [200, 200, 200, 429])
    assert.equal((await b.get('/hello')).status, 200)
  })

  it('keys on the socket address: a rotating X-Forwarded-For does not help (F6, A17)', async () => {
    const { app } = appWith({ now: clock().now })
    const client = open(app, { remoteAddress: '203.0.113.7' })
    let i = 0
    const spoofed = () => {
      i++
      return client.get('/hello', {
        headers: {
          'x-forwarded-for': `10.0.${i}.${i}`,
          'x-real-ip': `10.1.${i}.1`,
          forwarded: `for=10.2.${i}.1`,
        },
      })
    }
    assert.deepEqual(await statuses(spoofed, 6), [200, 200, 200, 429, 429, 429])
  })

  it('uses the client address resolved by the trusted-proxies middleware', async () => {
    const fromProxy: Middleware = (ctx, next) => {
      ctx.state.clientIp = String(ctx.headers['x-test-client'])
      return next()
    }
    const { app } = appWith({ now: clock().now }, (a) => a.use(fromProxy))
    const proxy = open(app, { remoteAddress: '10.0.0.1' })
    const as = (ip: string) => () => proxy.get('/hello', { headers: { 'x-test-client': ip } })
    assert.deepEqual(await statuses(as('192.0.2.1'), 4), [200, 200, 200, 429])
    assert.equal((await as('192.0.2.2')()).status, 200)
  })

  it('groups an IPv6 client by its /64 so rotating addresses does not help', async () => {
    const { app } = appWith({ now: clock().now })
    const answers: number[] = []
    for (let i = 1; i <= 4; i++) {
      const client = open(app, { remoteAddress: `2001:db8:aa:bb::${i.toString(16)}` })
      answers.push((await client.get('/hello')).status)
    }
    assert.deepEqual(answers, [200, 200, 200, 429])
  })

  it('byRoute uses the route pattern: params, case and trailing-slash variants share buckets', async () => {
    const { app } = appWith({ now: clock().now, key: byRoute })
    const client = open(app)
    const ids = ['1', '2', '3', '4']
    assert.deepEqual(
      await statuses(() => client.get(`/users/${ids.shift()}`), 4),
      [200, 200, 200, 429],
    )
    // Another route has its own bucket.
    assert.equal((await client.get('/hello')).status, 200)
    // Variants that match no route (case, trailing slash, junk) all share one bucket.
    const variants = ['/HELLO', '/hello/', '/Hello/', '/x1', '/x2']
    const answers = await statuses(() => client.get(variants.shift()!), 5)
    assert.deepEqual(
      answers.map((s) => s === 429),
      [false, false, false, true, true],
    )
  })

  it('byUser keys per user, falling back to the address for anonymous requests', async () => {
    const auth: Middleware = (ctx, next) => {
      const user = ctx.headers['x-user']
      if (typeof user === 'string') ctx.state.user = { id: user }
      return next()
    }
    const key = byUser((ctx) => (ctx.state.user as { id: string } | undefined)?.id)
    const { app } = appWith({ now: clock().now, key }, (a) => a.use(auth))
    const client = open(app)
    const as = (user?: string) => () =>
      client.get('/hello', user === undefined ? {} : { headers: { 'x-user': user } })
    assert.deepEqual(await statuses(as('alice'), 4), [200, 200, 200, 429])
    assert.equal((await as('bob')()).status, 200)
    assert.deepEqual(await statuses(as(), 4), [200, 200, 200, 429])
  })

  it('stays bounded when a flood of clients hits it', async () => {
    const store = memoryStore({ maxKeys: 20 })
    const { app } = appWith({ now: clock().now, store, key: (ctx) => String(ctx.headers['x-k']) })
    const client = open(app)
    for (let i = 0; i < 200; i++) await client.get('/hello', { headers: { 'x-k': `k${i}` } })
    assert.equal(store.size, 20)
  })

  it('skips requests for which `skip` returns true', async () => {
    const { app, calls } = appWith({
      now: clock().now,
      skip: (ctx) => ctx.path === '/hello' && ctx.headers['x-internal'] === 'yes',
    })
    const client = open(app)
    const internal = () => client.get('/hello', { headers: { 'x-internal': 'yes' } })
    assert.deepEqual(await statuses(internal, 5), [200, 200, 200, 200, 200])
    assert.equal((await internal()).headers['ratelimit-limit'], undefined)
    assert.deepEqual(await statuses(() => client.get('/hello'), 4), [200, 200, 200, 429])
    assert.equal(calls.n, 9)
  })

  it('can omit the RateLimit-* headers but always sends Retry-After with a 429', async () => {
    const { app } = appWith({ now: clock().now, headers: false, limit: 1 })
    const client = open(app)
    assert.equal((await client.get('/hello')).headers['ratelimit-limit'], undefined)
    const refused = await client.get('/hello')
    assert.equal(refused.status, 429)
    assert.equal(refused.headers['ratelimit-limit'], undefined)
    // 20 s to the window's end, then a full window until the single hit has slid out.
    assert.equal(refused.headers['retry-after'], '80')
  })

  it('fails closed when the store fails, unless passOnStoreError is set', async () => {
    const broken = {
      hit: () => Promise.reject(new Error('redis down')),
      reset: () => Promise.resolve(),
    }
    const closed = open(appWith({ store: broken }).app)
    assert.equal((await closed.get('/hello')).status, 500)
    const passing = open(appWith({ store: broken, passOnStoreError: true }).app)
    assert.equal((await passing.get('/hello')).status, 200)
  })

  it('rejects invalid configuration', () => {
    const bad: unknown[] = [
      { limit: 0, windowMs: 1000 },
      { limit: -5, windowMs: 1000 },
      { limit: 1.5, windowMs: 1000 },
      { limit: Number.NaN, windowMs: 1000 },
      { limit: 10, windowMs: 0 },
      { limit: 10, windowMs: -1 },
      { limit: 10, windowMs: Number.POSITIVE_INFINITY },
      { limit: 10, windowMs: '60s' },
      { limit: 10, windowMs: 1000, algorithm: 'fixed-window' },
      { limit: 10, windowMs: 1000, key: 'ip' },
      { limit: 10, windowMs: 1000, store: {} },
      undefined,
    ]
    for (const options of bad) {
      assert.throws(() => rateLimit(options as RateLimitOptions), {
        name: 'PlinthError',
        code: 'PLINTH_SECURITY_RATE_LIMIT_CONFIG',
      })
    }
  })
})
