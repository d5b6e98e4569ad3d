/**
 * The example app: a product catalogue with a JSON API (validated, documented at /docs), an HTML
 * page, image uploads, a live change stream and media files.
 *
 * `npm start` (from the repository root) serves it on http://localhost:8000 with `plinth dev`.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type AppOptions, createApp, file } from 'plinth'
import { openapi } from 'plinth/openapi'
import { apiKeyGuard } from './auth.ts'
import { pageRoutes } from './routes/pages.ts'
import { productRoutes } from './routes/products.ts'
import { ProductStore, SEED } from './store.ts'

export interface CatalogOptions extends AppOptions {
  /** Key required (as `X-API-Key`) to change the catalogue. */
  apiKey: string
  /** Where uploaded images are kept and served from under /media. */
  mediaDir: string
}

/** Build the catalogue app (tests build their own with a temporary media directory). */
export function createCatalogApp({ apiKey, mediaDir, ...options }: CatalogOptions) {
  mkdirSync(mediaDir, { recursive: true })
  const store = new ProductStore(SEED)
  const app = createApp(options)
  app.include(productRoutes(store, apiKeyGuard(apiKey), mediaDir), { prefix: '/api' })
  app.include(pageRoutes(store, mediaDir))
  app.get('/media/*name', { hidden: true }, (ctx) =>
    file(ctx.params.name, { root: mediaDir, maxAge: 3600 }),
  )
  app.get('/health', { summary: 'Liveness probe', tags: ['ops'] }, () => ({ status: 'ok' }))
  app.register(
    openapi({
      title: 'Plinth catalogue',
      version: '1.0.0',
      description: 'The example app of Plinth: products, images and a live change stream.',
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    }),
  )
  return app
}

export const app = createCatalogApp({
  apiKey: process.env.CATALOG_API_KEY ?? 'dev-key',
  mediaDir: process.env.CATALOG_MEDIA_DIR ?? join(import.meta.dirname, '..', 'uploads'),
})
