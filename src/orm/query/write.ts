/**
 * INSERT, UPDATE and DELETE.
 *
 * Writes list their columns explicitly, from model metadata only: a key that is not a writable
 * field is an error (no mass assignment of unknown keys), and every value is bound. UPDATE and
 * DELETE reuse the filter compiler; when the filter needs joins (it goes through a forward
 * relation) they select the primary keys in a subquery instead, wrapped once more on MySQL, which
 * refuses to read the table it is changing.
 */

import { type RawBuilder, sql } from 'kysely'
import { describe, isScalarFor } from '../codecs.ts'
import type { QueryResult } from '../connection/types.ts'
import type { Database } from '../database.ts'
import { IntegrityError, QueryError } from '../errors.ts'
import { type FieldInfo, valueField } from '../meta.ts'
import type { AnyModel } from '../model.ts'
import { buildSelect } from './compile-select.ts'
import { Arithmetic, FieldRef } from './expressions.ts'
import { lookup } from './lookup.ts'
import { compileCond, negate, operandSql } from './lookups.ts'
import { parseState, runSelect } from './run.ts'
import { SqlContext } from './sql-context.ts'
import { initialState, type QueryState } from './state.ts'
import { bindStatement, cachedStatement } from './statement-cache.ts'
import { expressionOperand, type ParseState } from './where.ts'

type Frag = RawBuilder<any>

/** The field for a write key (`price`, `categoryId`, or `category` given an instance or id). */
export function writableField(
  model: AnyModel,
  key: string,
): { field: FieldInfo; viaRelation: boolean } {
  const byAttr = model.meta.byAttr.get(key)
  if (byAttr !== undefined && byAttr.attr === key) return { field: byAttr, viaRelation: false }
  const info = model.meta.fields.get(key)
  if (info?.column !== undefined && info.spec.target !== undefined)
    return { field: info, viaRelation: true }
  if (info?.spec.kind === 'manyToMany') {
    throw new QueryError(
      'PLINTH_ORM_BAD_WRITE',
      `"${key}" is a many-to-many relation; change it with instance.related('${key}').add()/set() after saving.`,
    )
  }
  throw new QueryError(
    'PLINTH_ORM_UNKNOWN_FIELD',
    `${model.name} has no writable field "${key}". Known: ${[...model.meta.byAttr.keys()].join(', ')}.`,
  )
}

/** A related instance given for a foreign key stands for its key value. */
export function relationKeyValue(field: FieldInfo, value: unknown): unknown {
  if (
    value === null ||
    typeof value !== 'object' ||
    value instanceof Date ||
    value instanceof Uint8Array
  )
    return value
  const target = field.spec.toField
  const pkAttr = target ?? findTargetPk(field)
  const key = (value as Record<string, unknown>)[pkAttr]
  if (key === undefined || key === null) {
    throw new QueryError(
      'PLINTH_ORM_BAD_VALUE',
      `"${field.name}" was given a related object without a primary key; save it first.`,
    )
  }
  return key
}

function findTargetPk(field: FieldInfo): string {
  const relation = field.model.meta.relation(field.name)
  return relation ? relation.target.meta.pk.attr : 'id'
}

/** Check a value against the field; returns it ready to encode. */
export function checkValue(model: AnyModel, field: FieldInfo, value: unknown): unknown {
  if (value === undefined)
    throw new QueryError(
      'PLINTH_ORM_BAD_VALUE',
      `${model.name}.${field.attr} was given undefined; use null, or leave the key out.`,
    )
  if (!isScalarFor(valueField(field).spec, value)) {
    throw new QueryError(
      'PLINTH_ORM_BAD_VALUE',
      `${model.name}.${field.attr} expects a ${field.spec.kind} value; got ${describe(value)}.`,
    )
  }
  return value
}

/** Attach field names to an integrity error's columns. */
export function withFields(model: AnyModel, error: unknown): unknown {
  if (error instanceof IntegrityError) {
    const byColumn = new Map(model.meta.columns.map((f) => [f.column!, f.attr]))
    let columns = error.columns
    if (columns.length === 0 && error.constraint) {
      const c = model.meta.constraints.find((c) => 'name' in c && c.name === error.constraint)
      if (c && c.type === 'unique')
        columns = c.fields.map(
          (f) =>
            model.meta.byAttr.get(String(f))?.column ??
            model.meta.fields.get(String(f))?.column ??
            String(f),
        )
      const match = error.constraint.match(/^(?:uq|ix|fk)_[a-z0-9_]+?__(.+)$/)
      if (columns.length === 0 && match) columns = match[1]!.split('__')
    }
    error.fields = columns.map((c) => byColumn.get(c) ?? c)
  }
  return error
}

/** Run a write, translating integrity errors to field names. */
export async function runWrite(
  db: Database,
  model: AnyModel,
  statement: Parameters<Database['execute']>[0],
): Promise<QueryResult> {
  try {
    return await db.execute(statement)
  } catch (error) {
    throw withFields(model, error)
  }
}

/**
 * INSERT one or many rows of already-complete values (defaults applied by the caller). Returns the
 * primary keys the database generated, in order.
 */
export async function insertRows(
  db: Database,
  model: AnyModel,
  attrs: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>>,
): Promise<unknown[]> {
  const meta = model.meta
  const fields = attrs.map((a) => meta.byAttr.get(a)!)
  const pk = meta.pk
  const generated = pk.spec.generated
  const returning = generated && db.dialect !== 'mysql'
  const key = `${db.dialect}:I|${attrs.join(',')}|${rows.length}`
  const entry = cachedStatement(model, key, () => {
    const ctx = new SqlContext(db.dialect, model)
    let slot = 0
    const values = rows.map(() => fields.map((f) => ctx.slot(slot++, f)))
    const columns = fields.map((f) => sql.id(f.column!))
    const tuples = values.map((v) => sql`(${sql.join(v)})`)
    let query: Frag
    if (fields.length === 0) {
      query =
        db.dialect === 'mysql'
          ? sql`INSERT INTO ${sql.table(meta.table)} () VALUES ${sql.join(rows.map(() => sql`()`))}`
          : sql`INSERT INTO ${sql.table(meta.table)} DEFAULT VALUES`
    } else
      query = sql`INSERT INTO ${sql.table(meta.table)} (${sql.join(columns)}) VALUES ${sql.join(tuples)}`
    if (returning) query = sql`${query} RETURNING ${sql.id(pk.column!)}`
    return { compiled: query.compile(db.compiler), returnsRows: returning, extra: undefined }
  })
  const flat: unknown[] = []
  for (const row of rows) for (const a of attrs) flat.push(row[a])
  const result = await runWrite(db, model, bindStatement(entry, flat))
  if (!generated) return rows.map((r) => r[pk.attr])
  const decode =
    pk.spec.kind === 'bigAutoId' ? (v: unknown) => BigInt(v as number) : (v: unknown) => Number(v)
  // Keys given by the caller stand (MySQL reports only the first id, and not for explicit ones).
  if (rows.every((r) => r[pk.attr] !== undefined && r[pk.attr] !== null))
    return rows.map((r) => decode(r[pk.attr]))
  if (returning) return result.rows.map((r) => decode(r[pk.column!]))
  // MySQL reports the first id of a multi-row insert; InnoDB allocates the rest consecutively for
  // one statement (innodb_autoinc_lock_mode 0 or 1; see docs/orm.md). Counted in bigints: ids
  // beyond 2^53 are exact only there.
  const first = BigInt(result.insertId ?? 0)
  return rows.map((_, i) => decode(first + BigInt(i)))
}

/** Compile `SET` assignments for an update (values, F() expressions, arithmetic). */
function assignments(
  ctx: SqlContext,
  model: AnyModel,
  values: Record<string, unknown>,
  parse: ParseState,
): Frag[] {
  const sets: Frag[] = []
  for (const [key, raw] of Object.entries(values)) {
    const { field, viaRelation } = writableField(model, key)
    let value = viaRelation ? relationKeyValue(field, raw) : raw
    let rhs: Frag
    if (value instanceof FieldRef || value instanceof Arithmetic) {
      parse.shape += `${field.attr}=expr`
      rhs = operandSql(ctx, expressionOperand(model, value, parse))
    } else {
      value = checkValue(model, field, value)
      parse.shape += `${field.attr}=?`
      parse.values.push(value)
      rhs = ctx.slot(parse.values.length - 1, field)
    }
    sets.push(sql`${sql.id(field.column!)} = ${rhs}`)
  }
  return sets
}

/** The WHERE condition for the rows a write state matches (a primary-key subquery when it needs one). */
export function targetRows(
  db: Database,
  state: QueryState,
  ctx: SqlContext,
  parsed: ReturnType<typeof parseState>['parsed'],
): Frag {
  const conds = parsed.conds.map(({ cond, negate: neg }) => {
    const frag = compileCond(ctx, cond)
    return neg ? negate(ctx, frag) : frag
  })
  if (ctx.joins.length === 0 && parsed.limit === undefined && parsed.offsetSlot === undefined) {
    return conds.length ? sql.join(conds, sql.raw(' AND ')) : sql`1 = 1`
  }
  // Joins or slicing: select the primary keys in a subquery.
  const inner = new SqlContext(db.dialect, state.model)
  const pk = state.model.meta.pk
  const { query } = buildSelect(
    inner,
    db.compiler,
    { ...state, projection: { kind: 'list', keys: [pk.attr], flat: true }, annotations: {} },
    parsed,
    'subquery-in',
  )
  const ids =
    db.dialect === 'mysql'
      ? sql`SELECT ${sql.id('k')} FROM (${query}) AS ${sql.id('plinth_ids')}`
      : sql`${query}`
  return sql`${sql.ref(`${state.model.meta.table}.${pk.column!}`)} IN (${ids})`
}

/**
 * The state whose shape keys a write's statement. Ordering matters only to pick a slice's rows:
 * without a slice it is dropped (one statement for any order); with one it is part of the key.
 */
function writeState(state: QueryState): QueryState {
  return state.limit === undefined && state.offset === undefined ? { ...state, order: [] } : state
}

/** UPDATE the rows a query set matches. Returns the number of rows changed. */
export async function updateRows(
  db: Database,
  state: QueryState,
  values: Record<string, unknown>,
): Promise<number> {
  const model = state.model
  const { parsed, parse, key } = parseState(writeState(state), 'rows')
  const startValues = parse.values.length
  const ctx = new SqlContext(db.dialect, model, undefined, model.meta.table)
  const sets = assignments(ctx, model, values, parse)
  if (sets.length === 0) return 0
  const entry = cachedStatement(model, `${db.dialect}:U|${key}|${parse.shape}`, () => {
    const where = targetRows(db, state, ctx, parsed)
    const query = sql`UPDATE ${sql.table(model.meta.table)} SET ${sql.join(sets)} WHERE ${where}`
    return { compiled: query.compile(db.compiler), returnsRows: false, extra: startValues }
  })
  const result = await runWrite(db, model, bindStatement(entry, parse.values))
  return result.affected
}

/**
 * DELETE the rows a query set matches. Returns the number of rows deleted.
 *
 * Children whose key has `onDelete: 'setDefault'` are pointed at their default first, in the same
 * transaction: MySQL has no SET DEFAULT, and elsewhere the column has no database default to use
 * (defaults live in JavaScript). Children removed by a database cascade are not visited.
 */
export async function deleteRows(db: Database, state: QueryState): Promise<number> {
  const model = state.model
  const setDefault = model.meta
    .relations()
    .filter((r) => r.kind === 'reverse' && r.field.spec.onDelete === 'setDefault')
  if (setDefault.length) {
    return db.transaction(async () => {
      const keys = new Map<string, unknown[]>()
      for (const { field: fk, target } of setDefault) {
        const attr = fk.spec.toField
          ? (model.meta.fields.get(fk.spec.toField)?.attr ?? fk.spec.toField)
          : model.meta.pk.attr
        let list = keys.get(attr)
        if (list === undefined) {
          const select = {
            ...state,
            projection: { kind: 'list', keys: [attr], flat: true },
            annotations: {},
            related: [],
            prefetch: [],
          } as const
          list = (await runSelect(select, 'rows')) as unknown[]
          keys.set(attr, list)
        }
        const spec = fk.spec
        const value = relationKeyValue(
          fk,
          typeof spec.default === 'function' ? (spec.default as () => unknown)() : spec.default,
        )
        for (let i = 0; i < list.length; i += 1000) {
          const children = {
            ...initialState(target),
            where: [{ input: { [fk.attr]: lookup.in(list.slice(i, i + 1000)) }, negate: false }],
          }
          await updateRows(db, children, { [fk.attr]: value })
        }
      }
      return deleteMatching(db, state)
    })
  }
  return deleteMatching(db, state)
}

async function deleteMatching(db: Database, state: QueryState): Promise<number> {
  const model = state.model
  const { parsed, parse, key } = parseState(writeState(state), 'rows')
  const entry = cachedStatement(model, `${db.dialect}:D|${key}`, () => {
    const ctx = new SqlContext(db.dialect, model, undefined, model.meta.table)
    const where = targetRows(db, state, ctx, parsed)
    const query = sql`DELETE FROM ${sql.table(model.meta.table)} WHERE ${where}`
    return { compiled: query.compile(db.compiler), returnsRows: false, extra: undefined }
  })
  const result = await runWrite(db, model, bindStatement(entry, parse.values))
  return result.affected
}
