/**
 * The example app: a product catalogue on the ORM with a JSON API (validated, documented at
 * /docs), an HTML page, image uploads, a live change stream and media files.
 *
 * `npm start` (from the repository root) serves it on http://localhost:8000 with `plinth dev`,
 * on SQLite (`catalog.sqlite3`; its migrations, which create and seed it, are applied on start).
 * Set `DATABASE_URL` to run it on PostgreSQL or MySQL instead, after `npx plinth migrate`, e.g.
 * `DATABASE_URL=postgres://postgres@127.0.0.1:5432/test`.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type AppOptions, createApp, file, templates } from 'plinth'
import { openapi } from 'plinth/openapi'
import { queryWatchMiddleware } from 'plinth/orm'
import { createEnvironment, fileSystemLoader } from 'plinth/templates'
import { apiKeyGuard } from './auth.ts'
import { openDatabase, prepareDatabase } from './database.ts'
import { ChangeFeed } from './events.ts'
import { pageRoutes } from './routes/pages.ts'
import { productRoutes } from './routes/products.ts'

export interface CatalogOptions extends AppOptions {
  /** Key required (as `X-API-Key`) to change the catalogue. */
  apiKey: string
  /** Where uploaded images are kept and served from under /media. */
  mediaDir: string
  /** The database URL (`sqlite:./catalog.sqlite3`, `sqlite::memory:`, `postgres://…`). */
  databaseUrl: string
  /**
   * Apply pending migrations on startup. Default: on for SQLite (the embedded quick start), off
   * for database servers, where `plinth migrate` is a deploy step.
   */
  migrateOnStart?: boolean
}

/** Build the catalogue app (tests build their own with an in-memory database). */
export function createCatalogApp({
  apiKey,
  mediaDir,
  databaseUrl,
  migrateOnStart,
  ...options
}: CatalogOptions) {
  mkdirSync(mediaDir, { recursive: true })
  const db = openDatabase(databaseUrl)
  const feed = new ChangeFeed()
  const app = createApp(options)
  // Pages are Jinja-style templates in ../templates/ (autoescaped: they end in .html). In debug
  // mode an edited template is recompiled on the next request.
  app.register(
    templates(
      createEnvironment({
        loader: fileSystemLoader(new URL('../templates/', import.meta.url)),
        autoReload: app.debug,
      }),
    ),
  )
  app.hook('startup', () =>
    prepareDatabase(db, { migrateOnStart: migrateOnStart ?? db.dialect === 'sqlite' }),
  )
  app.hook('shutdown', () => db.close())
  // Every request runs with this app's database as the models' default.
  app.use((_ctx, next) => db.scope(next))
  // In development, warn when one request runs the same query shape again and again (N+1).
  if (app.debug) app.use(queryWatchMiddleware(db, { threshold: 10 }))
  app.include(productRoutes(db, feed, apiKeyGuard(apiKey), mediaDir), { prefix: '/api' })
  app.include(pageRoutes(db, feed, mediaDir))
  app.get('/media/*name', { hidden: true }, (ctx) =>
    file(ctx.params.name, { root: mediaDir, maxAge: 3600 }),
  )
  app.get('/health', { summary: 'Liveness probe', tags: ['ops'] }, () => ({ status: 'ok' }))
  app.register(
    openapi({
      title: 'Plinth catalogue',
      version: '1.0.0',
      description:
        'The example app of Plinth: products and categories, images and a live change stream.',
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    }),
  )
  return app
}

export const app = createCatalogApp({
  apiKey: process.env.CATALOG_API_KEY ?? 'dev-key',
  mediaDir: process.env.CATALOG_MEDIA_DIR ?? join(import.meta.dirname, '..', 'uploads'),
  databaseUrl: process.env.DATABASE_URL ?? 'sqlite:./catalog.sqlite3',
  ...(process.env.CATALOG_MIGRATE_ON_START
    ? { migrateOnStart: process.env.CATALOG_MIGRATE_ON_START === '1' }
    : {}),
})
