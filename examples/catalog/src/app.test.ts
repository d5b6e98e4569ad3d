import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { testClient } from 'plinth/testing'
import { createCatalogApp } from './app.ts'
import { formToken, signUp } from './browser-forms.ts'

const mediaDir = mkdtempSync(join(tmpdir(), 'catalog-media-'))
const app = createCatalogApp({
  apiKey: 'test-key',
  mediaDir,
  databaseUrl: 'sqlite::memory:',
  logger: false,
})
const client = testClient(app)
const auth = { 'x-api-key': 'test-key' }
after(() => client.close())

// A 1×1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
)

type ProductBody = { id: number; name: string; price: string; stock: number; categoryId: number }
const names = (items: ProductBody[]) => items.map((p) => p.name)

describe('catalogue API', () => {
  it('lists the seeded products with filters, sorting and paging', async () => {
    const all = (await client.get('/api/products')).json()
    assert.equal(all.total, 5)
    assert.deepEqual(names(all.items), [
      'Ceramic mug',
      'Desk lamp',
      'Linen armchair',
      'Oak desk',
      'Walnut tray',
    ])
    const page = (
      await client.get('/api/products', {
        query: { category: 'furniture', sort: '-price', pageSize: 1, page: 2 },
      })
    ).json()
    assert.deepEqual(
      { names: names(page.items), total: page.total, pages: page.pages },
      { names: ['Oak desk'], total: 2, pages: 2 },
    )
    const found = await client.get('/api/products', {
      query: { q: 'DESK', inStock: true, maxPrice: '100' },
    })
    assert.deepEqual(names(found.json().items), ['Desk lamp'])
    assert.deepEqual(names((await client.get('/api/products?inStock=false')).json().items), [
      'Linen armchair',
    ])
  })

  it('validates list queries; sorting only by the allowed keys', async () => {
    const res = await client.get('/api/products?pageSize=1000&sort=random&minPrice=1e9')
    assert.equal(res.status, 422)
    assert.deepEqual(
      res.json().error.details.map((d: { path: string[] }) => d.path[0]),
      ['minPrice', 'sort', 'pageSize'],
    )
    // Text that looks like SQL is only ever a bound value.
    const sneaky = await client.get('/api/products', { query: { q: "x' OR 1=1 --" } })
    assert.equal(sneaky.json().total, 0)
  })

  it('creates, reads, updates and deletes a product with the API key', async () => {
    const created = await client.post('/api/products', {
      headers: auth,
      json: { name: 'Walnut shelf', price: 89, categoryId: 1, stock: 2 },
    })
    assert.equal(created.status, 201)
    const product = created.json()
    assert.equal(created.headers.location, `/api/products/${product.id}`)
    assert.equal(product.price, '89.00')
    assert.equal(product.description, '')
    assert.equal(product.image, null)
    assert.match(product.createdAt, /^\d{4}-\d\d-\d\dT.*Z$/)
    assert.deepEqual((await client.get(`/api/products/${product.id}`)).json(), product)

    const updated = await client.patch(`/api/products/${product.id}`, {
      headers: auth,
      json: { price: '79.5', description: 'Solid walnut.' },
    })
    assert.equal(updated.status, 200)
    assert.equal(updated.json().price, '79.50')
    assert.equal(updated.json().description, 'Solid walnut.')
    assert.equal(updated.json().createdAt, product.createdAt)
    assert.ok(updated.json().updatedAt >= product.updatedAt)

    const deleted = await client.delete(`/api/products/${product.id}`, { headers: auth })
    assert.equal(deleted.status, 204)
    assert.equal((await client.get(`/api/products/${product.id}`)).status, 404)
  })

  it('refuses read-only and unknown fields, and invalid values, with 422', async () => {
    const res = await client.post('/api/products', {
      headers: auth,
      json: {
        name: 'x',
        price: '1.999',
        categoryId: 1,
        id: 1,
        image: '/media/x.png',
        isAdmin: true,
      },
    })
    assert.equal(res.status, 422)
    const details = res
      .json()
      .error.details.map((d: { path: string[]; code: string }) => [d.path[0], d.code])
    assert.deepEqual(details.sort(), [
      ['id', 'unknown_key'],
      ['image', 'unknown_key'],
      ['isAdmin', 'unknown_key'],
      ['price', 'too_precise'],
    ])
    const missing = await client.post('/api/products', { headers: auth, json: { name: 'x' } })
    assert.deepEqual(
      missing
        .json()
        .error.details.map((d: { path: string[] }) => d.path[0])
        .sort(),
      ['categoryId', 'price'],
    )
  })

  it('answers 409 for duplicates and for references to missing rows', async () => {
    const duplicate = await client.post('/api/categories', {
      headers: auth,
      json: { name: 'Lighting', slug: 'lights' },
    })
    assert.equal(duplicate.status, 409)
    assert.deepEqual(duplicate.json().error, {
      status: 409,
      code: 'unique_violation',
      message: 'Another record already has this name.',
      details: { fields: ['name'] },
    })
    const orphan = await client.post('/api/products', {
      headers: auth,
      json: { name: 'Orphan', price: '1', categoryId: 999 },
    })
    assert.equal(orphan.status, 409)
    assert.equal(orphan.json().error.code, 'foreign_key_violation')
  })

  it('lists categories with their number of products', async () => {
    const res = await client.get('/api/categories')
    assert.deepEqual(
      res.json().map((c: { slug: string; productCount: number }) => [c.slug, c.productCount]),
      [
        ['furniture', 2],
        ['kitchen', 2],
        ['lighting', 1],
      ],
    )
  })

  it('sells units atomically until the stock runs out', async () => {
    const { id } = (
      await client.post('/api/products', {
        headers: auth,
        json: { name: 'Last lamps', price: '10', stock: 2, categoryId: 2 },
      })
    ).json()
    const sales = await Promise.all(
      [1, 2, 3, 4].map(() => client.post(`/api/products/${id}/sell`, { headers: auth })),
    )
    assert.deepEqual(sales.map((r) => r.status).sort(), [200, 200, 409, 409])
    const refused = sales.find((r) => r.status === 409)!
    assert.equal(refused.json().error.code, 'out_of_stock')
    assert.equal((await client.get(`/api/products/${id}`)).json().stock, 0)
    assert.equal((await client.post('/api/products/999/sell', { headers: auth })).status, 404)
  })

  it('changes many prices in one request, or none when an id is unknown', async () => {
    const ids = await Promise.all(
      ['Bulk A', 'Bulk B'].map(async (name) => {
        const res = await client.post('/api/products', {
          headers: auth,
          json: { name, price: '10', stock: 1, categoryId: 2 },
        })
        return res.json().id as number
      }),
    )
    const [a, b] = ids as [number, number]
    const changed = await client.post('/api/products/prices', {
      headers: auth,
      json: {
        prices: [
          { id: a, price: '11.50' },
          { id: b, price: '12' },
        ],
      },
    })
    assert.equal(changed.status, 200)
    assert.deepEqual(
      changed
        .json()
        .map((p: { id: number; price: string }) => [p.id, p.price])
        .sort(),
      [
        [a, '11.50'],
        [b, '12.00'],
      ].sort(),
    )
    assert.equal((await client.get(`/api/products/${b}`)).json().price, '12.00')
    const unknown = await client.post('/api/products/prices', {
      headers: auth,
      json: {
        prices: [
          { id: a, price: '1' },
          { id: 999_999, price: '1' },
        ],
      },
    })
    assert.equal(unknown.status, 404)
    assert.equal((await client.get(`/api/products/${a}`)).json().price, '11.50')
    const invalid = await client.post('/api/products/prices', {
      headers: auth,
      json: { prices: [{ id: a, price: 'free' }] },
    })
    assert.equal(invalid.status, 422)
    const anonymous = await client.post('/api/products/prices', {
      json: { prices: [{ id: a, price: '1' }] },
    })
    assert.equal(anonymous.status, 401)
  })

  it('refuses changes without a valid API key', async () => {
    const res = await client.post('/api/products', {
      json: { name: 'x', price: '1', categoryId: 1 },
    })
    assert.equal(res.status, 401)
    assert.equal(res.json().error.code, 'invalid_api_key')
    assert.equal(
      (await client.delete('/api/products/1', { headers: { 'x-api-key': 'wrong-key' } })).status,
      401,
    )
  })

  it('answers 404 for unknown products and 422 for malformed ids', async () => {
    const missing = await client.get('/api/products/999')
    assert.equal(missing.status, 404)
    assert.deepEqual(missing.json().error, {
      status: 404,
      code: 'not_found',
      message: 'No Product matches the given query.',
    })
    assert.equal((await client.get('/api/products/abc')).status, 422)
  })

  it('uploads a product image and serves it from /media', async () => {
    const image = new File([PNG], 'photo.png', { type: 'image/png' })
    const res = await client.post('/api/products/2/image', { headers: auth, multipart: { image } })
    assert.equal(res.status, 200)
    const url: string = res.json().image
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
    const server = await serve(
      createCatalogApp({ apiKey: 'k', mediaDir, databaseUrl: 'sqlite::memory:', logger: false }),
      { port: 0, signals: false },
    )
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
        body: JSON.stringify({ name: 'Live lamp', price: '5', categoryId: 2 }),
      })
      while (!received.includes('event: created')) received += (await reader.read()).value ?? ''
      assert.match(received, /event: created\nid: \d+\ndata: \{"id":\d+,"name":"Live lamp"/)
      abort.abort()
    } finally {
      await server.close()
    }
  })
})

describe('catalogue pages', () => {
  it('renders the product list with categories, escaped names and the upload form', async () => {
    await client.post('/api/products', {
      headers: auth,
      json: { name: '<script>alert("x")</script>', price: '1', categoryId: 3 },
    })
    const res = await client.get('/')
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    assert.match(res.text, /<h1>Plinth catalogue<\/h1>/)
    assert.match(res.text, /Oak desk<\/a><\/td>\s*<td>Furniture<\/td>/)
    assert.match(res.text, /&lt;script&gt;alert\(&#34;x&#34;\)&lt;\/script&gt;/)
    assert.doesNotMatch(res.text, /<script>alert/)
    assert.match(res.text, /enctype="multipart\/form-data"/)
  })

  it('accepts the HTML upload form from a logged-in member and redirects back to the list', async () => {
    await signUp(client, 'uploader')
    const csrf_token = await formToken(client, '/')
    const image = new File([PNG], 'from-form.png', { type: 'image/png' })
    const res = await client.post('/upload', { multipart: { csrf_token, product: '1', image } })
    assert.equal(res.status, 303)
    assert.equal(res.headers.location, '/')
    assert.match((await client.get('/')).text, /<img src="\/media\/[0-9a-f-]{36}\.png"/)
  })
})

describe('catalogue docs', () => {
  it('serves a valid OpenAPI document with the model schemas, and the docs page', async () => {
    const doc = (await client.get('/openapi.json')).json()
    assert.equal(doc.info.title, 'Plinth catalogue')
    assert.ok(doc.paths['/api/products/{id}/image'].post.requestBody.content['multipart/form-data'])
    assert.deepEqual(doc.paths['/api/products'].post.security, [
      { apiKey: [] },
      { oauth2: ['catalog:write'] },
    ])
    for (const name of ['Product', 'ProductCreate', 'ProductPartialUpdate', 'ProductPage']) {
      assert.ok(doc.components.schemas[name], `${name} in components`)
    }
    assert.deepEqual(doc.components.schemas.ProductCreate.required.sort(), [
      'categoryId',
      'name',
      'price',
    ])
    const { Validator } = await import('@seriousme/openapi-schema-validator')
    const result = await new Validator().validate(doc)
    assert.equal(result.valid, true, JSON.stringify(result.errors))
    assert.equal((await client.get('/docs')).status, 200)
  })
})
