/**
 * A small app with users for auth tests: an in-memory SQLite database migrated with the shipped
 * `auth` module, memory sessions, and a fast (deliberately weak) scrypt hasher so tests do not
 * spend 50 ms per password.
 */
import { createApp, HttpError, redirect } from 'plinth'
import {
  type AuthOptions,
  authModule,
  createAuth,
  createPasswordHasher,
  login,
  logout,
} from 'plinth/auth'
import { migrate } from 'plinth/migrations'
import { createDatabase, type Database } from 'plinth/orm'
import { memorySessionStore, sessions } from 'plinth/sessions'

export const SECRET = 'test-secret-key-that-is-long-enough-0123456789'

/** A hasher fast enough for tests (parameters far below production). */
export function fastHasher(cost = 2 ** 10) {
  return createPasswordHasher({
    algorithm: 'scrypt',
    scrypt: { cost },
    allowWeakParameters: true,
  })
}

/** A migrated database and an app with sessions, auth and `/login` + `/logout` routes. */
export async function authApp(options: AuthOptions & { url?: string } = {}) {
  const { url, ...authOptions } = options
  const db: Database = createDatabase(url ?? 'sqlite::memory:')
  await migrate(db, { modules: [authModule] })
  const auth = createAuth({ database: db, passwords: fastHasher(), ...authOptions })
  const app = createApp({ logger: false, secretKey: SECRET })
  app.use((_ctx, next) => db.scope(next))
  app.use(sessions({ store: memorySessionStore() }))
  app.use(auth.middleware)
  app.post('/login', async (ctx) => {
    const form = await ctx.form()
    const user = await auth.authenticate({
      username: String(form.username ?? ''),
      password: String(form.password ?? ''),
    })
    if (!user) throw new HttpError(400, 'Wrong username or password.', { code: 'bad_login' })
    await login(ctx, user)
    return redirect('/', 303)
  })
  app.post('/logout', async (ctx) => {
    await logout(ctx)
    return redirect('/', 303)
  })
  return { app, auth, db }
}
