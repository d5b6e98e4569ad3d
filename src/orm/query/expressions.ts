/**
 * Query expressions: field references (`F('stock').sub(1)`), boolean composition (`or`, `and`,
 * `not`), aggregates (`Count`, `Sum`, …), outer references and `exists(...)` subqueries.
 *
 * They are inert descriptions; `where.ts` and `compile.ts` resolve the field names against the model
 * (unknown names are errors) and turn them into SQL.
 */
import type { FieldMap } from '../fields.ts'
import type { Expression, SubqueryLike, WhereOf } from '../types.ts'

export const EXPRESSION: unique symbol = Symbol('plinth.orm.expression') as never
export const CONDITION: unique symbol = Symbol('plinth.orm.condition') as never

export type ArithmeticOp = '+' | '-' | '*' | '/'

/** Something arithmetic can start from: `F('price').mul(2).add(1)`. */
abstract class Arithmetical implements Expression {
  declare readonly __expression: true
  add(value: number | string | Expression): Arithmetic {
    return new Arithmetic(this, '+', value)
  }
  sub(value: number | string | Expression): Arithmetic {
    return new Arithmetic(this, '-', value)
  }
  mul(value: number | string | Expression): Arithmetic {
    return new Arithmetic(this, '*', value)
  }
  div(value: number | string | Expression): Arithmetic {
    return new Arithmetic(this, '/', value)
  }
}

/** A reference to a field of the row (or `a.b` through a forward relation), with arithmetic. */
export class FieldRef extends Arithmetical {
  readonly [EXPRESSION] = 'field' as const
  readonly path: string
  /** Set by `OuterRef`: the field belongs to the enclosing query. */
  readonly outer: boolean
  constructor(path: string, outer = false) {
    super()
    this.path = path
    this.outer = outer
  }
}

/** `left op right`, where either side may be a field reference or a value. */
export class Arithmetic extends Arithmetical {
  readonly [EXPRESSION] = 'arithmetic' as const
  readonly left: Expression | number | string
  readonly op: ArithmeticOp
  readonly right: Expression | number | string
  constructor(
    left: Expression | number | string,
    op: ArithmeticOp,
    right: Expression | number | string,
  ) {
    super()
    this.left = left
    this.op = op
    this.right = right
  }
}

/**
 * Refer to a field of the same row: `filter({ price: lookup.gt(F('cost')) })`,
 * `update({ stock: F('stock').sub(1) })` (atomic, no read-modify-write race).
 */
export function F(path: string): FieldRef {
  return new FieldRef(path)
}

/** Inside a subquery, refer to a field of the enclosing query's row. */
export function OuterRef(path: string): FieldRef {
  return new FieldRef(path, true)
}

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max'

/** An aggregate over a field (or a relation path, `products.price`); typed by its result. */
export class Aggregate<T = unknown> implements Expression {
  declare readonly __expression: true
  declare readonly __result: T
  readonly [EXPRESSION] = 'aggregate' as const
  readonly fn: AggregateFunction
  readonly path: string
  readonly distinct: boolean
  readonly filter: object | undefined
  constructor(
    fn: AggregateFunction,
    path: string,
    options: { distinct?: boolean; filter?: object } = {},
  ) {
    this.fn = fn
    this.path = path
    this.distinct = options.distinct ?? false
    this.filter = options.filter
  }
}

/** Number of rows (`Count('*')`, `Count('products')`), or of distinct values. */
export const Count = (path = '*', options?: { distinct?: boolean; filter?: object }) =>
  new Aggregate<number>('count', path, options)
/** Sum; decimals stay exact strings, integers numbers; `null` over no rows. */
export const Sum = <T = string | number>(path: string, options?: { filter?: object }) =>
  new Aggregate<T | null>('sum', path, options)
/** Average as a number (`null` over no rows). */
export const Avg = (path: string, options?: { filter?: object }) =>
  new Aggregate<number | null>('avg', path, options)
export const Min = <T = unknown>(path: string, options?: { filter?: object }) =>
  new Aggregate<T | null>('min', path, options)
export const Max = <T = unknown>(path: string, options?: { filter?: object }) =>
  new Aggregate<T | null>('max', path, options)

/** A boolean combination of filters. */
export interface Condition<W = unknown> {
  readonly [CONDITION]: 'and' | 'or' | 'not' | 'exists'
  readonly items: ReadonlyArray<W | Condition<W>>
  readonly subquery?: SubqueryLike
}

/**
 * Rows matching any of the filters: `filter(or({ stock: 0 }, { price: lookup.gt('100') }))`.
 * The filter type comes from where the condition is used (`filter`, `exclude`, an enclosing
 * `or`/`and`/`not`), so every branch is checked against the model; a condition built on its own
 * names it: `or<Where<typeof Product>>(…)`.
 */
export function or<W>(...items: Array<NoInfer<W> | Condition<NoInfer<W>>>): Condition<W> {
  return { [CONDITION]: 'or', items }
}
/** Rows matching all of the filters (what several keys or several filter() calls do anyway). */
export function and<W>(...items: Array<NoInfer<W> | Condition<NoInfer<W>>>): Condition<W> {
  return { [CONDITION]: 'and', items }
}
/** Rows not matching the filter (NULLs count as not matching, like `exclude`). */
export function not<W>(item: NoInfer<W> | Condition<NoInfer<W>>): Condition<W> {
  return { [CONDITION]: 'not', items: [item] }
}
/** Rows for which the subquery returns at least one row; correlate it with `OuterRef`. */
export function exists(subquery: SubqueryLike): Condition<never> {
  return { [CONDITION]: 'exists', items: [], subquery }
}

/**
 * Rows with related rows matching `where`, through a relation the types cannot see from this side
 * (a reverse foreign key or a many-to-many declared on the other model). The inner filter is typed
 * against the related model; the relation name is checked when the query runs. Untyped, the same
 * filter is `{ 'products.price': lookup.gt('5') }`; `has` also groups several conditions on the
 * same related row.
 *
 * @example
 * Category.objects.filter(has<typeof Product>('products', { price: lookup.gt('5'), stock: 0 }))
 */
export function has<T extends { fields: FieldMap }>(
  relation: string,
  where: WhereOf<T['fields']>,
): Condition<never> {
  // A condition, not the bare object: a plain object as a filter value is refused (it could be
  // request data), while a condition under a many-valued relation filters the related rows.
  const inner: Condition = { [CONDITION]: 'and', items: [where] }
  return { [CONDITION]: 'and', items: [{ [relation]: inner } as never] }
}

export function isCondition(value: unknown): value is Condition {
  return typeof value === 'object' && value !== null && CONDITION in value
}
export function isExpression(value: unknown): value is FieldRef | Arithmetic | Aggregate {
  return typeof value === 'object' && value !== null && EXPRESSION in value
}
