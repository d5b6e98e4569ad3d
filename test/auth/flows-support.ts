/**
 * A small account app for the flow tests: users on SQLite (in memory) migrated with the shipped
 * `auth` module, memory sessions, a memory mail outbox, and JSON routes that call the flows the
 * way a project's handlers would.
 */
import { type App, createApp } from 'plinth'
import {
  type Auth,
  attemptLogin,
  authModule,
  changePassword,
  checkPasswordReset,
  createAuth,
  createPasswordHasher,
  type LoginThrottle,
  logout,
  type PasswordHasher,
  type PasswordResetTokens,
  requestPasswordReset,
  requireLogin,
  resetPassword,
  signUp,
} from 'plinth/auth'
import { createMailer, memoryMailBackend } from 'plinth/mail'
import { migrate } from 'plinth/migrations'
import { createDatabase, type Database } from 'plinth/orm'
import { memorySessionStore, sessions } from 'plinth/sessions'

export const SECRET = 'flows-test-secret-key-0123456789abcdef'

/** A fast scrypt hasher for tests that counts how often it hashes. */
export function countingHasher(): PasswordHasher & { hashes: number } {
  const base = createPasswordHasher({
    algorithm: 'scrypt',
    scrypt: { cost: 2 ** 10, blockSize: 8, parallelization: 1 },
    allowWeakParameters: true,
  })
  const counting = {
    hashes: 0,
    maxLength: base.maxLength,
    hash(plain: string) {
      counting.hashes++
      return base.hash(plain)
    },
    verify: base.verify,
    dummyVerify: base.dummyVerify,
    needsRehash: base.needsRehash,
  }
  return counting
}

export interface FlowsAppOptions {
  /** The throttle passed to every flow (default: each flow's default). */
  throttle?: LoginThrottle | false
  /** Reset tokens with an injected clock. */
  tokens?: PasswordResetTokens
  loginField?: 'username' | 'email'
  database?: Database
  /** Extra middleware installed first (trustedProxies, …). */
  before?: (app: App) => void
}

export async function flowsApp(options: FlowsAppOptions = {}) {
  const db = options.database ?? createDatabase('sqlite::memory:')
  if (options.database === undefined) await migrate(db, { modules: [authModule], log: () => {} })
  const passwords = countingHasher()
  const auth = createAuth({ database: db, passwords, loginField: options.loginField ?? 'username' })
  const backend = memoryMailBackend()
  const mailer = createMailer({ backend, defaultFrom: 'Shop <shop@example.com>' })
  const app = createApp({ logger: false, secretKey: SECRET })
  options.before?.(app)
  app.use(sessions({ store: memorySessionStore(), secure: false }))
  app.use(auth.middleware)
  const throttle = options.throttle === undefined ? {} : { throttle: options.throttle }
  const tokens = options.tokens ? { tokens: options.tokens } : {}

  app.post('/signup', async (ctx) => {
    const user = await signUp(ctx, (await ctx.json()) as Record<string, unknown>, { login: true })
    return { id: user.id, username: user.username }
  })
  app.post('/login', async (ctx) => {
    const user = await attemptLogin(ctx, (await ctx.json()) as Record<string, unknown>, throttle)
    return { username: user.username }
  })
  app.post('/logout', async (ctx) => {
    await logout(ctx)
    return { ok: true }
  })
  app.get('/me', { deps: { user: requireLogin } }, (ctx) => ({ username: ctx.deps.user.username }))
  app.post('/password', async (ctx) => {
    await changePassword(ctx, (await ctx.json()) as Record<string, unknown>, throttle)
    return { ok: true }
  })
  app.post('/password-reset', async (ctx) => {
    const { email } = (await ctx.json()) as { email?: unknown }
    await requestPasswordReset(ctx, {
      email,
      mailer,
      resetUrl: (token, uid) => `https://shop.example/reset/${uid}/${token}`,
      ...tokens,
    })
    return { message: 'If an account has this address, a link is on its way.' }
  })
  app.get('/reset/:uid/:token', async (ctx) => {
    const user = await checkPasswordReset(ctx, { ...ctx.params, ...tokens })
    return { valid: user !== null }
  })
  app.post('/reset/:uid/:token', async (ctx) => {
    const body = (await ctx.json()) as Record<string, unknown>
    await resetPassword(ctx, {
      ...ctx.params,
      ...body,
      newPassword: body.newPassword,
      ...tokens,
      ...throttle,
    })
    return { ok: true }
  })
  return { app, db, auth: auth as Auth, passwords, outbox: backend.outbox, mailer }
}

/** The link of the last reset mail, split into uid and token. */
export function lastResetLink(outbox: ReadonlyArray<{ text: string }>): {
  uid: string
  token: string
  path: string
} {
  const text = outbox.at(-1)?.text ?? ''
  const match = /https:\/\/shop\.example(\/reset\/([^/\s]+)\/([^/\s]+))/.exec(text)
  if (match === null) throw new Error(`no reset link in: ${text}`)
  return { path: match[1]!, uid: match[2]!, token: match[3]! }
}
