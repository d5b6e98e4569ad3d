/**
 * Request-level auth: `getUser(ctx)`, `login`/`logout`, and the guards `requireLogin`,
 * `requireStaff`, `requirePermission(...)`. Each guard works as a dependency (its value is the
 * user) and as middleware (`middleware: [requireStaff]`, `router.use(requireLogin)`).
 */
import { type Context, dependency, type Guard, guard } from '../app/index.ts'
import { HttpError, PlinthError } from '../http/index.ts'
import { type AnyUserModel, AUTH_KEY, type Auth } from './auth.ts'
import type { Authentication } from './authenticators.ts'
import { LoginRequiredError } from './errors.ts'
import type { UserRow } from './models.ts'

/** The `Auth` installed on this request (`app.use(auth.middleware)`). */
export function authOf(ctx: Context): Auth<AnyUserModel> {
  const auth = ctx.state[AUTH_KEY] as Auth<AnyUserModel> | undefined
  if (auth === undefined) {
    throw new PlinthError(
      'PLINTH_AUTH_MISSING_MIDDLEWARE',
      'Auth is not installed on this route: add app.use(auth.middleware) (const auth = createAuth(…)) before the routes that use it.',
    )
  }
  return auth
}

/** How this request authenticated (user, method, token scopes), or `null`. */
export function getAuthentication(ctx: Context): Promise<Authentication | null> {
  return authOf(ctx).authentication(ctx)
}

/**
 * The logged-in user, or `null`.
 *
 * @example
 * app.get('/', async (ctx) => render(ctx, 'home.html', { user: await getUser(ctx) }))
 */
export async function getUser(ctx: Context): Promise<UserRow | null> {
  return (await getAuthentication(ctx))?.user ?? null
}

/** Log `user` in on this request's session (rotates the session id and CSRF secret). */
export function login(ctx: Context, user: UserRow): Promise<void> {
  return authOf(ctx).login(ctx, user)
}

/** Log out: destroys the session server-side. */
export function logout(ctx: Context): Promise<void> {
  return authOf(ctx).logout(ctx)
}

/** A dependency whose value is the logged-in user or `null` (never refuses). */
export const currentUser = dependency({ name: 'currentUser', resolve: (ctx) => getUser(ctx) })

/**
 * Refuses anonymous requests: 401 `login_required` (browsers are redirected to the configured
 * `loginUrl?next=…`). Its value is the user.
 *
 * @example
 * app.get('/account', { deps: { user: requireLogin } }, (ctx) => ({ username: ctx.deps.user.username }))
 */
export const requireLogin: Guard<UserRow> = guard({
  name: 'requireLogin',
  resolve: async (ctx) => {
    const user = await getUser(ctx)
    if (user === null) throw new LoginRequiredError()
    return user
  },
})

/** Refuses anyone but active staff (403 `staff_required`; anonymous: 401). */
export const requireStaff: Guard<UserRow> = guard({
  name: 'requireStaff',
  resolve: async (ctx) => {
    const user = await getUser(ctx)
    if (user === null) throw new LoginRequiredError()
    if (!user.isStaff || !user.isActive) {
      throw new HttpError(403, 'Only staff members may do this.', { code: 'staff_required' })
    }
    return user
  },
})

/**
 * Refuses users lacking any of `permissions` (403 `permission_denied`; anonymous: 401).
 *
 * @example
 * const canEdit = requirePermission('app.change_product')
 * app.put('/products/:id', { deps: { user: canEdit } }, handler)
 */
export function requirePermission(...permissions: string[]): Guard<UserRow> {
  if (permissions.length === 0 || permissions.some((p) => !/^[a-z][a-z0-9_]*\.\w+$/.test(p))) {
    throw new PlinthError(
      'PLINTH_AUTH_PERMISSION_NAME',
      `requirePermission() takes names like 'app.change_product', got ${JSON.stringify(permissions)}.`,
    )
  }
  return guard({
    name: `requirePermission(${permissions.join(', ')})`,
    resolve: async (ctx) => {
      const user = await getUser(ctx)
      if (user === null) throw new LoginRequiredError()
      if (!(await authOf(ctx).hasPermissions(user, permissions))) {
        throw new HttpError(403, 'You do not have permission to do this.', {
          code: 'permission_denied',
          details: { required: permissions },
        })
      }
      return user
    },
  })
}
