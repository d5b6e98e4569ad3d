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
const heads = new WeakMap<AnyModel, Map<string, Map<string, CachedStatement<any>>>>()

/** A cache entry for a freshly compiled statement. */
export function toCachedStatement<E>(
  compiled: CompiledQuery,
  returnsRows: boolean,
  extra: E,
): CachedStatement<E> {
  return {
    sql: compiled.sql,
    returnsRows,
    extra,
    binders: compiled.parameters.map((p) =>
      p instanceof Slot ? { slot: p.index, transform: p.transform } : { constant: p },
    ),
  }
}

/**
 * The statements of one query *head* (model, dialect, and the non-filter parts of a query:
 * ordering, slicing, projection…) keyed by filter shape. Read queries look their head up once per
 * query set (see `run.ts`) and then only hash the short filter shape: building and hashing one long
 * key per call cost more than a SQLite primary-key fetch itself.
 */
export function headStatements(
  model: AnyModel,
  dialect: string,
  head: string,
): Map<string, CachedStatement<any>> {
  let byHead = heads.get(model)
  if (byHead === undefined) {
    byHead = new Map()
    heads.set(model, byHead)
  }
  const key = `${dialect}|${head}`
  let shapes = byHead.get(key)
  if (shapes === undefined) {
    if (byHead.size >= MAX_SHAPES_PER_MODEL) byHead.clear()
    shapes = new Map()
    byHead.set(key, shapes)
  }
  return shapes
}

/** Remember a statement under its filter shape, bounded like the other caches. */
export function rememberShape<E>(
  shapes: Map<string, CachedStatement<any>>,
  shape: string,
  entry: CachedStatement<E>,
): CachedStatement<E> {
  if (shapes.size >= MAX_SHAPES_PER_MODEL) shapes.clear()
  shapes.set(shape, entry)
  return entry
}

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
    entry = toCachedStatement(compiled, returnsRows, extra)
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
