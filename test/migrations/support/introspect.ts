/**
 * Read a table's schema back from the database in one shape for all three dialects, so tests can
 * check what a migration did: columns (type, NULL), indexes (including the ones behind unique
 * constraints), foreign keys and check constraints.
 *
 * Deliberately independent of `src/migrations/introspect` (the drift check): the tests of the
 * schema editor must not trust the code that the drift check itself relies on.
 */
import type { Database } from '../../../src/orm/database.ts'

export interface TableInfo {
  /** Column → type as the catalog spells it, and nullability. */
  columns: Record<string, { type: string; nullable: boolean }>
  /**
   * Index or unique constraint name → columns (`-col` descending), unique, partial. SQLite's
   * unnamed indexes behind inline UNIQUE constraints are keyed `unique(a,b)`. Primary keys left out.
   */
  indexes: Record<string, { columns: string[]; unique: boolean; partial: boolean }>
  /** Column → what its foreign key points at (the name where the catalog keeps one). */
  foreignKeys: Record<string, { table: string; column: string; onDelete: string; name?: string }>
  /** Names of table check constraints, sorted. */
  checks: string[]
}

async function read(db: Database, sql: string, params: unknown[] = []) {
  // A leading comment keeps the PostgreSQL driver from preparing (and caching) the statement.
  return (await db.execute({ sql: `/* introspect */ ${sql}`, params, returnsRows: true })).rows
}

const ON_DELETE: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
}

/** The columns of an index definition `… (a, "b" DESC) …` as `['a', '-b']`. */
function indexColumns(def: string): string[] {
  const inner = /\((.*?)\)(?: WHERE|$)/.exec(def.replace(/ USING \w+ /, ' '))?.[1] ?? ''
  return inner.split(', ').map((c) => {
    const desc = / DESC$/.test(c)
    const name = c.replace(/ DESC$/, '').replace(/^"(.*)"$/, '$1')
    return desc ? `-${name}` : name
  })
}

async function sqliteTable(db: Database, table: string): Promise<TableInfo> {
  const q = `"${table}"`
  const info: TableInfo = { columns: {}, indexes: {}, foreignKeys: {}, checks: [] }
  for (const c of await read(db, `PRAGMA table_info(${q})`))
    info.columns[String(c.name)] = { type: String(c.type), nullable: !c.notnull && !c.pk }
  for (const i of await read(db, `PRAGMA index_list(${q})`)) {
    if (i.origin === 'pk') continue
    const keys = (await read(db, `PRAGMA index_xinfo("${String(i.name)}")`)).filter((k) => k.key)
    const columns = keys.map((k) => `${k.desc ? '-' : ''}${String(k.name)}`)
    const name = i.origin === 'u' ? `unique(${columns.join(',')})` : String(i.name)
    info.indexes[name] = { columns, unique: Boolean(i.unique), partial: Boolean(i.partial) }
  }
  for (const f of await read(db, `PRAGMA foreign_key_list(${q})`)) {
    info.foreignKeys[String(f.from)] = {
      table: String(f.table),
      column: String(f.to),
      onDelete: String(f.on_delete),
    }
  }
  const [master] = await read(
    db,
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
    [table],
  )
  const sql = String(master?.sql ?? '')
  info.checks = [...sql.matchAll(/CONSTRAINT "([^"]+)" CHECK/g)].map((m) => m[1]!).sort()
  return info
}

async function postgresTable(db: Database, table: string): Promise<TableInfo> {
  const info: TableInfo = { columns: {}, indexes: {}, foreignKeys: {}, checks: [] }
  const rel = 'to_regclass(quote_ident($1))'
  const columns = await read(
    db,
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull FROM pg_attribute WHERE attrelid = ${rel} AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  )
  for (const c of columns)
    info.columns[String(c.name)] = { type: String(c.type), nullable: !c.notnull }
  const indexes = await read(
    db,
    `SELECT c.relname AS name, i.indisunique AS uniq, i.indpred IS NOT NULL AS partial, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = ${rel} AND NOT i.indisprimary`,
    [table],
  )
  for (const i of indexes) {
    info.indexes[String(i.name)] = {
      columns: indexColumns(String(i.def)),
      unique: Boolean(i.uniq),
      partial: Boolean(i.partial),
    }
  }
  const constraints = await read(
    db,
    `SELECT conname AS name, contype AS type, confdeltype AS del, confrelid::regclass::text AS ref, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = ${rel}`,
    [table],
  )
  for (const c of constraints) {
    if (c.type === 'c') info.checks.push(String(c.name))
    if (c.type !== 'f') continue
    const m = /FOREIGN KEY \((.*?)\) REFERENCES .*?\((.*?)\)/.exec(String(c.def))!
    info.foreignKeys[m[1]!.replace(/"/g, '')] = {
      table: String(c.ref).replace(/"/g, ''),
      column: m[2]!.replace(/"/g, ''),
      onDelete: ON_DELETE[String(c.del)]!,
      name: String(c.name),
    }
  }
  info.checks.sort()
  return info
}

async function mysqlTable(db: Database, table: string): Promise<TableInfo> {
  const info: TableInfo = { columns: {}, indexes: {}, foreignKeys: {}, checks: [] }
  const where = 'TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?'
  const columns = await read(
    db,
    `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS WHERE ${where} ORDER BY ORDINAL_POSITION`,
    [table],
  )
  for (const c of columns)
    info.columns[String(c.name)] = { type: String(c.type), nullable: c.nullable === 'YES' }
  const keys = await read(
    db,
    `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonunique, COLUMN_NAME AS col, COLLATION AS coll FROM information_schema.STATISTICS WHERE ${where} AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [table],
  )
  for (const k of keys) {
    const name = String(k.name)
    info.indexes[name] ??= { columns: [], unique: Number(k.nonunique) === 0, partial: false }
    info.indexes[name].columns.push(`${k.coll === 'D' ? '-' : ''}${String(k.col)}`)
  }
  const fks = await read(
    db,
    `SELECT k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS ref, k.REFERENCED_COLUMN_NAME AS refcol, r.DELETE_RULE AS del FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL`,
    [table],
  )
  for (const f of fks) {
    info.foreignKeys[String(f.col)] = {
      table: String(f.ref),
      column: String(f.refcol),
      onDelete: String(f.del),
      name: String(f.name),
    }
  }
  const checks = await read(
    db,
    `SELECT CONSTRAINT_NAME AS name FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ? AND LEVEL = 'Table'`,
    [table],
  )
  info.checks = checks.map((c) => String(c.name)).sort()
  return info
}

/** The schema of `table` (undefined when there is no such table). */
export async function describeTable(db: Database, table: string): Promise<TableInfo | undefined> {
  const info =
    db.dialect === 'sqlite'
      ? await sqliteTable(db, table)
      : db.dialect === 'postgres'
        ? await postgresTable(db, table)
        : await mysqlTable(db, table)
  return Object.keys(info.columns).length === 0 ? undefined : info
}

/** Tables whose name starts with `prefix`. */
export async function tablesLike(db: Database, prefix: string): Promise<string[]> {
  const like = `${prefix.replace(/_/g, '\\_')}%`
  const sql =
    db.dialect === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'"
      : db.dialect === 'postgres'
        ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1 ESCAPE '\\'"
        : "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ? ESCAPE '\\\\'"
  return (await read(db, sql, [like])).map((r) => String(r.name)).sort()
}

/** Drop every table (and SQLite view) whose name starts with `prefix`. */
export async function dropTablesLike(db: Database, prefix: string): Promise<void> {
  const run = (sql: string) => db.execute({ sql, params: [], returnsRows: false })
  const q = (name: string) => (db.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`)
  const tables = await tablesLike(db, prefix)
  if (db.dialect === 'sqlite') {
    // Views first (they may name the tables); foreign keys off so drops do not cascade or fail.
    const views = await read(
      db,
      "SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE ?",
      [`${prefix}%`],
    )
    for (const v of views) await run(`DROP VIEW IF EXISTS ${q(String(v.name))}`)
    await run('PRAGMA foreign_keys = OFF')
    try {
      for (const table of tables) await run(`DROP TABLE IF EXISTS ${q(table)}`)
    } finally {
      await run('PRAGMA foreign_keys = ON')
    }
    return
  }
  // One connection for MySQL, where FOREIGN_KEY_CHECKS is a session setting.
  await db.transaction(async () => {
    if (db.dialect === 'mysql') await run('SET FOREIGN_KEY_CHECKS = 0')
    try {
      for (const table of tables)
        await run(`DROP TABLE IF EXISTS ${q(table)}${db.dialect === 'postgres' ? ' CASCADE' : ''}`)
    } finally {
      if (db.dialect === 'mysql') await run('SET FOREIGN_KEY_CHECKS = 1')
    }
  })
}
