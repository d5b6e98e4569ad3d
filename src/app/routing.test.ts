import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { testClient } from '../testing/index.ts'
import { createApp, Router } from './index.ts'

const quiet = { logger: false } as const

describe('routing', () => {
  it('types path parameters from the path string and passes them decoded', async () => {
    const app = createApp(quiet)
    app.get('/users/:id/files/*path', (ctx) => {
      const id: string = ctx.params.id
      const path: string = ctx.params.path
      return { id, path }
    })
    const res = await testClient(app).get('/users/%C3%A9/files/a/b%20c.txt')
    assert.deepEqual(res.json(), { id: 'é', path: 'a/b c.txt' })
  })

  it('answers HEAD from the GET route with headers but no body', async () => {
    const app = createApp(quiet)
    app.get('/doc', () => ({ hello: 'world' }))
    const res = await testClient(app).head('/doc')
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-length'], '17')
    assert.equal(res.body.length, 0)
  })

  it('answers OPTIONS automatically with 204 and the Allow header', async () => {
    const app = createApp(quiet)
    app.get('/items', () => [])
    app.post('/items', () => ({}))
    const res = await testClient(app).options('/items')
    assert.equal(res.status, 204)
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS, POST')
  })

  it('answers 405 with Allow for a known path and an unregistered method', async () => {
    const app = createApp(quiet)
    app.get('/items/:id', () => ({}))
    const res = await testClient(app).delete('/items/3')
    assert.equal(res.status, 405)
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
    assert.equal(res.json().error.code, 'method_not_allowed')
  })

  it('answers 404 with a JSON error for unknown paths', async () => {
    const app = createApp(quiet)
    const res = await testClient(app).get('/missing')
    assert.equal(res.status, 404)
    assert.deepEqual(res.json(), {
      error: { status: 404, code: 'not_found', message: 'No route matches GET /missing.' },
    })
  })

  it('redirects to the registered form of a path with or without a trailing slash', async () => {
    const app = createApp(quiet)
    app.get('/docs/', () => 'docs')
    app.post('/api/items', () => 'created')
    const client = testClient(app)
    const a = await client.get('/docs?page=2')
    assert.equal(a.status, 308)
    assert.equal(a.headers.location, '/docs/?page=2')
    const b = await client.post('/api/items/')
    assert.equal(b.status, 308)
    assert.equal(b.headers.location, '/api/items')
  })

  it('answers 404 instead of redirecting with the strict trailing-slash policy', async () => {
    const app = createApp({ ...quiet, trailingSlash: 'strict' })
    app.get('/docs/', () => 'docs')
    assert.equal((await testClient(app).get('/docs')).status, 404)
  })

  it('registers several methods, custom methods and catch-all routes', async () => {
    const app = createApp(quiet)
    app.route(['GET', 'POST'], '/search', (ctx) => ({ method: ctx.method }))
    app.route('PROPFIND', '/dav', () => ({ dav: true }))
    app.all('/any/:x', (ctx) => ({ method: ctx.method, x: ctx.params.x }))
    const client = testClient(app)
    assert.deepEqual((await client.post('/search')).json(), { method: 'POST' })
    assert.deepEqual((await client.request('PROPFIND', '/dav')).json(), { dav: true })
    assert.deepEqual((await client.patch('/any/1')).json(), { method: 'PATCH', x: '1' })
    assert.throws(() => createApp(quiet).route('BAD METHOD', '/x', () => 1), {
      code: 'PLINTH_ROUTING_INVALID_METHOD',
    })
  })

  it('mounts routers under a prefix with their own middleware and namespaced names', async () => {
    const app = createApp(quiet)
    const api = new Router({ namespace: 'api', tags: ['api'] })
    api.use(async (_ctx, next) => (await next()).header('x-router', 'api'))
    const v1 = new Router({ namespace: 'v1', prefix: '/v1' })
    v1.get('/products/:id', { name: 'product-detail' }, (ctx) => ({ id: ctx.params.id }))
    api.include(v1)
    app.include(api, { prefix: '/api' })
    app.get('/plain', () => 'plain')
    const client = testClient(app)
    const res = await client.get('/api/v1/products/3')
    assert.deepEqual(res.json(), { id: '3' })
    assert.equal(res.headers['x-router'], 'api')
    assert.equal((await client.get('/plain')).headers['x-router'], undefined)
    assert.equal(app.url('api:v1:product-detail', { id: 3 }), '/api/v1/products/3')
    assert.deepEqual(
      app.routes().map((r) => [r.method, r.path, r.name, r.tags]),
      [
        ['GET', '/plain', undefined, []],
        ['GET', '/api/v1/products/:id', 'api:v1:product-detail', ['api']],
      ],
    )
  })

  it('mounts the same router twice under different prefixes', async () => {
    const app = createApp(quiet)
    const health = new Router()
    health.get('/health', () => ({ ok: true }))
    app.include(health, { prefix: '/a' }).include(health, { prefix: '/b' })
    const client = testClient(app)
    assert.equal((await client.get('/a/health')).status, 200)
    assert.equal((await client.get('/b/health')).status, 200)
  })

  it('reverses named routes with a clear error for unknown names', () => {
    const app = createApp(quiet)
    app.get('/products/:id', { name: 'product' }, () => ({}))
    assert.equal(app.url('product', { id: 'a/b' }, { tab: 'x' }), '/products/a%2Fb?tab=x')
    assert.throws(
      () => app.url('nope'),
      (e: Error & { code?: string }) =>
        e.code === 'PLINTH_ROUTING_UNKNOWN_NAME' && e.message.includes('product'),
    )
  })

  it('refuses duplicate route names and duplicate routes at startup', () => {
    const a = createApp(quiet)
    a.get('/a', { name: 'x' }, () => 1)
    a.get('/b', { name: 'x' }, () => 1)
    assert.throws(() => a.ready(), { code: 'PLINTH_ROUTING_DUPLICATE_NAME' })
    const b = createApp(quiet)
    b.get('/a', () => 1)
    b.get('/a', () => 2)
    assert.throws(() => b.ready(), { code: 'PLINTH_ROUTING_DUPLICATE_ROUTE' })
  })

  it('freezes registration once the app has started', async () => {
    const app = createApp(quiet)
    app.get('/', () => 1)
    await testClient(app).get('/')
    assert.throws(() => app.get('/late', () => 1), { code: 'PLINTH_APP_FROZEN' })
    assert.throws(() => app.use(async (_c, next) => next()), { code: 'PLINTH_APP_FROZEN' })
  })

  it('refuses ambiguous paths before routing with 400', async () => {
    const app = createApp(quiet)
    app.get('/admin/secret.txt', () => 'secret')
    const client = testClient(app)
    for (const path of [
      '/admin%2Fsecret.txt',
      '/admin%5Csecret.txt',
      '/admin/./secret.txt',
      '/admin/x/../secret.txt',
      '/x%00y',
      '/%',
    ]) {
      const reply = await client.raw(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`)
      assert.match(reply, /^HTTP\/1\.1 400 /, path)
      assert.doesNotMatch(reply, /secret"/, path)
    }
    const double = await client.raw(
      'GET //admin/secret.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    )
    assert.match(double, /^HTTP\/1\.1 400 /)
  })

  it('refuses absolute-form request targets', async () => {
    const app = createApp(quiet)
    app.get('/admin', () => 'admin')
    const reply = await testClient(app).raw(
      'GET http://evil.example/admin HTTP/1.1\r\nHost: good\r\nConnection: close\r\n\r\n',
    )
    assert.match(reply, /^HTTP\/1\.1 400 /)
    assert.match(reply, /invalid_path/)
  })
})
