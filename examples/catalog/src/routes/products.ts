/**
 * The JSON API: list, read, create, update, delete products, upload an image, and a live stream of
 * changes (Server-Sent Events).
 */
import { type Dependency, dependency, HttpError, json, Router, sse } from 'plinth'
import { saveImage } from '../media.ts'
import {
  ImageUpload,
  Product,
  ProductCreate,
  ProductId,
  ProductPage,
  ProductQuery,
  ProductUpdate,
} from '../schemas.ts'
import type { ProductEvent, ProductStore } from '../store.ts'

const NotFound = { description: 'No product with this id' }

export function productRoutes(
  store: ProductStore,
  guard: Dependency<true, any>,
  mediaDir: string,
): Router {
  const api = new Router({ namespace: 'api', tags: ['products'] })
  const existing = dependency((ctx) => {
    const product = store.get(Number(ctx.params.id))
    if (!product) throw new HttpError(404, `Product ${ctx.params.id} does not exist.`)
    return product
  })

  api.get(
    '/products',
    { name: 'product-list', summary: 'List products', query: ProductQuery, response: ProductPage },
    (ctx) => ({ ...store.list(ctx.query), page: ctx.query.page, pageSize: ctx.query.pageSize }),
  )

  api.get(
    '/products/:id',
    {
      name: 'product-detail',
      summary: 'Get a product',
      params: ProductId,
      deps: { product: existing },
      response: Product,
      responses: { 404: NotFound },
    },
    (ctx) => ctx.deps.product,
  )

  api.post(
    '/products',
    {
      name: 'product-create',
      summary: 'Create a product',
      body: ProductCreate,
      status: 201,
      deps: { guard },
      response: Product,
    },
    (ctx) => {
      const product = store.create(ctx.body)
      ctx.setHeader('location', ctx.url('api:product-detail', { id: product.id }))
      return product
    },
  )

  api.patch(
    '/products/:id',
    {
      summary: 'Update a product',
      params: ProductId,
      body: ProductUpdate,
      deps: { guard, product: existing },
      response: Product,
      responses: { 404: NotFound },
    },
    (ctx) => store.update(ctx.params.id, ctx.body)!,
  )

  api.delete(
    '/products/:id',
    {
      summary: 'Delete a product',
      params: ProductId,
      status: 204,
      deps: { guard, product: existing },
      responses: { 404: NotFound },
    },
    (ctx) => {
      store.delete(ctx.params.id)
    },
  )

  api.post(
    '/products/:id/image',
    {
      summary: 'Upload a product image',
      params: ProductId,
      consumes: 'multipart',
      body: ImageUpload,
      deps: { guard, product: existing },
      response: Product,
      limits: { fileSize: 2 * 1024 * 1024 },
    },
    async (ctx) =>
      store.update(ctx.params.id, { imageUrl: await saveImage(ctx.body.image, mediaDir) })!,
  )

  api.get('/events', { summary: 'Live catalogue changes (Server-Sent Events)' }, () =>
    sse(async function* (signal) {
      const queue: ProductEvent[] = []
      let wake: (() => void) | undefined
      const unsubscribe = store.subscribe((event) => {
        queue.push(event)
        wake?.()
      })
      try {
        yield { event: 'ready', data: { at: new Date().toISOString() } }
        while (!signal.aborted) {
          if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve))
          while (queue.length > 0) {
            const { type, product } = queue.shift()!
            yield { event: type, id: String(product.id), data: product }
          }
        }
      } finally {
        unsubscribe()
      }
    }),
  )

  api.get(
    '/products/:id/raw',
    { hidden: true, params: ProductId, deps: { product: existing } },
    (ctx) => json(ctx.deps.product, { headers: { 'cache-control': 'no-store' } }),
  )

  return api
}
