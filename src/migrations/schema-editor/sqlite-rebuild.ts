/**
 * SQLite's rebuild-copy-swap: the way to make the table changes SQLite's ALTER TABLE cannot
 * (change a type or NULL, add or drop a constraint, a foreign key, a UNIQUE column). It follows
 * https://www.sqlite.org/lang_altertable.html section 7 (Django's `_remake_table` does the same):
 *
 * 1. remember the views and triggers that mention the table (and views that mention those), and
 *    drop them: SQLite checks the whole schema when a table is renamed, and they would point at
 *    a table that is briefly gone;
 * 2. create `new__<table>` in the new shape (the same CREATE TABLE as `createTables`);
 * 3. copy every row, mapping columns (renamed ones by their old name, added ones from a fill);
 * 4. drop the old table, rename the new one, recreate indexes, then the views and triggers;
 * 5. keep the AUTOINCREMENT counter, so ids of deleted rows are not handed out again.
 *
 * It must run with foreign keys OFF (dropping the old table would otherwise delete or refuse
 * child rows) inside a transaction ending with `PRAGMA foreign_key_check`: the schema editor's
 * `run()` arranges both.
 */
import type { Kysely } from 'kysely'
import type { AnyModel } from '../../orm/model.ts'
import { quote, type TableStatements, tableStatements } from '../../orm/schema/ddl.ts'
import type { JoinFacts } from './facts.ts'

/** Where a column of the new table takes its values from: an SQL expression and its values. */
export interface ColumnSource {
  readonly sql: string
  readonly params: readonly unknown[]
}

/** A table in the shape it is rebuilt into. */
export interface TableShape {
  readonly table: string
  /** Its CREATE TABLE and CREATE INDEX statements (as `createTables` has them). */
  readonly statements: TableStatements
  readonly columns: readonly string[]
  /** The primary key is AUTOINCREMENT: its counter is carried over. */
  readonly autoincrement: boolean
}

/** The shape of a model's table. */
export function modelShape(model: AnyModel, compiler: Kysely<any>): TableShape {
  return {
    table: model.meta.table,
    statements: tableStatements(model, 'sqlite', compiler),
    columns: model.meta.columns.map((f) => f.column!),
    autoincrement: model.meta.pk.spec.generated === true,
  }
}

/** The shape of an automatic join table. */
export function joinShape(join: JoinFacts): TableShape {
  return {
    table: join.table,
    statements: join.statements,
    columns: ['id', join.source, join.target],
    autoincrement: true,
  }
}

/** What the rebuild needs from the schema editor. */
export interface RebuildHost {
  readonly compiler: Kysely<any>
  execute(sql: string): Promise<void>
  executeWith(sql: string, params: readonly unknown[]): Promise<void>
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>
}

interface SchemaObject {
  readonly type: string
  readonly name: string
  readonly table: string
  readonly sql: string
}

function mentions(sql: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(^|[^\\w$])["\`[]?${escaped}["\`\\]]?(?![\\w$])`, 'i').test(sql)
}

/** Views and triggers that depend on `table`, directly or through a view, in creation order. */
export async function dependents(host: RebuildHost, table: string): Promise<SchemaObject[]> {
  const rows = (await host.query(
    "SELECT type, name, tbl_name AS tbl, sql FROM sqlite_master WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY rowid",
  )) as { type: string; name: string; tbl: string; sql: string }[]
  const names = new Set([table.toLowerCase()])
  const found = new Set<string>()
  for (let grew = true; grew; ) {
    grew = false
    for (const row of rows) {
      if (found.has(row.name)) continue
      const hit =
        names.has(row.tbl.toLowerCase()) || [...names].some((name) => mentions(row.sql, name))
      if (!hit) continue
      found.add(row.name)
      if (row.type === 'view') names.add(row.name.toLowerCase())
      grew = true
    }
  }
  return rows
    .filter((row) => found.has(row.name))
    .map((row) => ({ type: row.type, name: row.name, table: row.tbl, sql: row.sql }))
}

/**
 * Rebuild a table into `shape`. `sources` maps each column of the new table that gets values to
 * where they come from; columns without a source start NULL (the caller has checked that NOT NULL
 * ones have a source, or that the table is empty).
 */
export async function rebuildTable(
  host: RebuildHost,
  shape: TableShape,
  sources: ReadonlyMap<string, ColumnSource>,
): Promise<void> {
  const q = (name: string) => quote(host.compiler, name)
  const table = shape.table
  const temp = `new__${table}`
  const saved = await dependents(host, table)
  for (const object of [...saved].reverse())
    await host.execute(`DROP ${object.type.toUpperCase()} IF EXISTS ${q(object.name)}`)
  const sequence = await counter(host, table)

  const statements = shape.statements
  const prefix = `CREATE TABLE ${q(table)} (`
  await host.execute(`CREATE TABLE ${q(temp)} (${statements.create.slice(prefix.length)}`)
  const columns = shape.columns.filter((c) => sources.has(c))
  if (columns.length > 0) {
    const list = columns.map(q).join(', ')
    const values = columns.map((c) => sources.get(c)!)
    await host.executeWith(
      `INSERT INTO ${q(temp)} (${list}) SELECT ${values.map((v) => v.sql).join(', ')} FROM ${q(table)}`,
      values.flatMap((v) => v.params),
    )
  }
  await host.execute(`DROP TABLE ${q(table)}`)
  await host.execute(`ALTER TABLE ${q(temp)} RENAME TO ${q(table)}`)
  for (const sql of statements.indexes) await host.execute(sql)
  if (sequence !== undefined && shape.autoincrement) {
    await host.executeWith('UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?', [
      sequence,
      table,
    ])
    await host.executeWith(
      'INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)',
      [table, sequence, table],
    )
  }
  for (const object of saved) await host.execute(object.sql)
}

/** The AUTOINCREMENT counter of `table`, if it has one. */
async function counter(host: RebuildHost, table: string): Promise<number | undefined> {
  try {
    const rows = await host.query('SELECT seq FROM sqlite_sequence WHERE name = ?', [table])
    return rows.length > 0 ? Number(rows[0]!.seq) : undefined
  } catch {
    return undefined // no AUTOINCREMENT table in this database yet
  }
}
