/**
 * The fixture of bench/auth.ts: one Plinth app serving `GET /me` → `{ "user": "<name>" }`, with
 * or without the security/auth stack in front of it.
 *
 *   npx node --conditions=plinth-source bench/servers/plinth-auth.ts --variant <variant> [port]
 *
 * Variants (all served by `createServer` from `plinth/server`, like servers/plinth.ts):
 *
 * - `bare`: no middleware, a fixed name;
 * - `orm-lookup`: no middleware, the user fetched by id through the ORM on every request (what
 *   every authenticator does after recognising a request; a reference, not part of the brief);
 * - `sessions-memory`: `sessions({ store: 'memory' })` + `createAuth()` + `getUser(ctx)`;
 * - `sessions-sqlite`: the same with `databaseSessionStore()` on the SQLite file;
 * - `sessions-redis`: the same with `redisSessionStore()` on 127.0.0.1:6379 (`REDIS_URL`), under
 *   a unique key prefix that is deleted on exit;
 * - `full`: `secureHeaders()` + memory sessions + `csrf()` + `auth.middleware`, and `/me` takes
 *   the user from the `requireLogin` guard as a dependency;
 * - `jwt`: `createAuth({ authenticators: [jwtAuthenticator(tokens)] })` with an HS256 access
 *   token in `Authorization`, no sessions.
 *
 * Every variant but `bare` keeps its users in a SQLite database file (WAL) in a fresh temporary
 * directory, migrated with `authModule` (and `sessionsModule` for `sessions-sqlite`), so the
 * variants differ only in what the brief varies. The user `ada` is created with a fast scrypt
 * hasher (setup only), then logged in once through the app itself — `GET /login` (which hands
 * out a CSRF token when `csrf()` is installed), then `POST /login` — exactly as a browser would.
 * The `jwt` variant gets its token from `tokens.issueAccessToken(user)`.
 *
 * Prints one line once ready: {"port":N,"cookie":"…","authorization":"…"} (empty strings when
 * the variant needs none), for bench/auth.ts to pass to wrk with -H.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type App, createApp, HttpError, redirect } from 'plinth'
import {
  type Auth,
  authModule,
  createAuth,
  createPasswordHasher,
  getUser,
  jwtAuthenticator,
  jwtTokens,
  login,
  requireLogin,
  User,
} from 'plinth/auth'
import { migrate } from 'plinth/migrations'
import { createDatabase, type Database } from 'plinth/orm'
import { connectRedis, type Redis } from 'plinth/redis'
import { csrf, getCsrfToken, secureHeaders } from 'plinth/security'
import { createServer } from 'plinth/server'
import {
  databaseSessionStore,
  redisSessionStore,
  type SessionStore,
  sessions,
  sessionsModule,
} from 'plinth/sessions'

const VARIANTS = [
  'bare',
  'orm-lookup',
  'sessions-memory',
  'sessions-sqlite',
  'sessions-redis',
  'full',
  'jwt',
] as const
type Variant = (typeof VARIANTS)[number]

const USERNAME = 'ada'
const PASSWORD = 'analytical engine 1843'
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdefghijklmnopqrstuv'

const args = process.argv.slice(2)
const variantIndex = args.indexOf('--variant')
const variant = (variantIndex === -1 ? 'bare' : args.splice(variantIndex, 2)[1]) as Variant
if (!VARIANTS.includes(variant)) {
  throw new Error(`--variant must be one of ${VARIANTS.join(', ')}, got ${variant}`)
}

/** Run on exit (SIGTERM/SIGINT), newest first: close connections, delete temporary data. */
const cleanups: Array<() => Promise<void> | void> = []

const app: App = createApp({ logger: false })
let auth: Auth | undefined
let authorization = ''

if (variant === 'bare') {
  app.get('/me', () => ({ user: USERNAME }))
} else {
  const dir = mkdtempSync(join(tmpdir(), 'plinth-bench-auth-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const database = createDatabase(`sqlite:${join(dir, 'db.sqlite3')}`)
  cleanups.push(() => database.close())
  await migrate(database, {
    modules: variant === 'sessions-sqlite' ? [authModule, sessionsModule] : [authModule],
  })
  // Setup only: production parameters would cost ~50 ms here and change nothing per request.
  const passwords = createPasswordHasher({
    algorithm: 'scrypt',
    scrypt: { cost: 2 ** 10 },
    allowWeakParameters: true,
  })

  if (variant === 'orm-lookup') {
    const user = await createAuth({ database, passwords }).createUser({
      username: USERNAME,
      password: PASSWORD,
    })
    const users = User.objects.using(database)
    app.get('/me', async () => {
      const row = await users.filter({ id: user.id as number }).first()
      return { user: row?.username ?? null }
    })
  } else if (variant === 'jwt') {
    const tokens = jwtTokens({
      algorithms: ['HS256'],
      key: JWT_SECRET,
      issuer: 'https://bench.plinth.test',
      audience: 'bench',
      accessTtl: '1h',
      database,
    })
    auth = createAuth({ database, passwords, authenticators: [jwtAuthenticator(tokens)] })
    const user = await auth.createUser({ username: USERNAME, password: PASSWORD })
    authorization = `Bearer ${await tokens.issueAccessToken(user)}`
    app.use(auth.middleware)
    app.get('/me', async (ctx) => ({ user: (await getUser(ctx))?.username ?? null }))
  } else {
    auth = createAuth({ database, passwords })
    await auth.createUser({ username: USERNAME, password: PASSWORD })
    const store = await sessionStore(variant, database)
    if (variant === 'full') app.use(secureHeaders())
    app.use(sessions({ store }))
    if (variant === 'full') app.use(csrf())
    app.use(auth.middleware)
    if (variant === 'full') {
      app.get('/me', { deps: { user: requireLogin } }, (ctx) => ({
        user: ctx.deps.user.username,
      }))
    } else {
      app.get('/me', async (ctx) => ({ user: (await getUser(ctx))?.username ?? null }))
    }
    installLoginRoutes(app, auth, variant === 'full')
  }
}

async function sessionStore(
  v: Variant,
  database: Database,
): Promise<SessionStore | 'memory' | 'database'> {
  if (v === 'sessions-sqlite') return databaseSessionStore({ database })
  if (v !== 'sessions-redis') return 'memory'
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const redis: Redis = connectRedis(url)
  try {
    await redis.command(['PING'])
  } catch (error) {
    throw new Error(`sessions-redis needs Redis at ${url}: ${(error as Error).message}`)
  }
  const prefix = `plinth-bench-auth:${process.pid}-${Date.now().toString(36)}:`
  cleanups.push(async () => {
    // Only the keys under this run's prefix (one session, plus any the login rotated away).
    let cursor = '0'
    do {
      const [next, keys] = (await redis.command([
        'SCAN',
        cursor,
        'MATCH',
        `${prefix}*`,
        'COUNT',
        1000,
      ])) as [string, string[]]
      if (keys.length > 0) await redis.command(['DEL', ...keys])
      cursor = next
    } while (cursor !== '0')
    await redis.close()
  })
  return redisSessionStore({ redis, prefix })
}

function installLoginRoutes(target: App, a: Auth, withCsrf: boolean): void {
  // The login page: with csrf() installed it hands out a token (and sets the secret cookie).
  target.get('/login', (ctx) => ({ csrfToken: withCsrf ? getCsrfToken(ctx) : null }))
  target.post('/login', async (ctx) => {
    const form = await ctx.form()
    const user = await a.authenticate({
      username: String(form.username ?? ''),
      password: String(form.password ?? ''),
    })
    if (!user) throw new HttpError(400, 'Wrong username or password.')
    await login(ctx, user)
    return redirect('/me', 303)
  })
}

/** Log `ada` in through the app's own routes, as a browser would; returns the Cookie header. */
async function logIn(port: number): Promise<string> {
  const base = `http://127.0.0.1:${port}`
  const jar = new Map<string, string>()
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const removed = value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))
      if (removed) jar.delete(name)
      else jar.set(name, value)
    }
  }
  const header = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  const page = await fetch(`${base}/login`)
  keep(page)
  const { csrfToken } = (await page.json()) as { csrfToken: string | null }
  const response = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
      ...(jar.size > 0 ? { cookie: header() } : {}),
      ...(csrfToken === null ? {} : { 'x-csrf-token': csrfToken }),
    },
    body: new URLSearchParams({ username: USERNAME, password: PASSWORD }).toString(),
  })
  keep(response)
  if (response.status !== 303) {
    throw new Error(`logging in answered ${response.status}: ${await response.text()}`)
  }
  return header()
}

await app.start()
const { server } = createServer(app)
await new Promise<void>((resolve) => server.listen(Number(args[0] ?? 0), '127.0.0.1', resolve))
const address = server.address()
const port = typeof address === 'object' && address !== null ? address.port : 0
const cookie = auth !== undefined && authorization === '' ? await logIn(port) : ''
process.stdout.write(`${JSON.stringify({ port, cookie, authorization })}\n`)

// Exit cleanly on SIGTERM/SIGINT so `--cpu-prof` can write its output and temporary data goes.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        console.error(`plinth-auth cleanup: ${(error as Error).message}`)
      }
    }
    process.exit(0)
  })
}
