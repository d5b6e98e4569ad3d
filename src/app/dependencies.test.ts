import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HttpError } from '../http/index.ts'
import { testClient } from '../testing/index.ts'
import { createApp, dependency } from './index.ts'

const quiet = { logger: false } as const
const tick = () => new Promise((r) => setTimeout(r, 20))

describe('dependencies', () => {
  it('resolves typed dependencies from the request, once per request', async () => {
    let calls = 0
    const token = dependency((ctx) => {
      calls++
      return String(ctx.req.headers.authorization ?? '').replace(/^Bearer /, '')
    })
    const user = dependency({
      deps: { token },
      resolve: async (_ctx, { token }) => {
        if (token !== 'good')
          throw new HttpError(401, 'Log in first', { headers: { 'www-authenticate': 'Bearer' } })
        return { name: 'ada' }
      },
    })
    const app = createApp(quiet)
    app.get('/me', { deps: { user, token } }, (ctx) => {
      const name: string = ctx.deps.user.name
      return { name, token: ctx.deps.token }
    })
    const client = testClient(app)
    assert.deepEqual(
      (await client.get('/me', { headers: { authorization: 'Bearer good' } })).json(),
      { name: 'ada', token: 'good' },
    )
    assert.equal(calls, 1)
    const denied = await client.get('/me')
    assert.equal(denied.status, 401)
    assert.equal(denied.headers['www-authenticate'], 'Bearer')
  })

  it('runs dependencies before body parsing so unauthorised requests are not parsed', async () => {
    const guard = dependency(() => {
      throw new HttpError(401, 'no')
    })
    const app = createApp(quiet)
    app.post('/upload', { deps: { guard } }, async (ctx) => ctx.json())
    const res = await testClient(app).post('/upload', {
      body: '{not json',
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(res.status, 401)
  })

  it('cleans up generator dependencies after the response, even when the handler throws', async () => {
    const events: string[] = []
    const db = dependency(async function* () {
      events.push('connect')
      try {
        yield { query: () => 'rows' }
      } finally {
        events.push('release')
      }
    })
    const app = createApp(quiet)
    app.get('/ok', { deps: { db } }, (ctx) => {
      events.push('handler')
      return ctx.deps.db.query()
    })
    app.get('/fail', { deps: { db } }, () => {
      throw new Error('handler failed')
    })
    const client = testClient(app)
    assert.equal((await client.get('/ok')).text, '"rows"')
    await tick()
    assert.deepEqual(events, ['connect', 'handler', 'release'])
    events.length = 0
    assert.equal((await client.get('/fail')).status, 500)
    await tick()
    assert.deepEqual(events, ['connect', 'release'])
  })

  it('resolves on demand with ctx.use, sharing the request cache', async () => {
    let calls = 0
    const settings = dependency(() => {
      calls++
      return { currency: 'EUR' }
    })
    const app = createApp(quiet)
    app.get('/price', { deps: { settings } }, async (ctx) => {
      const again = await ctx.use(settings)
      return { same: again === ctx.deps.settings, currency: again.currency }
    })
    assert.deepEqual((await testClient(app).get('/price')).json(), { same: true, currency: 'EUR' })
    assert.equal(calls, 1)
  })

  it('lets tests override a dependency', async () => {
    const clock = dependency(() => new Date().toISOString())
    const app = createApp(quiet)
    app.get('/now', { deps: { clock } }, (ctx) => ({ now: ctx.deps.clock }))
    app.overrideDependency(
      clock,
      dependency(() => '2000-01-01T00:00:00.000Z'),
    )
    assert.deepEqual((await testClient(app).get('/now')).json(), {
      now: '2000-01-01T00:00:00.000Z',
    })
    app.clearDependencyOverrides()
    assert.notEqual((await testClient(app).get('/now')).json().now, '2000-01-01T00:00:00.000Z')
  })

  it('refuses dependency cycles at startup', () => {
    const deps: Record<string, ReturnType<typeof dependency>> = {}
    const a = dependency({ name: 'a', deps, resolve: () => 1 })
    deps.b = dependency({ name: 'b', deps: { a }, resolve: () => 2 })
    const app = createApp(quiet)
    app.get('/', { deps: { a } }, () => 1)
    assert.throws(() => app.ready(), { code: 'PLINTH_DI_CYCLE' })
  })
})
