import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type App, createApp, dependency, Router } from 'plinth'
import { z } from 'zod'
import { assertValidOpenApi } from '../../test/support/openapi.ts'
import { generateOpenApi } from './generate.ts'
import type { OpenApiDocument, OpenApiOptions, OperationObject } from './types.ts'

const newApp = () => createApp({ logger: false })

/** Generate the document and check it with the independent validator. */
async function generate(app: App, options: Partial<OpenApiOptions> = {}): Promise<OpenApiDocument> {
  const doc = generateOpenApi(app, { title: 'Test API', version: '1.0.0', ...options })
  await assertValidOpenApi(doc)
  return doc
}

function operation(doc: OpenApiDocument, method: string, path: string): OperationObject {
  const found = doc.paths[path]?.[method as 'get']
  assert.ok(found, `no ${method.toUpperCase()} ${path} in ${Object.keys(doc.paths).join(', ')}`)
  return found
}

const param = (op: OperationObject, location: string, name: string) =>
  op.parameters?.find((p) => p.in === location && p.name === name)

describe('generateOpenApi: document', () => {
  it('produces an OpenAPI 3.1.0 document with the info, servers and external docs given', async () => {
    const app = newApp()
    app.get('/', () => 'hi')
    const doc = await generate(app, {
      title: 'Catalog',
      version: '2.1.0',
      description: 'Products and orders.',
      license: { name: 'MIT', identifier: 'MIT' },
      contact: { email: 'api@example.com' },
      servers: [{ url: 'https://api.example.com' }],
      externalDocs: { url: 'https://example.com/guide' },
    })
    assert.equal(doc.openapi, '3.1.0')
    assert.deepEqual(doc.info, {
      title: 'Catalog',
      version: '2.1.0',
      description: 'Products and orders.',
      contact: { email: 'api@example.com' },
      license: { name: 'MIT', identifier: 'MIT' },
    })
    assert.deepEqual(doc.servers, [{ url: 'https://api.example.com' }])
    assert.deepEqual(doc.externalDocs, { url: 'https://example.com/guide' })
  })

  it('rejects a missing title or version, and unknown options, with a PlinthError', () => {
    const app = newApp()
    assert.throws(() => generateOpenApi(app, { title: '', version: '1' }), {
      code: 'PLINTH_OPENAPI_INVALID_INFO',
      message: /"title" is required/,
    })
    assert.throws(() => generateOpenApi(app, { title: 'x' } as OpenApiOptions), {
      code: 'PLINTH_OPENAPI_INVALID_INFO',
    })
    assert.throws(
      () => generateOpenApi(app, { title: 'x', version: '1', sever: [] } as OpenApiOptions),
      { code: 'PLINTH_OPENAPI_UNKNOWN_OPTION', message: /"sever"/ },
    )
  })

  it('leaves out hidden routes, app.all() catch-alls and non-standard methods', async () => {
    const app = newApp()
    app.get('/visible', () => 1)
    app.get('/secret', { hidden: true }, () => 1)
    app.all('/proxy/*rest', () => 1)
    app.route('PROPFIND', '/dav', () => 1)
    const doc = await generate(app)
    assert.deepEqual(Object.keys(doc.paths), ['/visible'])
    assert.deepEqual(Object.keys(doc.paths['/visible']!), ['get'])
  })

  it('documents explicit HEAD and OPTIONS routes but not the automatic ones', async () => {
    const app = newApp()
    app.get('/a', () => 1)
    app.head('/b', () => undefined)
    const doc = await generate(app)
    assert.deepEqual(Object.keys(doc.paths['/a']!), ['get'])
    assert.deepEqual(Object.keys(doc.paths['/b']!), ['head'])
  })
})

describe('generateOpenApi: operations', () => {
  it('copies summary, description, deprecated and the explicit operationId', async () => {
    const app = newApp()
    app.get(
      '/old',
      { summary: 'Old thing', description: 'Use /new.', deprecated: true, operationId: 'oldThing' },
      () => 1,
    )
    const op = operation(await generate(app), 'get', '/old')
    assert.equal(op.summary, 'Old thing')
    assert.equal(op.description, 'Use /new.')
    assert.equal(op.deprecated, true)
    assert.equal(op.operationId, 'oldThing')
  })

  it('derives operationIds from route names and from method and path, all unique', async () => {
    const app = newApp()
    app.get('/products/:id', { name: 'product-detail' }, () => 1)
    app.post('/products', () => 1)
    const api = new Router({ namespace: 'api' })
    api.get('/ping', { name: 'ping' }, () => 1)
    app.include(api, { prefix: '/api' })
    const doc = await generate(app)
    assert.equal(operation(doc, 'get', '/products/{id}').operationId, 'product-detail')
    assert.equal(operation(doc, 'post', '/products').operationId, 'postProducts')
    assert.equal(operation(doc, 'get', '/api/ping').operationId, 'api_ping')
  })

  it('throws a PlinthError for an operationId used by two routes', () => {
    const app = newApp()
    app.get('/a', { operationId: 'dup' }, () => 1)
    app.get('/b', { operationId: 'dup' }, () => 1)
    assert.throws(() => generateOpenApi(app, { title: 't', version: '1' }), {
      name: 'PlinthError',
      code: 'PLINTH_OPENAPI_DUPLICATE_OPERATION_ID',
    })
  })

  it('takes tags from routers and routes, listing declared tags first with their descriptions', async () => {
    const app = newApp()
    const router = new Router({ tags: ['x'], namespace: 'n' })
    router.get('/items', { name: 'items', tags: ['extra'] }, () => [])
    app.include(router, { prefix: '/p' })
    app.get('/health', { tags: ['ops'] }, () => 'ok')
    const doc = await generate(app, { tags: [{ name: 'ops', description: 'Operations' }] })
    const op = operation(doc, 'get', '/p/items')
    assert.deepEqual(op.tags, ['x', 'extra'])
    assert.equal(op.operationId, 'n_items')
    assert.deepEqual(doc.tags, [
      { name: 'ops', description: 'Operations' },
      { name: 'x' },
      { name: 'extra' },
    ])
  })
})

describe('generateOpenApi: parameters', () => {
  it('documents coerced path params with their types, always required', async () => {
    const app = newApp()
    app.get(
      '/users/:id/posts/:slug',
      { params: z.object({ id: z.coerce.number().int().describe('User id'), slug: z.string() }) },
      () => 1,
    )
    const op = operation(await generate(app), 'get', '/users/{id}/posts/{slug}')
    const id = param(op, 'path', 'id')!
    assert.equal(id.required, true)
    assert.equal(id.schema.type, 'integer')
    assert.equal(id.description, 'User id')
    assert.deepEqual(param(op, 'path', 'slug')?.schema, { type: 'string' })
  })

  it('documents path params as strings when the route has no params schema', async () => {
    const app = newApp()
    app.get('/orgs/:org/repos/:repo', () => 1)
    const op = operation(await generate(app), 'get', '/orgs/{org}/repos/{repo}')
    assert.deepEqual(
      op.parameters?.map((p) => [p.name, p.in, p.required, p.schema]),
      [
        ['org', 'path', true, { type: 'string' }],
        ['repo', 'path', true, { type: 'string' }],
      ],
    )
  })

  it('documents a wildcard as a path parameter that may contain slashes', async () => {
    const app = newApp()
    app.get('/files/*path', () => 1)
    app.get('/static/*', () => 1)
    const doc = await generate(app)
    const named = param(operation(doc, 'get', '/files/{path}'), 'path', 'path')!
    assert.match(named.description!, /may contain slashes/)
    assert.ok(param(operation(doc, 'get', '/static/{wildcard}'), 'path', 'wildcard'))
  })

  it('puts routes whose paths differ only in parameter names under one template', async () => {
    const app = newApp()
    app.get('/users/:id', () => 1)
    app.delete('/users/:name', () => 1)
    const doc = await generate(app)
    assert.deepEqual(Object.keys(doc.paths), ['/users/{id}'])
    assert.equal(operation(doc, 'delete', '/users/{id}').parameters?.[0]?.name, 'id')
  })

  it('documents query params with required flags, defaults and arrays as form/explode', async () => {
    const app = newApp()
    app.get(
      '/search',
      {
        query: z.object({
          q: z.string().describe('Search text'),
          page: z.coerce.number().int().default(1),
          tag: z.array(z.string()).optional(),
        }),
      },
      () => [],
    )
    const op = operation(await generate(app), 'get', '/search')
    assert.equal(param(op, 'query', 'q')?.required, true)
    assert.equal(param(op, 'query', 'q')?.description, 'Search text')
    assert.equal(param(op, 'query', 'page')?.required, false)
    assert.equal(param(op, 'query', 'page')?.schema.default, 1)
    const tag = param(op, 'query', 'tag')!
    assert.equal(tag.required, false)
    assert.equal(tag.style, 'form')
    assert.equal(tag.explode, true)
    assert.equal(param(op, 'query', 'q')?.style, undefined)
  })

  it('documents a query param whose schema refers to itself without looping', async () => {
    type Filter = string | Filter[]
    const Filter: z.ZodType<Filter> = z
      .union([z.string(), z.array(z.lazy(() => Filter))])
      .meta({ id: 'Filter' })
    const app = newApp()
    app.get('/find', { query: z.object({ filter: Filter.optional() }) }, () => [])
    const filter = param(operation(await generate(app), 'get', '/find'), 'query', 'filter')!
    assert.deepEqual(filter.schema, { $ref: '#/components/schemas/Filter' })
    assert.equal(filter.explode, true)
  })

  it('expands a named (.meta({ id })) query schema without leaving an unused component', async () => {
    const app = newApp()
    const Paging = z.object({ limit: z.coerce.number().optional() }).meta({ id: 'Paging' })
    app.get('/list', { query: Paging }, () => [])
    const doc = await generate(app)
    assert.ok(param(operation(doc, 'get', '/list'), 'query', 'limit'))
    assert.equal(doc.components?.schemas?.Paging, undefined)
  })

  it('documents headers and cookies, leaving out headers OpenAPI ignores', async () => {
    const app = newApp()
    app.get(
      '/me',
      {
        headers: z.object({
          'x-api-version': z.string().describe('API version'),
          authorization: z.string(),
        }),
        cookies: z.object({ session: z.string(), theme: z.string().optional() }),
      },
      () => 1,
    )
    const op = operation(await generate(app), 'get', '/me')
    assert.deepEqual(param(op, 'header', 'x-api-version'), {
      name: 'x-api-version',
      in: 'header',
      required: true,
      schema: { type: 'string', description: 'API version' },
      description: 'API version',
    })
    assert.equal(param(op, 'header', 'authorization'), undefined)
    assert.equal(param(op, 'cookie', 'session')?.required, true)
    assert.equal(param(op, 'cookie', 'theme')?.required, false)
  })
})

describe('generateOpenApi: request bodies', () => {
  it('documents a JSON body, required unless the schema accepts undefined', async () => {
    const app = newApp()
    app.post('/a', { body: z.object({ name: z.string() }) }, () => 1)
    app.post('/b', { body: z.object({ name: z.string() }).optional() }, () => 1)
    const doc = await generate(app)
    const body = operation(doc, 'post', '/a').requestBody!
    assert.equal(body.required, true)
    assert.deepEqual(Object.keys(body.content), ['application/json'])
    assert.deepEqual(body.content['application/json']?.schema?.required, ['name'])
    assert.equal(operation(doc, 'post', '/b').requestBody?.required, false)
  })

  it('documents form and multipart bodies, keeping z.file() as binary strings', async () => {
    const app = newApp()
    app.post(
      '/avatar',
      {
        consumes: ['multipart', 'form'],
        body: z.object({ title: z.string(), image: z.file().mime(['image/png']) }),
      },
      () => 1,
    )
    const body = operation(await generate(app), 'post', '/avatar').requestBody!
    assert.deepEqual(Object.keys(body.content), [
      'multipart/form-data',
      'application/x-www-form-urlencoded',
    ])
    const image = (body.content['multipart/form-data']!.schema!.properties as any).image
    assert.equal(image.type, 'string')
    assert.equal(image.format, 'binary')
    assert.equal(image.contentMediaType, 'image/png')
  })

  it('documents text and raw byte bodies', async () => {
    const app = newApp()
    app.post('/note', { consumes: 'text', body: z.string() }, () => 1)
    app.put('/blob', { consumes: 'bytes', body: z.instanceof(Buffer) }, () => 1)
    const doc = await generate(app)
    assert.deepEqual(operation(doc, 'post', '/note').requestBody?.content, {
      'text/plain': { schema: { type: 'string' } },
    })
    assert.deepEqual(operation(doc, 'put', '/blob').requestBody?.content, {
      'application/octet-stream': {},
    })
  })
})

describe('generateOpenApi: responses', () => {
  it('documents the response schema under the success status', async () => {
    const app = newApp()
    const Product = z.object({ id: z.number(), name: z.string() })
    app.get('/p', { response: Product }, () => ({ id: 1, name: 'Lamp' }))
    app.post('/p', { response: Product, status: 201 }, () => ({ id: 1, name: 'Lamp' }))
    const doc = await generate(app)
    const get = operation(doc, 'get', '/p').responses
    assert.deepEqual(Object.keys(get), ['200'])
    assert.deepEqual(get['200']?.content?.['application/json']?.schema?.required, ['id', 'name'])
    assert.deepEqual(Object.keys(operation(doc, 'post', '/p').responses), ['201'])
  })

  it('documents routes without a response schema, and 204 routes without content', async () => {
    const app = newApp()
    app.get('/free', () => 1)
    app.delete('/thing', { status: 204 }, () => undefined)
    const doc = await generate(app)
    assert.deepEqual(operation(doc, 'get', '/free').responses, {
      200: { description: 'Successful response' },
    })
    assert.deepEqual(operation(doc, 'delete', '/thing').responses, {
      204: { description: 'No Content' },
    })
  })

  it('documents the responses map: schemas, descriptions, content types and default error bodies', async () => {
    const app = newApp()
    app.get(
      '/report/:id',
      {
        response: z.object({ ok: z.boolean() }),
        responses: {
          200: { description: 'The report' },
          302: { description: 'Moved to the archive' },
          404: { description: 'No such report' },
          409: z.object({ conflict: z.string() }),
          410: { description: 'Expired', schema: z.string(), contentType: 'text/plain' },
        },
      },
      () => ({ ok: true }),
    )
    const responses = operation(await generate(app), 'get', '/report/{id}').responses
    assert.equal(responses['200']?.description, 'The report')
    assert.ok(responses['200']?.content?.['application/json']?.schema)
    assert.deepEqual(responses['302'], { description: 'Moved to the archive' })
    assert.deepEqual(responses['404'], {
      description: 'No such report',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    })
    assert.equal(responses['409']?.description, 'Conflict')
    assert.deepEqual(responses['409']?.content?.['application/json']?.schema?.required, [
      'conflict',
    ])
    assert.deepEqual(responses['410']?.content, { 'text/plain': { schema: { type: 'string' } } })
  })

  it('adds a 422 with the shared ValidationError schema to routes that validate input', async () => {
    const app = newApp()
    app.get('/a', { query: z.object({ q: z.string() }) }, () => 1)
    app.post('/b', { body: z.object({ n: z.number() }) }, () => 1)
    app.get('/c', () => 1)
    const doc = await generate(app)
    const ref = { $ref: '#/components/schemas/ValidationError' }
    for (const [method, path] of [
      ['get', '/a'],
      ['post', '/b'],
    ] as const) {
      assert.deepEqual(operation(doc, method, path).responses['422']?.content, {
        'application/json': { schema: ref },
      })
    }
    assert.equal(operation(doc, 'get', '/c').responses['422'], undefined)
    const schema = doc.components?.schemas?.ValidationError as any
    assert.deepEqual(schema.properties.error.properties.details.items.required, [
      'location',
      'path',
      'message',
      'code',
    ])
  })
})

describe('generateOpenApi: schemas', () => {
  it('references named models from components and hoists the models they use', async () => {
    const app = newApp()
    const Tag = z.object({ label: z.string() }).meta({ id: 'Tag' })
    const Product = z.object({ id: z.number(), tags: z.array(Tag) }).meta({ id: 'Product' })
    app.get('/products', { response: z.array(Product) }, () => [])
    app.get('/products/:id', { response: Product }, () => ({ id: 1, tags: [] }))
    const doc = await generate(app)
    assert.deepEqual(
      operation(doc, 'get', '/products/{id}').responses['200']?.content?.['application/json']
        ?.schema,
      { $ref: '#/components/schemas/Product' },
    )
    assert.deepEqual(
      operation(doc, 'get', '/products').responses['200']?.content?.['application/json']?.schema,
      { type: 'array', items: { $ref: '#/components/schemas/Product' } },
    )
    const schemas = doc.components!.schemas!
    assert.deepEqual(Object.keys(schemas), ['Product', 'Tag'])
    assert.equal(schemas.Product!.$schema, undefined)
    assert.deepEqual((schemas.Product!.properties as any).tags.items, {
      $ref: '#/components/schemas/Tag',
    })
    assert.doesNotMatch(JSON.stringify(doc), /\$defs|\$schema/)
  })

  it('documents recursive schemas through a self-referencing component', async () => {
    type Category = { name: string; children: Category[] }
    const Category: z.ZodType<Category> = z
      .object({
        name: z.string(),
        get children() {
          return z.array(Category)
        },
      })
      .meta({ id: 'Category' })
    const app = newApp()
    app.get('/categories', { response: Category }, () => ({ name: 'root', children: [] }))
    const doc = await generate(app)
    const category = doc.components!.schemas!.Category as any
    assert.deepEqual(category.properties.children.items, { $ref: '#/components/schemas/Category' })
  })

  it('keeps one model used as request and response apart when the two sides differ', async () => {
    const app = newApp()
    const User = z.object({ name: z.string() }).meta({ id: 'User' })
    app.post('/users', { body: User, response: User }, (ctx) => ctx.body)
    const doc = await generate(app)
    const op = operation(doc, 'post', '/users')
    assert.deepEqual(op.requestBody?.content['application/json']?.schema, {
      $ref: '#/components/schemas/User',
    })
    assert.deepEqual(op.responses['200']?.content?.['application/json']?.schema, {
      $ref: '#/components/schemas/UserOutput',
    })
  })

  it('documents schemas it cannot convert as {} and still produces a document', async () => {
    const app = newApp()
    const opaque = {
      '~standard': { version: 1, vendor: 'custom', validate: (v: unknown) => ({ value: v }) },
    }
    app.post('/opaque', { body: opaque as any, response: z.date() }, () => new Date())
    const op = operation(await generate(app), 'post', '/opaque')
    assert.deepEqual(op.requestBody?.content['application/json']?.schema, {})
    assert.deepEqual(op.responses['200']?.content?.['application/json']?.schema, {})
  })
})

describe('generateOpenApi: security', () => {
  const bearer = { bearerAuth: { type: 'http', scheme: 'bearer' } } as const

  it('documents security from the route option and from dependency meta', async () => {
    const app = newApp()
    const currentUser = dependency({
      resolve: () => ({ id: 1 }),
      meta: { security: [{ bearerAuth: [] }] },
    })
    app.get('/me', { deps: { user: currentUser } }, (ctx) => ctx.deps.user)
    app.get('/key', { security: [{ apiKey: [] }] }, () => 1)
    app.get('/both', { security: [{ bearerAuth: [] }], deps: { user: currentUser } }, () => 1)
    const doc = await generate(app, {
      securitySchemes: { ...bearer, apiKey: { type: 'apiKey', name: 'x-api-key', in: 'header' } },
    })
    assert.deepEqual(operation(doc, 'get', '/me').security, [{ bearerAuth: [] }])
    assert.deepEqual(operation(doc, 'get', '/key').security, [{ apiKey: [] }])
    assert.deepEqual(operation(doc, 'get', '/both').security, [{ bearerAuth: [] }])
    assert.deepEqual(doc.components?.securitySchemes, {
      ...bearer,
      apiKey: { type: 'apiKey', name: 'x-api-key', in: 'header' },
    })
  })

  it('applies the document default, which a route opts out of with security: []', async () => {
    const app = newApp()
    app.get('/private', () => 1)
    app.get('/public', { security: [] }, () => 1)
    const doc = await generate(app, { securitySchemes: bearer, security: [{ bearerAuth: [] }] })
    assert.deepEqual(doc.security, [{ bearerAuth: [] }])
    assert.equal(operation(doc, 'get', '/private').security, undefined)
    assert.deepEqual(operation(doc, 'get', '/public').security, [])
  })

  it('throws a PlinthError naming a security scheme that is not declared', () => {
    const app = newApp()
    const guard = dependency({ resolve: () => 1, meta: { security: [{ oauth: ['read'] }] } })
    app.get('/x', { deps: { guard } }, () => 1)
    assert.throws(() => generateOpenApi(app, { title: 't', version: '1' }), {
      code: 'PLINTH_OPENAPI_UNKNOWN_SECURITY_SCHEME',
      message: /GET \/x requires the security scheme "oauth"/,
    })
  })
})
