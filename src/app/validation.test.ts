import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { json } from '../http/index.ts'
import { testClient } from '../testing/index.ts'
import type { StandardSchemaV1 } from '../validation/index.ts'
import { createApp } from './index.ts'

const quiet = { logger: false } as const

describe('input validation', () => {
  it('coerces and validates path parameters with a schema', async () => {
    const app = createApp(quiet)
    app.get('/products/:id', { params: z.object({ id: z.number().int().positive() }) }, (ctx) => {
      const id: number = ctx.params.id
      return { id, type: typeof id }
    })
    const client = testClient(app)
    assert.deepEqual((await client.get('/products/12')).json(), { id: 12, type: 'number' })
    const bad = await client.get('/products/twelve')
    assert.equal(bad.status, 422)
    assert.deepEqual(bad.json().error.details, [
      {
        location: 'path',
        path: ['id'],
        message: 'Invalid input: expected number, received string',
        code: 'invalid_type',
      },
    ])
  })

  it('validates the query with arrays, defaults and coercion', async () => {
    const app = createApp(quiet)
    const Query = z.object({
      q: z.string().min(1),
      page: z.number().int().min(1).default(1),
      tag: z.array(z.string()).default([]),
      exact: z.boolean().default(false),
    })
    app.get('/search', { query: Query }, (ctx) => ctx.query)
    const client = testClient(app)
    assert.deepEqual((await client.get('/search?q=lamp&tag=a&tag=b&exact=true')).json(), {
      q: 'lamp',
      page: 1,
      tag: ['a', 'b'],
      exact: true,
    })
    assert.deepEqual((await client.get('/search?q=lamp&page=3&tag=solo')).json(), {
      q: 'lamp',
      page: 3,
      tag: ['solo'],
      exact: false,
    })
  })

  it('reports every problem across locations in one 422', async () => {
    const app = createApp(quiet)
    app.post(
      '/orders/:id',
      {
        params: z.object({ id: z.number() }),
        query: z.object({ dry: z.boolean() }),
        headers: z.object({ 'x-client': z.string() }),
        cookies: z.object({ session: z.string() }),
        body: z.object({
          items: z.array(z.object({ sku: z.string(), qty: z.number().int().min(1) })),
        }),
      },
      () => 'unreachable',
    )
    const res = await testClient(app).post('/orders/x?dry=perhaps', {
      json: { items: [{ sku: 'a', qty: 0 }] },
    })
    assert.equal(res.status, 422)
    const details = res.json().error.details as Array<{ location: string; path: unknown[] }>
    assert.deepEqual(
      details.map((d) => [d.location, d.path]),
      [
        ['path', ['id']],
        ['query', ['dry']],
        ['header', ['x-client']],
        ['cookie', ['session']],
        ['body', ['items', 0, 'qty']],
      ],
    )
  })

  it('rejects a parameter repeated where a single value is expected', async () => {
    const app = createApp(quiet)
    app.get('/users', { query: z.object({ role: z.string() }) }, (ctx) => ctx.query)
    const res = await testClient(app).get('/users?role=user&role=admin')
    assert.equal(res.status, 422)
    assert.equal(res.json().error.details[0].path[0], 'role')
  })

  it('types and validates headers and cookies', async () => {
    const app = createApp(quiet)
    app.get(
      '/whoami',
      {
        headers: z.object({ 'x-api-version': z.number() }),
        cookies: z.object({ theme: z.enum(['dark', 'light']) }),
      },
      (ctx) => ({ version: ctx.headers['x-api-version'], theme: ctx.cookies.theme }),
    )
    const res = await testClient(app).get('/whoami', {
      headers: { 'x-api-version': '2', cookie: 'theme=dark' },
    })
    assert.deepEqual(res.json(), { version: 2, theme: 'dark' })
  })

  it('validates a JSON body and refuses other content types with 415', async () => {
    const app = createApp(quiet)
    app.post('/items', { body: z.object({ name: z.string() }), status: 201 }, (ctx) => ({
      created: ctx.body.name,
    }))
    const client = testClient(app)
    const created = await client.post('/items', { json: { name: 'Lamp' } })
    assert.equal(created.status, 201)
    assert.deepEqual(created.json(), { created: 'Lamp' })
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json garbage',
      'application/json\tx',
    ]) {
      const res = await client.post('/items', {
        body: '{"name":"x"}',
        headers: { 'content-type': type },
      })
      assert.equal(res.status, 415, type)
      assert.equal(res.json().error.code, 'unsupported_media_type')
    }
    const cased = await client.post('/items', {
      body: '{"name":"x"}',
      headers: { 'content-type': 'Application/JSON ; charset=UTF-8' },
    })
    assert.equal(cased.status, 201)
    const nameless = await client.post('/items', {
      body: '{"name":1}',
      headers: { 'content-type': 'APPLICATION/JSON' },
    })
    assert.equal(nameless.status, 422, 'a differently cased type is still validated')
  })

  it('treats a missing body as undefined for the schema', async () => {
    const app = createApp(quiet)
    app.post('/a', { body: z.object({ x: z.number() }) }, () => 'ok')
    app.post('/b', { body: z.object({ x: z.number() }).optional() }, (ctx) => ({
      body: ctx.body ?? null,
    }))
    const client = testClient(app)
    assert.equal((await client.post('/a')).status, 422)
    assert.deepEqual((await client.post('/b')).json(), { body: null })
  })

  it('accepts forms, text and bytes when the route consumes them', async () => {
    const app = createApp(quiet)
    app.post(
      '/form',
      { consumes: ['form', 'json'], body: z.object({ qty: z.number(), gift: z.boolean() }) },
      (ctx) => ctx.body,
    )
    app.post('/text', { consumes: 'text', body: z.string().max(5) }, (ctx) => ({ text: ctx.body }))
    app.post('/bytes', { consumes: 'bytes', body: z.instanceof(Buffer) }, (ctx) => ({
      length: ctx.body.length,
    }))
    const client = testClient(app)
    assert.deepEqual((await client.post('/form', { form: { qty: 2, gift: 'on' } })).json(), {
      qty: 2,
      gift: true,
    })
    assert.deepEqual((await client.post('/form', { json: { qty: 3, gift: false } })).json(), {
      qty: 3,
      gift: false,
    })
    assert.deepEqual(
      (
        await client.post('/text', { body: 'hi', headers: { 'content-type': 'text/plain' } })
      ).json(),
      { text: 'hi' },
    )
    assert.equal(
      (await client.post('/text', { body: 'too long', headers: { 'content-type': 'text/plain' } }))
        .status,
      422,
    )
    assert.deepEqual(
      (
        await client.post('/bytes', {
          body: new Uint8Array([1, 2, 3]),
          headers: { 'content-type': 'application/octet-stream' },
        })
      ).json(),
      { length: 3 },
    )
  })

  it('runs async validators', async () => {
    const app = createApp(quiet)
    const Unique = z.object({
      slug: z.string().refine(async (slug) => slug !== 'taken', 'Slug already taken'),
    })
    app.post('/slugs', { body: Unique }, (ctx) => ctx.body)
    const client = testClient(app)
    assert.equal((await client.post('/slugs', { json: { slug: 'free' } })).status, 200)
    const taken = await client.post('/slugs', { json: { slug: 'taken' } })
    assert.equal(taken.json().error.details[0].message, 'Slug already taken')
  })
})

describe('response schemas', () => {
  const Product = z.object({ id: z.number(), name: z.string() })

  it('sends only the declared fields', async () => {
    const app = createApp(quiet)
    app.get('/p', { response: Product }, () => ({ id: 1, name: 'Lamp', costPrice: 3 }))
    assert.equal((await testClient(app).get('/p')).text, '{"id":1,"name":"Lamp"}')
  })

  it('serializes json() replies with the schema of their status', async () => {
    const app = createApp(quiet)
    app.post(
      '/p',
      { response: Product, status: 201, responses: { 409: z.object({ reason: z.string() }) } },
      (ctx) =>
        ctx.query.conflict
          ? json({ reason: 'dup', internal: 'x' }, { status: 409 })
          : json({ id: 2, name: 'Desk', secret: 1 }, { status: 201 }),
    )
    const client = testClient(app)
    assert.equal((await client.post('/p')).text, '{"id":2,"name":"Desk"}')
    assert.equal((await client.post('/p?conflict=1')).text, '{"reason":"dup"}')
  })

  it('answers 500 with the issues in debug mode when a response breaks its schema', async () => {
    const app = createApp({ ...quiet, debug: true })
    app.get('/p', { response: Product }, () => ({ id: 'one', name: 'Lamp' }) as never)
    const res = await testClient(app).get('/p')
    assert.equal(res.status, 500)
    assert.equal(res.json().error.code, 'response_validation_error')
    assert.deepEqual(res.json().error.details[0].path, ['id'])
  })

  it('skips response validation in production but still filters fields', async () => {
    const app = createApp({ ...quiet, debug: false })
    app.get('/p', { response: Product }, () => ({ id: 'one', name: 'Lamp', extra: 1 }) as never)
    const res = await testClient(app).get('/p')
    assert.equal(res.status, 200)
    assert.equal(res.text, '{"id":"one","name":"Lamp"}')
  })
})

describe('any Standard Schema validator', () => {
  // A hand-written validator implementing only Standard Schema v1 (no JSON Schema), as a
  // third-party library might: validation and types work; coercion and OpenAPI detail do not apply.
  const evenNumber: StandardSchemaV1<unknown, { n: number }> = {
    '~standard': {
      version: 1,
      vendor: 'hand-written',
      validate(value) {
        const n = Number((value as { n?: unknown } | undefined)?.n)
        return Number.isInteger(n) && n % 2 === 0
          ? { value: { n } }
          : { issues: [{ message: 'n must be an even integer', path: ['n'] }] }
      },
    },
  }

  it('validates, types and reports issues with code "invalid"', async () => {
    const app = createApp(quiet)
    app.get('/even', { query: evenNumber }, (ctx) => {
      const n: number = ctx.query.n
      return { half: n / 2 }
    })
    const client = testClient(app)
    assert.deepEqual((await client.get('/even?n=10')).json(), { half: 5 })
    const bad = await client.get('/even?n=3')
    assert.equal(bad.status, 422)
    assert.deepEqual(bad.json().error.details, [
      { location: 'query', path: ['n'], message: 'n must be an even integer', code: 'invalid' },
    ])
  })
})
