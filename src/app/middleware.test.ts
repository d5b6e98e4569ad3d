import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HttpError, json, Reply, text } from '../http/index.ts'
import { testClient } from '../testing/index.ts'
import { createApp, type Middleware, Router } from './index.ts'

const quiet = { logger: false } as const

function tracer(events: string[], name: string): Middleware {
  return async (_ctx, next) => {
    events.push(`${name} in`)
    const reply = await next()
    events.push(`${name} out`)
    return reply
  }
}

describe('middleware', () => {
  it('runs as an onion: app, router, route, handler', async () => {
    const events: string[] = []
    const app = createApp(quiet)
    app.use(tracer(events, 'app'))
    const router = new Router({ middleware: [tracer(events, 'router')] })
    router.get('/x', { middleware: [tracer(events, 'route')] }, () => {
      events.push('handler')
      return { ok: true }
    })
    app.include(router)
    await testClient(app).get('/x')
    assert.deepEqual(events, [
      'app in',
      'router in',
      'route in',
      'handler',
      'route out',
      'router out',
      'app out',
    ])
  })

  it('short-circuits when middleware returns without calling next', async () => {
    let reached = false
    const app = createApp(quiet)
    app.use(
      (ctx) =>
        (ctx.req.headers['x-token'] === 'ok'
          ? undefined
          : json({ error: 'no token' }, { status: 401 })) as never,
    )
    app.use(async (ctx, next) =>
      ctx.req.headers['x-token'] === 'ok' ? next() : text('blocked', { status: 403 }),
    )
    app.get('/secret', () => {
      reached = true
      return 'secret'
    })
    const res = await testClient(app).get('/secret')
    assert.equal(res.status, 401)
    assert.equal(reached, false)
  })

  it('gives outer middleware a reply even when the handler throws, with ctx.error set', async () => {
    let seen: unknown
    const app = createApp(quiet)
    app.use(async (ctx, next) => {
      const reply = await next()
      seen = ctx.error
      return reply.header('access-control-allow-origin', 'https://app.example')
    })
    app.get('/boom', () => {
      throw new HttpError(409, 'conflict')
    })
    const res = await testClient(app).get('/boom')
    assert.equal(res.status, 409)
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example')
    assert.ok(seen instanceof HttpError)
  })

  it('turns plain values returned by middleware into JSON replies', async () => {
    const app = createApp(quiet)
    app.use(async () => ({ maintenance: true }))
    app.get('/', () => 'never')
    assert.deepEqual((await testClient(app).get('/')).json(), { maintenance: true })
  })

  it('reports middleware that neither returns nor calls next as a 500', async () => {
    const app = createApp({ ...quiet, debug: true })
    app.use(async function forgetful() {})
    app.get('/', () => 'x')
    const res = await testClient(app).get('/')
    assert.equal(res.status, 500)
    assert.match(res.json().error.message, /forgetful neither returned a response nor called next/)
  })

  it('runs app middleware for 404 and 405 answers too', async () => {
    const app = createApp(quiet)
    app.use(async (_ctx, next) => (await next()).header('x-seen', '1'))
    app.get('/only-get', () => 1)
    const client = testClient(app)
    assert.equal((await client.get('/missing')).headers['x-seen'], '1')
    assert.equal((await client.post('/only-get')).headers['x-seen'], '1')
  })
})

describe('hooks', () => {
  it('lets a request hook answer early and a response hook see every reply', async () => {
    const app = createApp(quiet)
    app.hook('request', (ctx) =>
      ctx.path === '/closed' ? text('closed', { status: 503 }) : undefined,
    )
    app.hook('response', (_ctx, reply) => {
      reply.header('x-frame-options', 'DENY')
      return undefined
    })
    app.get('/open', () => 'open')
    app.get('/closed', () => 'unreachable')
    const client = testClient(app)
    const open = await client.get('/open')
    assert.equal(open.headers['x-frame-options'], 'DENY')
    const closed = await client.get('/closed')
    assert.equal(closed.status, 503)
    assert.equal(closed.text, 'closed')
    assert.equal(closed.headers['x-frame-options'], 'DENY')
    assert.equal((await client.get('/nope')).headers['x-frame-options'], 'DENY')
  })

  it('lets a response hook replace the reply', async () => {
    const app = createApp(quiet)
    app.hook('response', (_ctx, reply) =>
      reply.status === 404 ? text('custom 404', { status: 404 }) : undefined,
    )
    assert.equal((await testClient(app).get('/missing')).text, 'custom 404')
  })

  it('reports errors to error hooks before rendering them', async () => {
    const seen: string[] = []
    const app = createApp(quiet)
    app.hook('error', (ctx, error) => {
      seen.push(`${ctx.path}: ${(error as Error).message}`)
    })
    app.get('/fail', () => {
      throw new Error('database down')
    })
    const res = await testClient(app).get('/fail')
    assert.equal(res.status, 500)
    assert.deepEqual(seen, ['/fail: database down'])
  })

  it('scopes router hooks to the router', async () => {
    const app = createApp(quiet)
    const admin = new Router()
    admin.hook('request', (ctx) =>
      ctx.req.headers['x-staff'] ? undefined : text('staff only', { status: 403 }),
    )
    admin.get('/dashboard', () => 'dashboard')
    app.include(admin, { prefix: '/admin' })
    app.get('/public', () => 'public')
    const client = testClient(app)
    assert.equal((await client.get('/admin/dashboard')).status, 403)
    assert.equal(
      (await client.get('/admin/dashboard', { headers: { 'x-staff': '1' } })).status,
      200,
    )
    assert.equal((await client.get('/public')).status, 200)
  })

  it('runs startup hooks before the first request and shutdown hooks in reverse on close', async () => {
    const events: string[] = []
    const app = createApp(quiet)
    app.hook('startup', () => void events.push('start db'))
    app.hook('startup', async () => void events.push('start cache'))
    app.hook('shutdown', () => void events.push('stop db'))
    app.hook('shutdown', () => void events.push('stop cache'))
    app.get('/', () => {
      events.push('request')
      return 1
    })
    const client = testClient(app)
    await client.get('/')
    await client.close()
    assert.deepEqual(events, ['start db', 'start cache', 'request', 'stop cache', 'stop db'])
  })

  it('refuses unknown hook names', () => {
    assert.throws(() => createApp(quiet).hook('finish' as 'request', () => undefined), {
      code: 'PLINTH_HOOK_UNKNOWN',
    })
  })
})

describe('error handlers', () => {
  class OutOfStock extends Error {
    sku = 'A1'
  }
  class Discontinued extends OutOfStock {}

  it('handles errors by class, preferring the closest class, then by status', async () => {
    const app = createApp(quiet)
    app.errorHandler(Error, () => text('generic', { status: 500 }))
    app.errorHandler(OutOfStock, (error) => json({ outOfStock: error.sku }, { status: 409 }))
    app.errorHandler(404, (_error, ctx) => text(`nothing at ${ctx.path}`, { status: 404 }))
    app.get('/stock', () => {
      throw new Discontinued()
    })
    app.get('/other', () => {
      throw new TypeError('x')
    })
    const client = testClient(app)
    const stock = await client.get('/stock')
    assert.equal(stock.status, 409)
    assert.deepEqual(stock.json(), { outOfStock: 'A1' })
    assert.equal((await client.get('/other')).text, 'generic')
    assert.equal((await client.get('/missing')).text, 'nothing at /missing')
  })

  it('sends a plain value returned by a handler with the error status', async () => {
    const app = createApp(quiet)
    app.errorHandler(OutOfStock, () => ({ problem: 'stock' }))
    app.get('/s', () => {
      throw new OutOfStock()
    })
    const res = await testClient(app).get('/s')
    assert.equal(res.status, 500)
    assert.deepEqual(res.json(), { problem: 'stock' })
  })

  it('prefers a router handler for its own routes', async () => {
    const app = createApp(quiet)
    app.errorHandler(OutOfStock, () => text('app', { status: 409 }))
    const shop = new Router()
    shop.errorHandler(OutOfStock, () => text('shop', { status: 409 }))
    shop.get('/buy', () => {
      throw new OutOfStock()
    })
    app.include(shop, { prefix: '/shop' })
    app.get('/buy', () => {
      throw new OutOfStock()
    })
    const client = testClient(app)
    assert.equal((await client.get('/shop/buy')).text, 'shop')
    assert.equal((await client.get('/buy')).text, 'app')
  })

  it('falls back to the default rendering when a handler itself fails', async () => {
    const app = createApp(quiet)
    app.errorHandler(OutOfStock, () => {
      throw new Error('handler bug')
    })
    app.get('/s', () => {
      throw new OutOfStock()
    })
    const res = await testClient(app).get('/s')
    assert.equal(res.status, 500)
    assert.equal(res.json().error.code, 'internal_error')
  })

  it('accepts replies built from Reply directly', async () => {
    const app = createApp(quiet)
    app.errorHandler(418, () => new Reply('empty', 418).header('x-teapot', 'yes'))
    app.get('/tea', () => {
      throw new HttpError(418)
    })
    const res = await testClient(app).get('/tea')
    assert.equal(res.status, 418)
    assert.equal(res.headers['x-teapot'], 'yes')
  })
})
