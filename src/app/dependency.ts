/**
 * `dependency()`: the DI module's `defineDependency` with the HTTP `Context` as the default
 * context type, so `dependency((ctx) => ctx.headers.authorization)` is typed without annotations.
 */
import {
  callableDependency,
  type Dependency,
  type DependencyMap,
  type DependencyOptions,
  defineDependency,
} from '../di/index.ts'
import type { Context } from './context.ts'
import type { Next } from './types.ts'

type ResolverResult<T> =
  | T
  | Promise<T>
  | Generator<T, unknown, unknown>
  | AsyncGenerator<T, unknown, unknown>

/**
 * Declare a dependency (FastAPI's `Depends`). Resolved at most once per request; generator
 * resolvers clean up after the response.
 *
 * @example
 * const currentUser = dependency(async (ctx) => {
 *   const user = await users.byToken(ctx.headers.authorization)
 *   if (!user) throw new HttpError(401, 'Log in first')
 *   return user
 * })
 * app.get('/me', { deps: { user: currentUser } }, (ctx) => ctx.deps.user)
 */
export function dependency<T, Ctx = Context, D extends DependencyMap = {}>(
  options: ((ctx: Ctx) => ResolverResult<T>) | DependencyOptions<T, Ctx, D>,
): Dependency<T, Ctx> {
  return defineDependency(options as DependencyOptions<T, Ctx, D>) as Dependency<T, Ctx>
}

/** A guard: a dependency that is also a middleware (see {@link guard}). */
export type Guard<T> = Dependency<T, Context> &
  ((ctx: Context<any>, next: Next) => Promise<unknown>)

/**
 * Declare a guard: a check usable both as a dependency (`deps: { user: requireAdmin }`, its value
 * typed) and as middleware (`middleware: [requireAdmin]`, `router.use(requireAdmin)`). Either way
 * it runs at most once per request; throw an `HttpError` to refuse the request.
 *
 * @example
 * const requireAdmin = guard(async (ctx) => {
 *   const user = await getUser(ctx)
 *   if (!user?.isAdmin) throw new HttpError(403, 'Admins only.')
 *   return user
 * })
 * app.get('/admin/stats', { deps: { admin: requireAdmin } }, (ctx) => stats(ctx.deps.admin))
 * const admin = new Router({ middleware: [requireAdmin] }) // every admin route
 */
export function guard<T, D extends DependencyMap = {}>(
  options: ((ctx: Context) => ResolverResult<T>) | DependencyOptions<T, Context, D>,
): Guard<T> {
  const dep = defineDependency(options as DependencyOptions<T, Context, D>) as Dependency<
    T,
    Context
  >
  const middleware = async (ctx: Context<any>, next: Next): Promise<unknown> => {
    await ctx.use(self)
    return next()
  }
  const self: Guard<T> = callableDependency(dep, middleware)
  return self
}
