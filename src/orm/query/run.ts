/**
 * Running a query state: parse → cached compile → bind → execute → hydrate. The read path every
 * query set method goes through, kept in one place so the hot path stays short.
 */
import type { QueryResult } from '../connection/types.ts'
import { type Database, databaseFor } from '../database.ts'
import { IntegrityError } from '../errors.ts'
import { annotationShape } from './annotations.ts'
import {
  buildSelect,
  type ParsedQuery,
  parseQuery,
  type ReadPlan,
  type SelectMode,
} from './compile-select.ts'
import { hydrate } from './hydrate.ts'
import { SqlContext } from './sql-context.ts'
import type { QueryState } from './state.ts'
import { bindStatement, cachedStatement } from './statement-cache.ts'
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

/** Run a SELECT for `state` and hydrate the rows (or return the raw result for count/exists). */
export function runSelect(state: QueryState, mode: SelectMode): unknown[] | Promise<unknown[]> {
  const db = databaseFor(state.model, state.db)
  const { parsed, parse, key } = parseState(state, mode)
  const entry = cachedStatement<ReadPlan | undefined>(state.model, `${db.dialect}:${key}`, () => {
    const ctx = new SqlContext(db.dialect, state.model)
    const { query, read } = buildSelect(ctx, db.compiler, state, parsed, mode)
    return { compiled: query.compile(), returnsRows: true, extra: read }
  })
  const result = execute(db, bindStatement(entry, parse.values))
  const read = entry.extra
  if (result instanceof Promise) return result.then((r) => (read ? hydrate(read, r.rows) : r.rows))
  return read ? hydrate(read, result.rows) : result.rows
}

/** Execute and map integrity errors' columns to field names of the model. */
export function execute(
  db: Database,
  statement: Parameters<Database['execute']>[0],
): QueryResult | Promise<QueryResult> {
  return db.execute(statement)
}

export { IntegrityError }
