import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { testClient } from 'plinth/testing'
import { createCatalogApp } from './app.ts'

const mediaDir = mkdtempSync(join(tmpdir(), 'catalog-media-'))
const app = createCatalogApp({ apiKey: 'test-key', mediaDir, logger: false })
const client = testClient(app)
const auth = { 'x-api-key': 'test-key' }
after(() => client.close())

// A 1×1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
)

describe('catalogue API', () => {
  it('lists products with filters, sorting and paging', async () => {
    const res = await client.get('/api/products', {
      query: { tag: 'office', sort: '-price', pageSize: 1 },
    })
    assert.equal(res.status, 200)
    const page = res.json()
    assert.equal(page.total, 2)
    assert.deepEqual(
      page.items.map((p: { name: string }) => p.name),
      ['Oak desk'],
    )
  })

  it('validates list queries', async () => {
    const res = await client.get('/api/products?pageSize=1000&sort=random')
    assert.equal(res.status, 422)
    assert.deepEqual(
      res.json().error.details.map((d: { path: string[] }) => d.path[0]),
      ['sort', 'pageSize'],
    )
  })

  it('creates, reads, updates and deletes a product with the API key', async () => {
    const created = await client.post('/api/products', {
      headers: auth,
      json: { name: 'Walnut shelf', price: 89 },
    })
    assert.equal(created.status, 201)
    const product = created.json()
    assert.equal(created.headers.location, `/api/products/${product.id}`)
    assert.equal(product.slug, 'walnut-shelf')
    assert.deepEqual((await client.get(`/api/products/${product.id}`)).json(), product)
    const updated = await client.patch(`/api/products/${product.id}`, {
      headers: auth,
      json: { price: 79, inStock: false },
    })
    assert.equal(updated.json().price, 79)
    assert.equal(
      (await client.delete(`/api/products/${product.id}`, { headers: auth })).status,
      204,
    )
    assert.equal((await client.get(`/api/products/${product.id}`)).status, 404)
  })

  it('refuses changes without a valid API key', async () => {
    const res = await client.post('/api/products', { json: { name: 'x', price: 1 } })
    assert.equal(res.status, 401)
    assert.equal(res.json().error.code, 'invalid_api_key')
    assert.equal(
      (await client.delete('/api/products/1', { headers: { 'x-api-key': 'wrong-key' } })).status,
      401,
    )
  })

  it('answers 404 for unknown products and 422 for malformed ids', async () => {
    assert.equal((await client.get('/api/products/999')).status, 404)
    assert.equal((await client.get('/api/products/abc')).status, 422)
  })

  it('uploads a product image and serves it from /media', async () => {
    const image = new File([PNG], 'photo.png', { type: 'image/png' })
    const res = await client.post('/api/products/2/image', { headers: auth, multipart: { image } })
    assert.equal(res.status, 200)
    const url: string = res.json().imageUrl
    assert.match(url, /^\/media\/[0-9a-f-]{36}\.png$/)
    const media = await client.get(url)
    assert.equal(media.headers['content-type'], 'image/png')
    assert.deepEqual(media.body, PNG)
    assert.equal(readdirSync(mediaDir).length, 1)
  })

  it('refuses uploads that are not images', async () => {
    const script = new File(['<script>alert(1)</script>'], 'x.png', { type: 'text/html' })
    const res = await client.post('/api/products/2/image', {
      headers: auth,
      multipart: { image: script },
    })
    assert.equal(res.status, 422)
  })

  it('streams catalogue changes as server-sent events', async () => {
    const { serve } = await import('plinth/server')
    const server = await serve(createCatalogApp({ apiKey: 'k', mediaDir, logger: false }), {
      port: 0,
      signals: false,
    })
    try {
      const abort = new AbortController()
      const events = await fetch(`${server.url}/api/events`, { signal: abort.signal })
      assert.equal(events.headers.get('content-type'), 'text/event-stream; charset=utf-8')
      const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader()
      let received = (await reader.read()).value ?? ''
      assert.match(received, /event: ready/)
      await fetch(`${server.url}/api/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
        body: JSON.stringify({ name: 'Live lamp', price: 5 }),
      })
      while (!received.includes('event: created')) received += (await reader.read()).value ?? ''
      assert.match(received, /event: created\nid: \d+\ndata: \{"id":\d+,.*"name":"Live lamp"/)
      abort.abort()
    } finally {
      await server.close()
    }
  })
})

describe('catalogue pages', () => {
  it('renders the product list with escaped names and the upload form', async () => {
    await client.post('/api/products', {
      headers: auth,
      json: { name: '<script>alert("x")</script>', price: 1 },
    })
    const res = await client.get('/')
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    assert.match(res.text, /<h1>Plinth catalogue<\/h1>/)
    assert.match(res.text, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/)
    assert.doesNotMatch(res.text, /<script>alert/)
    assert.match(res.text, /enctype="multipart\/form-data"/)
  })

  it('accepts the HTML upload form and redirects back to the list', async () => {
    const image = new File([PNG], 'from-form.png', { type: 'image/png' })
    const res = await client.post('/upload', { multipart: { product: '1', image } })
    assert.equal(res.status, 303)
    assert.equal(res.headers.location, '/')
    assert.match((await client.get('/')).text, /<img src="\/media\/[0-9a-f-]{36}\.png"/)
  })
})

describe('catalogue docs', () => {
  it('serves a valid OpenAPI document and the docs page', async () => {
    const doc = (await client.get('/openapi.json')).json()
    assert.equal(doc.info.title, 'Plinth catalogue')
    assert.ok(doc.paths['/api/products/{id}/image'].post.requestBody.content['multipart/form-data'])
    assert.deepEqual(doc.paths['/api/products'].post.security, [{ apiKey: [] }])
    const { Validator } = await import('@seriousme/openapi-schema-validator')
    const result = await new Validator().validate(doc)
    assert.equal(result.valid, true, JSON.stringify(result.errors))
    assert.equal((await client.get('/docs')).status, 200)
  })
})
