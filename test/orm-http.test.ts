/**
 * The ORM behind HTTP routes: model schemas as `body` and `response`, ORM errors rendered in the
 * standard error shape (404, 409, 422, 503) without the app importing the ORM, responses filtered
 * and serialized from the output schema, and the derived schemas in a valid OpenAPI document.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { createApp, HttpError } from 'plinth'
import { generateOpenApi } from 'plinth/openapi'
import {
  createDatabase,
  createTables,
  type Database,
  defineModel,
  field,
  ModelValidationError,
  PoolTimeoutError,
} from 'plinth/orm'
import { testClient } from 'plinth/testing'
import { z } from 'zod'
import { assertValidOpenApi } from './support/openapi.ts'

const Category = defineModel('Category', { name: field.string({ maxLength: 50, unique: true }) })
const Product = defineModel(
  'Product',
  {
    name: field.string({ maxLength: 100, helpText: 'Shown in lists' }),
    sku: field.slug({ unique: true }),
    price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
    stock: field.bigint({ default: 0n }),
    releasedAt: field.datetime({ null: true }),
    createdAt: field.datetime({ autoNowAdd: true }),
    category: field.foreignKey(() => Category, { onDelete: 'cascade', relatedName: 'products' }),
  },
  {
    validate: (row) =>
      row.name === 'Forbidden' ? [{ field: 'name', message: 'This name is reserved.' }] : [],
  },
)
const Account = defineModel('Account', {
  email: field.email({ unique: true }),
  passwordHash: field.string({ maxLength: 100 }),
})

function shopApp(options: { debug?: boolean } = {}) {
  const app = createApp({ logger: false, debug: options.debug ?? false })
  const output = Product.schemas.output
  app.get('/products', { response: output.array() }, () =>
    Product.objects.selectRelated('category').orderBy('id').all(),
  )
  app.post('/products', { body: Product.schemas.create, response: output, status: 201 }, (ctx) =>
    Product.objects.create(ctx.body),
  )
  app.post(
    '/products/form',
    { consumes: 'form', body: Product.schemas.create, response: output, status: 201 },
    (ctx) => Product.objects.create(ctx.body),
  )
  app.get(
    '/products/:id',
    { params: z.object({ id: z.number().int() }), response: output },
    (ctx) => Product.objects.get({ id: ctx.params.id }),
  )
  app.patch(
    '/products/:id',
    {
      params: z.object({ id: z.number().int() }),
      body: Product.schemas.partialUpdate,
      response: output,
    },
    async (ctx) => {
      const product = await Product.objects.get({ id: ctx.params.id })
      Object.assign(product, ctx.body)
      await product.save()
      return product
    },
  )
  app.put(
    '/products/:id',
    { params: z.object({ id: z.number().int() }), body: Product.schemas.update, response: output },
    async (ctx) => {
      const product = await Product.objects.get({ id: ctx.params.id })
      Object.assign(product, ctx.body)
      await product.save()
      return product
    },
  )
  app.get(
    '/accounts/:id',
    {
      params: z.object({ id: z.number().int() }),
      response: z.object({ id: z.number(), email: z.string() }),
    },
    (ctx) => Account.objects.get({ id: ctx.params.id }),
  )
  app.get('/busy', () => {
    throw new PoolTimeoutError(5000, 10)
  })
  return app
}

let db: Database
let categoryId: number

before(async () => {
  db = createDatabase({ url: 'sqlite::memory:', models: [Category, Product, Account] })
  await createTables(db, [Category, Product, Account])
})
after(() => db.close())
beforeEach(async () => {
  await Product.objects.delete()
  await Category.objects.delete()
  await Account.objects.delete()
  categoryId = (await Category.objects.create({ name: 'Shelves' })).id
})

const valid = () => ({
  name: 'Walnut shelf',
  sku: 'walnut-shelf',
  price: 89.9,
  stock: '9007199254740993',
  releasedAt: '2024-05-01T09:30:00+02:00',
  categoryId,
})

describe('ORM routes: model schemas as body and response', () => {
  it('creates from a valid body: 201 with the serialized row', async () => {
    const res = await testClient(shopApp()).post('/products', { json: valid() })
    assert.equal(res.status, 201, res.text)
    const body = res.json()
    assert.deepEqual(Object.keys(body), [
      'id',
      'name',
      'sku',
      'price',
      'stock',
      'releasedAt',
      'createdAt',
      'categoryId',
    ])
    assert.equal(typeof body.id, 'number')
    assert.equal(body.price, '89.90')
    assert.equal(body.stock, '9007199254740993')
    assert.equal(body.releasedAt, '2024-05-01T07:30:00.000Z')
    assert.match(body.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    const saved = await Product.objects.get({ id: body.id })
    assert.equal(saved.stock, 9007199254740993n)
    assert.equal(saved.price, '89.90')
  })

  it('validates form bodies the same way, numbers coerced from the schema', async () => {
    const { stock: _stock, releasedAt: _releasedAt, ...fields } = valid()
    const res = await testClient(shopApp()).post('/products/form', {
      form: { ...fields, price: '12.5', categoryId: String(categoryId) },
    })
    assert.equal(res.status, 201, res.text)
    assert.equal(res.json().price, '12.50')
    assert.equal(res.json().categoryId, categoryId)
  })

  it('answers 422 listing every issue of an invalid body', async () => {
    const res = await testClient(shopApp()).post('/products', {
      json: { name: '', price: 'cheap', stock: 1.5, releasedAt: 'tomorrow' },
    })
    assert.equal(res.status, 422)
    const { error } = res.json()
    assert.equal(error.code, 'validation_error')
    assert.deepEqual(
      error.details.map(
        (i: { location: string; path: string[]; code: string }) =>
          `${i.location}:${i.path.join('.')}:${i.code}`,
      ),
      [
        'body:name:blank',
        'body:sku:required',
        'body:price:invalid_type',
        'body:stock:invalid_type',
        'body:releasedAt:invalid_type',
        'body:categoryId:required',
      ],
    )
  })

  it('refuses mass assignment: unknown and read-only keys are 422, nothing is written', async () => {
    const res = await testClient(shopApp()).post('/products', {
      json: { ...valid(), id: 99, isAdmin: true, createdAt: '2000-01-01T00:00:00Z' },
    })
    assert.equal(res.status, 422)
    const issues = res.json().error.details as Array<{ path: string[]; code: string }>
    assert.deepEqual(
      issues.map((i) => `${i.path.join('.')}:${i.code}`),
      ['id:unknown_key', 'isAdmin:unknown_key', 'createdAt:unknown_key'],
    )
    assert.equal(await Product.objects.count(), 0)
    const minimal = await testClient(shopApp()).post('/products', {
      json: { name: 'x', id: 99, isAdmin: true },
    })
    assert.equal(minimal.status, 422)
    assert.ok(minimal.json().error.details.some((i: { path: string[] }) => i.path[0] === 'isAdmin'))
  })

  it('refuses operator objects where values belong (no query injection through bodies)', async () => {
    const client = testClient(shopApp())
    for (const hostile of [{ price: { $gt: '' } }, { categoryId: { gt: 0 } }, { name: ['a'] }]) {
      const res = await client.post('/products', { json: { ...valid(), ...hostile } })
      assert.equal(res.status, 422, JSON.stringify(hostile))
      const [issue] = res.json().error.details
      assert.equal(issue.code, 'invalid_type')
      assert.equal(issue.path[0], Object.keys(hostile)[0])
    }
  })

  it('answers 400 when request data reaches a filter as an operator object (no operator injection)', async () => {
    const app = shopApp()
    // A careless route: the body is not validated, and its value goes straight into a filter.
    app.post('/accounts/exists', { body: z.object({ email: z.unknown() }) }, async (ctx) => ({
      exists: await Account.objects.filter({ email: ctx.body.email as string }).exists(),
    }))
    await Account.objects.create({ email: 'a@example.com', passwordHash: 'x' })
    const client = testClient(app)
    const found = await client.post('/accounts/exists', { json: { email: 'a@example.com' } })
    assert.deepEqual(found.json(), { exists: true })
    for (const email of [{ ne: '' }, { gt: '' }, { in: ['a@example.com'] }, ['a@example.com']]) {
      const res = await client.post('/accounts/exists', { json: { email } })
      assert.equal(res.status, 400, JSON.stringify(email))
      assert.equal(res.json().error.code, 'bad_query')
    }
  })

  it('lists instances through the response schema: declared columns only, wire formats', async () => {
    const client = testClient(shopApp())
    await client.post('/products', { json: valid() })
    await client.post('/products', { json: { ...valid(), sku: 'oak', releasedAt: null } })
    const res = await client.get('/products')
    assert.equal(res.status, 200)
    const rows = res.json()
    assert.equal(rows.length, 2)
    // selectRelated loaded `category` on each instance; the output schema does not declare it.
    assert.equal(rows[0].category, undefined)
    assert.equal(rows[0].releasedAt, '2024-05-01T07:30:00.000Z')
    assert.equal(rows[1].releasedAt, null)
    assert.equal(rows[0].stock, '9007199254740993')
    assert.equal(rows[0].price, '89.90')
  })

  it('partially updates with partialUpdate and replaces with update', async () => {
    const client = testClient(shopApp())
    const { id } = (await client.post('/products', { json: valid() })).json()
    const patched = await client.patch(`/products/${id}`, { json: { price: '75' } })
    assert.equal(patched.status, 200, patched.text)
    assert.equal(patched.json().price, '75.00')
    assert.equal(patched.json().name, 'Walnut shelf')
    assert.equal((await client.patch(`/products/${id}`, { json: { id: 5 } })).status, 422)
    const put = await client.put(`/products/${id}`, { json: { name: 'Oak shelf' } })
    assert.equal(put.status, 422)
    assert.deepEqual(
      put.json().error.details.map((i: { path: string[] }) => i.path[0]),
      ['sku', 'price', 'categoryId'],
    )
  })

  it('passes response validation in debug mode for instances, Dates and bigints', async () => {
    const client = testClient(shopApp({ debug: true }))
    assert.equal((await client.post('/products', { json: valid() })).status, 201)
    const res = await client.get('/products')
    assert.equal(res.status, 200, res.text)
  })

  it('filters instances through any response schema (no leaked columns)', async () => {
    const account = await Account.objects.create({
      email: 'ada@example.com',
      passwordHash: 'scrypt$secret',
    })
    const res = await testClient(shopApp()).get(`/accounts/${account.id}`)
    assert.equal(res.text, `{"id":${account.id},"email":"ada@example.com"}`)
  })
})

describe('ORM errors rendered by the app', () => {
  it('NotFoundError → 404 in the standard error shape', async () => {
    const res = await testClient(shopApp()).get('/products/12345')
    assert.equal(res.status, 404)
    assert.deepEqual(res.json(), {
      error: { status: 404, code: 'not_found', message: 'No Product matches the given query.' },
    })
  })

  it('UniqueViolationError → 409 naming the fields', async () => {
    const client = testClient(shopApp())
    assert.equal((await client.post('/products', { json: valid() })).status, 201)
    const res = await client.post('/products', { json: valid() })
    assert.equal(res.status, 409)
    assert.deepEqual(res.json().error, {
      status: 409,
      code: 'unique_violation',
      message: 'Another record already has this sku.',
      details: { fields: ['sku'] },
    })
  })

  it('ModelValidationError (a model rule at save) → 422 with the issues', async () => {
    const res = await testClient(shopApp()).post('/products', {
      json: { ...valid(), name: 'Forbidden' },
    })
    assert.equal(res.status, 422)
    assert.deepEqual(res.json().error, {
      status: 422,
      code: 'validation_error',
      message: 'Product is not valid.',
      details: [
        { location: 'body', path: ['name'], message: 'This name is reserved.', code: 'invalid' },
      ],
    })
  })

  it('PoolTimeoutError → 503 with its public message and the request id, nothing internal', async () => {
    for (const debug of [false, true]) {
      const res = await testClient(shopApp({ debug })).get('/busy')
      assert.equal(res.status, 503)
      const { error } = res.json()
      assert.equal(error.code, 'database_busy')
      assert.equal(error.message, 'The database is busy; try again shortly.')
      assert.equal(typeof error.requestId, 'string')
      assert.equal(error.debug, undefined)
    }
  })

  it('error handlers registered for a status catch described errors', async () => {
    const app = shopApp()
    app.errorHandler(404, (error) => ({ missing: error instanceof Error ? error.name : 'unknown' }))
    const res = await testClient(app).get('/products/12345')
    assert.equal(res.status, 404)
    assert.deepEqual(res.json(), { missing: 'NotFoundError' })
  })

  it('ignores malformed descriptions (a 500 like any unexpected error) and HttpErrors keep theirs', async () => {
    const app = createApp({ logger: false })
    const describe = (value: unknown) =>
      Object.assign(new Error('boom'), { [Symbol.for('plinth.http')]: value })
    app.get('/bad-status', () => {
      throw describe({ status: 200, code: 'ok', message: 'fine' })
    })
    app.get('/bad-code', () => {
      throw describe({ status: 404, message: 'no code' })
    })
    app.get('/http', () => {
      throw Object.assign(new HttpError(418, 'teapot'), {
        [Symbol.for('plinth.http')]: { status: 404, code: 'x', message: 'y' },
      })
    })
    app.get('/thrown-getter', () => {
      const error = new Error('boom')
      Object.defineProperty(error, Symbol.for('plinth.http'), {
        get() {
          throw new Error('hostile')
        },
      })
      throw error
    })
    const client = testClient(app)
    for (const path of ['/bad-status', '/bad-code', '/thrown-getter']) {
      const res = await client.get(path)
      assert.equal(res.status, 500, path)
      assert.equal(res.json().error.message, 'Internal Server Error')
    }
    assert.equal((await client.get('/http')).status, 418)
  })

  it('uses ModelValidationError from parse() outside routes too', () => {
    assert.throws(() => Product.schemas.create.parse({ id: 1 }), ModelValidationError)
  })
})

describe('OpenAPI from model schemas', () => {
  it('names the derived schemas as components and passes the validator', async () => {
    const doc = generateOpenApi(shopApp(), { title: 'Shop', version: '1.0.0' })
    await assertValidOpenApi(doc)
    const schemas = doc.components?.schemas ?? {}
    for (const name of ['Product', 'ProductCreate', 'ProductUpdate', 'ProductPartialUpdate']) {
      assert.ok(schemas[name], `components.schemas.${name}`)
    }
    const create = doc.paths['/products']!.post!
    assert.deepEqual(create.requestBody?.content?.['application/json']?.schema, {
      $ref: '#/components/schemas/ProductCreate',
    })
    assert.deepEqual(create.responses['201']?.content?.['application/json']?.schema, {
      $ref: '#/components/schemas/Product',
    })
    assert.deepEqual(
      doc.paths['/products']!.get!.responses['200']?.content?.['application/json']?.schema,
      {
        type: 'array',
        items: { $ref: '#/components/schemas/Product' },
      },
    )
    const product = schemas.Product as {
      properties: Record<string, Record<string, unknown>>
      required: string[]
    }
    assert.equal(product.properties.id!.readOnly, true)
    assert.equal(product.properties.createdAt!.format, 'date-time')
    assert.equal(product.properties.price!.type, 'string')
    assert.equal(product.properties.name!.description, 'Shown in lists')
    const input = schemas.ProductCreate as {
      properties: Record<string, unknown>
      required: string[]
    }
    assert.deepEqual(input.required, ['name', 'sku', 'price', 'categoryId'])
    assert.equal(input.properties.id, undefined)
  })
})
