/**
 * The immutable description a query set carries. Every chained call returns a new query set with a
 * new state; nothing runs until the query set is awaited or iterated.
 */
import type { Database } from '../database.ts'
import type { AnyModel } from '../model.ts'

/** An `orderBy` entry: a field (`-field` for descending), or a field with NULL placement. */
export type OrderEntry = string | { field: string; nulls?: 'first' | 'last'; desc?: boolean }

/** What the query returns per row. */
export type Projection =
  | { readonly kind: 'instances' }
  | { readonly kind: 'values'; readonly keys: readonly string[] }
  | { readonly kind: 'list'; readonly keys: readonly string[]; readonly flat: boolean }

export interface QueryState {
  readonly model: AnyModel
  /** Filters in call order; `negate` for `exclude`. */
  readonly where: ReadonlyArray<{ readonly input: unknown; readonly negate: boolean }>
  /** undefined: the model's default ordering. */
  readonly order: readonly OrderEntry[] | undefined
  readonly limit: number | undefined
  readonly offset: number | undefined
  readonly distinct: boolean
  /** Forward relations fetched in the same query (JOIN), as dotted paths. */
  readonly related: readonly string[]
  /** Relations fetched with one extra query each, after the main query. */
  readonly prefetch: readonly string[]
  readonly projection: Projection
  /** Named expressions added to each row (`annotate`). */
  readonly annotations: Readonly<Record<string, unknown>>
  /** Explicit database (`using`). */
  readonly db: Database | undefined
}

export function initialState(model: AnyModel): QueryState {
  return {
    model,
    where: [],
    order: undefined,
    limit: undefined,
    offset: undefined,
    distinct: false,
    related: [],
    prefetch: [],
    projection: { kind: 'instances' },
    annotations: {},
    db: undefined,
  }
}
