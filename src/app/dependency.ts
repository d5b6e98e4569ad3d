/**
 * `dependency()`: the DI module's `defineDependency` with the HTTP `Context` as the default
 * context type, so `dependency((ctx) => ctx.headers.authorization)` is typed without annotations.
 */
import {
  type Dependency,
  type DependencyMap,
  type DependencyOptions,
  defineDependency,
} from '../di/index.ts'
import type { Context } from './context.ts'

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
