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
import {
  createAuth,
  jwtAuthenticator,
  jwtTokens,
  oauth2PasswordScheme,
  sessionAuthenticator,
  tokenRoutes,
} from 'plinth/auth'
import { openapi } from 'plinth/openapi'
import { queryWatchMiddleware } from 'plinth/orm'
import { csrf, secureHeaders } from 'plinth/security'
import { databaseSessionStore, redisSessionStore, sessions } from 'plinth/sessions'
import { createEnvironment, fileSystemLoader } from 'plinth/templates'
import { catalogWriteGuard, SCOPES, WRITE_SCOPE } from './auth.ts'
import { openDatabase, prepareDatabase } from './database.ts'
import { ChangeFeed } from './events.ts'
import { accountRoutes } from './routes/account.ts'
import { pageRoutes } from './routes/pages.ts'
import { productRoutes } from './routes/products.ts'

export interface CatalogOptions extends AppOptions {
  /** Key required (as `X-API-Key`) to change the catalogue (a bearer token is the other way). */
  apiKey: string
  /**
   * Secret (at least 32 bytes) that signs the API's access tokens (`POST /auth/token`). Default:
   * a development secret; set `CATALOG_JWT_SECRET` anywhere else.
   */
  jwtSecret?: string
  /** Where uploaded images are kept and served from under /media. */
  mediaDir: string
  /** The database URL (`sqlite:./catalog.sqlite3`, `sqlite::memory:`, `postgres://…`). */
  databaseUrl: string
  /**
   * Where sessions live: a Redis URL (shared by every process and machine), or by default the
   * database (table `plinth_session`, created by the migrations).
   */
  redisUrl?: string
  /**
   * Apply pending migrations on startup. Default: on for SQLite (the embedded quick start), off
   * for database servers, where `plinth migrate` is a deploy step.
   */
  migrateOnStart?: boolean
}

/** Signs access tokens when no secret is configured: fine on a laptop, never in production. */
export const DEV_JWT_SECRET = 'catalog-development-jwt-secret-not-for-production'

/** Build the catalogue app (tests build their own with an in-memory database). */
export function createCatalogApp({
  apiKey,
  jwtSecret = DEV_JWT_SECRET,
  mediaDir,
  databaseUrl,
  migrateOnStart,
  redisUrl,
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
  // Browser security: CSP with per-request nonces, nosniff, frame-ancestors and friends.
  app.use(secureHeaders({ nonce: true }))
  // Sessions move from the database to Redis by configuration; the code stays the same.
  app.use(
    sessions({ store: redisUrl ? redisSessionStore({ redis: redisUrl }) : databaseSessionStore() }),
  )
  // Every form post must come from this site and carry the token `{% csrf_token %}` renders.
  // The JSON API under /api authenticates with X-API-Key only, never with cookies, so a forged
  // cross-site request has nothing to ride on: it is exempt (bearer-token calls are by default).
  app.use(csrf({ exempt: (ctx) => ctx.path.startsWith('/api/') }))
  // Token auth for the API: short-lived JWT access tokens (and rotating refresh tokens, stored in
  // the database) from `POST /auth/token`, the OAuth2 password flow that /docs "Authorize" uses.
  const tokens = jwtTokens({
    algorithms: ['HS256'],
    key: jwtSecret,
    issuer: 'plinth-catalog',
    audience: 'catalog-api',
  })
  // A bearer token is judged by its token before any session cookie sent beside it.
  const auth = createAuth({
    loginUrl: '/login',
    authenticators: [jwtAuthenticator(tokens), sessionAuthenticator()],
  })
  app.use(auth.middleware)
  app.include(
    tokenRoutes(auth, tokens, {
      scopes: SCOPES,
      // Anyone may sign up, so only staff (e.g. from `plinth createsuperuser`) get write access;
      // other users' tokens come without the scope and get 403 insufficient_scope on writes.
      grantScopes: (user, requested) =>
        user.isStaff ? requested : requested.filter((scope) => scope !== WRITE_SCOPE),
    }),
    { prefix: '/auth' },
  )
  app.include(productRoutes(db, feed, catalogWriteGuard(apiKey), mediaDir), { prefix: '/api' })
  app.include(pageRoutes(db, feed, mediaDir))
  app.include(accountRoutes())
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
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        // The "Authorize" dialog of /docs: log in with your account, tick catalog:write.
        oauth2: oauth2PasswordScheme({ tokenUrl: '/auth/token', scopes: SCOPES }),
      },
    }),
  )
  return app
}

export const app = createCatalogApp({
  apiKey: process.env.CATALOG_API_KEY ?? 'dev-key',
  jwtSecret: process.env.CATALOG_JWT_SECRET ?? DEV_JWT_SECRET,
  mediaDir: process.env.CATALOG_MEDIA_DIR ?? join(import.meta.dirname, '..', 'uploads'),
  databaseUrl: process.env.DATABASE_URL ?? 'sqlite:./catalog.sqlite3',
  ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
  ...(process.env.CATALOG_MIGRATE_ON_START
    ? { migrateOnStart: process.env.CATALOG_MIGRATE_ON_START === '1' }
    : {}),
})
