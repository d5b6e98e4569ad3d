/**
 * Reading a live PostgreSQL schema from `pg_catalog` (the tables behind `information_schema`,
 * which alone cannot tell descending or partial indexes apart), limited to `current_schema()`.
 *
 * Each query reads the whole schema at once and returns one row per column or key part, so the
 * reader needs no array support from the driver and a few round trips however many tables exist.
 */
import type { Database } from '../../orm/database.ts'
import {
  compactType,
  type ForeignKeySchema,
  flag,
  groupBy,
  type IndexSchema,
  type Introspector,
  rows,
  type TableSchema,
} from './types.ts'

const ALIASES: Record<string, string> = {
  int: 'integer',
  int4: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  bool: 'boolean',
  float8: 'double precision',
  float4: 'real',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
}

/**
 * The comparable form of a PostgreSQL type: `character varying(60)` → `varchar(60)`,
 * `timestamp(6) with time zone` → `timestamp with time zone` (6 is the default precision),
 * `time without time zone` → `time`, `numeric(10, 2)` → `numeric(10,2)`.
 */
export function postgresType(type: string): string {
  let t = compactType(type)
  t = ALIASES[t] ?? t
  t = t
    .replace(/^character varying/, 'varchar')
    .replace(/^character\b/, 'char')
    .replace(/^bpchar/, 'char')
    .replace(/^decimal\b/, 'numeric')
    .replace(/^(timestamp|time)\(6\)/, '$1')
    .replace(/^(timestamp|time) without time zone$/, '$1')
  return t
}

const ON_DELETE: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
}

const IN_SCHEMA = `JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()`

const COLUMNS = `
SELECT t.relname AS table_name, a.attname AS column_name,
  format_type(a.atttypid, a.atttypmod) AS column_type, a.attnotnull AS not_null,
  EXISTS (SELECT 1 FROM pg_index p WHERE p.indrelid = t.oid AND p.indisprimary AND a.attnum = ANY (p.indkey)) AS primary_key
FROM pg_attribute a
JOIN pg_class t ON t.oid = a.attrelid ${IN_SCHEMA}
WHERE t.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY t.relname, a.attnum`

const INDEXES = `
SELECT t.relname AS table_name, ic.relname AS index_name, i.indisunique AS is_unique,
  i.indpred IS NOT NULL AS partial, k.ord AS position, a.attname AS column_name,
  (i.indoption[(k.ord - 1)::int] & 1) = 1 AS descending, con.contype AS constraint_type
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid ${IN_SCHEMA}
JOIN pg_class ic ON ic.oid = i.indexrelid
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = t.oid AND con.contype IN ('p', 'u', 'x')
WHERE NOT i.indisprimary AND k.ord <= i.indnkeyatts
ORDER BY t.relname, ic.relname, k.ord`

const CONSTRAINTS = `
SELECT t.relname AS table_name, con.conname AS name, con.contype AS type,
  con.confdeltype AS on_delete, rt.relname AS ref_table, k.ord AS position,
  a.attname AS column_name, ra.attname AS ref_column
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid ${IN_SCHEMA}
LEFT JOIN pg_class rt ON rt.oid = con.confrelid
LEFT JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord) ON true
LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
LEFT JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refnum
WHERE con.contype IN ('f', 'c')
ORDER BY t.relname, con.conname, k.ord`

/** The PostgreSQL catalog reader. */
export const postgresIntrospector: Introspector = {
  async tableNames(db: Database) {
    const found = await rows(
      db,
      `SELECT t.relname AS name FROM pg_class t ${IN_SCHEMA} WHERE t.relkind IN ('r', 'p') AND NOT t.relispartition ORDER BY t.relname`,
    )
    return found.map((r) => String(r.name))
  },

  async read(db: Database, names: readonly string[]) {
    const wanted = new Set(names)
    const keep = (r: Record<string, unknown>) => wanted.has(String(r.table_name))
    const columns = groupBy((await rows(db, COLUMNS)).filter(keep), (r) => String(r.table_name))
    const indexRows = groupBy((await rows(db, INDEXES)).filter(keep), (r) => String(r.table_name))
    const constraintRows = groupBy((await rows(db, CONSTRAINTS)).filter(keep), (r) =>
      String(r.table_name),
    )
    const out: TableSchema[] = []
    for (const name of names) {
      const columnList = columns.get(name)
      if (columnList === undefined) continue
      const indexes: IndexSchema[] = []
      const uniques: IndexSchema[] = []
      for (const parts of groupBy(indexRows.get(name) ?? [], (r) =>
        String(r.index_name),
      ).values()) {
        const first = parts[0]!
        const keyColumns = parts.map((p) => {
          const column = p.column_name === null ? '(expression)' : String(p.column_name)
          return flag(p.descending) ? `-${column}` : column
        })
        const index = {
          name: String(first.index_name),
          columns: keyColumns,
          unique: flag(first.is_unique),
          partial: flag(first.partial),
        }
        if (first.constraint_type === 'u') uniques.push(index)
        else if ((first.constraint_type ?? null) === null) indexes.push(index)
      }
      const foreignKeys: ForeignKeySchema[] = []
      const checks: string[] = []
      for (const parts of groupBy(constraintRows.get(name) ?? [], (r) => String(r.name)).values()) {
        const first = parts[0]!
        if (first.type === 'c') {
          checks.push(String(first.name))
          continue
        }
        foreignKeys.push({
          name: String(first.name),
          columns: parts.map((p) => String(p.column_name)),
          references: {
            table: String(first.ref_table),
            columns: parts.map((p) => String(p.ref_column)),
          },
          onDelete: ON_DELETE[String(first.on_delete)] ?? String(first.on_delete),
        })
      }
      out.push({
        name,
        columns: columnList.map((c) => ({
          name: String(c.column_name),
          type: postgresType(String(c.column_type)),
          sqlType: String(c.column_type),
          nullable: !flag(c.not_null),
          primaryKey: flag(c.primary_key),
        })),
        indexes,
        uniques,
        foreignKeys,
        checks,
      })
    }
    return out
  },

  normalizeType: postgresType,
}
