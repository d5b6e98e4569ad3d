/**
 * `QuerySet`: lazy, chainable, immutable queries over a model, as in Django.
 *
 * Chaining (`filter`, `orderBy`, `selectRelated`, …) returns a new query set and runs nothing. Rows
 * are fetched by the terminal methods (`all`, `first`, `get`, `count`, `exists`, `aggregate`, async
 * iteration) and written by `create`, `update`, `delete` and friends. `Model.objects` is the query
 * set of all rows, so every method is available there too.
 */

import { type Database, databaseFor } from '../database.ts'
import { ModelValidationError, MultipleObjectsError, NotFoundError, QueryError } from '../errors.ts'
import type { FieldMap } from '../fields.ts'
import { type Instance, type InstanceMethods, newInstance } from '../instance.ts'
import type { AnyModel } from '../model.ts'
import type {
  BulkUpdateKey,
  BulkUpdateRow,
  Expression,
  IsNullable,
  ManyKeys,
  OrderKey,
  Projection,
  RelationKeys,
  SubqueryLike,
  TargetOf,
  ValueOf,
  ValuesKey,
  Where,
} from '../types.ts'
import { rowIssues } from '../validate.ts'
import { type BulkUpdateOptions, bulkUpdateRows } from './bulk-update.ts'
import { buildSelect } from './compile-select.ts'
import { compilerFor } from './compiler.ts'
import type { Aggregate, Condition } from './expressions.ts'
import { isPrimaryKeyEquality } from './get-by-key.ts'
import { headAfter } from './heads.ts'
import { hydrate } from './hydrate.ts'
import { Lookup, lookup } from './lookup.ts'
import { prefetch } from './prefetch.ts'
import { parseState, runGetByKey, runSelect } from './run.ts'
import { SqlContext } from './sql-context.ts'
import { initialState, type OrderEntry, type QueryState } from './state.ts'
import { bindStatement, cachedStatement } from './statement-cache.ts'
import type { ParsedSubquery, ParseState } from './where.ts'
import { deleteRows, insertRows, relationKeyValue, updateRows, writableField } from './write.ts'

type Fields<M extends AnyModel> = M['fields']
/** A filter argument: an object, or `or(...)`/`and(...)`/`not(...)`/`exists(...)`. */
export type FilterArg<M extends AnyModel> = Where<M> | Condition<Where<M>>
/** The result type of an annotation expression. */
export type AnnotationResult<E> = E extends Aggregate<infer T> ? T : unknown

type RelatedResult<F extends FieldMap, K extends string> =
  K extends ManyKeys<F>
    ? Array<Instance<TargetOf<F[K]>>>
    : K extends RelationKeys<F>
      ? Instance<TargetOf<F[K]>> | (IsNullable<F[K]> extends true ? null : never)
      : unknown

type Simplify<T> = { [K in keyof T]: T[K] } & {}
/**
 * An ordering key, checked when it is a literal: `'-price'` must name a field, while a `string`
 * only known at run time (a query parameter) passes and is checked when the query runs.
 */
type CheckedOrder<K extends string, Allowed extends string> = string extends K
  ? K
  : K extends Allowed
    ? K
    : Allowed
type OrderObject<K> = { field: K; nulls?: 'first' | 'last' }
type CheckedOrders<K extends readonly unknown[], Allowed extends string> = {
  [I in keyof K]: K[I] extends string
    ? CheckedOrder<K[I], Allowed>
    : K[I] extends OrderObject<infer S extends string>
      ? OrderObject<CheckedOrder<S, Allowed>>
      : never
}
/** Field keys plus annotation names, each also with `-`. */
type OrderKeys<M extends AnyModel, R> =
  | OrderKey<Fields<M>>
  | ExtraKeys<M, R>
  | `-${ExtraKeys<M, R>}`
/** Keys `values()` accepts beyond fields: annotations (not instance methods or relation objects). */
type ExtraKeys<M extends AnyModel, R> = Exclude<
  keyof R & string,
  keyof InstanceMethods | keyof M['$row'] | RelationKeys<Fields<M>> | ManyKeys<Fields<M>>
>

/** `R` with the relations named by `K` (dotted paths name their first hop) attached. */
type WithRelated<M extends AnyModel, R, K extends string> = R & {
  [P in K as P extends `${infer H}.${string}` ? H : P]: RelatedResult<
    Fields<M>,
    P extends `${infer H}.${string}` ? H : P
  >
}

const MAX_GET = 2

/** Lazily evaluated, immutable query over model `M` producing rows of type `R`. */
export class QuerySet<M extends AnyModel, R = Instance<M>> implements SubqueryLike {
  declare readonly __subquery: true
  readonly #state: QueryState
  /**
   * Shared by query sets that differ only in their filters (`Product.objects.filter(a)` and
   * `.filter(b)`): their SQL differs only in the filter shape, so they share one cached statement
   * head (see `run.ts`). A new token whenever anything else (ordering, slicing, projection…) changes.
   */
  readonly #head: object
  #forGet: QueryState | undefined
  #forGetByKey: QueryState | undefined

  constructor(state: QueryState, head: object = {}) {
    this.#state = state
    this.#head = head
    ;(this as { __subquery: true }).__subquery = true
  }

  /** The model this query set reads. */
  get model(): M {
    return this.#state.model as M
  }

  /**
   * A query set with `changes`. `change`, when given, names the change completely (the same
   * string always means the same new values), so that query sets made alike share their cached
   * statements (see `heads.ts`).
   */
  #with<R2 = R>(changes: Partial<QueryState>, change?: string): QuerySet<M, R2> {
    return new QuerySet<M, R2>(
      { ...this.#state, ...changes },
      headAfter(this.#head, changes, change),
    )
  }

  /** This query set in `order`; every ordering names its change the same way (see `#with`). */
  #ordered(order: readonly OrderEntry[]): QuerySet<M, R> {
    return this.#with({ order }, `o:${JSON.stringify(order)}`)
  }

  // ── Chaining ──────────────────────────────────────────────────────────────────────────

  /**
   * Rows matching every filter. Keys are fields (`price`), `<fk>Id`, relations (`category: 5` or
   * an instance) and dotted paths across relations (`'category.name'`; many-valued ones become
   * EXISTS). A value is an equality (`null` matches NULL), a `lookup.*()` comparison, or an array
   * of lookups that must all hold; a plain object is refused (`PLINTH_ORM_BAD_VALUE`), so request
   * data can never pick the operator.
   *
   * @example
   * Product.objects.filter({
   *   'category.name': 'books',
   *   price: [lookup.gte('10'), lookup.lt('20')],
   *   name: lookup.icontains(search),
   * })
   */
  filter(...where: FilterArg<M>[]): QuerySet<M, R> {
    return this.#with({
      where: [...this.#state.where, ...where.map((input) => ({ input, negate: false }))],
    })
  }

  /** Rows not matching the filter (rows where the compared column is NULL are kept). */
  exclude(...where: FilterArg<M>[]): QuerySet<M, R> {
    return this.#with({
      where: [...this.#state.where, ...where.map((input) => ({ input, negate: true }))],
    })
  }

  /** Order by fields, `-field` for descending, `{ field, nulls: 'last' }` to place NULLs. No arguments clears any ordering. */
  orderBy<const K extends ReadonlyArray<OrderKeys<M, R> | (string & {}) | OrderObject<string>>>(
    ...keys: K & CheckedOrders<K, OrderKeys<M, R>>
  ): QuerySet<M, R> {
    return this.#ordered(keys as unknown as OrderEntry[])
  }

  /** At most `count` rows. */
  limit(count: number): QuerySet<M, R> {
    return this.#with({ limit: checkCount(count, 'limit') })
  }

  /** Skip the first `count` rows. */
  offset(count: number): QuerySet<M, R> {
    return this.#with({ offset: checkCount(count, 'offset') })
  }

  /** Rows `start` (inclusive) to `end` (exclusive) of the current result, like `Array.slice` with non-negative bounds. */
  slice(start: number, end?: number): QuerySet<M, R> {
    const base = this.#state.offset ?? 0
    const s = checkCount(start, 'slice start')
    if (end === undefined) {
      // Slicing a sliced query stays inside it: [1:3][1:] is one row, not everything after row 2.
      const limit = this.#state.limit === undefined ? undefined : Math.max(0, this.#state.limit - s)
      return this.#with({ offset: base + s, limit })
    }
    const e = checkCount(end, 'slice end')
    const length = Math.max(0, e - s)
    const limit =
      this.#state.limit === undefined
        ? length
        : Math.min(length, Math.max(0, this.#state.limit - s))
    return this.#with({ offset: base + s, limit })
  }

  /** Drop duplicate rows (SELECT DISTINCT). */
  distinct(): QuerySet<M, R> {
    return this.#with({ distinct: true }, 'd')
  }

  /** Run on `db` instead of the default database. */
  using(db: Database): QuerySet<M, R> {
    return this.#with({ db })
  }

  /** Fetch forward relations in the same query (a JOIN); `category.parent` follows chains. */
  selectRelated<K extends RelationKeys<Fields<M>> | `${RelationKeys<Fields<M>>}.${string}`>(
    ...names: K[]
  ): QuerySet<M, WithRelated<M, R, K>> {
    return this.#with({ related: [...this.#state.related, ...names] }, `r:${names.join('\0')}`)
  }

  /**
   * Fetch relations with one extra query each (reverse foreign keys, many-to-many, or forward keys),
   * attached to each instance under the relation's name.
   */
  prefetchRelated<K extends string>(...names: K[]): QuerySet<M, WithRelated<M, R, K>> {
    return this.#with({ prefetch: [...this.#state.prefetch, ...names] })
  }

  /** Add computed values to each row: `annotate({ productCount: Count('products') })`. */
  annotate<A extends Record<string, Aggregate<any> | Expression>>(
    annotations: A,
  ): QuerySet<M, R & { [K in keyof A]: AnnotationResult<A[K]> }> {
    for (const name of Object.keys(annotations)) {
      if (this.#state.model.meta.byAttr.has(name) || this.#state.model.meta.fields.has(name)) {
        throw new QueryError(
          'PLINTH_ORM_BAD_ANNOTATION',
          `The annotation "${name}" clashes with a field of ${this.#state.model.name}.`,
        )
      }
    }
    return this.#with({ annotations: { ...this.#state.annotations, ...annotations } })
  }

  /** Rows as plain objects with only these keys (typed). With annotations, groups by the keys. */
  values<K extends ValuesKey<Fields<M>> | ExtraKeys<M, R>>(
    ...keys: K[]
  ): QuerySet<
    M,
    Simplify<
      Projection<Fields<M>, K & ValuesKey<Fields<M>>> & {
        [P in Exclude<K, ValuesKey<Fields<M>>>]: P extends keyof R ? R[P] : never
      }
    >
  > {
    return this.#with(
      {
        projection: {
          kind: 'values',
          keys: keys.length ? keys : this.#state.model.meta.columns.map((c) => c.attr),
        },
      },
      `v:${keys.join('\0')}`,
    )
  }

  /** Rows as tuples of these keys; `{ flat: true }` with one key gives plain values. */
  valuesList<K extends ValuesKey<Fields<M>>>(
    key: K,
    options: { flat: true },
  ): QuerySet<M, ValueOf<Fields<M>, K>>
  valuesList<const K extends ReadonlyArray<ValuesKey<Fields<M>>>>(
    ...keys: K
  ): QuerySet<M, { -readonly [I in keyof K]: ValueOf<Fields<M>, K[I]> }>
  valuesList<const K extends ReadonlyArray<ValuesKey<Fields<M>>>>(
    ...args: [...K, { flat: false }]
  ): QuerySet<M, { -readonly [I in keyof K]: ValueOf<Fields<M>, K[I]> }>
  valuesList(...args: Array<string | { flat: boolean }>): QuerySet<M, unknown> {
    const last = args[args.length - 1]
    const options =
      typeof last === 'object' && last !== null ? (last as { flat: boolean }) : { flat: false }
    const given = (typeof last === 'object' ? args.slice(0, -1) : args) as string[]
    // No keys: every column, as values() does (an empty SELECT list is a syntax error).
    const keys = given.length ? given : this.#state.model.meta.columns.map((c) => c.attr)
    if (options.flat && keys.length !== 1)
      throw new QueryError(
        'PLINTH_ORM_BAD_VALUES',
        'valuesList(..., { flat: true }) takes exactly one key.',
      )
    return this.#with(
      { projection: { kind: 'list', keys, flat: options.flat } },
      `l:${options.flat}:${keys.join('\0')}`,
    )
  }

  // ── Reading ───────────────────────────────────────────────────────────────────────────

  /** Every matching row. */
  async all(): Promise<R[]> {
    const rows = (await runSelect(this.#state, 'rows', {
      token: this.#head,
      variant: 'all',
    })) as R[]
    if (this.#state.prefetch.length) await prefetch(this.#state, rows as object[])
    return rows
  }

  /** The single row matching `where` (and this query set's filters); `NotFoundError` / `MultipleObjectsError` otherwise. */
  get(...where: FilterArg<M>[]): Promise<R> {
    const state = this.#state
    let base: QueryState
    let variant: string
    if (where.length === 1 && isPrimaryKeyEquality(state, where[0])) {
      // `get({ id })` on a plain query set: at most one row can match, so no LIMIT (a bound LIMIT
      // costs SQLite as much as the primary-key fetch itself) and no ORDER BY.
      this.#forGetByKey ??= { ...state, order: [] }
      base = this.#forGetByKey
      variant = 'get-key'
    } else {
      // The query set's own state for get(), made once: its cached head is reused by every
      // call. LIMIT 2 is enough to tell "one" from "several"; the slice of an already sliced
      // query set is kept.
      this.#forGet ??= {
        ...state,
        order: state.order ?? [],
        limit: state.limit === undefined ? MAX_GET : Math.min(state.limit, MAX_GET),
      }
      base = this.#forGet
      variant = 'get'
    }
    const key = { token: this.#head, variant, state: base }
    // Not an async function: on SQLite the rows arrive synchronously, and a primary-key fetch is
    // cheap enough that an extra await per call shows in the benchmark.
    let result: unknown[] | Promise<unknown[]> | undefined
    try {
      if (variant === 'get-key') {
        const value = (where[0] as Record<string, unknown>)[state.model.meta.pk.name]
        result = runGetByKey(base, key, value)
      }
      if (result === undefined) {
        const next: QueryState = where.length
          ? { ...base, where: [...base.where, ...where.map((input) => ({ input, negate: false }))] }
          : base
        result = runSelect(next, 'rows', key)
      }
    } catch (error) {
      return Promise.reject(error)
    }
    if (result instanceof Promise) {
      return result.then((rows) => {
        const row = this.#one(rows as R[])
        return state.prefetch.length ? prefetch(state, [row as object]).then(() => row) : row
      })
    }
    try {
      const row = this.#one(result as R[])
      return state.prefetch.length
        ? prefetch(state, [row as object]).then(() => row)
        : Promise.resolve(row)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #one(rows: R[]): R {
    const state = this.#state
    if (rows.length === 0) throw new NotFoundError(state.model.name)
    if (rows.length > 1) throw new MultipleObjectsError(state.model.name, rows.length)
    return rows[0]!
  }

  /** The first row in the query's order (by primary key when unordered), or undefined. */
  async first(): Promise<R | undefined> {
    const state = this.#state
    const order =
      state.order ??
      (state.model.meta.ordering.length ? state.model.meta.ordering : [state.model.meta.pk.attr])
    const rows = await this.#ordered(order.length ? order : [state.model.meta.pk.attr])
      .slice(0, 1)
      .all()
    return rows[0]
  }

  /** The last row in the query's order (by primary key when unordered), or undefined. */
  async last(): Promise<R | undefined> {
    const state = this.#state
    const order = state.order?.length
      ? state.order
      : state.model.meta.ordering.length
        ? state.model.meta.ordering
        : [state.model.meta.pk.attr]
    const reversed = order.map((entry) => {
      if (typeof entry === 'string') return entry.startsWith('-') ? entry.slice(1) : `-${entry}`
      const desc = entry.desc ?? entry.field.startsWith('-')
      return {
        field: entry.field.replace(/^-/, ''),
        desc: !desc,
        nulls: entry.nulls === 'first' ? 'last' : entry.nulls === 'last' ? 'first' : undefined,
      }
    }) as OrderEntry[]
    const rows = await this.#ordered(reversed).slice(0, 1).all()
    return rows[0]
  }

  /** Number of matching rows. */
  async count(): Promise<number> {
    const state = this.#state
    if (state.limit !== undefined || state.offset !== undefined || state.distinct)
      return (await this.all()).length
    const rows = await runSelect(state, 'count', { token: this.#head, variant: 'count' })
    return rows[0] as number
  }

  /** True when at least one row matches. */
  async exists(): Promise<boolean> {
    const rows = await runSelect(this.#state, 'exists', { token: this.#head, variant: 'exists' })
    return rows.length > 0
  }

  /** Aggregates over all matching rows: `aggregate({ total: Sum('price'), n: Count() })`. */
  async aggregate<A extends Record<string, Aggregate<any>>>(
    aggregates: A,
  ): Promise<{ [K in keyof A]: AnnotationResult<A[K]> }> {
    const keys = Object.keys(aggregates)
    if (keys.length === 0)
      throw new QueryError('PLINTH_ORM_BAD_ANNOTATION', 'aggregate() needs at least one aggregate.')
    let base = this.#state
    if (base.limit !== undefined || base.offset !== undefined) {
      // Aggregate the slice, not every row: select the slice's keys in a subquery.
      const slice = this.#with({ projection: { kind: 'instances' } })
      base = {
        ...initialState(base.model),
        db: base.db,
        where: [{ input: { [base.model.meta.pk.attr]: lookup.in(slice) }, negate: false }],
      }
    }
    const state: QueryState = {
      ...base,
      annotations: aggregates,
      projection: { kind: 'values', keys },
      order: [],
      related: [],
      prefetch: [],
    }
    const rows = (await runSelect(state, 'rows')) as Array<Record<string, unknown>>
    return (rows[0] ?? Object.fromEntries(keys.map((k) => [k, null]))) as never
  }

  /** Map primary key (or `field`) → instance for the given keys. */
  async inBulk<K extends string | number | bigint>(
    keys: readonly K[],
    options: { field?: string } = {},
  ): Promise<Map<K, R>> {
    const field = options.field ?? this.#state.model.meta.pk.attr
    if (keys.length === 0) return new Map()
    const rows = (await this.filter({ [field]: lookup.in(keys) } as never).all()) as Array<
      Record<string, unknown>
    >
    return new Map(rows.map((row) => [row[field] as K, row as R]))
  }

  /** Iterate matching rows in chunks without loading them all (a server-side cursor where the database has one). */
  async *iterate(options: { chunkSize?: number } = {}): AsyncGenerator<R> {
    const state = this.#state
    const db = databaseFor(state.model, state.db)
    const { parsed, parse, key } = parseState(state, 'rows')
    const entry = cachedStatement(state.model, `${db.dialect}:${key}`, () => {
      const ctx = new SqlContext(db.dialect, state.model)
      const { query, read } = buildSelect(ctx, db.compiler, state, parsed, 'rows')
      return { compiled: query.compile(), returnsRows: true, extra: read }
    })
    for await (const chunk of db.stream(
      bindStatement(entry, parse.values),
      options.chunkSize ?? 500,
    )) {
      const rows = hydrate(entry.extra!, chunk) as R[]
      if (state.prefetch.length) await prefetch(state, rows as object[])
      yield* rows
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<R> {
    return this.iterate()
  }

  // ── Writing ───────────────────────────────────────────────────────────────────────────

  /** Set fields on every matching row in one statement; `F()` for atomic changes. Returns the count. */
  update(
    values: M['$update' & keyof M] extends infer U
      ? U extends object
        ? U
        : Record<string, unknown>
      : never,
  ): Promise<number> {
    const state = this.#state
    checkWriteObject(values, 'update')
    const db = databaseFor(state.model, state.db)
    const now = new Date()
    const changes: Record<string, unknown> = { ...(values as Record<string, unknown>) }
    for (const field of state.model.meta.columns)
      if (field.spec.autoNow && !(field.attr in changes))
        changes[field.attr] = field.spec.kind === 'date' ? now.toISOString().slice(0, 10) : now
    return updateRows(db, state, changes)
  }

  /** Delete every matching row (database cascades apply). Returns the number deleted from this table. */
  delete(): Promise<number> {
    const state = this.#state
    return deleteRows(databaseFor(state.model, state.db), state)
  }

  /** A new, unsaved instance: set fields, then `save()`. */
  build(
    values: M['$insert' & keyof M] extends infer I
      ? I extends object
        ? I
        : Record<string, unknown>
      : never,
  ): Instance<M> {
    checkWriteObject(values, 'build')
    const model = this.#state.model
    const data: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      const { field, viaRelation } = writableField(model, key)
      data[field.attr] = viaRelation ? relationKeyValue(field, value) : value
      if (viaRelation && value !== null && typeof value === 'object') data[field.name] = value
    }
    return newInstance(model, data, false, this.#state.db) as Instance<M>
  }

  /** Insert one row (validated first) and return it as an instance. */
  async create(
    values: M['$insert' & keyof M] extends infer I
      ? I extends object
        ? I
        : Record<string, unknown>
      : never,
  ): Promise<Instance<M>> {
    const instance = this.build(values)
    await instance.save({ ...(this.#state.db ? { using: this.#state.db } : {}) })
    return instance
  }

  /** Insert many rows with few statements (batches of `batchSize`, default 500); returns instances with keys set. Hooks do not run. */
  async bulkCreate(
    rows: ReadonlyArray<
      M['$insert' & keyof M] extends infer I
        ? I extends object
          ? I
          : Record<string, unknown>
        : never
    >,
    options: { batchSize?: number } = {},
  ): Promise<Array<Instance<M>>> {
    const model = this.#state.model
    const db = databaseFor(model, this.#state.db)
    const meta = model.meta
    const instances = rows.map((row) => this.build(row)) as unknown as Array<
      Record<string, unknown>
    >
    const now = new Date()
    const issues = []
    for (const [index, instance] of instances.entries()) {
      for (const field of meta.columns) {
        if (instance[field.attr] !== undefined) continue
        if (field.spec.autoNow || field.spec.autoNowAdd)
          instance[field.attr] = field.spec.kind === 'date' ? now.toISOString().slice(0, 10) : now
        else if (field.spec.hasDefault)
          instance[field.attr] =
            typeof field.spec.default === 'function'
              ? (field.spec.default as () => unknown)()
              : field.spec.default
        else if (field.spec.null) instance[field.attr] = null
      }
      for (const i of rowIssues(model, instance)) issues.push({ ...i, path: [index, ...i.path] })
    }
    if (issues.length) throw new ModelValidationError(model.name, issues)
    const attrs = meta.columns
      .filter(
        (f) =>
          !(
            f.spec.generated &&
            instances.every((i) => i[f.attr] === undefined || i[f.attr] === null)
          ),
      )
      .map((f) => f.attr)
    const size = Math.max(
      1,
      Math.min(options.batchSize ?? 500, Math.floor(30000 / Math.max(1, attrs.length))),
    )
    for (let start = 0; start < instances.length; start += size) {
      const batch = instances.slice(start, start + size)
      const ids = await insertRows(db, model, attrs, batch)
      batch.forEach((instance, i) => {
        instance[meta.pk.attr] = ids[i]
      })
    }
    return instances.map(
      (values) => newInstance(model, { ...values }, true, this.#state.db) as Instance<M>,
    )
  }

  /**
   * Write `fields` of many instances, found by primary key, with one UPDATE per batch (Django's
   * `bulk_update`). Returns the number of rows matched. Values go through the field codecs but not
   * validation; hooks and signals do not run (as with `update()`); `autoNow` fields are set too.
   * Of several instances with the same key, the last wins. Only rows this query set matches change.
   *
   * @example
   * for (const p of products) p.price = discounted(p)
   * await Product.objects.bulkUpdate(products, ['price'])
   */
  async bulkUpdate<const K extends BulkUpdateKey<Fields<M>>>(
    instances: ReadonlyArray<NoInfer<BulkUpdateRow<M, K>>>,
    fields: readonly K[],
    options: BulkUpdateOptions = {},
  ): Promise<number> {
    const state = this.#state
    const db = databaseFor(state.model, state.db)
    return bulkUpdateRows(db, state, instances, fields, options)
  }

  /** The row matching `where`, or a new one created from `where` + `defaults`. `[instance, created]`. */
  async getOrCreate(
    where: Where<M>,
    defaults: Partial<M['$insert' & keyof M] & object> = {},
  ): Promise<[Instance<M>, boolean]> {
    const db = databaseFor(this.#state.model, this.#state.db)
    const existing = await this.filter(where).#first()
    if (existing) return [existing as unknown as Instance<M>, false]
    try {
      return [
        await db.transaction(() => this.create({ ...plainValues(where), ...defaults } as never)),
        true,
      ]
    } catch (error) {
      // Another request created it between our read and write: return theirs.
      const again = await this.filter(where).#first()
      if (again) return [again as unknown as Instance<M>, false]
      throw error
    }
  }

  /** Update the row matching `where` with `defaults`, or create it. `[instance, created]`. */
  async updateOrCreate(
    where: Where<M>,
    defaults: Partial<M['$insert' & keyof M] & object> = {},
  ): Promise<[Instance<M>, boolean]> {
    const db = databaseFor(this.#state.model, this.#state.db)
    return db.transaction(async () => {
      const existing = (await this.filter(where).#first()) as unknown as Instance<M> | undefined
      if (existing) {
        Object.assign(existing, defaults)
        await existing.save()
        return [existing, false] as [Instance<M>, boolean]
      }
      return [await this.create({ ...plainValues(where), ...defaults } as never), true] as [
        Instance<M>,
        boolean,
      ]
    })
  }

  async #first(): Promise<R | undefined> {
    const rows = await this.#ordered([]).limit(2).all()
    if (rows.length > 1) throw new MultipleObjectsError(this.#state.model.name, rows.length)
    return rows[0]
  }

  // ── Subqueries ────────────────────────────────────────────────────────────────────────

  /** @internal Parse into an outer query's slots (used by `in: queryset` and `exists(queryset)`). */
  parseInto(state: ParseState): ParsedSubquery {
    const own = this.#state
    const { parsed } = parseState(own, 'subquery-in', state)
    state.shape += `{${own.model.meta.table}|${own.projection.kind === 'instances' ? '' : own.projection.keys.join(',')}}`
    return {
      compile: (outer, mode) => {
        const ctx = new SqlContext(outer.dialect, own.model, outer)
        return buildSelect(
          ctx,
          compilerFor(outer.dialect),
          own,
          parsed,
          mode === 'in' ? 'subquery-in' : 'subquery-exists',
        ).query as never
      },
    }
  }

  /** The state (for Plinth's own modules). */
  get state(): QueryState {
    return this.#state
  }
}

function checkCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new QueryError(
      'PLINTH_ORM_BAD_SLICE',
      `${what} must be a non-negative integer; got ${String(value)}.`,
    )
  return value
}

function checkWriteObject(values: unknown, what: string): void {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new QueryError('PLINTH_ORM_BAD_WRITE', `${what}() takes an object of field values.`)
  }
}

/** The equality parts of a filter, as values for a new row. */
function plainValues(where: object): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(where)) {
    const plain =
      value === null ||
      typeof value !== 'object' ||
      value instanceof Date ||
      value instanceof Uint8Array
    if (plain) out[key] = value
    else if (value instanceof Lookup && value.op === 'exact') out[key] = value.value
  }
  return out
}

/** The query set of all rows of a model (`Model.objects`). */
export function allRows<M extends AnyModel>(model: M): QuerySet<M> {
  return new QuerySet<M>(initialState(model))
}
