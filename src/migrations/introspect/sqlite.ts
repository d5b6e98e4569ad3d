/**
 * Reading a live SQLite schema: `sqlite_master` for tables and their SQL, the table-valued pragmas
 * (`pragma_table_info`, `pragma_index_list`, `pragma_index_xinfo`, `pragma_foreign_key_list`) for
 * structure, and the CREATE TABLE text for the constraint names the pragmas do not keep.
 *
 * Column types are compared as declared (SQLite keeps the declared text; only its case and
 * spacing are normalized), since that is what `createTables` and the schema editor write.
 */
import type { Database } from '../../orm/database.ts'
import { namedConstraints } from './sqlite-ddl.ts'
import {
  compactType,
  type ForeignKeySchema,
  type IndexSchema,
  type Introspector,
  rows,
  type TableSchema,
} from './types.ts'

const same = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i])

async function primaryKey(db: Database, table: string): Promise<string[]> {
  const found = await rows(db, 'SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0', [table])
  return found.sort((a, b) => Number(a.pk) - Number(b.pk)).map((r) => String(r.name))
}

async function readTable(db: Database, table: string): Promise<TableSchema | undefined> {
  const master = await rows(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [
    table,
  ])
  if (master.length === 0) return undefined
  const named = namedConstraints(String(master[0]!.sql ?? ''))
  const columnRows = await rows(
    db,
    'SELECT name, type, "notnull" AS not_null, pk FROM pragma_table_info(?) ORDER BY cid',
    [table],
  )
  const columns = columnRows.map((r) => ({
    name: String(r.name),
    type: compactType(String(r.type ?? '')),
    sqlType: String(r.type ?? ''),
    nullable: Number(r.not_null) === 0 && Number(r.pk) === 0,
    primaryKey: Number(r.pk) > 0,
  }))
  const indexes: IndexSchema[] = []
  const uniques: IndexSchema[] = []
  const list = await rows(
    db,
    'SELECT name, "unique" AS is_unique, origin, partial FROM pragma_index_list(?)',
    [table],
  )
  for (const index of list) {
    if (index.origin === 'pk') continue
    const keys = await rows(
      db,
      'SELECT cid, name, "desc" AS descending FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno',
      [String(index.name)],
    )
    const keyColumns = keys.map((k) => {
      const name =
        Number(k.cid) === -2 ? '(expression)' : Number(k.cid) === -1 ? 'rowid' : String(k.name)
      return Number(k.descending) === 1 ? `-${name}` : name
    })
    if (index.origin === 'u') {
      const constraint = named.find((c) => c.kind === 'unique' && same(c.columns, keyColumns))
      uniques.push({
        name: constraint?.name ?? String(index.name),
        columns: keyColumns,
        unique: true,
        partial: false,
      })
    } else {
      indexes.push({
        name: String(index.name),
        columns: keyColumns,
        unique: Number(index.is_unique) === 1,
        partial: Number(index.partial) === 1,
      })
    }
  }
  const fkRows = await rows(
    db,
    'SELECT id, "table" AS ref_table, "from" AS col, "to" AS ref_col, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq',
    [table],
  )
  const foreignKeys: ForeignKeySchema[] = []
  const byId = new Map<number, Record<string, unknown>[]>()
  for (const r of fkRows) byId.set(Number(r.id), [...(byId.get(Number(r.id)) ?? []), r])
  for (const parts of byId.values()) {
    const refTable = String(parts[0]!.ref_table)
    const cols = parts.map((p) => String(p.col))
    // `REFERENCES t` without columns points at t's primary key.
    const refCols = parts.some((p) => p.ref_col === null)
      ? await primaryKey(db, refTable)
      : parts.map((p) => String(p.ref_col))
    const constraint = named.find((c) => c.kind === 'foreignKey' && same(c.columns, cols))
    foreignKeys.push({
      name: constraint?.name,
      columns: cols,
      references: { table: refTable, columns: refCols },
      onDelete: String(parts[0]!.on_delete).toUpperCase(),
    })
  }
  const checks = named.filter((c) => c.kind === 'check').map((c) => c.name)
  return { name: table, columns, indexes, uniques, foreignKeys, checks }
}

/** The SQLite catalog reader. */
export const sqliteIntrospector: Introspector = {
  async tableNames(db) {
    const found = await rows(
      db,
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    return found.map((r) => String(r.name))
  },
  async read(db, names) {
    const out: TableSchema[] = []
    for (const name of names) {
      const table = await readTable(db, name)
      if (table) out.push(table)
    }
    return out
  },
  normalizeType: compactType,
}
