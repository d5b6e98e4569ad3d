/**
 * The differences between two schema descriptions: what the migrations say (expected) and what
 * the database has (actual). Each difference is one drift item with a sentence a person can act on.
 *
 * What is compared: tables; columns (normalized type, nullability, primary key); indexes (name,
 * columns in order with direction, unique, partial or not); unique constraints; foreign keys
 * (matched by their columns: name, target table and columns, ON DELETE); check constraints (by
 * name). On SQLite, unique constraints and foreign keys are matched by columns, not names. Not
 * compared: column order, defaults (Plinth keeps them in JavaScript), the text of
 * check and partial-index predicates, collations, storage options.
 */
import type { DialectName } from '../../orm/connection/types.ts'
import type {
  ColumnSchema,
  DatabaseSchema,
  ForeignKeySchema,
  IndexSchema,
  TableSchema,
} from './types.ts'

/** What kind of difference a drift item is. */
export type DriftKind =
  | 'missing-table'
  | 'extra-table'
  | 'unknown-table'
  | 'missing-column'
  | 'extra-column'
  | 'type-mismatch'
  | 'nullability-mismatch'
  | 'primary-key-mismatch'
  | 'missing-index'
  | 'extra-index'
  | 'index-mismatch'
  | 'missing-unique'
  | 'extra-unique'
  | 'unique-mismatch'
  | 'missing-foreign-key'
  | 'extra-foreign-key'
  | 'foreign-key-mismatch'
  | 'missing-check'
  | 'extra-check'

/** One difference between the database and the migrations. */
export interface DriftItem {
  readonly kind: DriftKind
  readonly table: string
  /** The column, index or constraint concerned. */
  readonly name?: string
  /** What the migrations say, as SQL-ish text. */
  readonly expected?: string
  /** What the database has. */
  readonly actual?: string
  readonly message: string
}

/** How to compare. */
export interface CompareOptions {
  /**
   * Tables some model owns although no applied migration creates them; found in the database,
   * they are reported as `extra-table`.
   */
  owned?: ReadonlySet<string>
  /** Tables never reported (the migration record table). */
  ignore?: ReadonlySet<string>
  /** Also report tables nothing knows about (`unknown-table`). */
  strict?: boolean
}

const describeColumn = (c: ColumnSchema) => `${c.sqlType} ${c.nullable ? 'NULL' : 'NOT NULL'}`

const columnList = (columns: readonly string[]) =>
  `(${columns.map((c) => (c.startsWith('-') ? `${c.slice(1)} DESC` : c)).join(', ')})`

type Keyed = IndexSchema & { kind: 'index' | 'unique' }

function describeIndex(i: Keyed): string {
  const what = i.kind === 'unique' ? 'UNIQUE constraint' : i.unique ? 'UNIQUE INDEX' : 'INDEX'
  return `${what} ${columnList(i.columns)}${i.partial ? ' WHERE …' : ''}`
}

function describeForeignKey(fk: ForeignKeySchema): string {
  const name = fk.name === undefined ? '' : `${fk.name}: `
  return `${name}${columnList(fk.columns)} → ${fk.references.table} ${columnList(fk.references.columns)} ON DELETE ${fk.onDelete}`
}

const same = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i])

function compareColumns(expected: TableSchema, actual: TableSchema, out: DriftItem[]): void {
  const t = expected.name
  const found = new Map(actual.columns.map((c) => [c.name, c]))
  for (const e of expected.columns) {
    const a = found.get(e.name)
    found.delete(e.name)
    const base = { table: t, name: e.name }
    if (a === undefined) {
      const message = `Column ${t}.${e.name} is missing from the database; the migrations have it as ${describeColumn(e)}.`
      out.push({ kind: 'missing-column', ...base, expected: describeColumn(e), message })
      continue
    }
    if (a.type !== e.type) {
      const message = `${t}.${e.name} is ${a.sqlType} in the database but ${e.sqlType} in the migrations.`
      out.push({ kind: 'type-mismatch', ...base, expected: e.sqlType, actual: a.sqlType, message })
    }
    if (a.nullable !== e.nullable) {
      const say = (nullable: boolean) => (nullable ? 'NULL' : 'NOT NULL')
      const message = `${t}.${e.name} is ${say(a.nullable)} in the database but ${say(e.nullable)} in the migrations.`
      out.push({
        kind: 'nullability-mismatch',
        ...base,
        expected: say(e.nullable),
        actual: say(a.nullable),
        message,
      })
    }
    if (a.primaryKey !== e.primaryKey) {
      const say = (pk: boolean) => (pk ? 'part of the primary key' : 'not part of the primary key')
      const message = `${t}.${e.name} is ${say(a.primaryKey)} in the database but ${say(e.primaryKey)} in the migrations.`
      out.push({
        kind: 'primary-key-mismatch',
        ...base,
        expected: say(e.primaryKey),
        actual: say(a.primaryKey),
        message,
      })
    }
  }
  for (const a of found.values()) {
    const message = `Column ${t}.${a.name} (${describeColumn(a)}) exists in the database but not in the migrations.`
    out.push({ kind: 'extra-column', table: t, name: a.name, actual: describeColumn(a), message })
  }
}

function keyed(table: TableSchema): Map<string, Keyed> {
  const out = new Map<string, Keyed>()
  for (const i of table.indexes) out.set(i.name, { ...i, kind: 'index' })
  for (const u of table.uniques) out.set(u.name, { ...u, kind: 'unique' })
  return out
}

function compareIndexes(
  expected: TableSchema,
  actual: TableSchema,
  dialect: DialectName,
  out: DriftItem[],
): void {
  const t = expected.name
  const wanted = keyed(expected)
  const found = keyed(actual)
  if (dialect === 'mysql') {
    // InnoDB indexes every foreign key, naming the index after the constraint when no other
    // index serves it (and keeps it after the key is dropped): not drift.
    const fks = [...expected.foreignKeys, ...actual.foreignKeys]
    for (const [name, i] of found) {
      const fk = fks.find((f) => f.name === name && same(f.columns, i.columns))
      if (fk && !i.unique && !wanted.has(name)) found.delete(name)
    }
  }
  if (dialect === 'sqlite') {
    // SQLite never addresses a constraint by name (changing one rebuilds the table), and its
    // RENAME COLUMN / RENAME TO keep the old names in the table's SQL: match them by columns.
    for (const e of wanted.values()) {
      if (e.kind !== 'unique' || found.has(e.name)) continue
      const alias = [...found.values()].find(
        (a) => a.kind === 'unique' && !wanted.has(a.name) && same(a.columns, e.columns),
      )
      if (alias === undefined) continue
      found.delete(alias.name)
      found.set(e.name, { ...alias, name: e.name })
    }
  }
  // MySQL cannot tell a unique constraint from a unique index; elsewhere the difference matters
  // to later migrations (DROP CONSTRAINT versus DROP INDEX).
  const kindMatters = dialect !== 'mysql'
  for (const e of wanted.values()) {
    const a = found.get(e.name)
    found.delete(e.name)
    const label = e.kind === 'unique' ? 'Unique constraint' : 'Index'
    if (a === undefined) {
      const message = `${label} ${e.name} on ${t} ${columnList(e.columns)} is missing from the database.`
      out.push({
        kind: e.kind === 'unique' ? 'missing-unique' : 'missing-index',
        table: t,
        name: e.name,
        expected: describeIndex(e),
        message,
      })
      continue
    }
    const differs =
      !same(a.columns, e.columns) ||
      a.unique !== e.unique ||
      a.partial !== e.partial ||
      (kindMatters && a.kind !== e.kind)
    if (differs) {
      const message = `${label} ${e.name} on ${t} is ${describeIndex(a)} in the database but ${describeIndex(e)} in the migrations.`
      out.push({
        kind: e.kind === 'unique' ? 'unique-mismatch' : 'index-mismatch',
        table: t,
        name: e.name,
        expected: describeIndex(e),
        actual: describeIndex(a),
        message,
      })
    }
  }
  for (const a of found.values()) {
    const label = a.kind === 'unique' ? 'Unique constraint' : 'Index'
    const message = `${label} ${a.name} on ${t} ${columnList(a.columns)} exists in the database but not in the migrations.`
    out.push({
      kind: a.kind === 'unique' ? 'extra-unique' : 'extra-index',
      table: t,
      name: a.name,
      actual: describeIndex(a),
      message,
    })
  }
}

function compareForeignKeys(
  expected: TableSchema,
  actual: TableSchema,
  dialect: DialectName,
  out: DriftItem[],
): void {
  const t = expected.name
  const found = new Map(actual.foreignKeys.map((f) => [f.columns.join(','), f]))
  for (const e of expected.foreignKeys) {
    const key = e.columns.join(',')
    const a = found.get(key)
    found.delete(key)
    if (a === undefined) {
      const message = `Foreign key ${e.name} on ${t} ${columnList(e.columns)} → ${e.references.table} is missing from the database.`
      out.push({
        kind: 'missing-foreign-key',
        table: t,
        ...(e.name === undefined ? {} : { name: e.name }),
        expected: describeForeignKey(e),
        message,
      })
      continue
    }
    const differs =
      a.references.table !== e.references.table ||
      !same(a.references.columns, e.references.columns) ||
      a.onDelete !== e.onDelete ||
      // Names do not matter on SQLite, see compareIndexes.
      (a.name !== undefined && a.name !== e.name && dialect !== 'sqlite')
    if (differs) {
      const message = `Foreign key on ${t} ${columnList(e.columns)} is ${describeForeignKey(a)} in the database but ${describeForeignKey(e)} in the migrations.`
      out.push({
        kind: 'foreign-key-mismatch',
        table: t,
        ...(e.name === undefined ? {} : { name: e.name }),
        expected: describeForeignKey(e),
        actual: describeForeignKey(a),
        message,
      })
    }
  }
  for (const a of found.values()) {
    const message = `Foreign key ${describeForeignKey(a)} on ${t} exists in the database but not in the migrations.`
    out.push({
      kind: 'extra-foreign-key',
      table: t,
      ...(a.name === undefined ? {} : { name: a.name }),
      actual: describeForeignKey(a),
      message,
    })
  }
}

function compareChecks(expected: TableSchema, actual: TableSchema, out: DriftItem[]): void {
  const t = expected.name
  const found = new Set(actual.checks)
  for (const name of expected.checks) {
    if (found.delete(name)) continue
    const message = `Check constraint ${name} on ${t} is missing from the database.`
    out.push({ kind: 'missing-check', table: t, name, message })
  }
  for (const name of found) {
    const message = `Check constraint ${name} on ${t} exists in the database but not in the migrations.`
    out.push({ kind: 'extra-check', table: t, name, message })
  }
}

/**
 * Every difference between what the migrations say and what the database has, table by table in
 * name order.
 *
 * @example
 * const drift = compareSchemas(expectedSchema(state, db.dialect), await introspect(db))
 */
export function compareSchemas(
  expected: DatabaseSchema,
  actual: DatabaseSchema,
  options: CompareOptions = {},
): DriftItem[] {
  const out: DriftItem[] = []
  const names = [...new Set([...expected.tables.keys(), ...actual.tables.keys()])].sort()
  for (const name of names) {
    if (options.ignore?.has(name)) continue
    const e = expected.tables.get(name)
    const a = actual.tables.get(name)
    if (e === undefined) {
      if (options.owned?.has(name)) {
        const message = `Table ${name} exists in the database but no applied migration creates it, although a model uses it: run \`plinth makemigrations\` (or check that its migration is recorded as applied).`
        out.push({ kind: 'extra-table', table: name, message })
      } else if (options.strict) {
        const message = `Table ${name} exists in the database but no model or migration knows it.`
        out.push({ kind: 'unknown-table', table: name, message })
      }
      continue
    }
    if (a === undefined) {
      const message = `Table ${name} is missing from the database; the applied migrations create it.`
      out.push({ kind: 'missing-table', table: name, message })
      continue
    }
    compareColumns(e, a, out)
    compareIndexes(e, a, expected.dialect, out)
    compareForeignKeys(e, a, expected.dialect, out)
    compareChecks(e, a, out)
  }
  return out
}
