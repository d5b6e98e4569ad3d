/**
 * A dependency scope: resolves each dependency at most once for one context (one request, one
 * job run), and runs cleanups in reverse order when the scope ends.
 */
import {
  type Dependency,
  type DependencyMap,
  isDependency,
  type ResolvedDependencies,
} from './dependency.ts'

/** Replacement dependencies, e.g. a fake database in tests (`app.overrideDependency`). */
export type DependencyOverrides = ReadonlyMap<Dependency<any, any>, Dependency<any, any>>

const NO_OVERRIDES: DependencyOverrides = new Map()

function isGenerator(value: unknown): value is Generator | AsyncGenerator {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator).return === 'function' &&
    (Symbol.iterator in value || Symbol.asyncIterator in value)
  )
}

/**
 * Resolves dependencies for one context.
 *
 * @example
 * const scope = new DependencyScope(jobContext)
 * try {
 *   const { db } = await scope.resolveAll({ db })
 * } finally {
 *   await scope.dispose()
 * }
 */
export class DependencyScope<Ctx> {
  readonly context: Ctx
  readonly #overrides: DependencyOverrides
  readonly #cache = new Map<Dependency<any, any>, Promise<unknown>>()
  readonly #cleanups: Array<() => unknown> = []
  #disposed = false

  constructor(context: Ctx, overrides: DependencyOverrides = NO_OVERRIDES) {
    this.context = context
    this.#overrides = overrides
  }

  /** The value of one dependency, computed once per scope. */
  resolve<T>(dependency: Dependency<T, any>): Promise<T> {
    const dep = this.#overrides.get(dependency) ?? dependency
    let pending = this.#cache.get(dep)
    if (pending === undefined) {
      pending = this.#compute(dep)
      this.#cache.set(dep, pending)
    }
    return pending as Promise<T>
  }

  /** The values of a dependency map, keyed like the map. */
  async resolveAll<D extends DependencyMap>(map: D): Promise<ResolvedDependencies<D>> {
    const keys = Object.keys(map)
    const values = await Promise.all(keys.map((key) => this.resolve(map[key]!)))
    const out: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) out[keys[i]!] = values[i]
    return out as ResolvedDependencies<D>
  }

  async #compute<T>(dep: Dependency<T, any>): Promise<T> {
    if (this.#disposed) throw new Error(`Dependency "${dep.name}" requested after its scope ended.`)
    if (!isDependency(dep)) throw new TypeError('Not a dependency; create it with dependency().')
    const deps = dep.deps === undefined ? undefined : await this.resolveAll(dep.deps)
    const result = dep.resolver(this.context, deps)
    if (isGenerator(result)) {
      const first = await result.next()
      if (first.done)
        throw new Error(`Dependency "${dep.name}" is a generator that never yielded a value.`)
      // Finishing the generator runs the code after `yield` and any `finally` block.
      this.#cleanups.push(() => result.return(undefined))
      return first.value as T
    }
    const value = (await result) as T
    if (dep.cleanup !== undefined) {
      const cleanup = dep.cleanup
      this.#cleanups.push(() => cleanup(value))
    }
    return value
  }

  /** Run cleanups, newest first. Every cleanup runs even if one fails; failures are rethrown together. */
  async dispose(): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    const errors: unknown[] = []
    for (let i = this.#cleanups.length - 1; i >= 0; i--) {
      try {
        await this.#cleanups[i]!()
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, 'Several dependency cleanups failed')
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose()
  }
}
