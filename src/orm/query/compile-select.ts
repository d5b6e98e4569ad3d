/**
 * SELECT statements from a query state: columns (instances, `values()`, annotations), joins for
 * forward relations and `selectRelated`, WHERE, ORDER BY (with NULL placement on every dialect),
 * LIMIT/OFFSET, and the row-reading plan that goes with them.
 */
import { type RawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import type { Codec } from '../codecs.ts'
import { decoderFor } from '../codecs.ts'
import type { DialectName } from '../connection/types.ts'
import { QueryError } from '../errors.ts'
import { type FieldInfo, type RelationInfo, valueField } from '../meta.ts'
import type { AnyModel } from '../model.ts'
import { type AnnotationPlan, compileAnnotation } from './annotations.ts'
import { compileCond } from './lookups.ts'
import { SqlContext } from './sql-context.ts'
import type { OrderEntry, QueryState } from './state.ts'
import type { ColumnPath, Cond, ParseState } from './where.ts'
import { parseEqualities, resolvePath } from './where.ts'

type Frag = RawBuilder<any>

/** One column read back: alias in the result row → property, decoded. */
export interface ReadColumn {
  readonly alias: string
  readonly attr: string
  readonly decode: Codec | undefined
}

/** How to build instances from rows: the model's columns plus nested `selectRelated` models. */
export interface InstancePlan {
  readonly model: AnyModel
  readonly columns: readonly ReadColumn[]
  /** Alias of the primary key column, to spot a missing (LEFT JOINed) related row. */
  readonly pkAlias: string
  readonly related: ReadonlyArray<{ readonly name: string; readonly plan: InstancePlan }>
  readonly annotations: readonly ReadColumn[]
}

export type ReadPlan =
  | { readonly kind: 'instances'; readonly plan: InstancePlan }
  | { readonly kind: 'values'; readonly columns: readonly ReadColumn[] }
  | { readonly kind: 'list'; readonly columns: readonly ReadColumn[]; readonly flat: boolean }
  | { readonly kind: 'scalar'; readonly column: ReadColumn }

/** Parsed filters of a state (the values are in the ParseState). */
export interface ParsedQuery {
  readonly conds: ReadonlyArray<{ readonly cond: Cond; readonly negate: boolean }>
  /**
   * LIMIT is written into the SQL as a literal (a validated integer, part of the shape): SQLite
   * plans `LIMIT ?` noticeably slower than `LIMIT 21`, and apps use few distinct page sizes.
   * OFFSET varies per page, so it stays a bound parameter.
   */
  readonly limit: number | undefined
  readonly offsetSlot: number | undefined
}

export type SelectMode = 'rows' | 'count' | 'exists' | 'subquery-in' | 'subquery-exists'

function orderParts(entry: OrderEntry): {
  path: string
  desc: boolean
  nulls: 'first' | 'last' | undefined
} {
  if (typeof entry === 'string') {
    const desc = entry.startsWith('-')
    return { path: desc ? entry.slice(1) : entry, desc, nulls: undefined }
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.field !== 'string') {
    throw new QueryError(
      'PLINTH_ORM_BAD_ORDER',
      'orderBy() takes field names ("-price") or { field, nulls: "first" | "last" }.',
    )
  }
  if (entry.nulls !== undefined && entry.nulls !== 'first' && entry.nulls !== 'last') {
    throw new QueryError('PLINTH_ORM_BAD_ORDER', 'nulls must be "first" or "last".')
  }
  const desc = entry.desc ?? entry.field.startsWith('-')
  return { path: entry.field.replace(/^-/, ''), desc, nulls: entry.nulls }
}

function orderFrag(
  ctx: SqlContext,
  state: QueryState,
  entry: OrderEntry,
  annotationAliases: ReadonlyMap<string, string>,
): Frag[] {
  const { path, desc, nulls } = orderParts(entry)
  const annotated = annotationAliases.get(path)
  const col =
    annotated !== undefined ? sql.ref(annotated) : ctx.column(resolveOrderPath(state.model, path))
  const dir = sql.raw(desc ? 'DESC' : 'ASC')
  if (nulls === undefined) return [sql`${col} ${dir}`]
  if (ctx.dialect === 'mysql') {
    // MySQL has no NULLS FIRST/LAST: sort on "is null" first.
    return [
      sql`${col} IS ${sql.raw(nulls === 'last' ? 'NULL' : 'NOT NULL')} ASC`,
      sql`${col} ${dir}`,
    ]
  }
  return [sql`${col} ${dir} NULLS ${sql.raw(nulls === 'first' ? 'FIRST' : 'LAST')}`]
}

function resolveOrderPath(model: AnyModel, path: string): ColumnPath {
  try {
    return resolvePath(model, path)
  } catch (error) {
    if (error instanceof QueryError)
      throw new QueryError('PLINTH_ORM_BAD_ORDER', `Cannot order by "${path}": ${error.message}`)
    throw error
  }
}

function readColumns(
  ctx: SqlContext,
  fields: readonly FieldInfo[],
  hops: readonly RelationInfo[],
  select: Frag[],
  dialect: DialectName,
): ReadColumn[] {
  const alias = ctx.aliasFor(hops)
  return fields.map((f) => {
    const name = `c${select.length}`
    select.push(sql`${sql.ref(`${alias}.${f.column!}`)} AS ${sql.id(name)}`)
    return { alias: name, attr: f.attr, decode: decoderFor(valueField(f).spec, dialect) }
  })
}

function instancePlan(
  ctx: SqlContext,
  model: AnyModel,
  hops: readonly RelationInfo[],
  paths: readonly string[],
  select: Frag[],
): InstancePlan {
  const meta = model.meta
  const columns = readColumns(ctx, meta.columns, hops, select, ctx.dialect)
  const pkAlias = columns[meta.columns.indexOf(meta.pk)]!.alias
  const groups = new Map<string, string[]>()
  for (const path of paths) {
    const [head, ...rest] = path.split('.')
    const list = groups.get(head!) ?? []
    if (rest.length) list.push(rest.join('.'))
    groups.set(head!, list)
  }
  const related: Array<{ name: string; plan: InstancePlan }> = []
  for (const [name, rest] of groups) {
    const relation = meta.relation(name)
    if (relation === undefined || relation.kind !== 'forward') {
      throw new QueryError(
        'PLINTH_ORM_BAD_RELATED',
        `selectRelated("${name}") on ${model.name}: only foreign keys and one-to-ones can be joined; use prefetchRelated for "${name}".`,
      )
    }
    related.push({
      name,
      plan: instancePlan(ctx, relation.target, [...hops, relation], rest, select),
    })
  }
  return { model, columns, pkAlias, related, annotations: [] }
}

/**
 * Build the SELECT for `state` in `ctx`. `parsed` holds the conditions already parsed (their values
 * are slots in the caller's ParseState).
 */
export function buildSelect(
  ctx: SqlContext,
  compiler: { selectFrom: (from: any) => SelectQueryBuilder<any, any, any> },
  state: QueryState,
  parsed: ParsedQuery,
  mode: SelectMode,
): { query: SelectQueryBuilder<any, any, any>; read: ReadPlan | undefined } {
  const meta = state.model.meta
  const select: Frag[] = []
  let read: ReadPlan | undefined
  const annotationAliases = new Map<string, string>()
  const annotationPlans: AnnotationPlan[] = []
  const conditions = parsed.conds.map(({ cond, negate }) => ({
    negate,
    frag: compileCond(ctx, cond),
  }))
  const groupBy: Frag[] = []
  for (const [name, expr] of Object.entries(state.annotations)) {
    const plan = compileAnnotation(ctx, name, expr)
    annotationPlans.push(plan)
  }
  if (mode === 'rows') {
    const projection = state.projection
    if (projection.kind === 'instances') {
      const plan = instancePlan(ctx, state.model, [], state.related, select)
      const annotations = annotationPlans.map((a) => {
        const alias = `c${select.length}`
        select.push(sql`${a.sql} AS ${sql.id(alias)}`)
        annotationAliases.set(a.name, alias)
        return { alias, attr: a.name, decode: a.decode }
      })
      read = { kind: 'instances', plan: { ...plan, annotations } }
      if (annotationPlans.some((a) => a.aggregate))
        groupBy.push(...plan.columns.map((c) => sql.ref(c.alias)))
    } else {
      const columns: ReadColumn[] = []
      const hasAggregate = annotationPlans.some((a) => a.aggregate)
      for (const key of projection.keys) {
        const annotation = annotationPlans.find((a) => a.name === key)
        const alias = `c${select.length}`
        if (annotation !== undefined) {
          select.push(sql`${annotation.sql} AS ${sql.id(alias)}`)
          annotationAliases.set(key, alias)
          columns.push({ alias, attr: key, decode: annotation.decode })
          continue
        }
        const path = resolvePath(state.model, key)
        const col = ctx.column(path)
        select.push(sql`${col} AS ${sql.id(alias)}`)
        if (hasAggregate) groupBy.push(col)
        columns.push({
          alias,
          attr: key,
          decode: decoderFor(valueField(path.field).spec, ctx.dialect),
        })
      }
      // Annotations not listed in values() are still returned, after the listed keys.
      for (const a of annotationPlans) {
        if (projection.keys.includes(a.name)) continue
        const alias = `c${select.length}`
        select.push(sql`${a.sql} AS ${sql.id(alias)}`)
        annotationAliases.set(a.name, alias)
        columns.push({ alias, attr: a.name, decode: a.decode })
      }
      read =
        projection.kind === 'values'
          ? { kind: 'values', columns }
          : { kind: 'list', columns, flat: projection.flat }
    }
  } else if (mode === 'count') {
    read = { kind: 'scalar', column: { alias: 'n', attr: 'n', decode: (v) => Number(v) } }
    if (state.projection.kind !== 'instances' && annotationPlans.some((a) => a.aggregate)) {
      // values().annotate() groups the rows: count the groups, not the rows.
      const inner = buildSelect(
        new SqlContext(ctx.dialect, state.model),
        compiler,
        state,
        parsed,
        'rows',
      )
      const query = compiler
        .selectFrom(inner.query.as('plinth_groups'))
        .select(sql`COUNT(*)`.as('n') as any)
      return { query, read }
    }
    select.push(sql`COUNT(*) AS ${sql.id('n')}`)
  } else if (mode === 'exists' || mode === 'subquery-exists') {
    select.push(sql`1 AS ${sql.id('one')}`)
  } else {
    // subquery-in: the single projected column (values/list) or the primary key.
    const keys = state.projection.kind === 'instances' ? [meta.pk.attr] : state.projection.keys
    if (keys.length !== 1)
      throw new QueryError(
        'PLINTH_ORM_BAD_SUBQUERY',
        'A query set used as a value must select exactly one column: valuesList("id", { flat: true }).',
      )
    const annotation = annotationPlans.find((a) => a.name === keys[0])
    const column = annotation ? annotation.sql : ctx.column(resolvePath(state.model, keys[0]!))
    select.push(sql`${column} AS ${sql.id('k')}`)
  }
  const order =
    mode === 'rows'
      ? (state.order ?? meta.ordering)
      : state.limit !== undefined || state.offset !== undefined
        ? (state.order ?? meta.ordering)
        : []
  const orderBy = order.flatMap((entry) => orderFrag(ctx, state, entry, annotationAliases))
  // Joins are known only after columns, conditions and ordering were compiled.
  let query = compiler.selectFrom(sql`${sql.table(meta.table)} AS ${sql.id(ctx.alias)}`)
  for (const join of ctx.joins) {
    query = query.leftJoin(sql`${sql.table(join.table)}`.as(join.alias), (j: any) => j.on(join.on))
  }
  query = query.select(select.map((s) => s as any) as any)
  if (state.distinct && mode === 'rows') query = query.distinct()
  for (const { negate, frag } of conditions)
    query = query.where(negate ? negateFrag(ctx, frag) : frag)
  if (groupBy.length) query = query.groupBy(groupBy as any)
  for (const a of annotationPlans) if (a.having) query = query.having(a.having)
  for (const o of orderBy) query = query.orderBy(o as any)
  // An empty slice ([5:5]) has no rows, so exists() must not widen it to LIMIT 1.
  if (mode === 'exists') query = query.limit(sql.lit(parsed.limit === 0 ? 0 : 1) as any)
  else if (parsed.limit !== undefined) query = query.limit(sql.lit(parsed.limit) as any)
  else if (parsed.offsetSlot !== undefined) {
    // SQLite and MySQL need a LIMIT before OFFSET.
    if (ctx.dialect === 'sqlite') query = query.limit(sql.lit(-1) as any)
    if (ctx.dialect === 'mysql') query = query.limit(sql.raw('18446744073709551615') as any)
  }
  if (parsed.offsetSlot !== undefined)
    query = query.offset(ctx.slot(parsed.offsetSlot, undefined) as any)
  if (
    mode === 'subquery-in' &&
    ctx.dialect === 'mysql' &&
    (parsed.limit !== undefined || parsed.offsetSlot !== undefined)
  ) {
    // MySQL/MariaDB refuse LIMIT in an IN (…) subquery, but not in a derived table inside one.
    const alias = ctx.nextAlias()
    query = compiler
      .selectFrom(query.as(alias))
      .select(sql`${sql.ref(`${alias}.k`)}`.as('k') as any)
  }
  return { query, read }
}

function negateFrag(ctx: SqlContext, frag: Frag): Frag {
  return ctx.dialect === 'sqlite'
    ? sql`NOT COALESCE(${frag}, 0)`
    : sql`NOT COALESCE(${frag}, FALSE)`
}

/** Parse the filters, limit and offset of a state into `state` slots. */
/**
 * `parseQuery`'s shape and values without the condition trees, when every filter is a plain
 * `{ field: value }` object (see `parseEqualities`); false (nothing recorded) otherwise.
 */
export function parseQueryShape(queryState: QueryState, s: ParseState): boolean {
  const shapeStart = s.shape
  for (const { input, negate } of queryState.where) {
    s.shape += negate ? '|!' : '|'
    if (!parseEqualities(queryState.model, input, s)) {
      s.shape = shapeStart
      s.values.length = 0
      return false
    }
  }
  if (queryState.limit !== undefined) s.shape += `|L${queryState.limit}`
  if (queryState.offset !== undefined) {
    s.shape += '|O'
    s.values.push(queryState.offset)
  }
  return true
}

export function parseQuery(
  parse: (model: AnyModel, input: unknown, s: ParseState) => Cond,
  queryState: QueryState,
  s: ParseState,
): ParsedQuery {
  const conds = queryState.where.map(({ input, negate }) => {
    s.shape += negate ? '|!' : '|'
    return { cond: parse(queryState.model, input, s), negate }
  })
  let offsetSlot: number | undefined
  if (queryState.limit !== undefined) {
    s.shape += `|L${queryState.limit}`
  }
  if (queryState.offset !== undefined) {
    s.shape += '|O'
    offsetSlot = (s.slot(queryState.offset, undefined) as { index: number }).index
  }
  return { conds, limit: queryState.limit, offsetSlot }
}

export { SqlContext }
