/**
 * CORS middleware against hostile origins and preflights (security catalogue §0.2 case 26, §2.E
 * E14): foreign, `null` and look-alike origins get no `Access-Control-Allow-Origin`; allowed ones
 * get an exact echo with `Vary: Origin`; refused preflights never reach a route.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createApp, type Middleware } from '../app/index.ts'
import { PlinthError } from '../http/index.ts'
import { type TestClient, testClient } from '../testing/index.ts'
import { type CorsOptions, cors } from './cors.ts'

const TRUSTED = 'https://example.com'
const clients: TestClient[] = []
after(() => Promise.all(clients.map((client) => client.close())))

function setup(options: CorsOptions, extra: Middleware[] = []) {
  const calls: string[] = []
  const app = createApp({ logger: false })
  app.use(cors(options))
  for (const m of extra) app.use(m)
  app.get('/account', (ctx) => {
    calls.push('GET /account')
    ctx.setHeader('vary', 'Cookie')
    return { user: 'ada' }
  })
  app.put('/account', () => {
    calls.push('PUT /account')
    return { ok: true }
  })
  app.options('/explicit', () => {
    calls.push('OPTIONS /explicit')
    return { explicit: true }
  })
  app.get('/fail', () => {
    throw new Error('boom')
  })
  const client = testClient(app)
  clients.push(client)
  return { client, calls }
}

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
]

function assertNoCors(headers: Record<string, unknown>): void {
  for (const name of CORS_HEADERS) assert.equal(headers[name], undefined, name)
}

const credentialed: CorsOptions = {
  origins: [TRUSTED, 'http://localhost:5173'],
  credentials: true,
  allowHeaders: ['Authorization', 'X-Request-Id'],
  exposeHeaders: ['X-Request-Id'],
  maxAge: 600,
}

describe('cors: hostile origins on a credentialed route (E14, case 26)', () => {
  const hostile = [
    'https://evil.example',
    'null',
    'https://example.com.evil.example',
    'https://evilexample.com',
    'https://example.co',
    'http://example.com',
    'https://example.com:8443',
    'https://EXAMPLE.com',
    'https://example.com/',
    'https://sub.example.com',
    `${TRUSTED}, https://evil.example`,
  ]
  for (const origin of hostile) {
    it(`does not allow Origin: ${origin}`, async () => {
      const { client, calls } = setup(credentialed)
      const res = await client.get('/account', { headers: { origin } })
      assert.equal(res.status, 200)
      assertNoCors(res.headers)
      assert.equal(res.headers.vary, 'Cookie, Origin')
      assert.deepEqual(calls, ['GET /account'])
    })
  }

  it('never lets a predicate see or allow null and malformed origins', async () => {
    const seen: string[] = []
    const { client } = setup({
      origins: (origin) => {
        seen.push(origin)
        return true
      },
      credentials: true,
    })
    for (const origin of ['null', 'https://x.example/path', 'javascript:alert(1)', 'HTTPS://A.B'])
      assertNoCors((await client.get('/account', { headers: { origin } })).headers)
    assert.deepEqual(seen, [])
  })

  it('treats a predicate answer other than true as a refusal', async () => {
    const { client } = setup({ origins: () => 'yes' as unknown as boolean })
    assertNoCors((await client.get('/account', { headers: { origin: TRUSTED } })).headers)
  })
})

describe('cors: allowed origins', () => {
  it('echoes the exact origin with credentials, exposed headers and Vary appended', async () => {
    const { client } = setup(credentialed)
    for (const origin of [TRUSTED, 'http://localhost:5173']) {
      const res = await client.get('/account', { headers: { origin } })
      assert.equal(res.status, 200)
      assert.deepEqual(res.json(), { user: 'ada' })
      assert.equal(res.headers['access-control-allow-origin'], origin)
      assert.equal(res.headers['access-control-allow-credentials'], 'true')
      assert.equal(res.headers['access-control-expose-headers'], 'X-Request-Id')
      assert.equal(res.headers['access-control-allow-methods'], undefined)
      assert.equal(res.headers.vary, 'Cookie, Origin')
    }
  })

  it('adds the headers to error responses too', async () => {
    const { client } = setup(credentialed)
    const res = await client.get('/fail', { headers: { origin: TRUSTED } })
    assert.equal(res.status, 500)
    assert.equal(res.headers['access-control-allow-origin'], TRUSTED)
    assert.equal(res.headers.vary, 'Origin')
  })

  it('supports predicates (sync and async) that receive the context', async () => {
    const { client } = setup({
      origins: async (origin, ctx) => origin.endsWith('.tenant.example') && ctx.path === '/account',
    })
    const ok = await client.get('/account', { headers: { origin: 'https://a.tenant.example' } })
    assert.equal(ok.headers['access-control-allow-origin'], 'https://a.tenant.example')
    assert.equal(ok.headers['access-control-allow-credentials'], undefined)
    assert.equal(ok.headers.vary, 'Cookie, Origin')
    const other = await client.get('/fail', { headers: { origin: 'https://a.tenant.example' } })
    assertNoCors(other.headers)
  })

  it("answers '*' without credentials and without Vary: Origin", async () => {
    const { client } = setup({ origins: '*', exposeHeaders: ['ETag'] })
    for (const origin of ['https://anyone.example', 'null']) {
      const res = await client.get('/account', { headers: { origin } })
      assert.equal(res.headers['access-control-allow-origin'], '*')
      assert.equal(res.headers['access-control-allow-credentials'], undefined)
      assert.equal(res.headers['access-control-expose-headers'], 'ETag')
      assert.equal(res.headers.vary, 'Cookie')
    }
  })

  it('leaves a request without Origin alone (only Vary: Origin for caches)', async () => {
    const { client, calls } = setup(credentialed)
    const res = await client.get('/account')
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { user: 'ada' })
    assertNoCors(res.headers)
    assert.equal(res.headers.vary, 'Cookie, Origin')
    assert.deepEqual(calls, ['GET /account'])
    const star = await setup({ origins: '*' }).client.get('/account')
    assertNoCors(star.headers)
    assert.equal(star.headers.vary, 'Cookie')
  })

  it('keeps Vary: * and does not duplicate existing tokens', async () => {
    const varyStar: Middleware = async (_ctx, next) => (await next()).header('vary', '*')
    const star = await setup(credentialed, [varyStar]).client.get('/account')
    assert.equal(star.headers.vary, '*')
    const varyOrigin: Middleware = async (_ctx, next) =>
      (await next()).header('vary', 'accept-encoding, origin')
    const res = await setup(credentialed, [varyOrigin]).client.get('/account', {
      headers: { origin: TRUSTED },
    })
    assert.equal(res.headers.vary, 'Cookie, accept-encoding, origin')
  })
})

function preflight(origin: string, method: string, headers?: string) {
  const h: Record<string, string> = { origin, 'access-control-request-method': method }
  if (headers !== undefined) h['access-control-request-headers'] = headers
  return { headers: h }
}
const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'

describe('cors: preflight', () => {
  it('answers an allowed preflight with 204 and only the requested allowed headers', async () => {
    const { client, calls } = setup(credentialed)
    const res = await client.options(
      '/account',
      preflight(TRUSTED, 'PUT', 'x-request-id, content-type'),
    )
    assert.equal(res.status, 204)
    assert.equal(res.headers['access-control-allow-origin'], TRUSTED)
    assert.equal(res.headers['access-control-allow-credentials'], 'true')
    assert.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, POST, PUT, PATCH, DELETE')
    assert.equal(res.headers['access-control-allow-headers'], 'X-Request-Id, Content-Type')
    assert.equal(res.headers['access-control-max-age'], '600')
    assert.equal(res.headers.vary, PREFLIGHT_VARY)
    assert.equal(res.headers.allow, undefined)
    assert.deepEqual(calls, [])
  })

  it('answers preflights before an explicit OPTIONS route and on unknown paths', async () => {
    const { client, calls } = setup(credentialed)
    const explicit = await client.options('/explicit', preflight(TRUSTED, 'GET'))
    assert.equal(explicit.status, 204)
    assert.equal(explicit.headers['access-control-allow-origin'], TRUSTED)
    assert.equal(explicit.headers['access-control-allow-headers'], undefined)
    const unknown = await client.options('/nowhere', preflight(TRUSTED, 'GET'))
    assert.equal(unknown.status, 204)
    assert.deepEqual(calls, [])
    // A plain OPTIONS (no Access-Control-Request-Method) is not a preflight: the route answers.
    const plain = await client.options('/explicit', { headers: { origin: TRUSTED } })
    assert.deepEqual(plain.json(), { explicit: true })
    assert.equal(plain.headers['access-control-allow-origin'], TRUSTED)
    assert.deepEqual(calls, ['OPTIONS /explicit'])
    const automatic = await client.options('/account')
    assert.equal(automatic.status, 204)
    assert.equal(automatic.headers.allow, 'GET, HEAD, OPTIONS, PUT')
  })

  const refusals: Array<[string, ReturnType<typeof preflight>]> = [
    ['a foreign origin', preflight('https://evil.example', 'PUT')],
    ['the null origin', preflight('null', 'GET')],
    ['a suffix trick', preflight('https://example.com.evil.example', 'GET')],
    ['an unlisted method', preflight(TRUSTED, 'PROPFIND')],
    ['a lower-case method', preflight(TRUSTED, 'put')],
    ['an unlisted header', preflight(TRUSTED, 'PUT', 'x-request-id, x-evil')],
    ['a wildcard header', preflight(TRUSTED, 'PUT', '*')],
  ]
  for (const [what, request] of refusals) {
    it(`refuses a preflight with ${what}, without allow headers, before the route`, async () => {
      const { client, calls } = setup(credentialed)
      const res = await client.options('/explicit', request)
      assert.equal(res.status, 403)
      assert.match(res.text, /^CORS preflight refused: /)
      assert.doesNotMatch(res.text, /evil|PROPFIND/)
      assertNoCors(res.headers)
      assert.equal(res.headers.vary, PREFLIGHT_VARY)
      assert.deepEqual(calls, [])
    })
  }

  it("answers preflights with '*' and configured methods", async () => {
    const { client } = setup({ origins: '*', methods: ['get', 'post'] })
    const res = await client.options('/account', preflight('https://anyone.example', 'POST'))
    assert.equal(res.status, 204)
    assert.equal(res.headers['access-control-allow-origin'], '*')
    assert.equal(res.headers['access-control-allow-methods'], 'GET, POST')
    assert.equal(res.headers['access-control-allow-credentials'], undefined)
    assert.equal(res.headers['access-control-max-age'], undefined)
    const put = await client.options('/account', preflight('https://anyone.example', 'PUT'))
    assert.equal(put.status, 403)
  })
})

describe('cors: setup errors', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ["'*' with credentials", { origins: '*', credentials: true }, /cannot be combined/],
    ["'*' inside a list", { origins: ['*'] }, /on its own/],
    ['the null origin', { origins: ['null'] }, /'null' origin/],
    ['a trailing slash', { origins: ['https://app.example/'] }, /'https:\/\/app\.example'/],
    ['a default port', { origins: ['https://app.example:443'] }, /'https:\/\/app\.example'/],
    ['upper case', { origins: ['https://App.example'] }, /'https:\/\/app\.example'/],
    ['a wildcard origin', { origins: ['https://*.example.com'] }, /not an exact origin/],
    ['a bare host', { origins: ['example.com'] }, /not an exact origin/],
    ['a string origins', { origins: 'https://app.example' }, /must be a list/],
    ['no options', undefined, /pass options/],
    ["'*' allowHeaders", { origins: [TRUSTED], allowHeaders: ['*'] }, /cannot contain '\*'/],
    ['a bad header name', { origins: [TRUSTED], exposeHeaders: ['X Bad'] }, /invalid name/],
    ['a bad method', { origins: [TRUSTED], methods: ['GET\r\n'] }, /invalid name/],
    ['a fractional maxAge', { origins: [TRUSTED], maxAge: 1.5 }, /whole number/],
    ['a negative maxAge', { origins: [TRUSTED], maxAge: -1 }, /whole number/],
  ]
  for (const [what, options, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => cors(options as CorsOptions),
        (error: unknown) =>
          error instanceof PlinthError &&
          error.code === 'PLINTH_SECURITY_CORS_CONFIG' &&
          message.test(error.message),
      )
    })
  }

  it('accepts IPv6, ports and non-http schemes', () => {
    assert.equal(
      typeof cors({ origins: ['http://[::1]:3000', 'http://127.0.0.1:8080', 'app://desktop'] }),
      'function',
    )
  })
})
