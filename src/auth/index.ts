/**
 * Plinth auth: users, groups and permissions (models with migrations, module `auth`), password
 * hashing, login sessions, guards usable as middleware and dependencies, and token auth for APIs.
 * Guide: docs/auth.md.
 *
 * @example
 * const auth = createAuth({ loginUrl: '/login' })
 * app.use(sessions({ store: databaseSessionStore() }))
 * app.use(csrf())
 * app.use(auth.middleware)
 * app.post('/login', async (ctx) => {
 *   const form = await ctx.form()
 *   const user = await auth.authenticate({ username: String(form.username), password: String(form.password) })
 *   if (!user) throw new HttpError(400, 'Wrong username or password.')
 *   await login(ctx, user)
 *   return redirect('/account', 303)
 * })
 * app.get('/account', { deps: { user: requireLogin } }, (ctx) => ({ username: ctx.deps.user.username }))
 */
export {
  type AnyUserModel,
  AUTH_KEY,
  Auth,
  type AuthOptions,
  createAuth,
  type ObjectPermissionCheck,
} from './auth.ts'
export {
  type Authentication,
  type Authenticator,
  SESSION_USER_HASH,
  SESSION_USER_ID,
  sessionAuthenticator,
} from './authenticators.ts'
export { LoginRequiredError } from './errors.ts'
export * from './flows/index.ts'
export {
  authOf,
  currentUser,
  getAuthentication,
  getUser,
  login,
  logout,
  requireLogin,
  requirePermission,
  requireStaff,
} from './guards.ts'
export { Group, Permission, User, type UserInstance, type UserRow, userFields } from './models.ts'
export { authModule } from './module.ts'
export * from './oidc/index.ts'
export * from './passwords/index.ts'
export { DEFAULT_ACTIONS, permissionName, syncPermissions } from './permissions.ts'
export * from './tokens/index.ts'
