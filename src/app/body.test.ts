import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { z } from 'zod'
import { testClient } from '../testing/index.ts'
import { createApp } from './index.ts'

const quiet = { logger: false } as const

function echoApp(
  limits?: Parameters<typeof createApp>[0] extends infer O
    ? O extends { limits?: infer L }
      ? L
      : never
    : never,
) {
  const app = createApp({ ...quiet, ...(limits ? { limits } : {}) })
  app.post('/json', async (ctx) => ({ got: await ctx.json() }))
  app.post('/text', async (ctx) => ({ got: await ctx.text() }))
  app.post('/bytes', async (ctx) => ({ length: (await ctx.bytes()).length }))
  app.post('/form', async (ctx) => ({ got: { ...(await ctx.form()) } }))
  app.post('/twice', async (ctx) => {
    const a = await ctx.json()
    const b = await ctx.json()
    return { same: JSON.stringify(a) === JSON.stringify(b), raw: (await ctx.bytes()).length }
  })
  return app
}

describe('request bodies', () => {
  it('reads JSON, text, bytes and urlencoded forms on demand', async () => {
    const client = testClient(echoApp())
    assert.deepEqual((await client.post('/json', { json: { a: [1] } })).json(), { got: { a: [1] } })
    assert.deepEqual(
      (
        await client.post('/text', { body: 'plain', headers: { 'content-type': 'text/plain' } })
      ).json(),
      { got: 'plain' },
    )
    assert.deepEqual((await client.post('/bytes', { body: new Uint8Array(10) })).json(), {
      length: 10,
    })
    assert.deepEqual((await client.post('/form', { form: { a: '1', b: ['x', 'y'] } })).json(), {
      got: { a: '1', b: ['x', 'y'] },
    })
  })

  it('reads the body once and caches it', async () => {
    const res = await testClient(echoApp()).post('/twice', { json: { x: 1 } })
    assert.deepEqual(res.json(), { same: true, raw: 7 })
  })

  it('decodes text with the declared charset and refuses unknown charsets', async () => {
    const client = testClient(echoApp())
    const latin1 = await client.post('/text', {
      body: Buffer.from('café', 'latin1'),
      headers: { 'content-type': 'text/plain; charset=ISO-8859-1' },
    })
    assert.deepEqual(latin1.json(), { got: 'café' })
    const bogus = await client.post('/text', {
      body: 'x',
      headers: { 'content-type': 'text/plain; charset=bogus' },
    })
    assert.equal(bogus.status, 415)
    assert.equal(bogus.json().error.code, 'unsupported_charset')
    const utf16json = await client.post('/json', {
      body: '{}',
      headers: { 'content-type': 'application/json; charset=utf-16' },
    })
    assert.equal(utf16json.status, 415)
  })

  it('answers 415 when JSON is read from a non-JSON content type', async () => {
    const res = await testClient(echoApp()).post('/json', {
      body: '{"a":1}',
      headers: { 'content-type': 'text/plain' },
    })
    assert.equal(res.status, 415)
  })

  it('answers 400 with the reason for malformed, deep or poisoned JSON', async () => {
    const client = testClient(echoApp())
    const send = (body: string) =>
      client.post('/json', { body, headers: { 'content-type': 'application/json' } })
    const malformed = await send('{"a":')
    assert.equal(malformed.status, 400)
    assert.equal(malformed.json().error.code, 'invalid_json')
    assert.match(malformed.json().error.message, /Malformed JSON/)
    assert.equal((await send(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).status, 400)
    assert.equal((await send('{"__proto__":{"isAdmin":true}}')).status, 400)
    assert.equal((await send('{"constructor":{"prototype":{"isAdmin":true}}}')).status, 400)
    assert.equal((await send('{"constructor":"fine"}')).status, 200)
  })

  it('refuses a declared Content-Length over the limit before reading, closing the connection', async () => {
    let called = false
    const app = createApp({ ...quiet, limits: { bodySize: 1024 } })
    app.post('/x', async (ctx) => {
      called = true
      return ctx.bytes()
    })
    const reply = await testClient(app).raw(
      `POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2097152\r\n\r\n${'a'.repeat(100)}`,
    )
    assert.match(reply, /^HTTP\/1\.1 413 /)
    assert.match(reply, /[Cc]onnection: close/)
    assert.equal(called, true, 'the handler asked for the body; the limit stopped it')
  })

  it('stops a chunked body at the limit', async () => {
    const app = createApp({ ...quiet, limits: { bodySize: 1000 } })
    app.post('/x', async (ctx) => ({ length: (await ctx.bytes()).length }))
    const chunk = 'a'.repeat(600)
    const reply = await testClient(app).raw(
      `POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`,
    )
    assert.match(reply, /^HTTP\/1\.1 413 /)
  })

  it('accepts a body of exactly the limit, measured in bytes not characters', async () => {
    const client = testClient(echoApp({ bodySize: 1000 }))
    assert.equal((await client.post('/bytes', { body: 'a'.repeat(1000) })).status, 200)
    assert.equal((await client.post('/bytes', { body: 'a'.repeat(1001) })).status, 413)
    assert.equal((await client.post('/bytes', { body: 'é'.repeat(600) })).status, 413)
  })

  it('decompresses gzip bodies and applies the limit to the decoded size', async () => {
    const client = testClient(echoApp({ bodySize: 1024 * 1024 }))
    const small = gzipSync(JSON.stringify({ hello: 'gzip' }))
    const ok = await client.post('/json', {
      body: small,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assert.deepEqual(ok.json(), { got: { hello: 'gzip' } })
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024))
    assert.ok(bomb.length < 100_000)
    const res = await client.post('/bytes', { body: bomb, headers: { 'content-encoding': 'gzip' } })
    assert.equal(res.status, 413)
  })

  it('refuses unknown or stacked encodings and corrupt compressed data', async () => {
    const client = testClient(echoApp())
    for (const encoding of ['zstd', 'gzip, gzip', 'compress']) {
      const res = await client.post('/bytes', {
        body: 'x',
        headers: { 'content-encoding': encoding },
      })
      assert.equal(res.status, 415, encoding)
    }
    const corrupt = await client.post('/bytes', {
      body: 'not gzip',
      headers: { 'content-encoding': 'gzip' },
    })
    assert.equal(corrupt.status, 400)
  })

  it('caps urlencoded forms at the field limit with 413', async () => {
    const client = testClient(echoApp({ fields: 10 }))
    const ok = Array.from({ length: 10 }, (_, i) => `f${i}=1`).join('&')
    assert.equal(
      (
        await client.post('/form', {
          body: ok,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
      200,
    )
    const over = await client.post('/form', {
      body: `${ok}&f10=1`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.equal(over.status, 413)
    assert.equal(over.json().error.code, 'too_many_fields')
  })

  it('caps query strings at the field limit with 400', async () => {
    const app = createApp({ ...quiet, limits: { fields: 5 } })
    app.get('/q', (ctx) => ({ keys: Object.keys(ctx.query).length }))
    const client = testClient(app)
    assert.deepEqual((await client.get('/q?a=1&b=2&c=3&d=4&e=5')).json(), { keys: 5 })
    const over = await client.get('/q?a=1&b=2&c=3&d=4&e=5&f=6')
    assert.equal(over.status, 400)
    assert.equal(over.json().error.code, 'too_many_parameters')
  })

  it('applies per-route limits', async () => {
    const app = createApp({ ...quiet, limits: { bodySize: 10 } })
    app.post('/small', async (ctx) => (await ctx.bytes()).length)
    app.post('/large', { limits: { bodySize: 100 } }, async (ctx) => (await ctx.bytes()).length)
    const client = testClient(app)
    assert.equal((await client.post('/small', { body: 'a'.repeat(50) })).status, 413)
    assert.equal((await client.post('/large', { body: 'a'.repeat(50) })).text, '50')
  })

  it('ignores a body sent with GET when nothing reads it', async () => {
    const app = createApp(quiet)
    app.get('/g', () => ({ ok: true }))
    const res = await testClient(app).request('GET', '/g', { json: { ignored: true } })
    assert.deepEqual(res.json(), { ok: true })
  })

  it('validates a route body schema against the limit too', async () => {
    const app = createApp({ ...quiet, limits: { bodySize: 20 } })
    app.post('/v', { body: z.object({ s: z.string() }) }, (ctx) => ctx.body)
    const res = await testClient(app).post('/v', { json: { s: 'x'.repeat(50) } })
    assert.equal(res.status, 413)
  })
})

describe('configuration', () => {
  it('fails at startup on invalid limits and options', () => {
    for (const limits of [
      { bodySize: Number.NaN },
      { bodySize: -1 },
      { bodySize: '10mb' },
      { bodySize: 1.5 },
      { unknown: 1 },
    ]) {
      assert.throws(
        () => createApp({ ...quiet, limits: limits as never }),
        { code: 'PLINTH_CONFIG_INVALID' },
        JSON.stringify(limits),
      )
    }
    assert.throws(() => createApp({ ...quiet, trailingSlash: 'sometimes' as never }), {
      code: 'PLINTH_CONFIG_INVALID',
    })
    assert.throws(() => createApp({ ...quiet, nonsense: true } as never), {
      code: 'PLINTH_CONFIG_INVALID',
    })
    assert.throws(() => createApp({ ...quiet, secretKey: 'short' }), {
      code: 'PLINTH_CONFIG_SECRET_KEY',
    })
  })

  it('fails at startup on invalid per-route limits', () => {
    const app = createApp(quiet)
    app.post('/x', { limits: { fileSize: 0 } }, () => 1)
    assert.throws(() => app.ready(), { code: 'PLINTH_CONFIG_INVALID' })
  })
})

describe('reading a body in two ways', () => {
  it('answers 500 with a clear message instead of hanging', async () => {
    const app = createApp({ logger: false, debug: true })
    app.post('/both', async (ctx) => {
      await ctx.form()
      return (await ctx.bytes()).length
    })
    const res = await testClient(app).post('/both', { multipart: { a: '1' } })
    assert.equal(res.status, 500)
    assert.equal(res.json().error.code, 'body_already_read')
  })
})

describe('client disconnects', () => {
  it('abort the request body read and leave the app serving', async () => {
    let outcome = 'pending'
    const app = createApp({ logger: false })
    app.post('/slow', async (ctx) => {
      try {
        await ctx.bytes()
        outcome = 'read'
      } catch (error) {
        outcome = (error as { code?: string }).code ?? 'error'
      }
      return 'done'
    })
    app.get('/ok', () => 'ok')
    const client = testClient(app)
    await client.raw('POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\npartial', {
      timeout: 50,
    })
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(outcome, 'request_aborted')
    assert.equal((await client.get('/ok')).status, 200)
  })
})

describe('ctx.signal', () => {
  it('aborts when the client disconnects before the response is sent', async () => {
    let aborted = false
    const app = createApp({ logger: false })
    app.get('/wait', async (ctx) => {
      await new Promise<void>((resolve) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = true
          resolve()
        })
        setTimeout(resolve, 2000)
      })
      return 'done'
    })
    await testClient(app).raw('GET /wait HTTP/1.1\r\nHost: t\r\n\r\n', { timeout: 50 })
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(aborted, true)
  })
})
