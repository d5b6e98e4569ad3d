/** When `get()` may skip its `LIMIT 2`: a fetch by primary key on a plain query set. */
import type { QueryState } from './state.ts'

/**
 * Whether `get(where)` on `state` can match at most one row: `where` is `{ <pk>: value }` with a
 * plain value, and the query set has nothing that could repeat or skip rows (filters that may
 * join to-many relations, slices, DISTINCT, annotations). Such a fetch needs no `LIMIT 2` to tell
 * one row from several, and a bound LIMIT costs SQLite as much as the fetch itself.
 */
export function isPrimaryKeyEquality(state: QueryState, where: unknown): boolean {
  if (
    state.where.length !== 0 ||
    state.limit !== undefined ||
    state.offset !== undefined ||
    state.distinct ||
    where === null ||
    typeof where !== 'object'
  ) {
    return false
  }
  const proto = Object.getPrototypeOf(where)
  if (proto !== Object.prototype && proto !== null) return false
  let keys = 0
  for (const key in where) {
    if (++keys > 1) return false
    if (key !== state.model.meta.pk.name) return false
    const value = (where as Record<string, unknown>)[key]
    if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'bigint')
      return false
  }
  if (keys !== 1) return false
  for (const _ in state.annotations) return false
  return true
}
