/**
 * `sessions()` and `getSession(ctx)`: the request side of sessions.
 *
 * Nothing is read until a handler (or middleware, or dependency) asks: a request that never calls
 * `getSession` costs no store round trip, gets no `Set-Cookie` and no `Vary: Cookie`. A request
 * that does gets `Vary: Cookie` (shared caches must not serve one visitor's page to another),
 * and after the handler the session is saved when it changed, created only once it holds a value,
 * and not saved at all when the response is a 5xx (Django's rule: a failed request leaves the
 * session as it was).
 */
import { appendVary, type Context, type Middleware } from '../app/index.ts'
import { PlinthError, type Reply, serializeCookie } from '../http/index.ts'
import {
  cookieFor,
  resolveSessionsOptions,
  type SessionsConfig,
  type SessionsOptions,
} from './options.ts'
import { Session, type SessionState } from './session.ts'
import type { SessionRecord } from './store.ts'
import { isSessionToken, newSessionToken, sessionStoreId } from './token.ts'

interface RequestSession {
  readonly config: SessionsConfig
  loading: Promise<Session> | undefined
  session: Session | undefined
}

const requests = new WeakMap<Context<any>, RequestSession>()

async function load(ctx: Context<any>, config: SessionsConfig): Promise<Session> {
  const { name } = cookieFor(config, ctx)
  const token = (ctx.cookies as Record<string, string>)[name]
  const now = config.now()
  const state: SessionState = {
    store: config.store,
    now: config.now,
    data: new Map(),
    token: undefined,
    isNew: true,
    modified: false,
    createdAt: now,
    expiresAt: 0,
    invalidated: false,
  }
  // Junk (wrong length, other characters) never reaches the store.
  if (isSessionToken(token)) {
    const id = sessionStoreId(token)
    const record = await config.store.get(id)
    if (record !== undefined) {
      if (record.expiresAt <= now || record.createdAt + config.absoluteTimeoutMs <= now) {
        await config.store.delete(id)
      } else {
        state.data = new Map(Object.entries(record.data))
        state.token = token
        state.isNew = false
        state.createdAt = record.createdAt
        state.expiresAt = record.expiresAt
      }
    }
  }
  return new Session(state)
}

/**
 * The visitor's session, loaded from the store on first call and cached for the request. Throws
 * `PLINTH_SESSIONS_MISSING_MIDDLEWARE` when `sessions()` is not installed for this route.
 *
 * @example
 * app.get('/cart', async (ctx) => {
 *   const session = await getSession(ctx)
 *   return { items: session.get<string[]>('cart') ?? [] }
 * })
 */
export function getSession(ctx: Context<any>): Promise<Session> {
  const entry = requests.get(ctx)
  if (entry === undefined) {
    throw new PlinthError(
      'PLINTH_SESSIONS_MISSING_MIDDLEWARE',
      'getSession(ctx) needs the sessions middleware: app.use(sessions()) (from plinth/sessions).',
    )
  }
  entry.loading ??= load(ctx, entry.config).then((session) => {
    entry.session = session
    return session
  })
  return entry.loading
}

/** The session if this request already loaded it, without loading it (no store access, no `Vary`). */
export function peekSession(ctx: Context<any>): Session | undefined {
  return requests.get(ctx)?.session
}

function removeCookie(ctx: Context<any>, config: SessionsConfig, reply: Reply): void {
  const { name, attributes } = cookieFor(config, ctx)
  if ((ctx.cookies as Record<string, string>)[name] === undefined) return
  reply.header(
    'set-cookie',
    serializeCookie(name, '', { ...attributes, maxAge: 0, expires: new Date(0) }),
  )
}

/** Save the session after the handler; see the module comment for the rules. */
async function commit(
  ctx: Context<any>,
  config: SessionsConfig,
  state: SessionState,
  reply: Reply,
): Promise<void> {
  const persist = reply.status < 500
  if (state.data.size === 0) {
    // An existing session emptied by clear()/delete(): nothing left to keep.
    if (persist && state.token !== undefined && state.modified) {
      await config.store.delete(sessionStoreId(state.token))
      removeCookie(ctx, config, reply)
    } else if (state.invalidated) removeCookie(ctx, config, reply)
    return
  }
  if (!persist) {
    if (state.invalidated) removeCookie(ctx, config, reply)
    return
  }
  const now = config.now()
  const latest = Math.min(now + config.idleTimeoutMs, state.createdAt + config.absoluteTimeoutMs)
  const issue = state.token === undefined
  // Lucia's rule: push the idle expiry back only once less than half of it remains, so an active
  // session costs a store write about once per half idle timeout, not on every request.
  const refresh =
    !issue && state.expiresAt - now < config.idleTimeoutMs / 2 && latest > state.expiresAt
  if (!issue && !refresh && !state.modified) return
  const token = state.token ?? newSessionToken()
  const expiresAt = issue || refresh ? latest : state.expiresAt
  const record: SessionRecord = {
    data: Object.fromEntries(state.data),
    createdAt: state.createdAt,
    expiresAt,
  }
  await config.store.set(sessionStoreId(token), record, Math.max(1, expiresAt - now))
  state.token = token
  if (!issue && !refresh) return
  const { name, attributes } = cookieFor(config, ctx)
  const maxAge = config.expireAtBrowserClose
    ? undefined
    : Math.max(1, Math.floor((expiresAt - now) / 1000))
  reply.header('set-cookie', serializeCookie(name, token, { ...attributes, maxAge }))
}

/**
 * Server-side sessions. Install once (`app.use(sessions())`), then read the session anywhere with
 * `await getSession(ctx)`. Cookie defaults: `HttpOnly; SameSite=Lax; Path=/`, `Secure` and the
 * `__Host-session` name unless the app is in debug mode. Throws `PLINTH_SESSIONS_CONFIG` at setup
 * for invalid options.
 *
 * @example
 * app.use(sessions({ store: databaseSessionStore() }))
 * app.post('/login', async (ctx) => {
 *   const session = await getSession(ctx)
 *   await session.rotate() // new token on every privilege change
 *   session.set('userId', user.id)
 *   return redirect('/')
 * })
 */
export function sessions(options: SessionsOptions = {}): Middleware {
  const config = resolveSessionsOptions(options)
  let warned = false
  const middleware: Middleware = async (ctx, next) => {
    const entry: RequestSession = { config, loading: undefined, session: undefined }
    requests.set(ctx, entry)
    const reply = await next()
    if (entry.loading === undefined) return reply
    appendVary(ctx, reply, ['Cookie'])
    const session = await entry.loading.catch(() => undefined)
    // Loading failed (the store is down): the error already produced this reply.
    if (session === undefined || ctx.res.headersSent) return reply
    if (config.memoryStore && !ctx.app.debug && !warned) {
      warned = true
      ctx.app.log.warn(
        'sessions(): using the in-memory session store outside debug mode; sessions are lost on restart and not shared between processes. Use the database (the default) or redisSessionStore().',
      )
    }
    await commit(ctx, config, session._state, reply)
    return reply
  }
  Object.defineProperty(middleware, 'name', { value: 'sessions' })
  return middleware
}
