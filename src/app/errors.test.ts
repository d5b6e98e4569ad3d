import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HttpError } from '../http/index.ts'
import { testClient } from '../testing/index.ts'
import { createApp } from './index.ts'

function failingApp(debug: boolean) {
  const app = createApp({ logger: false, debug })
  app.get('/sync', () => {
    throw new Error('secret database password in message')
  })
  app.get('/async', async () => {
    await new Promise((r) => setTimeout(r, 1))
    throw new RangeError('async failure')
  })
  app.get('/string', () => {
    throw 'a thrown string'
  })
  app.get('/http', () => {
    throw new HttpError(409, 'Slug taken', { code: 'slug_taken', details: { slug: 'x' } })
  })
  app.get('/internal-http', () => {
    throw new HttpError(503, 'upstream db-7 unreachable')
  })
  app.get('/serialize', () => ({ big: 10n }))
  app.get('/ok', () => 'ok')
  return app
}

describe('error responses in production', () => {
  const client = testClient(failingApp(false))

  it('hide internals of unexpected errors and include the request id', async () => {
    for (const path of ['/sync', '/async', '/string', '/serialize']) {
      const res = await client.get(path)
      assert.equal(res.status, 500, path)
      const { error } = res.json()
      assert.equal(error.code, 'internal_error')
      assert.equal(error.message, 'Internal Server Error')
      assert.match(error.requestId, /^[0-9a-f]{6}-[0-9a-z]+$/)
      assert.doesNotMatch(res.text, /secret|at |\.ts/)
    }
  })

  it('expose HttpError messages, codes and details for 4xx', async () => {
    const res = await client.get('/http')
    assert.equal(res.status, 409)
    assert.deepEqual(res.json(), {
      error: { status: 409, code: 'slug_taken', message: 'Slug taken', details: { slug: 'x' } },
    })
  })

  it('hide the message of 5xx HttpErrors unless exposed', async () => {
    const res = await client.get('/internal-http')
    assert.equal(res.status, 503)
    assert.equal(res.json().error.message, 'Service Unavailable')
    assert.doesNotMatch(res.text, /db-7/)
  })

  it('render a plain HTML page for browsers without internals', async () => {
    const res = await client.get('/sync', {
      headers: { accept: 'text/html,application/xhtml+xml' },
    })
    assert.equal(res.status, 500)
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    assert.doesNotMatch(res.text, /secret database|\.ts:/)
  })

  it('keep serving after failures', async () => {
    assert.equal((await client.get('/ok')).status, 200)
  })
})

describe('error responses in debug mode', () => {
  const client = testClient(failingApp(true))

  it('include the message and stack for API clients', async () => {
    const { error } = (await client.get('/sync')).json()
    assert.equal(error.message, 'secret database password in message')
    assert.equal(error.debug.type, 'Error')
    assert.ok(error.debug.stack.some((line: string) => line.includes('errors.test.ts')))
  })

  it('render a debug page with the error for browsers', async () => {
    const res = await client.get('/async', { headers: { accept: 'text/html' } })
    assert.equal(res.status, 500)
    assert.match(res.text, /RangeError/)
    assert.match(res.text, /async failure/)
  })

  it('escape hostile text on the debug page', async () => {
    const app = createApp({ logger: false, debug: true })
    app.get('/xss', () => {
      throw new Error('<script>alert(1)</script>')
    })
    const res = await testClient(app).get('/xss?q=%3Cimg%20src=x%20onerror=alert(1)%3E', {
      headers: { accept: 'text/html' },
    })
    assert.doesNotMatch(res.text, /<script>alert\(1\)/)
    assert.doesNotMatch(res.text, /<img src=x/)
  })
})

describe('error logging', () => {
  it('logs 5xx errors with the request id and does not log 4xx as errors', async () => {
    const lines: Array<Record<string, unknown>> = []
    const { pino } = await import('pino')
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    )
    const app = createApp({ logger, debug: false })
    app.get('/boom', () => {
      throw new Error('kaboom')
    })
    app.get('/gone', () => {
      throw new HttpError(410)
    })
    const client = testClient(app)
    const res = await client.get('/boom')
    await client.get('/gone')
    const errors = lines.filter((l) => l.level === 50)
    assert.equal(errors.length, 1)
    assert.equal(errors[0]!.reqId, res.json().error.requestId)
    assert.equal((errors[0]!.err as { message: string }).message, 'kaboom')
  })
})

describe('hostile thrown values', () => {
  for (const debug of [true, false]) {
    it(`never crash the process (debug: ${debug})`, async () => {
      const app = createApp({ logger: false, debug })
      const hostile = {
        get message(): string {
          throw new Error('message getter')
        },
      }
      app.get('/null-proto', () => {
        throw Object.create(null)
      })
      app.get('/getter', () => {
        throw hostile
      })
      app.get('/stack', () => {
        const error = new Error('bad stack')
        Object.defineProperty(error, 'stack', {
          get() {
            throw new Error('stack getter')
          },
        })
        throw error
      })
      app.get('/ok', () => 'ok')
      const client = testClient(app)
      for (const path of ['/null-proto', '/getter', '/stack']) {
        for (const accept of ['application/json', 'text/html']) {
          const res = await client.get(path, { headers: { accept } })
          assert.equal(res.status, 500, `${path} ${accept}`)
        }
      }
      assert.equal((await client.get('/ok')).status, 200)
    })
  }
})

describe('debug 404 page', () => {
  it('lists the routes for browsers in debug mode only', async () => {
    const app = createApp({ logger: false, debug: true })
    app.get('/products/:id', { name: 'product-detail' }, () => ({}))
    const res = await testClient(app).get('/nope', { headers: { accept: 'text/html' } })
    assert.equal(res.status, 404)
    assert.match(res.text, /\/products\/:id/)
    const prodApp = createApp({ logger: false, debug: false })
    prodApp.get('/products/:id', () => ({}))
    const prod = await testClient(prodApp).get('/nope', { headers: { accept: 'text/html' } })
    assert.doesNotMatch(prod.text, /\/products\/:id/)
  })
})

describe('request logging', () => {
  it('writes one line per request with its id, method, url, status and duration', async () => {
    const lines: Array<Record<string, unknown>> = []
    const { pino } = await import('pino')
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    )
    const app = createApp({ logger, logRequests: true })
    app.get('/items/:id', (ctx) => {
      ctx.log.info({ item: ctx.params.id }, 'looking up item')
      return { id: ctx.params.id }
    })
    await testClient(app).get('/items/7?x=1')
    const [lookup, completed] = lines
    assert.equal(lookup!.msg, 'looking up item')
    assert.equal(completed!.msg, 'request completed')
    assert.equal(lookup!.reqId, completed!.reqId)
    assert.equal(completed!.method, 'GET')
    assert.equal(completed!.url, '/items/7?x=1')
    assert.equal(completed!.status, 200)
    assert.equal(typeof completed!.ms, 'number')
  })
})
