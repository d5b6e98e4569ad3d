/**
 * `createAuth()`: the one object that knows the user model, the password hasher and how requests
 * authenticate. There are no global settings: the app installs it with `app.use(auth)`, and the
 * request-level helpers (`getUser`, `login`, the guards) find it on the request.
 */
import { hash } from 'node:crypto'
import type { Context, Middleware } from '../app/index.ts'
import { PlinthError, redirect } from '../http/index.ts'
import { type AnyModel, type Database, lookup, type QuerySet } from '../orm/index.ts'
import { rotateCsrfToken } from '../security/index.ts'
import { getSession } from '../sessions/index.ts'
import {
  type Authentication,
  type Authenticator,
  SESSION_USER_HASH,
  SESSION_USER_ID,
  sessionAuthenticator,
} from './authenticators.ts'
import { LoginRequiredError } from './errors.ts'
import type { LoginThrottle } from './flows/throttle.ts'
import { User, type UserRow } from './models.ts'
import { createPasswordHasher, type PasswordHasher, unusablePassword } from './passwords/index.ts'
import { loadPermissions } from './permissions.ts'

/** A user model: the built-in `User` or a model made with `userFields()`. */
export type AnyUserModel = AnyModel & { readonly objects: QuerySet<any> }

/** Decides object-level permissions (Django's object permission backends). */
export type ObjectPermissionCheck = (
  user: UserRow,
  permission: string,
  object: unknown,
) => boolean | Promise<boolean>

/** Options of {@link createAuth}. */
export interface AuthOptions<M extends AnyUserModel = typeof User> {
  /** The user model (default: the built-in `User`). */
  userModel?: M
  /** The database users live in. Default: the models' default (`db.scope()`). */
  database?: Database
  /** Hashes and verifies passwords (default: `createPasswordHasher()`, Argon2id). */
  passwords?: PasswordHasher
  /** Which field people log in with: `'username'` (default) or `'email'` (case-insensitive). */
  loginField?: 'username' | 'email'
  /** How requests authenticate, tried in order (default: `[sessionAuthenticator()]`). */
  authenticators?: readonly Authenticator[]
  /**
   * Where guards send browsers (HTML requests) that are not logged in, with `?next=<path>`.
   * API requests always get 401.
   */
  loginUrl?: string
  /** Object-level permission check, consulted after the model-level ones. */
  objectPermission?: ObjectPermissionCheck
  /**
   * How logins are throttled (the login form, password changes, the OAuth2 token endpoint):
   * `loginThrottle({ store: redisRateLimitStore(…) })` to share the counters between processes,
   * or `false` to turn throttling off. Default: one in-process `loginThrottle()`.
   */
  throttle?: LoginThrottle | false
}

function isPageRequest(ctx: Context): boolean {
  return (
    (ctx.method === 'GET' || ctx.method === 'HEAD') &&
    ctx.req.headers.accept?.includes('text/html') === true
  )
}

/** Where the installed {@link Auth} is kept on a request. */
export const AUTH_KEY = 'plinth.auth'
const AUTHENTICATION_KEY = 'plinth.auth.authentication'

/** Users, passwords and request authentication. Create with {@link createAuth}. */
export class Auth<M extends AnyUserModel = typeof User> {
  readonly userModel: M
  readonly database: Database | undefined
  readonly passwords: PasswordHasher
  readonly loginField: 'username' | 'email'
  readonly authenticators: readonly Authenticator[]
  readonly loginUrl: string | undefined
  readonly objectPermission: ObjectPermissionCheck | undefined
  readonly throttle: LoginThrottle | false | undefined
  /** Install on an app or router: `app.use(auth.middleware)`. */
  readonly middleware: Middleware

  constructor(options: AuthOptions<M> = {}) {
    this.userModel = (options.userModel ?? User) as M
    for (const name of ['username', 'password', 'isActive', 'isStaff', 'isSuperuser']) {
      if (!this.userModel.meta.fields.has(name)) {
        throw new PlinthError(
          'PLINTH_AUTH_USER_MODEL',
          `The user model ${this.userModel.name} has no "${name}" field; build it with { ...userFields(), … }.`,
        )
      }
    }
    this.database = options.database
    this.passwords = options.passwords ?? createPasswordHasher()
    this.loginField = options.loginField ?? 'username'
    if (this.loginField !== 'username' && this.loginField !== 'email') {
      throw new PlinthError(
        'PLINTH_AUTH_CONFIG',
        `createAuth({ loginField }) must be 'username' or 'email', got ${JSON.stringify(options.loginField)}.`,
      )
    }
    this.authenticators = options.authenticators ?? [sessionAuthenticator()]
    if (this.authenticators.length === 0) {
      throw new PlinthError(
        'PLINTH_AUTH_CONFIG',
        'createAuth({ authenticators }) needs at least one authenticator.',
      )
    }
    if (options.loginUrl !== undefined && !options.loginUrl.startsWith('/')) {
      throw new PlinthError(
        'PLINTH_AUTH_CONFIG',
        `createAuth({ loginUrl }) must be a path starting with "/", got ${JSON.stringify(options.loginUrl)}.`,
      )
    }
    this.loginUrl = options.loginUrl
    this.objectPermission = options.objectPermission
    this.throttle = options.throttle
    this.middleware = async (ctx, next) => {
      ctx.state[AUTH_KEY] = this
      const reply = await next()
      if (ctx.error instanceof LoginRequiredError && this.loginUrl && isPageRequest(ctx)) {
        const next = ctx.rawQuery ? `${ctx.path}?${ctx.rawQuery}` : ctx.path
        return redirect(`${this.loginUrl}?next=${encodeURIComponent(next)}`, 303)
      }
      // A page that depends on who asked must never be stored by a shared cache.
      const authentication = ctx.state[AUTHENTICATION_KEY] as
        | Promise<Authentication | null>
        | undefined
      if (
        authentication !== undefined &&
        (await authentication.catch(() => null)) !== null &&
        reply.headers['cache-control'] === undefined &&
        ctx._resHeaders?.['cache-control'] === undefined
      ) {
        reply.header('cache-control', 'private')
      }
      return reply
    }
  }

  /** The user query set (on the configured database). */
  users(): QuerySet<M> {
    const all = this.userModel.objects as unknown as QuerySet<M>
    return this.database ? all.using(this.database) : all
  }

  /** One user by fields, or `null`. */
  async findUser(where: Record<string, unknown>): Promise<UserRow | null> {
    return (
      ((await this.users()
        .filter(where as never)
        .first()) as UserRow | undefined) ?? null
    )
  }

  /**
   * Check a login and password. Unknown users cost one (dummy) hash verification too, so timing
   * does not reveal which accounts exist; inactive users are refused after the same work. A hash
   * made with older parameters is upgraded on success.
   *
   * @example
   * const user = await auth.authenticate({ username: 'ada', password: form.password })
   * if (!user) throw new HttpError(400, 'Wrong username or password.')
   */
  async authenticate(credentials: { username: string; password: string }): Promise<UserRow | null> {
    const { username, password } = credentials
    if (typeof username !== 'string' || typeof password !== 'string' || username === '') {
      return null
    }
    const byEmail = this.loginField === 'email'
    let user = await this.findUser(byEmail ? { email: lookup.iexact(username) } : { username })
    // MySQL's default collation compares case-insensitively; usernames are exact on every database.
    if (user !== null && !byEmail && user.username !== username) user = null
    if (user === null) {
      await this.passwords.dummyVerify(password)
      return null
    }
    const result = await this.passwords.verify(password, String(user.password))
    if (!result.ok || !user.isActive) return null
    if (result.needsRehash) {
      const hash = await this.passwords.hash(password)
      await this.users()
        .filter({ id: user.id } as never)
        .update({ password: hash } as never)
      user.password = hash
    }
    return user
  }

  /**
   * Log `user` in on this request's session. The session id and the CSRF secret are rotated (no
   * fixation); a session that belonged to someone else is emptied first.
   */
  async login(ctx: Context, user: UserRow): Promise<void> {
    const session = await getSession(ctx)
    const previous = session.get(SESSION_USER_ID)
    if (previous !== undefined && previous !== user.id) session.clear()
    await session.rotate()
    session.set(SESSION_USER_ID, user.id as number)
    session.set(SESSION_USER_HASH, this.sessionHash(user))
    rotateCsrfToken(ctx)
    const lastLogin = new Date()
    await this.users()
      .filter({ id: user.id } as never)
      .update({ lastLogin } as never)
    user.lastLogin = lastLogin
    ctx.state[AUTHENTICATION_KEY] = Promise.resolve({ user, method: 'session' })
  }

  /** Log out: the session is destroyed server-side (a replayed cookie is anonymous). */
  async logout(ctx: Context): Promise<void> {
    const session = await getSession(ctx)
    await session.destroy()
    rotateCsrfToken(ctx)
    ctx.state[AUTHENTICATION_KEY] = Promise.resolve(null)
  }

  /** Who sent this request (cached per request), or `null`. */
  authentication(ctx: Context): Promise<Authentication | null> {
    let cached = ctx.state[AUTHENTICATION_KEY] as Promise<Authentication | null> | undefined
    if (cached === undefined) {
      cached = this.#authenticate(ctx)
      ctx.state[AUTHENTICATION_KEY] = cached
    }
    return cached
  }

  async #authenticate(ctx: Context): Promise<Authentication | null> {
    for (const authenticator of this.authenticators) {
      const found = await authenticator.authenticate(ctx, this as unknown as Auth<AnyUserModel>)
      if (found !== null) return found
    }
    return null
  }

  /**
   * True when `user` has every one of `permissions` (`'app.change_product'`), optionally on
   * `object`. Superusers have all permissions; inactive users none.
   */
  async hasPermissions(
    user: UserRow,
    permissions: readonly string[],
    object?: unknown,
  ): Promise<boolean> {
    if (!user.isActive) return false
    if (user.isSuperuser) return true
    const granted = await loadPermissions(this as unknown as Auth<AnyUserModel>, user)
    for (const permission of permissions) {
      if (!granted.has(permission)) {
        if (object === undefined || this.objectPermission === undefined) return false
        if (!(await this.objectPermission(user, permission, object))) return false
      }
    }
    return true
  }

  /**
   * Create a user with a hashed password (`password: null` makes an account that cannot log in
   * with a password, e.g. one created by social login).
   *
   * @example
   * await auth.createUser({ username: 'ada', email: 'ada@example.com', password: 'correct horse battery' })
   */
  async createUser(
    fields: Record<string, unknown> & { username: string; password: string | null },
  ): Promise<UserRow> {
    const { password, ...rest } = fields
    const hash = password === null ? unusablePassword() : await this.passwords.hash(password)
    return (await (this.users() as QuerySet<any>).create({
      ...rest,
      password: hash,
    } as never)) as UserRow
  }

  /** Set a user's password (hashes it; other sessions of the user stop being valid). */
  async setPassword(user: UserRow, password: string | null): Promise<void> {
    const hash = password === null ? unusablePassword() : await this.passwords.hash(password)
    await this.users()
      .filter({ id: user.id } as never)
      .update({ password: hash } as never)
    user.password = hash
  }

  /** The session's proof of the password, so a password change ends other sessions. */
  sessionHash(user: UserRow): string {
    return hash('sha256', `plinth.auth.session\0${String(user.password)}`, 'base64url')
  }
}

/**
 * Create the auth object for an app.
 *
 * @example
 * const auth = createAuth({ loginUrl: '/login' })
 * app.use(sessions({ store: databaseSessionStore() }))
 * app.use(auth.middleware)
 * app.get('/account', { deps: { user: requireLogin } }, (ctx) => ({ name: ctx.deps.user.username }))
 */
export function createAuth<M extends AnyUserModel = typeof User>(
  options: AuthOptions<M> = {},
): Auth<M> {
  return new Auth(options)
}
