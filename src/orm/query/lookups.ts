/**
 * SQL for conditions, per dialect: `exact`, `in`, `icontains`, date parts, EXISTS over related rows.
 *
 * Portability notes (why some lookups look different per dialect):
 * - `contains`/`startswith`/`endswith` must be case-sensitive. SQLite's LIKE ignores ASCII case, so
 *   SQLite uses GLOB; MySQL compares with the column's (case-insensitive) collation, so MySQL uses
 *   `LIKE BINARY`; PostgreSQL's LIKE is already case-sensitive.
 * - `i*` lookups lower both sides (`ILIKE` on PostgreSQL), so they agree across dialects.
 * - Wildcards in the user's text are escaped when the value is bound: `icontains: '50%'` finds "50%".
 * - `exclude()` and `not()` treat NULL as "does not match" (`NOT COALESCE(cond, FALSE)`), so rows
 *   with a NULL column are kept by `exclude({ x: 5 })`, as in Django.
 */
import { type RawBuilder, sql } from 'kysely'
import { QueryError } from '../errors.ts'
import type { RelationInfo } from '../meta.ts'
import { SqlContext } from './sql-context.ts'
import {
  type Cond,
  type DatePart,
  type LookupName as Lookup,
  type Operand,
  resolvePath,
} from './where.ts'

type Frag = RawBuilder<any>

const likeEscape = (v: unknown) => String(v).replace(/[\\%_]/g, (c) => `\\${c}`)
const globEscape = (v: unknown) => String(v).replace(/[*?[]/g, (c) => `[${c}]`)

/** Compile a condition tree to a boolean SQL fragment. */
export function compileCond(ctx: SqlContext, cond: Cond): Frag {
  switch (cond.t) {
    case 'true':
      return sql`1 = 1`
    case 'and':
    case 'or': {
      if (cond.items.length === 0) return cond.t === 'and' ? sql`1 = 1` : sql`1 = 0`
      const parts = cond.items.map((item) => compileCond(ctx, item))
      return sql`(${sql.join(parts, sql.raw(cond.t === 'and' ? ' AND ' : ' OR '))})`
    }
    case 'not':
      return negate(ctx, compileCond(ctx, cond.item))
    case 'exists':
      // Kysely parenthesizes an embedded query builder itself (SQLite rejects `EXISTS ((…))`).
      return sql`EXISTS ${cond.query.compile(ctx, 'exists')}`
    case 'related':
      return compileRelated(ctx, cond.relation, cond.from, cond.inner)
    case 'cmp':
      return compileCmp(ctx, cond)
  }
}

/** `NOT (cond)`, with NULL counted as false. */
export function negate(ctx: SqlContext, frag: Frag): Frag {
  return ctx.dialect === 'sqlite'
    ? sql`NOT COALESCE(${frag}, 0)`
    : sql`NOT COALESCE(${frag}, FALSE)`
}

function compileRelated(
  ctx: SqlContext,
  relation: RelationInfo,
  from: readonly RelationInfo[],
  inner: Cond,
): Frag {
  const ownerAlias = ctx.aliasFor(from)
  const ownerMeta = from.length ? from[from.length - 1]!.target.meta : ctx.model.meta
  const sub = new SqlContext(ctx.dialect, relation.target, ctx)
  const targetMeta = relation.target.meta
  const where = compileCond(sub, inner)
  const joins = sql.join(
    sub.joins.map((j) => sql` LEFT JOIN ${sql.table(j.table)} AS ${sql.id(j.alias)} ON ${j.on}`),
    sql.raw(''),
  )
  if (relation.kind === 'reverse') {
    const fk = relation.field
    const toField = fk.spec.toField ? ownerMeta.fields.get(fk.spec.toField)! : ownerMeta.pk
    return sql`EXISTS (SELECT 1 FROM ${sql.table(targetMeta.table)} AS ${sql.id(sub.alias)}${joins} WHERE ${sql.ref(`${sub.alias}.${fk.column!}`)} = ${sql.ref(`${ownerAlias}.${toField.column!}`)} AND ${where})`
  }
  // many-to-many: through the join table.
  const join = relation.join!
  const jt = ctx.nextAlias()
  return sql`EXISTS (SELECT 1 FROM ${sql.table(join.table)} AS ${sql.id(jt)} JOIN ${sql.table(targetMeta.table)} AS ${sql.id(sub.alias)} ON ${sql.ref(`${sub.alias}.${targetMeta.pk.column!}`)} = ${sql.ref(`${jt}.${join.target}`)}${joins} WHERE ${sql.ref(`${jt}.${join.source}`)} = ${sql.ref(`${ownerAlias}.${ownerMeta.pk.column!}`)} AND ${where})`
}

/** SQL for an operand (slot, column, arithmetic, subquery). */
export function operandSql(
  ctx: SqlContext,
  operand: Operand,
  transform?: (v: unknown) => unknown,
): Frag {
  switch (operand.t) {
    case 'slot':
      return ctx.slot(operand.index, operand.field, transform)
    case 'column': {
      if (operand.outer) {
        const outer = ctx.outer
        if (!outer)
          throw new QueryError(
            'PLINTH_ORM_BAD_PATH',
            `OuterRef('${operand.path.field.name}') is only valid inside a subquery.`,
          )
        return outer.column(resolvePath(outer.model, operand.path.field.name))
      }
      return ctx.column(operand.path)
    }
    case 'arith':
      return sql`(${operandSql(ctx, operand.left)} ${sql.raw(operand.op)} ${operandSql(ctx, operand.right)})`
    case 'subquery':
      return sql`(${operand.query.compile(ctx, 'in')})`
  }
}

function datePart(ctx: SqlContext, col: Frag, part: DatePart, kind: string): Frag {
  if (part === 'date') {
    if (kind === 'date') return col
    if (ctx.dialect === 'postgres') return sql`CAST(${col} AT TIME ZONE 'UTC' AS DATE)`
    if (ctx.dialect === 'mysql') return sql`DATE(${col})`
    return sql`date(${col})`
  }
  if (ctx.dialect === 'postgres') {
    if (part === 'weekDay') return sql`(EXTRACT(DOW FROM ${col}) + 1)`
    // EXTRACT(SECOND …) keeps the fraction (42.75); the other dialects give whole seconds.
    if (part === 'second') return sql`FLOOR(EXTRACT(SECOND FROM ${col}))`
    return sql`EXTRACT(${sql.raw(part.toUpperCase())} FROM ${col})`
  }
  if (ctx.dialect === 'mysql') {
    const fn = {
      year: 'YEAR',
      month: 'MONTH',
      day: 'DAYOFMONTH',
      weekDay: 'DAYOFWEEK',
      hour: 'HOUR',
      minute: 'MINUTE',
      second: 'SECOND',
    }[part]
    return sql`${sql.raw(fn)}(${col})`
  }
  const fmt = {
    year: '%Y',
    month: '%m',
    day: '%d',
    weekDay: '%w',
    hour: '%H',
    minute: '%M',
    second: '%S',
  }[part]
  const expr = sql`CAST(strftime(${sql.lit(fmt)}, ${col}) AS INTEGER)`
  return part === 'weekDay' ? sql`(${expr} + 1)` : expr
}

const COMPARE: Partial<Record<Lookup, string>> = {
  exact: '=',
  ne: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
}

function compileCmp(ctx: SqlContext, cond: Extract<Cond, { t: 'cmp' }>): Frag {
  const kind = cond.path.field.spec.kind
  let col = ctx.column(cond.path)
  if (cond.part) col = datePart(ctx, col, cond.part, kind)
  // PostgreSQL's uuid type has no LIKE, LOWER or ~: text lookups compare its text form.
  if (
    ctx.dialect === 'postgres' &&
    (kind === 'uuid' || kind === 'uuidId') &&
    !(cond.lookup in COMPARE) &&
    cond.lookup !== 'in' &&
    cond.lookup !== 'range' &&
    cond.lookup !== 'isnull'
  ) {
    col = sql`CAST(${col} AS text)`
  }
  const { lookup, value } = cond
  const d = ctx.dialect
  if (lookup === 'isnull') return value ? sql`${col} IS NULL` : sql`${col} IS NOT NULL`
  if (Array.isArray(value) && value.length === 0 && (lookup === 'exact' || lookup === 'ne')) {
    return lookup === 'exact' ? sql`${col} IS NULL` : sql`${col} IS NOT NULL`
  }
  if (lookup === 'in') {
    if (!Array.isArray(value)) return sql`${col} IN ${operandSql(ctx, value as Operand)}`
    if (value.length === 0) return sql`1 = 0`
    return sql`${col} IN (${sql.join((value as Operand[]).map((v) => operandSql(ctx, v)))})`
  }
  if (lookup === 'range') {
    const [low, high] = value as Operand[]
    return sql`${col} BETWEEN ${operandSql(ctx, low!)} AND ${operandSql(ctx, high!)}`
  }
  const operand = value as Operand
  const op = COMPARE[lookup]
  if (op !== undefined) return sql`${col} ${sql.raw(op)} ${operandSql(ctx, operand)}`
  const lower = (v: unknown) => String(v).toLowerCase()
  switch (lookup) {
    case 'iexact':
      return sql`LOWER(${col}) = ${operandSql(ctx, operand, lower)}`
    case 'contains':
    case 'startswith':
    case 'endswith': {
      const pre = lookup === 'contains' || lookup === 'endswith'
      const post = lookup === 'contains' || lookup === 'startswith'
      if (d === 'sqlite') {
        return sql`${col} GLOB ${operandSql(ctx, operand, (v) => `${pre ? '*' : ''}${globEscape(v)}${post ? '*' : ''}`)}`
      }
      const pattern = (v: unknown) => `${pre ? '%' : ''}${likeEscape(v)}${post ? '%' : ''}`
      if (d === 'mysql') return sql`${col} LIKE BINARY ${operandSql(ctx, operand, pattern)}`
      return sql`${col} LIKE ${operandSql(ctx, operand, pattern)}`
    }
    case 'icontains':
    case 'istartswith':
    case 'iendswith': {
      const pre = lookup !== 'istartswith'
      const post = lookup !== 'iendswith'
      const pattern = (v: unknown) => `${pre ? '%' : ''}${likeEscape(lower(v))}${post ? '%' : ''}`
      if (d === 'postgres') return sql`${col} ILIKE ${operandSql(ctx, operand, pattern)}`
      if (d === 'sqlite')
        return sql`LOWER(${col}) LIKE ${operandSql(ctx, operand, pattern)} ESCAPE '\\'`
      return sql`LOWER(${col}) LIKE ${operandSql(ctx, operand, pattern)}`
    }
    case 'regex':
    case 'iregex': {
      const insensitive = lookup === 'iregex'
      if (d === 'postgres')
        return sql`${col} ${sql.raw(insensitive ? '~*' : '~')} ${operandSql(ctx, operand)}`
      if (d === 'mysql')
        return sql`${col} REGEXP ${operandSql(ctx, operand, (v) => `${insensitive ? '(?i)' : '(?-i)'}${String(v)}`)}`
      return sql`${sql.raw(insensitive ? 'plinth_iregexp' : 'plinth_regexp')}(${operandSql(ctx, operand)}, ${col})`
    }
  }
  throw new QueryError('PLINTH_ORM_UNKNOWN_LOOKUP', `Unsupported lookup "${lookup}".`)
}
