/**
 * A realistic API for documentation tests: routers with tags and namespaces, named and recursive
 * models, every parameter location, JSON/form/multipart bodies, documented errors, and security
 * from options and from a dependency.
 */
import { createApp, dependency, HttpError, Router } from 'plinth'
import { type OpenApiOptions, openapi } from 'plinth/openapi'
import { z } from 'zod'

export const DOCS_TITLE = 'Catalog API'

/** The document options the catalog registers `openapi()` with. */
export const CATALOG_DOCS: OpenApiOptions = {
  title: DOCS_TITLE,
  version: '1.2.0',
  description: 'Products, categories and uploads.',
  license: { name: 'MIT', identifier: 'MIT' },
  servers: [{ url: '/', description: 'This server' }],
  tags: [{ name: 'products', description: 'The product catalog' }],
  securitySchemes: {
    bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    apiKey: { type: 'apiKey', name: 'x-api-key', in: 'header' },
  },
}

const Money = z
  .object({ amount: z.number().int().nonnegative(), currency: z.enum(['EUR', 'USD']) })
  .meta({ id: 'Money', description: 'An amount in minor units.' })

const Product = z
  .object({
    id: z.number().int(),
    name: z.string().min(1),
    price: Money,
    tags: z.array(z.string()),
  })
  .meta({ id: 'Product' })

const NewProduct = z
  .object({ name: z.string().min(1), price: Money, tags: z.array(z.string()).default([]) })
  .meta({ id: 'NewProduct' })

type Category = { name: string; children: Category[] }
const Category: z.ZodType<Category> = z
  .object({
    name: z.string(),
    get children() {
      return z.array(Category)
    },
  })
  .meta({ id: 'Category' })

const currentUser = dependency({
  resolve: (ctx) => {
    if (!ctx.req.headers.authorization) throw new HttpError(401, 'Log in first.')
    return { id: 1, name: 'Ada' }
  },
  meta: { security: [{ bearerAuth: [] }] },
})

/** Build the catalog app with the docs plugin registered. */
export function createCatalogApp() {
  const app = createApp({ logger: false })
  app.register(openapi(CATALOG_DOCS))

  const products = new Router({ namespace: 'products', tags: ['products'] })
  products.get(
    '/',
    {
      name: 'list',
      summary: 'List products',
      query: z.object({
        q: z.string().optional().describe('Full-text search'),
        tag: z.array(z.string()).optional(),
        page: z.coerce.number().int().min(1).default(1),
        sort: z.enum(['name', 'price']).meta({ id: 'ProductSort' }).optional(),
      }),
      response: z.object({ items: z.array(Product), total: z.number().int() }),
    },
    () => ({ items: [], total: 0 }),
  )
  products.get(
    '/:id',
    {
      name: 'detail',
      summary: 'Get one product',
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: Product,
      responses: { 404: { description: 'No such product' } },
    },
    (ctx) => ({
      id: ctx.params.id,
      name: 'Lamp',
      price: { amount: 2500, currency: 'EUR' as const },
      tags: [],
    }),
  )
  products.post(
    '/',
    {
      name: 'create',
      body: NewProduct,
      response: Product,
      status: 201,
      deps: { user: currentUser },
      responses: { 409: z.object({ error: z.object({ code: z.literal('duplicate_name') }) }) },
    },
    (ctx) => ({ id: 7, ...ctx.body }),
  )
  products.delete(
    '/:id',
    { name: 'delete', status: 204, deps: { user: currentUser }, deprecated: true },
    () => undefined,
  )
  products.post(
    '/:id/image',
    {
      name: 'upload-image',
      consumes: 'multipart',
      body: z.object({
        caption: z.string().optional(),
        image: z.file().mime(['image/png', 'image/jpeg']),
      }),
      security: [{ apiKey: [] }],
    },
    () => ({ ok: true }),
  )
  app.include(products, { prefix: '/products' })

  app.get('/categories', { tags: ['categories'], response: z.array(Category) }, () => [])
  app.post(
    '/contact',
    {
      consumes: ['form', 'json'],
      body: z.object({ email: z.email(), message: z.string().max(2000) }),
      headers: z.object({ 'x-request-source': z.string().optional() }),
      cookies: z.object({ consent: z.enum(['yes', 'no']).optional() }),
    },
    () => ({ received: true }),
  )
  app.get('/files/*path', { summary: 'Download a file' }, (ctx) => ({ path: ctx.params.path }))
  app.get('/internal/metrics', { hidden: true }, () => ({}))
  return app
}
