/**
 * Annotations: expressions added to each row (`annotate({ n: Count('products') })`) and aggregates
 * over a whole query (`aggregate({ total: Sum('price') })`).
 *
 * Aggregates over the query's own columns (or forward relations) are SQL aggregates, grouped by the
 * selected columns. Aggregates over many-valued relations (reverse foreign keys, many-to-many) are
 * correlated subqueries: one value per row and no join fan-out, so `Count('products')` and
 * `Sum('orders.total')` on the same query cannot multiply each other.
 */
import { type RawBuilder, sql } from 'kysely'
import { type Codec, decoderFor } from '../codecs.ts'
import { QueryError } from '../errors.ts'
import { type FieldInfo, type RelationInfo, valueField } from '../meta.ts'
import { Aggregate, Arithmetic, FieldRef } from './expressions.ts'
import { compileCond } from './lookups.ts'
import { SqlContext } from './sql-context.ts'
import { ParseState, parseWhere, resolvePath } from './where.ts'

type Frag = RawBuilder<any>

export interface AnnotationPlan {
  readonly name: string
  readonly sql: Frag
  readonly decode: Codec | undefined
  /** True when it is an aggregate of the outer query (the query then needs GROUP BY). */
  readonly aggregate: boolean
  readonly having?: Frag
}

const toNumber: Codec = (v) => (v === null ? null : Number(v))

function resultDecoder(
  fn: Aggregate['fn'],
  field: FieldInfo | undefined,
  dialect: SqlContext['dialect'],
): Codec | undefined {
  if (fn === 'count' || fn === 'avg') return toNumber
  if (field === undefined) return undefined
  if (
    fn === 'sum' &&
    (field.spec.kind === 'integer' || field.spec.kind === 'float' || field.spec.kind === 'duration')
  )
    return toNumber
  return decoderFor(valueField(field).spec, dialect)
}

function aggregateSql(fn: Aggregate['fn'], arg: Frag, distinct: boolean): Frag {
  return sql`${sql.raw(fn.toUpperCase())}(${sql.raw(distinct ? 'DISTINCT ' : '')}${arg})`
}

/**
 * Filter values inside aggregates are bound as constants: they are part of the cache shape through
 * `annotationShape`, so a different value compiles a different statement.
 */
function filterFrag(ctx: SqlContext, model: FieldInfo['model'], filter: object): Frag {
  const state = new ParseState()
  const cond = parseWhere(model, filter, state)
  const saved = ctx.constants
  ctx.constants = state.values
  try {
    return compileCond(ctx, cond)
  } finally {
    ctx.constants = saved
  }
}

/** Compile one annotation in the query's SQL context. */
export function compileAnnotation(ctx: SqlContext, name: string, expr: unknown): AnnotationPlan {
  if (expr instanceof FieldRef || expr instanceof Arithmetic) {
    return { name, sql: expressionSql(ctx, expr), decode: undefined, aggregate: false }
  }
  if (!(expr instanceof Aggregate)) {
    throw new QueryError(
      'PLINTH_ORM_BAD_ANNOTATION',
      `annotate({ ${name} }) needs Count/Sum/Avg/Min/Max or F(); got ${typeof expr}.`,
    )
  }
  const model = ctx.model
  const parts = expr.path === '*' ? [] : expr.path.split('.')
  // Walk forward relations; stop at the first many-valued one.
  let current = model
  const hops: RelationInfo[] = []
  let i = 0
  for (; i < parts.length; i++) {
    const key = parts[i]!
    if (
      current.meta.byAttr.has(key) &&
      !(current.meta.fields.get(key)?.spec.target && i < parts.length - 1)
    )
      break
    const relation = current.meta.relation(key)
    if (relation === undefined)
      throw new QueryError(
        'PLINTH_ORM_UNKNOWN_FIELD',
        `${current.name} has no field "${key}" (in ${expr.fn}("${expr.path}")).`,
      )
    if (relation.kind === 'forward') {
      hops.push(relation)
      current = relation.target
      continue
    }
    return manyAggregate(ctx, name, expr, hops, relation, parts.slice(i + 1).join('.'))
  }
  if (parts.length === 0) {
    if (expr.fn !== 'count')
      throw new QueryError(
        'PLINTH_ORM_BAD_ANNOTATION',
        `${expr.fn}("*") is not meaningful; name a field.`,
      )
    const arg = expr.filter
      ? sql`CASE WHEN ${filterFrag(ctx, model, expr.filter)} THEN 1 END`
      : sql.raw('*')
    return { name, sql: aggregateSql('count', arg, false), decode: toNumber, aggregate: true }
  }
  const path = { hops, field: resolvePath(current, parts.slice(i).join('.')).field }
  let arg: Frag = ctx.column(path)
  if (expr.filter) arg = sql`CASE WHEN ${filterFrag(ctx, model, expr.filter)} THEN ${arg} END`
  return {
    name,
    sql: aggregateSql(expr.fn, arg, expr.distinct),
    decode: resultDecoder(expr.fn, path.field, ctx.dialect),
    aggregate: true,
  }
}

function manyAggregate(
  ctx: SqlContext,
  name: string,
  expr: Aggregate,
  from: RelationInfo[],
  relation: RelationInfo,
  rest: string,
): AnnotationPlan {
  const ownerAlias = ctx.aliasFor(from)
  const ownerMeta = from.length ? from[from.length - 1]!.target.meta : ctx.model.meta
  const sub = new SqlContext(ctx.dialect, relation.target, ctx)
  const target = relation.target.meta
  const field = rest ? resolvePath(relation.target, rest) : undefined
  const arg = field ? sub.column(field) : sql.raw('*')
  const where: Frag[] = []
  if (expr.filter) where.push(filterFrag(sub, relation.target, expr.filter))
  const agg = aggregateSql(expr.fn, arg, expr.distinct)
  const joinsOf = () =>
    sql.join(
      sub.joins.map((j) => sql` LEFT JOIN ${sql.table(j.table)} AS ${sql.id(j.alias)} ON ${j.on}`),
      sql.raw(''),
    )
  let body: Frag
  if (relation.kind === 'reverse') {
    const fk = relation.field
    const toField = fk.spec.toField ? ownerMeta.fields.get(fk.spec.toField)! : ownerMeta.pk
    where.unshift(
      sql`${sql.ref(`${sub.alias}.${fk.column!}`)} = ${sql.ref(`${ownerAlias}.${toField.column!}`)}`,
    )
    body = sql`SELECT ${agg} FROM ${sql.table(target.table)} AS ${sql.id(sub.alias)}${joinsOf()} WHERE ${sql.join(where, sql.raw(' AND '))}`
  } else {
    const join = relation.join!
    const jt = ctx.nextAlias()
    where.unshift(
      sql`${sql.ref(`${jt}.${join.source}`)} = ${sql.ref(`${ownerAlias}.${ownerMeta.pk.column!}`)}`,
    )
    body = sql`SELECT ${agg} FROM ${sql.table(join.table)} AS ${sql.id(jt)} JOIN ${sql.table(target.table)} AS ${sql.id(sub.alias)} ON ${sql.ref(`${sub.alias}.${target.pk.column!}`)} = ${sql.ref(`${jt}.${join.target}`)}${joinsOf()} WHERE ${sql.join(where, sql.raw(' AND '))}`
  }
  let value: Frag = sql`(${body})`
  // COUNT over no rows is 0 already; SUM is NULL, as in Django.
  if (expr.fn === 'count') value = sql`COALESCE(${value}, 0)`
  return {
    name,
    sql: value,
    decode: resultDecoder(expr.fn, field?.field, ctx.dialect),
    aggregate: false,
  }
}

function expressionSql(ctx: SqlContext, expr: unknown): Frag {
  if (expr instanceof FieldRef) return ctx.column(resolvePath(ctx.model, expr.path))
  if (expr instanceof Arithmetic)
    return sql`(${expressionSql(ctx, expr.left)} ${sql.raw(expr.op)} ${expressionSql(ctx, expr.right)})`
  if (typeof expr === 'number' && Number.isFinite(expr)) return sql.lit(expr)
  if (typeof expr === 'string' && /^-?\d+(\.\d+)?$/.test(expr)) return sql.raw(expr)
  throw new QueryError(
    'PLINTH_ORM_BAD_ANNOTATION',
    'Annotation arithmetic accepts numbers and F() references.',
  )
}

/** A shape key for annotations (names and expression structure, no values). */
export function annotationShape(annotations: Readonly<Record<string, unknown>>): string {
  let key = ''
  for (const [name, expr] of Object.entries(annotations)) {
    key += `${name}=${describeExpr(expr)};`
  }
  return key
}

function describeExpr(expr: unknown): string {
  if (expr instanceof Aggregate)
    return `${expr.fn}${expr.distinct ? 'D' : ''}(${expr.path}${expr.filter ? `|${JSON.stringify(expr.filter)}` : ''})`
  if (expr instanceof FieldRef) return `F(${expr.path})`
  if (expr instanceof Arithmetic)
    return `(${describeExpr(expr.left)}${expr.op}${describeExpr(expr.right)})`
  return JSON.stringify(expr) ?? 'undefined'
}
