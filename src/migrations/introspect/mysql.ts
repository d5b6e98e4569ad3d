/**
 * Reading a live MySQL/MariaDB schema from `information_schema` (COLUMNS, STATISTICS,
 * TABLE_CONSTRAINTS, KEY_COLUMN_USAGE, REFERENTIAL_CONSTRAINTS, CHECK_CONSTRAINTS), limited to
 * `DATABASE()`.
 *
 * MySQL quirks handled here: integer display widths (`int(11)`) are dropped; MariaDB stores a
 * `json` column as `longtext` plus a column-level `json_valid()` check, read back as `json` with
 * that check hidden; unique constraints and unique indexes are the same thing to MySQL, so both
 * are reported as unique constraints (the comparison accepts either).
 */
import type { Database } from '../../orm/database.ts'
import {
  compactType,
  type ForeignKeySchema,
  groupBy,
  type IndexSchema,
  type Introspector,
  rows,
  type TableSchema,
} from './types.ts'

const ALIASES: Record<string, string> = {
  integer: 'int',
  bool: 'tinyint(1)',
  boolean: 'tinyint(1)',
  'double precision': 'double',
}

/**
 * The comparable form of a MySQL type: `int(11)` → `int`, `bigint(20)` → `bigint`,
 * `tinyint(1)` kept (it is how booleans are stored), `numeric(10, 2)` → `decimal(10,2)`.
 */
export function mysqlType(type: string): string {
  let t = compactType(type)
  t = ALIASES[t] ?? t
  return t
    .replace(/^numeric\b/, 'decimal')
    .replace(/^(tinyint|smallint|mediumint|int|integer|bigint)\((\d+)\)/, (m, kind, width) =>
      kind === 'tinyint' && width === '1' ? m : kind === 'integer' ? 'int' : kind,
    )
}

/** A column of an information_schema row whatever case the driver gives its keys. */
function get(row: Record<string, unknown>, key: string): unknown {
  return row[key] ?? row[key.toLowerCase()]
}

const SCHEMA = 'TABLE_SCHEMA = DATABASE()'

/** The MySQL/MariaDB catalog reader. */
export const mysqlIntrospector: Introspector = {
  async tableNames(db: Database) {
    const found = await rows(
      db,
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE ${SCHEMA} AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`,
    )
    return found.map((r) => String(r.name))
  },

  async read(db: Database, names: readonly string[]) {
    const wanted = new Set(names)
    const byTable = (list: Record<string, unknown>[]) =>
      groupBy(
        list.filter((r) => wanted.has(String(r.table_name))),
        (r) => String(r.table_name),
      )
    const columns = byTable(
      await rows(
        db,
        `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, COLUMN_TYPE AS column_type, IS_NULLABLE AS nullable
         FROM information_schema.COLUMNS WHERE ${SCHEMA} ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      ),
    )
    const statistics = byTable(
      await rows(
        db,
        `SELECT TABLE_NAME AS table_name, INDEX_NAME AS index_name, NON_UNIQUE AS non_unique, COLUMN_NAME AS column_name, COLLATION AS collation
         FROM information_schema.STATISTICS WHERE ${SCHEMA} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      ),
    )
    const constraints = byTable(
      await rows(
        db,
        `SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS name, CONSTRAINT_TYPE AS type
         FROM information_schema.TABLE_CONSTRAINTS WHERE ${SCHEMA}`,
      ),
    )
    const references = byTable(
      await rows(
        db,
        `SELECT k.TABLE_NAME AS table_name, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS column_name,
           k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_column, r.DELETE_RULE AS on_delete
         FROM information_schema.KEY_COLUMN_USAGE k
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r
           ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
         WHERE k.${SCHEMA} AND k.REFERENCED_TABLE_NAME IS NOT NULL
         ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
      ),
    )
    // MariaDB names its tables' checks here with a LEVEL; MySQL 8 has neither column.
    const checkRows = await rows(
      db,
      'SELECT * FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()',
    )
    const columnChecks = new Map<string, string>()
    for (const r of checkRows) {
      const table = get(r, 'TABLE_NAME')
      const clause = String(get(r, 'CHECK_CLAUSE') ?? '')
      const name = String(get(r, 'CONSTRAINT_NAME'))
      const json = /^json_valid\(`((?:[^`]|``)+)`\)$/.exec(clause.trim())
      if (table === undefined || table === null) continue
      if (get(r, 'LEVEL') === 'Column' || (json && json[1] === name))
        columnChecks.set(`${String(table)}\0${name}`, json ? json[1]!.replaceAll('``', '`') : '')
    }
    const out: TableSchema[] = []
    for (const name of names) {
      const columnList = columns.get(name)
      if (columnList === undefined) continue
      const tableConstraints = constraints.get(name) ?? []
      const uniqueNames = new Set(
        tableConstraints.filter((c) => c.type === 'UNIQUE').map((c) => String(c.name)),
      )
      const primary = new Set<string>()
      const indexes: IndexSchema[] = []
      const uniques: IndexSchema[] = []
      for (const parts of groupBy(statistics.get(name) ?? [], (r) =>
        String(r.index_name),
      ).values()) {
        const first = parts[0]!
        const keyColumns = parts.map((p) => {
          const column = p.column_name === null ? '(expression)' : String(p.column_name)
          return p.collation === 'D' ? `-${column}` : column
        })
        if (first.index_name === 'PRIMARY') {
          for (const c of keyColumns) primary.add(c)
          continue
        }
        const unique = Number(first.non_unique) === 0
        const index = {
          name: String(first.index_name),
          columns: keyColumns,
          unique,
          partial: false,
        }
        if (unique && uniqueNames.has(index.name)) uniques.push(index)
        else indexes.push(index)
      }
      const foreignKeys: ForeignKeySchema[] = []
      for (const parts of groupBy(references.get(name) ?? [], (r) => String(r.name)).values()) {
        const first = parts[0]!
        foreignKeys.push({
          name: String(first.name),
          columns: parts.map((p) => String(p.column_name)),
          references: {
            table: String(first.ref_table),
            columns: parts.map((p) => String(p.ref_column)),
          },
          onDelete: String(first.on_delete),
        })
      }
      const jsonColumns = new Set(
        [...columnChecks]
          .filter(([key, column]) => key.startsWith(`${name}\0`) && column !== '')
          .map(([, column]) => column),
      )
      const checks = tableConstraints
        .filter((c) => c.type === 'CHECK' && !columnChecks.has(`${name}\0${String(c.name)}`))
        .map((c) => String(c.name))
      out.push({
        name,
        columns: columnList.map((c) => {
          const column = String(c.column_name)
          const raw = String(c.column_type)
          const sqlType = jsonColumns.has(column) && mysqlType(raw) === 'longtext' ? 'json' : raw
          return {
            name: column,
            type: mysqlType(sqlType),
            sqlType,
            nullable: c.nullable === 'YES',
            primaryKey: primary.has(column),
          }
        }),
        indexes,
        uniques,
        foreignKeys,
        checks,
      })
    }
    return out
  },

  normalizeType: mysqlType,
}
