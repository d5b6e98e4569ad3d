/**
 * The JSON API on the ORM: list (filtered, sorted, paginated), read, create, update, delete, change
 * many prices at once (bulkUpdate), sell one unit, upload an image, categories, and a live stream
 * of changes (Server-Sent Events).
 *
 * Request bodies are validated by the model's own schemas (`Product.schemas.create`), so only
 * editable fields can be written; responses go through `Product.schemas.output`. Missing rows,
 * duplicates and invalid rows are ORM errors the app renders as 404, 409 and 422 (`app.ts`).
 */
import { type Dependency, dependency, HttpError, Router, sse } from 'plinth'
import { Count, type Database, F, lookup, paginate } from 'plinth/orm'
import { z } from 'zod'
import type { ChangeEvent, ChangeFeed } from '../events.ts'
import { IMAGE_TYPES, saveImage } from '../media.ts'
import { Category, Product } from '../models.ts'
import { pageSchema } from '../page.ts'

const NotFound = { description: 'No product with this id' }

/** The orderings a client may ask for. Query values are keys of this map, never field names. */
const SORTS = {
  name: ['name'],
  '-name': ['-name'],
  price: ['price', 'name'],
  '-price': ['-price', 'name'],
  newest: ['-createdAt'],
} as const
type Sort = keyof typeof SORTS

const Decimal = z.string().regex(/^\d{1,8}(\.\d{1,2})?$/, 'A price like 12 or 12.50')

const ProductQuery = z.object({
  q: z.string().max(100).optional().describe('Search in names (case-insensitive)'),
  category: z.string().max(50).optional().describe('Category slug'),
  minPrice: Decimal.optional(),
  maxPrice: Decimal.optional(),
  inStock: z.boolean().optional(),
  sort: z.enum(Object.keys(SORTS) as [Sort, ...Sort[]]).default('name'),
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(100).default(20),
})

const ProductId = z.object({ id: z.number().int().positive() })

const ImageUpload = z.object({
  image: z
    .file()
    .max(2 * 1024 * 1024)
    .mime(IMAGE_TYPES),
})

const CategoryWithCount = z
  .object({
    id: z.number().int(),
    name: z.string(),
    slug: z.string(),
    productCount: z.number().int(),
  })
  .meta({ id: 'CategoryWithCount' })

const ProductPage = pageSchema(Product.schemas.output)

const PriceChanges = z.object({
  prices: z
    .array(z.object({ id: z.number().int().positive(), price: Decimal }))
    .min(1)
    .max(500)
    .describe('New prices by product id (up to 500 at once)'),
})

export function productRoutes(
  db: Database,
  feed: ChangeFeed,
  guard: Dependency<true, any>,
  mediaDir: string,
): Router {
  const api = new Router({ namespace: 'api', tags: ['products'] })
  // `get` throws NotFoundError when there is no such row: the app answers 404.
  const existing = dependency((ctx) => Product.objects.get({ id: Number(ctx.params.id) }))
  // Listeners hear about a change once it is committed, in the shape the API returns.
  const publish = (type: ChangeEvent['type'], product: object) => {
    const body = Product.schemas.output.parse(product)
    db.onCommit(() => feed.publish(type, body))
  }

  api.get(
    '/products',
    { name: 'product-list', summary: 'List products', query: ProductQuery, response: ProductPage },
    async (ctx) => {
      const { q, category, minPrice, maxPrice, inStock, sort, page, pageSize } = ctx.query
      let products = Product.objects
      // The operators are the `lookup.*` calls written here; what the client sends is only
      // ever a value to compare with (an object would be refused, not read as an operator).
      if (q) products = products.filter({ name: lookup.icontains(q) })
      if (category) products = products.filter({ 'category.slug': category })
      if (minPrice) products = products.filter({ price: lookup.gte(minPrice) })
      if (maxPrice) products = products.filter({ price: lookup.lte(maxPrice) })
      if (inStock !== undefined) products = products.filter({ stock: inStock ? lookup.gt(0) : 0 })
      const order: readonly string[] = SORTS[sort]
      return paginate(products.orderBy(...order), { page, pageSize })
    },
  )

  api.get(
    '/products/:id',
    {
      name: 'product-detail',
      summary: 'Get a product',
      params: ProductId,
      deps: { product: existing },
      response: Product.schemas.output,
      responses: { 404: NotFound },
    },
    (ctx) => ctx.deps.product,
  )

  api.post(
    '/products',
    {
      name: 'product-create',
      summary: 'Create a product',
      body: Product.schemas.create,
      status: 201,
      deps: { guard },
      response: Product.schemas.output,
    },
    async (ctx) => {
      const product = await Product.objects.create(ctx.body)
      publish('created', product)
      ctx.setHeader('location', ctx.url('api:product-detail', { id: product.id }))
      return product
    },
  )

  api.patch(
    '/products/:id',
    {
      summary: 'Update a product',
      params: ProductId,
      body: Product.schemas.partialUpdate,
      deps: { guard, product: existing },
      response: Product.schemas.output,
      responses: { 404: NotFound },
    },
    async (ctx) => {
      const { product } = ctx.deps
      // The schema let through only editable fields; save() writes only those that changed.
      Object.assign(product, ctx.body)
      await product.save()
      publish('updated', product)
      return product
    },
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
    async (ctx) => {
      await ctx.deps.product.delete()
      publish('deleted', ctx.deps.product)
    },
  )

  api.post(
    '/products/prices',
    {
      summary: 'Change many prices at once',
      body: PriceChanges,
      deps: { guard },
      response: Product.schemas.output.array(),
      responses: { 404: { description: 'One of the ids is not a product; nothing changed' } },
    },
    async (ctx) => {
      const changes = new Map(ctx.body.prices.map(({ id, price }) => [id, price]))
      const products = await Product.objects.filter({ id: lookup.in([...changes.keys()]) }).all()
      const missing = [...changes.keys()].filter((id) => !products.some((p) => p.id === id))
      if (missing.length > 0) {
        throw new HttpError(404, `No product with id ${missing.join(', ')}; nothing changed.`, {
          code: 'not_found',
        })
      }
      for (const product of products) product.price = changes.get(product.id)!
      // One UPDATE … SET price = CASE id WHEN … END for all of them, instead of one per product.
      await Product.objects.bulkUpdate(products, ['price'])
      // Read back: the database's form of each price ('12' is stored as 12.00).
      const updated = await Product.objects.filter({ id: lookup.in([...changes.keys()]) }).all()
      for (const product of updated) publish('updated', product)
      return updated
    },
  )

  api.post(
    '/products/:id/sell',
    {
      summary: 'Sell one unit (stock − 1)',
      params: ProductId,
      deps: { guard },
      response: Product.schemas.output,
      responses: { 404: NotFound, 409: { description: 'Out of stock' } },
    },
    (ctx) =>
      db.transaction(async () => {
        // One atomic UPDATE … SET stock = stock - 1 WHERE stock > 0: two buyers of the last
        // unit cannot both succeed, whatever runs in between.
        const sold = await Product.objects
          .filter({ id: ctx.params.id, stock: lookup.gt(0) })
          .update({ stock: F('stock').sub(1) })
        const product = await Product.objects.get({ id: ctx.params.id })
        if (sold === 0) {
          throw new HttpError(409, `${product.name} is out of stock.`, { code: 'out_of_stock' })
        }
        publish('updated', product)
        return product
      }),
  )

  api.post(
    '/products/:id/image',
    {
      summary: 'Upload a product image',
      params: ProductId,
      consumes: 'multipart',
      body: ImageUpload,
      deps: { guard, product: existing },
      response: Product.schemas.output,
      limits: { fileSize: 2 * 1024 * 1024 },
    },
    async (ctx) => {
      const { product } = ctx.deps
      product.image = await saveImage(ctx.body.image, mediaDir)
      await product.save()
      publish('updated', product)
      return product
    },
  )

  api.get(
    '/categories',
    {
      name: 'category-list',
      summary: 'List categories with their number of products',
      tags: ['categories'],
      response: z.array(CategoryWithCount),
    },
    () =>
      Category.objects
        .annotate({ productCount: Count('products') })
        .values('id', 'name', 'slug', 'productCount')
        .all(),
  )

  api.post(
    '/categories',
    {
      summary: 'Create a category',
      tags: ['categories'],
      body: Category.schemas.create,
      status: 201,
      deps: { guard },
      response: Category.schemas.output,
      responses: { 409: { description: 'A category with this name or slug exists' } },
    },
    (ctx) => Category.objects.create(ctx.body),
  )

  api.get('/events', { summary: 'Live catalogue changes (Server-Sent Events)' }, () =>
    sse(async function* (signal) {
      const queue: ChangeEvent[] = []
      let wake: (() => void) | undefined
      const unsubscribe = feed.subscribe((event) => {
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

  return api
}
