/**
 * An API app for token tests: a migrated database (`auth` + `auth_tokens`), JWT, API-key and
 * session authenticators, the token endpoint under `/auth`, and routes guarded by scopes.
 */
import { after } from 'node:test'
import { createApp, HttpError, redirect } from 'plinth'
import {
  apiKeyAuthenticator,
  authModule,
  createAuth,
  getAuthentication,
  type JwtTokensOptions,
  jwtAuthenticator,
  jwtTokens,
  login,
  requireScopes,
  sessionAuthenticator,
  type TokenRoutesOptions,
  tokenRoutes,
  tokensModule,
} from 'plinth/auth'
import { migrate } from 'plinth/migrations'
import { createDatabase, type Database } from 'plinth/orm'
import { memorySessionStore, sessions } from 'plinth/sessions'
import { testClient } from 'plinth/testing'
import { fastHasher, SECRET } from './support.ts'

export const JWT_SECRET = 'jwt-test-secret-0123456789abcdefghijklmnop'
export const ISSUER = 'https://shop.test'
export const AUDIENCE = 'shop-api'
export const PASSWORD = 'analytical engine 1843'
export const SCOPES = { 'items:read': 'Read items', 'items:write': 'Change items' }

export interface TokenAppOptions {
  tokens?: Partial<JwtTokensOptions>
  routes?: TokenRoutesOptions
  /** Install before the auth middleware (e.g. csrf()). */
  before?: Parameters<ReturnType<typeof createApp>['use']>[0][]
  db?: Database
  /** Leave apiKeyAuthenticator() out. */
  withoutApiKeys?: boolean
}

/** The app, its auth and tokens, and a user `ada` (active) with the shared test password. */
export async function tokenApp(options: TokenAppOptions = {}) {
  const db = options.db ?? createDatabase('sqlite::memory:')
  if (options.db === undefined) await migrate(db, { modules: [authModule, tokensModule] })
  const tokens = jwtTokens({
    algorithms: ['HS256'],
    key: JWT_SECRET,
    issuer: ISSUER,
    audience: AUDIENCE,
    database: db,
    ...options.tokens,
  } as JwtTokensOptions)
  const auth = createAuth({
    database: db,
    passwords: fastHasher(),
    authenticators: options.withoutApiKeys
      ? [jwtAuthenticator(tokens), sessionAuthenticator()]
      : [jwtAuthenticator(tokens), apiKeyAuthenticator(), sessionAuthenticator()],
  })
  const app = createApp({ logger: false, secretKey: SECRET })
  app.use((_ctx, next) => db.scope(next))
  app.use(sessions({ store: memorySessionStore() }))
  for (const middleware of options.before ?? []) app.use(middleware)
  app.use(auth.middleware)
  app.include(tokenRoutes(auth, tokens, { scopes: SCOPES, throttle: false, ...options.routes }), {
    prefix: '/auth',
  })
  app.get('/me', { deps: { user: requireScopes() } }, async (ctx) => {
    const authentication = await getAuthentication(ctx)
    return {
      username: ctx.deps.user.username,
      method: authentication?.method,
      scopes: authentication?.scopes ?? null,
    }
  })
  app.get('/items', { deps: { user: requireScopes('items:read') } }, () => ({
    items: ['lamp', 'chair'],
  }))
  app.post(
    '/items',
    { deps: { user: requireScopes({ schemes: ['oauth2', 'apiKey'] }, 'items:write') } },
    () => ({ created: true }),
  )
  app.post('/session-login', async (ctx) => {
    const form = await ctx.form()
    const user = await auth.authenticate({
      username: String(form.username),
      password: String(form.password),
    })
    if (!user) throw new HttpError(400, 'Wrong username or password.')
    await login(ctx, user)
    return redirect('/', 303)
  })
  const ada = await db.scope(() =>
    auth.createUser({ username: 'ada', email: 'ada@example.com', password: PASSWORD }),
  )
  return { app, auth, tokens, db, ada }
}

/**
 * The `setup(options)` of a test file: `tokenApp(options)` with a test client for it, both closed
 * once the file's tests are done. Call it at the top level of the file.
 */
export function tokenAppSetup() {
  const closers: Array<() => Promise<void>> = []
  after(async () => {
    for (const close of closers) await close()
  })
  return async (options: TokenAppOptions = {}) => {
    const made = await tokenApp(options)
    const client = testClient(made.app)
    closers.push(async () => {
      await client.close()
      await made.db.close()
    })
    return { ...made, client }
  }
}

/** The form of a password grant. */
export function passwordGrant(scope?: string, username = 'ada', password = PASSWORD) {
  return {
    form: { grant_type: 'password', username, password, ...(scope === undefined ? {} : { scope }) },
  }
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: string) {
  return { headers: { authorization: `Bearer ${token}` } }
}
