/**
 * Compiled statements cached by query shape.
 *
 * Kysely builds and compiles an operation tree per query, which costs tens of microseconds. A web
 * app runs a handful of query *shapes* millions of times with different values, so each shape is
 * compiled once per model and dialect; later runs look the SQL up by the shape string and bind the
 * new values into the recorded parameter positions.
 */
import type { CompiledQuery } from 'kysely'
import type { Statement } from '../connection/types.ts'
import type { AnyModel } from '../model.ts'
import { Slot } from './sql-context.ts'

/** How to fill one parameter: from a query value (converted), or a constant. */
type Binder =
  | { readonly slot: number; readonly transform: ((v: unknown) => unknown) | undefined }
  | { readonly constant: unknown }

/** SQL plus the recipe for its parameters. `extra` holds what the caller needs to read results. */
export interface CachedStatement<E = unknown> {
  readonly sql: string
  readonly binders: readonly Binder[]
  readonly returnsRows: boolean
  readonly extra: E
}

const MAX_SHAPES_PER_MODEL = 2000
const caches = new WeakMap<AnyModel, Map<string, CachedStatement<any>>>()

/** Look up a shape, compiling (and remembering) it on a miss. */
export function cachedStatement<E>(
  model: AnyModel,
  key: string,
  compile: () => { compiled: CompiledQuery; returnsRows: boolean; extra: E },
): CachedStatement<E> {
  let cache = caches.get(model)
  if (cache === undefined) {
    cache = new Map()
    caches.set(model, cache)
  }
  let entry = cache.get(key)
  if (entry === undefined) {
    const { compiled, returnsRows, extra } = compile()
    entry = {
      sql: compiled.sql,
      returnsRows,
      extra,
      binders: compiled.parameters.map((p) =>
        p instanceof Slot ? { slot: p.index, transform: p.transform } : { constant: p },
      ),
    }
    // Shapes with varying IN-list lengths could grow without bound; start over when it gets large.
    if (cache.size >= MAX_SHAPES_PER_MODEL) cache.clear()
    cache.set(key, entry)
  }
  return entry
}

/** The statement for a cached shape with this run's values. */
export function bindStatement(
  entry: CachedStatement<unknown>,
  values: readonly unknown[],
): Statement {
  const { binders } = entry
  const params = new Array(binders.length)
  for (let i = 0; i < binders.length; i++) {
    const b = binders[i]!
    if ('slot' in b) {
      const v = values[b.slot]
      params[i] = b.transform === undefined ? v : b.transform(v)
    } else params[i] = b.constant
  }
  return { sql: entry.sql, params, returnsRows: entry.returnsRows }
}
