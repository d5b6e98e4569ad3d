/**
 * Types inferred from a model's fields: rows, inserts, updates, filters, orderings and projections.
 *
 * Everything is computed from the field builders' phantom types, so a wrong field name or a value
 * of the wrong type fails to compile. Runtime checks mirror every rule here (user input reaches
 * filters and orderings too), so the types are a convenience, never the only line of defence.
 */
import type {
  AnyField,
  Field,
  FieldMap,
  FieldValue,
  ManyToManyField,
  RelationField,
} from './fields.ts'
import type { AnyModel } from './model.ts'
import type { Lookup } from './query/lookup.ts'

type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** Field names that hold a column of their own (everything but many-to-many). */
export type ColumnKeys<F extends FieldMap> = {
  [K in keyof F]: F[K] extends ManyToManyField ? never : F[K] extends RelationField ? never : K
}[keyof F] &
  string
/** Foreign-key and one-to-one field names. */
export type RelationKeys<F extends FieldMap> = {
  [K in keyof F]: F[K] extends ManyToManyField ? never : F[K] extends RelationField ? K : never
}[keyof F] &
  string
/** Many-to-many field names. */
export type ManyKeys<F extends FieldMap> = {
  [K in keyof F]: F[K] extends ManyToManyField ? K : never
}[keyof F] &
  string

/** The target model of a relation field. */
export type TargetOf<F> =
  F extends RelationField<infer T, any, any, any>
    ? T
    : F extends ManyToManyField<infer T>
      ? T
      : never

// Matched through the class, not a symbol index signature: class instances have no implicit index
// signature, so `{ [k: symbol]: … }` never matches and every field would read as optional.
type IsOptional<F> = F extends Field<any, boolean, infer O> ? O : false
/** True for fields declared with `null: true`. */
export type IsNullable<F> = F extends Field<any, true, boolean> ? true : false
type Optionals<F extends FieldMap> = {
  [K in keyof F]: IsOptional<F[K]> extends true ? K : never
}[keyof F]

/** A row as read from the database: every column, foreign keys as `<name>Id`. */
export type RowOf<F extends FieldMap> = Simplify<
  { [K in ColumnKeys<F>]: FieldValue<F[K]> } & {
    [K in RelationKeys<F> as `${K}Id`]: FieldValue<F[K]>
  }
>

/** Keys a write may set: columns and `<fk>Id`. */
export type WritableKey<F extends FieldMap> = ColumnKeys<F> | `${RelationKeys<F>}Id`

/** The primary key's field name. */
export type PkKey<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { spec: { primaryKey: true } } ? K : never
}[keyof F] &
  string

/** Fields `bulkUpdate` may write: columns and `<fk>Id`, not the primary key. */
export type BulkUpdateKey<F extends FieldMap> = Exclude<WritableKey<F>, PkKey<F>>

/** What an object given to `bulkUpdate` needs: its primary key and the fields written. */
export type BulkUpdateRow<M extends AnyModel, K extends string> = Pick<
  M['$row'],
  (K | PkKey<M['fields']>) & keyof M['$row']
>

/** What an insert needs: required columns, optional ones (defaults, nullable, generated). */
export type InsertOf<F extends FieldMap> = Simplify<
  { [K in Exclude<ColumnKeys<F>, Optionals<F>>]: InputValue<F[K]> } & {
    [K in Extract<ColumnKeys<F>, Optionals<F>>]?: InputValue<F[K]>
  } & {
    [K in Exclude<RelationKeys<F>, Optionals<F>> as `${K}Id`]: FieldValue<F[K]>
  } & {
    [K in Extract<RelationKeys<F>, Optionals<F>> as `${K}Id`]?: FieldValue<F[K]>
  } & { [K in RelationKeys<F>]?: RelatedInstanceInput<F[K]> }
>

/** A related row may be given as an instance (its primary key is used). */
type RelatedInstanceInput<F> =
  F extends RelationField<infer T, any, infer N, any>
    ? (N extends true ? null : never) | { readonly [k: string]: unknown } | T['$row']
    : never

/** What an update may set: any column, with field references and arithmetic allowed. */
export type UpdateOf<F extends FieldMap> = Simplify<
  { [K in ColumnKeys<F>]?: InputValue<F[K]> | Expression } & {
    [K in RelationKeys<F> as `${K}Id`]?: FieldValue<F[K]> | Expression
  } & { [K in RelationKeys<F>]?: RelatedInstanceInput<F[K]> }
>

/** Values accepted on input (decimals also as numbers, bigints also as numbers). */
export type InputValue<F> = F extends AnyField
  ? FieldValue<F> extends infer V
    ? V extends bigint
      ? bigint | number
      : V extends string
        ? [F] extends [{ spec: { kind: 'decimal' } }]
          ? string | number
          : V
        : V
    : never
  : never

/** A reference to a column or an arithmetic expression over columns (`F('stock').sub(1)`). */
export interface Expression {
  readonly __expression: true
}

/** Something that compiles to a subquery: a query set projected to one column. */
export interface SubqueryLike {
  readonly __subquery: true
}

type KindIs<K extends string> = { readonly spec: { readonly kind: K } }

/** The values a field's comparisons take: decimals also numbers, datetimes also ISO strings. */
type CompareValue<F, V> =
  F extends KindIs<'decimal'>
    ? string | number
    : [V] extends [Date]
      ? Date | string
      : [V] extends [bigint]
        ? bigint | number
        : V

/**
 * The lookups a field accepts: comparisons always (with a value or an `F()` expression), text
 * lookups on text (decimals and dates are strings in JavaScript but not text), parts on dates.
 */
type LookupFor<F, V> =
  | Lookup<'compare', CompareValue<F, V> | Expression>
  | (F extends KindIs<'decimal'> | KindIs<'date'>
      ? never
      : [V] extends [string]
        ? Lookup<'text', string>
        : never)
  | (F extends KindIs<'date'>
      ? Lookup<'part', never>
      : [V] extends [Date]
        ? Lookup<'part', never>
        : never)

/**
 * The filter for one column: a value (equality), `null`, a field reference, a `lookup.*()` result,
 * or an array of lookups that must all hold. Never a plain object (see `query/lookup.ts`).
 */
export type ColumnFilter<F> = F extends AnyField
  ? FieldValue<F> extends infer V
    ? [NonNullable<V>] extends [Record<string, unknown>]
      ? null | Lookup<'compare', V>
      :
          | V
          | InputValue<F>
          | ([NonNullable<V>] extends [Date] ? string : never)
          | Expression
          | LookupFor<F, NonNullable<V>>
          | ReadonlyArray<LookupFor<F, NonNullable<V>>>
    : never
  : never

/** A filter on a relation itself: the related row's key (or the row), or lookups on the key. */
export type RelationFilter<F> =
  F extends RelationField<infer T, infer V, infer N, any>
    ? (N extends true ? null : never) | V | Lookup<'compare', V> | T['$row'] | Expression
    : F extends ManyToManyField<infer T>
      ? T['$pk'] | Lookup<'compare', T['$pk']> | T['$row']
      : never

/** The field at a dotted path (`category.name`), for typing filters across relations. */
type FieldAt<F extends FieldMap, K extends string> = K extends `${infer R}.${infer Rest}`
  ? R extends RelationKeys<F> | ManyKeys<F>
    ? FieldAt<TargetOf<F[R]>['fields'], Rest>
    : never
  : K extends ColumnKeys<F> | RelationKeys<F> | ManyKeys<F>
    ? F[K]
    : K extends `${infer R}Id`
      ? R extends RelationKeys<F>
        ? F[R]
        : never
      : never

/** Dotted filter keys through forward and many-to-many relations declared here (two hops). */
export type PathKey<F extends FieldMap, D extends number = 2> = [D] extends [never]
  ? never
  : {
      [K in RelationKeys<F> | ManyKeys<F>]: `${K}.${
        | WritableKey<TargetOf<F[K]>['fields']>
        | RelationKeys<TargetOf<F[K]>['fields']>
        | ManyKeys<TargetOf<F[K]>['fields']>
        | PathKey<TargetOf<F[K]>['fields'], Hops[D]>}`
    }[RelationKeys<F> | ManyKeys<F>]

type PathFilter<F> = F extends RelationField | ManyToManyField ? RelationFilter<F> : ColumnFilter<F>

/**
 * A filter object: field → value or lookup; `relation.field` keys filter across relations; several
 * keys are ANDed.
 */
export type WhereOf<F extends FieldMap> = {
  [K in ColumnKeys<F>]?: ColumnFilter<F[K]>
} & {
  [K in RelationKeys<F> as `${K}Id`]?: ColumnFilter<F[K]>
} & {
  [K in RelationKeys<F> | ManyKeys<F>]?: RelationFilter<F[K]>
} & {
  [K in PathKey<F>]?: PathFilter<FieldAt<F, K>>
}

/** A model's filter type. */
export type Where<M extends AnyModel> = WhereOf<M['fields']>

/** Remaining relation hops for typed paths (`category.section.title` is two). */
type Hops = [never, 0, 1]

/**
 * Keys accepted by `values()` and `orderBy()`: columns, `<fk>Id`, and paths through forward
 * relations (`category.name`, `category.section.title`), typed up to two hops.
 */
export type ValuesKey<F extends FieldMap, D extends number = 2> =
  | WritableKey<F>
  | ([D] extends [never]
      ? never
      : {
          [K in RelationKeys<F>]: `${K}.${ValuesKey<TargetOf<F[K]>['fields'], Hops[D]>}`
        }[RelationKeys<F>])

/** Field names usable in `orderBy`, with `-` for descending. */
export type OrderKey<F extends FieldMap> = ValuesKey<F> | `-${ValuesKey<F>}`

/** The type of a column, `<fk>Id` or relation path, for `values()` projections. */
export type ValueOf<F extends FieldMap, K extends string> =
  K extends ColumnKeys<F>
    ? FieldValue<F[K]>
    : K extends `${infer R}.${infer Rest}`
      ? R extends RelationKeys<F>
        ? ValueOf<TargetOf<F[R]>['fields'], Rest> | (IsNullable<F[R]> extends true ? null : never)
        : never
      : K extends `${infer R}Id`
        ? R extends RelationKeys<F>
          ? FieldValue<F[R]>
          : never
        : never

/** The row of a `values(...keys)` projection. */
export type Projection<F extends FieldMap, K extends string> = Simplify<{ [P in K]: ValueOf<F, P> }>
