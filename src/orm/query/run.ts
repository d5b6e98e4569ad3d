import { isScalarFor } from '../codecs.ts'
import { databaseFor } from '../database.ts'
import { valueField } from '../meta.ts'
import { annotationShape } from './annotations.ts'
import {
  buildSelect,
  type ParsedQuery,
  parseQuery,
  parseQueryShape,
  type ReadPlan,
  type SelectMode,
} from './compile-select.ts'
import { hydrate } from './hydrate.ts'
import { SqlContext } from './sql-context.ts'
import type { QueryState } from './state.ts'
import {
  bindStatement,
  type CachedStatement,
  headStatements,
  rememberShape,
  toCachedStatement,
} from './statement-cache.ts'
import { ParseState, parseWhere } from './where.ts'

/** The shape of the non-filter parts of a state. */
function stateShape(state: QueryState, mode: SelectMode): string {
  let shape = mode
  if (state.order !== undefined)
    shape += state.order.length === 0 ? '|o:' : `|o:${JSON.stringify(state.order)}`
  if (state.distinct) shape += '|d'
  if (state.related.length) shape += `|r:${state.related.join(',')}`
  if (state.projection.kind !== 'instances')
    shape += `|p:${state.projection.kind}${state.projection.kind === 'list' && state.projection.flat ? 'F' : ''}:${state.projection.keys.join(',')}`
  const annotations = annotationShape(state.annotations)
  if (annotations) shape += `|a:${annotations}`
  return shape
}

/** Parse a state's filters and values; the shape identifies its SQL. */
export function parseState(
  state: QueryState,
  mode: SelectMode,
  into?: ParseState,
): { parsed: ParsedQuery; parse: ParseState; key: string } {
  const parse = into ?? new ParseState()
  const head = `${state.model.meta.table}|${stateShape(state, mode)}`
  // A subquery parses into its outer query's state: the outer shape (its cache key) must then
  // include the subquery's ordering, slicing, projection and annotations, not only its filters.
  if (into !== undefined) parse.shape += `{${head}`
  const start = parse.shape.length
  const parsed = parseQuery(parseWhere, state, parse)
  const key = `${head}${parse.shape.slice(start)}`
  if (into !== undefined) parse.shape += '}'
  return { parsed, parse, key }
}

/** A query's head: its non-filter shape, and its statements per dialect. */
interface Head {
  readonly text: string
  readonly byDialect: Map<string, Map<string, CachedStatement<ReadPlan | undefined>>>
  /** The filter shape of a primary-key `get`, made once (see `runGetByKey`). */
  keyShape?: string
}
const headCache = new WeakMap<object, Record<string, Head>>()

/**
 * Which cached head a query uses. Without one, the head is cached on the state object itself. A
 * query set passes a token it shares with query sets that differ only in their filters, plus a
 * variant per method (`get` reads with a different LIMIT and default ordering than `all`); `state`
 * is the state the head is computed from, when it is not the one being run.
 */
export interface HeadKey {
  readonly token: object
  readonly variant: string
  readonly state?: QueryState
}

function headFor(state: QueryState, mode: SelectMode, key: HeadKey | undefined): Head {
  const owner = key?.token ?? state
  let heads = headCache.get(owner)
  if (heads === undefined) {
    heads = {}
    headCache.set(owner, heads)
  }
  const name = key === undefined ? mode : key.variant
  let head = heads[name]
  if (head === undefined) {
    const source = key?.state ?? state
    head = { text: `${source.model.meta.table}|${stateShape(source, mode)}`, byDialect: new Map() }
    heads[name] = head
  }
  return head
}

/**
 * `get({ <pk>: value })` once its statement is cached under `key` for this dialect: the filter's
 * shape is known (`|<pk>.exact?`, what `parseQueryShape` records for it), so it is neither parsed
 * nor rebuilt per call. `state` is the get's base state, without the filter. Returns `undefined`,
 * having run nothing, when the statement is not cached yet or the value needs the full parse
 * (which then also raises any error); `runSelect` does the job then.
 */
export function runGetByKey(
  state: QueryState,
  key: HeadKey,
  value: unknown,
): unknown[] | Promise<unknown[]> | undefined {
  const pk = state.model.meta.pk
  if (pk.attr !== pk.name || !isScalarFor(valueField(pk).spec, value)) return undefined
  const db = databaseFor(state.model, state.db)
  const head = headFor(state, 'rows', key)
  head.keyShape ??= `|${pk.attr}.exact?`
  const entry = head.byDialect.get(db.dialect)?.get(head.keyShape)
  if (entry === undefined) return undefined
  const result = db.execute(bindStatement(entry, [value]))
  const read = entry.extra
  if (result instanceof Promise) return result.then((r) => (read ? hydrate(read, r.rows) : r.rows))
  return read ? hydrate(read, result.rows) : result.rows
}

/**
 * Run a SELECT for `state` and hydrate the rows (or return the raw result for count/exists).
 * `key` names a cached head (see `HeadKey`) so repeated queries skip recomputing it.
 */
export function runSelect(
  state: QueryState,
  mode: SelectMode,
  key?: HeadKey,
): unknown[] | Promise<unknown[]> {
  const db = databaseFor(state.model, state.db)
  const head = headFor(state, mode, key)
  let shapes = head.byDialect.get(db.dialect)
  if (shapes === undefined) {
    shapes = headStatements(state.model, db.dialect, head.text)
    head.byDialect.set(db.dialect, shapes)
  }
  const parse = new ParseState()
  let parsed = parseQueryShape(state, parse) ? undefined : parseQuery(parseWhere, state, parse)
  let entry = shapes.get(parse.shape)
  if (entry === undefined) {
    // The fast path recorded only shape and values; compiling needs the condition trees, which a
    // full parse rebuilds with the same slots.
    parsed ??= parseQuery(parseWhere, state, new ParseState())
    const ctx = new SqlContext(db.dialect, state.model)
    const { query, read } = buildSelect(ctx, db.compiler, state, parsed, mode)
    entry = rememberShape(shapes, parse.shape, toCachedStatement(query.compile(), true, read))
  }
  const result = db.execute(bindStatement(entry, parse.values))
  const read = entry.extra
  if (result instanceof Promise) return result.then((r) => (read ? hydrate(read, r.rows) : r.rows))
  return read ? hydrate(read, result.rows) : result.rows
}
