/**
 * Lookups are built by functions, never read from plain objects:
 * `filter({ price: lookup.gte('10'), name: lookup.icontains('dune') })`.
 *
 * Why not `{ price: { gte: '10' } }`: a filter value often comes from a request
 * (`filter({ token: body.token })`). If plain objects were lookups, a client sending
 * `{"token": {"ne": ""}}` would turn an equality check into "any token" (operator injection, the
 * NoSQL-injection family). Here a plain object in a filter is always an error, and only values made
 * by these functions (class instances JSON cannot produce) mean anything but equality.
 */
import type { SubqueryLike } from '../types.ts'

/** Comparison lookups, valid on every comparable field. */
export const COMPARE_OPS = [
  'exact',
  'ne',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'range',
  'isnull',
] as const
/** Text lookups. */
export const TEXT_OPS = [
  'iexact',
  'contains',
  'icontains',
  'startswith',
  'istartswith',
  'endswith',
  'iendswith',
  'regex',
  'iregex',
] as const
/** Parts of dates and datetimes. */
export const DATE_PART_NAMES = [
  'year',
  'month',
  'day',
  'weekDay',
  'hour',
  'minute',
  'second',
  'date',
] as const

export type CompareOp = (typeof COMPARE_OPS)[number]
export type TextOp = (typeof TEXT_OPS)[number]
export type DatePartName = (typeof DATE_PART_NAMES)[number]

/**
 * A lookup on a column. `Kind` says which fields accept it (`compare`, `text`, `part`); `V` is the
 * value type it compares with (phantom).
 */
export class Lookup<
  Kind extends 'compare' | 'text' | 'part' = 'compare' | 'text' | 'part',
  V = unknown,
> {
  declare readonly __kind: Kind
  declare readonly __value: V
  readonly op: CompareOp | TextOp
  readonly value: unknown
  /** For date parts: which part the (inner) lookup applies to. */
  readonly part: DatePartName | undefined
  constructor(op: CompareOp | TextOp, value: unknown, part?: DatePartName) {
    this.op = op
    this.value = value
    this.part = part
  }
}

const compare =
  <Op extends CompareOp>(op: Op) =>
  <V>(value: V) =>
    new Lookup<'compare', V>(op, value)
const text = (op: TextOp) => (value: string) => new Lookup<'text', string>(op, value)
const part =
  (name: DatePartName) =>
  (value: number | Lookup<'compare', number>): Lookup<'part', never> =>
    value instanceof Lookup
      ? new Lookup(value.op, value.value, name)
      : new Lookup('exact', value, name)

/**
 * Lookup builders, named as in Django.
 *
 * @example
 * Product.objects.filter({
 *   price: lookup.range('10', '20'),
 *   name: lookup.icontains('dune'),
 *   categoryId: lookup.in([1, 2, 3]),
 *   createdAt: lookup.year(lookup.gte(2024)),
 *   deletedAt: lookup.isnull(),
 * })
 */
export const lookup = {
  exact: compare('exact'),
  /** Not equal (NULLs never match, as in SQL). */
  ne: compare('ne'),
  /** One of the values, or the single column a query set selects. */
  in: <V>(values: ReadonlyArray<V> | SubqueryLike) => new Lookup<'compare', V>('in', values),
  gt: compare('gt'),
  gte: compare('gte'),
  lt: compare('lt'),
  lte: compare('lte'),
  /** Between `low` and `high`, both included. */
  range: <V>(low: V, high: V) => new Lookup<'compare', V>('range', [low, high]),
  /** IS NULL (`true`, the default) or IS NOT NULL (`false`). */
  isnull: (value = true) => new Lookup<'compare', never>('isnull', value),
  iexact: text('iexact'),
  /** Case-sensitive substring on every dialect. */
  contains: text('contains'),
  icontains: text('icontains'),
  startswith: text('startswith'),
  istartswith: text('istartswith'),
  endswith: text('endswith'),
  iendswith: text('iendswith'),
  /** Regular expression (PostgreSQL/MySQL syntax there; JavaScript's on SQLite). */
  regex: text('regex'),
  iregex: text('iregex'),
  /** Date parts take a number or a comparison: `lookup.year(lookup.gte(2020))`. */
  year: part('year'),
  month: part('month'),
  day: part('day'),
  /** 1 = Sunday … 7 = Saturday, as in Django. */
  weekDay: part('weekDay'),
  hour: part('hour'),
  minute: part('minute'),
  second: part('second'),
  /** The calendar date (UTC) of a datetime: `lookup.date('2024-05-01')`. */
  date: (value: string | Lookup<'compare', string>): Lookup<'part', never> =>
    value instanceof Lookup
      ? new Lookup(value.op, value.value, 'date')
      : new Lookup('exact', value, 'date'),
}
