/**
 * Dependencies: typed, per-scope values computed from a context and from other dependencies
 * (FastAPI's `Depends`).
 *
 * A dependency does not know what its context is: an HTTP request, a WebSocket connection, a job or
 * a CLI command. Each of those creates a `DependencyScope` around its own context, so one
 * dependency (say, "the current tenant") can be shared by all of them when its context type fits.
 */
import { PlinthError } from '../http/errors.ts'

/** Marks dependency objects. */
const DEPENDENCY = Symbol.for('plinth.dependency')

/** A map of named dependencies, as routes and other dependencies declare them. */
export type DependencyMap = { readonly [name: string]: Dependency<any, any> }

/** The values a dependency map resolves to. */
export type ResolvedDependencies<D> = {
  -readonly [K in keyof D]: D[K] extends Dependency<infer T, any> ? T : never
}

/** The context type a dependency map needs (the intersection of its members' contexts). */
export type DependencyContext<D> = D extends DependencyMap
  ? UnionToIntersection<
      { [K in keyof D]: D[K] extends Dependency<any, infer C> ? C : never }[keyof D]
    >
  : unknown
type UnionToIntersection<U> = (U extends any ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never

/** Extra description of a dependency, read by the OpenAPI generator. */
export interface DependencyMeta {
  /** OpenAPI security requirements this dependency enforces, e.g. `[{ bearerAuth: [] }]`. */
  security?: Array<Record<string, string[]>>
}

/** What a resolver may return: a value, a promise, or a generator that yields the value once. */
type ResolverResult<T> =
  | T
  | Promise<T>
  | Generator<T, unknown, unknown>
  | AsyncGenerator<T, unknown, unknown>

/** A declared dependency. Create with {@link defineDependency}. */
export interface Dependency<T, Ctx = unknown> {
  readonly [DEPENDENCY]: true
  readonly name: string
  readonly deps: DependencyMap | undefined
  // Method signatures (not function-typed properties) keep dependencies bivariant in their value
  // and context, so a guard that only throws (`Dependency<never>`) fits any dependency map.
  resolver(ctx: Ctx, deps: any): ResolverResult<T>
  cleanup?(value: T): void | Promise<void>
  readonly meta: DependencyMeta
  /** Phantom field carrying the context type. */
  readonly __context?: (ctx: Ctx) => void
}

/** Options for {@link defineDependency}. */
export interface DependencyOptions<T, Ctx, D extends DependencyMap> {
  /** Shown in errors and cycle reports; defaults to the resolver's function name. */
  name?: string
  /** Dependencies this one needs; resolved first and passed as the second argument. */
  deps?: D
  /**
   * Computes the value. May be async. A generator function (`function*` / `async function*`) yields
   * the value once; the code after `yield` (or in `finally`) runs as cleanup when the scope ends.
   */
  resolve: (ctx: Ctx & DependencyContext<D>, deps: ResolvedDependencies<D>) => ResolverResult<T>
  /** Called with the value when the scope ends (after the response is sent). */
  cleanup?: (value: T) => void | Promise<void>
  meta?: DependencyMeta
}

/**
 * Declare a dependency.
 *
 * @example
 * const settings = defineDependency(() => loadSettings())
 * const db = defineDependency({
 *   deps: { settings },
 *   async *resolve(_ctx, { settings }) {
 *     const conn = await connect(settings.databaseUrl)
 *     try { yield conn } finally { await conn.close() }
 *   },
 * })
 */
export function defineDependency<T, Ctx = unknown, D extends DependencyMap = {}>(
  options: ((ctx: Ctx) => ResolverResult<T>) | DependencyOptions<T, Ctx, D>,
): Dependency<T, Ctx & DependencyContext<D>> {
  const opts = typeof options === 'function' ? { resolve: options } : options
  if (typeof opts.resolve !== 'function') {
    throw new PlinthError('PLINTH_DI_INVALID', 'A dependency needs a `resolve` function.')
  }
  const dependency: Dependency<T, any> = {
    [DEPENDENCY]: true,
    name:
      opts.name ??
      (opts.resolve.name && opts.resolve.name !== 'resolve' ? opts.resolve.name : 'anonymous'),
    deps: (opts as DependencyOptions<T, Ctx, D>).deps,
    resolver: opts.resolve as Dependency<T, any>['resolver'],
    cleanup: (opts as DependencyOptions<T, Ctx, D>).cleanup,
    meta: (opts as DependencyOptions<T, Ctx, D>).meta ?? {},
  }
  return Object.freeze(dependency)
}

/**
 * Give a function the identity of a dependency, so one value works both ways: call it (as
 * middleware, say) and list it in `deps`. Guards such as `requireLogin` are built this way.
 *
 * @example
 * const dep = defineDependency((ctx: Ctx) => ctx.user)
 * const both = callableDependency(dep, (ctx: Ctx, next: () => unknown) => next())
 */
export function callableDependency<F extends (...args: any[]) => unknown, T, Ctx>(
  dependency: Dependency<T, Ctx>,
  fn: F,
): F & Dependency<T, Ctx> {
  Object.defineProperty(fn, 'name', { value: dependency.name })
  Object.assign(fn, {
    [DEPENDENCY]: true,
    deps: dependency.deps,
    resolver: dependency.resolver,
    cleanup: dependency.cleanup,
    meta: dependency.meta,
  })
  return Object.freeze(fn) as F & Dependency<T, Ctx>
}

/** True for values created by {@link defineDependency} (or {@link callableDependency}). */
export function isDependency(value: unknown): value is Dependency<unknown, unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    (value as Record<symbol, unknown>)[DEPENDENCY] === true
  )
}

/**
 * Walk a dependency map and throw if any dependency (transitively) needs itself. Run once at
 * registration so a cycle is a startup error, not a request that hangs.
 */
export function assertNoCycles(map: DependencyMap | undefined, where: string): void {
  const done = new Set<Dependency<any, any>>()
  const visit = (dep: Dependency<any, any>, path: Array<Dependency<any, any>>) => {
    if (!isDependency(dep)) {
      throw new PlinthError(
        'PLINTH_DI_INVALID',
        `${where}: every entry of \`deps\` must be created with dependency().`,
      )
    }
    if (path.includes(dep)) {
      const chain = [...path.slice(path.indexOf(dep)), dep].map((d) => d.name).join(' → ')
      throw new PlinthError('PLINTH_DI_CYCLE', `${where}: dependency cycle ${chain}.`)
    }
    if (done.has(dep)) return
    for (const child of Object.values(dep.deps ?? {})) visit(child, [...path, dep])
    done.add(dep)
  }
  for (const dep of Object.values(map ?? {})) visit(dep, [])
}
