/**
 * `bulkUpdate`: write chosen fields of many rows with one UPDATE per batch, as Django's
 * `bulk_update`:
 *
 *   UPDATE t SET f = CASE pk WHEN ? THEN ? … ELSE f END, … WHERE pk IN (?, …)
 *
 * Everything that can be wrong with the arguments (fields, keys, values, codecs) is found before
 * the first statement runs, because every batch is compiled and bound first. Several batches run
 * in one transaction (the caller's, or one of their own), so a failure keeps none of them.
 */
import { sql } from 'kysely'
import { describe, encoderFor } from '../codecs.ts'
import type { DialectName, Statement } from '../connection/types.ts'
import type { Database } from '../database.ts'
import { OrmError, QueryError } from '../errors.ts'
import { markWritten } from '../instance.ts'
import { type FieldInfo, valueField } from '../meta.ts'
import type { AnyModel } from '../model.ts'
import { columnType } from '../schema/column-types.ts'
import { lookup } from './lookup.ts'
import { parseState } from './run.ts'
import { SqlContext } from './sql-context.ts'
import type { QueryState } from './state.ts'
import {
  bindStatement,
  type CachedStatement,
  cachedStatement,
  toCachedStatement,
} from './statement-cache.ts'
import { checkValue, runWrite, targetRows, writableField } from './write.ts'

/** Options of `bulkUpdate`. */
export interface BulkUpdateOptions {
  /** Rows per UPDATE (default 500; fewer when the dialect's parameter limit requires it). */
  batchSize?: number
}

/**
 * Bound parameters one statement may carry: node:sqlite's SQLite is built with the default
 * SQLITE_MAX_VARIABLE_NUMBER (32766 since 3.32); the PostgreSQL protocol and MySQL's prepared
 * statements count them in 16 bits.
 */
const MAX_PARAMS: Record<DialectName, number> = { sqlite: 32766, postgres: 65535, mysql: 65535 }
/**
 * A CASE is searched linearly for every row the UPDATE visits, so one batch costs rows² comparisons:
 * 500 keeps that small while still writing 500 rows per round trip (bulkCreate's default too).
 */
const DEFAULT_BATCH = 500
/** Larger statements are compiled per call rather than cached (their SQL text is long). */
const MAX_CACHED_PARAMS = 4096

interface KeyedRow {
  readonly key: unknown
  /** The key as bound, which orders the rows. */
  readonly sort: unknown
  readonly row: Record<string, unknown>
}

/** UPDATE `names` of `objects` (by primary key) among the rows `state` matches; rows matched. */
export async function bulkUpdateRows(
  db: Database,
  state: QueryState,
  objects: readonly unknown[],
  names: readonly string[],
  options: BulkUpdateOptions,
): Promise<number> {
  const model = state.model
  const batchSize = checkBatchSize(options.batchSize)
  if (state.limit !== undefined || state.offset !== undefined)
    throw badWrite('bulkUpdate() cannot run on a sliced query set; filter it instead.')
  const fields = updatedFields(model, names)
  if (!Array.isArray(objects))
    throw badWrite('bulkUpdate() takes an array of instances as its first argument.')
  const rows = latestPerKey(db.dialect, model, objects)
  for (const { row } of rows) for (const f of fields) checkValue(model, f, row[f.attr])
  if (rows.length === 0) return 0

  // Automatic timestamps move as with update() and save(), unless the caller writes them.
  const now = new Date()
  const automatic = model.meta.columns.filter((f) => f.spec.autoNow && !fields.includes(f))
  const stamps = automatic.map((f) =>
    f.spec.kind === 'date' ? now.toISOString().slice(0, 10) : now,
  )

  const base = { ...state, order: [] }
  const filterParams = parseState(base, 'rows').parse.values.length
  const room = MAX_PARAMS[db.dialect] - filterParams - automatic.length
  const perRow = 2 * fields.length + 1 // WHEN key THEN value per field, and the key in IN (…)
  const size = Math.max(1, Math.min(batchSize ?? DEFAULT_BATCH, Math.floor(room / perRow)))
  const statements: Statement[] = []
  for (let start = 0; start < rows.length; start += size)
    statements.push(
      batchStatement(db, base, fields, automatic, stamps, rows.slice(start, start + size)),
    )

  const run = async () => {
    let matched = 0
    for (const statement of statements) matched += (await runWrite(db, model, statement)).affected
    return matched
  }
  const matched =
    statements.length > 1 && !db.inTransaction ? await db.transaction(run) : await run()

  const written = [...fields, ...automatic].map((f) => f.attr)
  for (const { row } of rows) {
    automatic.forEach((f, i) => {
      row[f.attr] = stamps[i]
    })
    markWritten(row, written)
  }
  return matched
}

function badWrite(message: string): QueryError {
  return new QueryError('PLINTH_ORM_BAD_WRITE', message)
}

function checkBatchSize(size: number | undefined): number | undefined {
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 1))
    throw badWrite(
      `bulkUpdate() batchSize must be a whole number of at least 1; got ${String(size)}.`,
    )
  return size
}

/** The columns to write, each once; the primary key and many-to-many fields are refused. */
function updatedFields(model: AnyModel, names: readonly string[]): FieldInfo[] {
  if (!Array.isArray(names) || names.length === 0)
    throw badWrite("bulkUpdate() needs the names of the fields to write, e.g. ['price'].")
  const fields: FieldInfo[] = []
  for (const name of names) {
    const { field } = writableField(model, String(name))
    if (field === model.meta.pk)
      throw badWrite(
        `bulkUpdate() cannot change the primary key "${field.attr}" of ${model.name}: it is how rows are found.`,
      )
    if (!fields.includes(field)) fields.push(field)
  }
  return fields
}

/**
 * One entry per primary key, the last object given for it winning (a later change supersedes an
 * earlier one, as when saving them in order), in key order: concurrent bulk updates then lock
 * overlapping rows batch after batch in the same order.
 */
function latestPerKey(
  dialect: DialectName,
  model: AnyModel,
  objects: readonly unknown[],
): KeyedRow[] {
  const pk = model.meta.pk
  const encode = encoderFor(valueField(pk).spec, dialect)
  const byKey = new Map<unknown, KeyedRow>()
  objects.forEach((object, index) => {
    if (typeof object !== 'object' || object === null || Array.isArray(object))
      throw badWrite(
        `bulkUpdate() takes ${model.name} instances; item ${index} is ${describe(object)}.`,
      )
    const row = object as Record<string, unknown>
    const key = row[pk.attr]
    if (key === undefined || key === null) {
      throw new OrmError(
        'PLINTH_ORM_NO_PRIMARY_KEY',
        `bulkUpdate() finds rows by primary key, and ${model.name} item ${index} has no "${pk.attr}": save it first.`,
      )
    }
    checkValue(model, pk, key)
    // Keys are compared as bound: a bigint key given as 5 and as 5n, or a UUID in two cases, is one row.
    const sort = encode === undefined ? key : encode(key)
    byKey.set(typeof sort === 'bigint' ? String(sort) : sort, { key, sort, row })
  })
  return [...byKey.values()].sort(keyOrder)
}

/** Bound keys of one model are all numbers, all bigints or all strings: `<` orders them. */
function keyOrder(a: KeyedRow, b: KeyedRow): number {
  const x = a.sort as string
  const y = b.sort as string
  return x < y ? -1 : x > y ? 1 : 0
}

/** PostgreSQL types a CASE of parameters as text: each value is cast to the column's base type. */
function castType(field: FieldInfo): string {
  // Without the length or precision, which an explicit cast would apply by silently truncating;
  // the assignment to the column then checks them exactly as an INSERT or a plain UPDATE does.
  return columnType(field, 'postgres').replace(/\(\d+(?:,\s*\d+)?\)/g, '')
}

/** The bound UPDATE for one batch (compiled once per shape: fields, filters, batch length). */
function batchStatement(
  db: Database,
  state: QueryState,
  fields: readonly FieldInfo[],
  automatic: readonly FieldInfo[],
  stamps: readonly unknown[],
  batch: readonly KeyedRow[],
): Statement {
  const model = state.model
  const pk = model.meta.pk
  const keys = batch.map((r) => r.key)
  const batchState: QueryState = {
    ...state,
    where: [...state.where, { input: { [pk.attr]: lookup.in(keys) }, negate: false }],
  }
  const { parsed, parse, key } = parseState(batchState, 'rows')
  const first = parse.values.length
  for (const f of fields) for (const r of batch) parse.values.push(r.key, r.row[f.attr])
  for (const stamp of stamps) parse.values.push(stamp)
  const compile = () => {
    const ctx = new SqlContext(db.dialect, model, undefined, model.meta.table)
    const pkColumn = sql.id(pk.column!)
    let slot = first
    const sets = fields.map((f) => {
      const column = sql.id(f.column!)
      const cast = db.dialect === 'postgres' ? sql.raw(castType(f)) : undefined
      const whens = batch.map(() => {
        const when = ctx.slot(slot++, pk)
        const then = ctx.slot(slot++, f)
        return sql`WHEN ${when} THEN ${cast ? sql`CAST(${then} AS ${cast})` : then}`
      })
      // ELSE keeps the value of a row no WHEN names (none, since WHERE lists the same keys).
      return sql`${column} = CASE ${pkColumn} ${sql.join(whens, sql` `)} ELSE ${column} END`
    })
    for (const f of automatic) sets.push(sql`${sql.id(f.column!)} = ${ctx.slot(slot++, f)}`)
    const where = targetRows(db, batchState, ctx, parsed)
    const query = sql`UPDATE ${sql.table(model.meta.table)} SET ${sql.join(sets)} WHERE ${where}`
    return { compiled: query.compile(db.compiler), returnsRows: false, extra: undefined }
  }
  let entry: CachedStatement<undefined>
  if (parse.values.length <= MAX_CACHED_PARAMS) {
    const shape = `${db.dialect}:BU|${key}|${fields.map((f) => f.attr).join(',')}|${automatic.map((f) => f.attr).join(',')}`
    entry = cachedStatement(model, shape, compile)
  } else {
    const { compiled } = compile()
    entry = toCachedStatement(compiled, false, undefined)
  }
  return bindStatement(entry, parse.values)
}
