/**
 * Reading a live database's schema into the neutral description of `types.ts`, whatever the
 * dialect. `plinth checkschema` compares it with what the applied migrations say (`../drift.ts`).
 */
import type { DialectName } from '../../orm/connection/types.ts'
import type { Database } from '../../orm/database.ts'
import { mysqlIntrospector } from './mysql.ts'
import { postgresIntrospector } from './postgres.ts'
import { sqliteIntrospector } from './sqlite.ts'
import type { DatabaseSchema, IntrospectOptions, Introspector } from './types.ts'

export type {
  ColumnSchema,
  DatabaseSchema,
  ForeignKeySchema,
  IndexSchema,
  IntrospectOptions,
  TableSchema,
} from './types.ts'

const INTROSPECTORS: Record<DialectName, Introspector> = {
  sqlite: sqliteIntrospector,
  postgres: postgresIntrospector,
  mysql: mysqlIntrospector,
}

/** The catalog reader of a dialect. */
export function introspector(dialect: DialectName): Introspector {
  return INTROSPECTORS[dialect]
}

/**
 * Describe the tables of the database's current schema (PostgreSQL), database (MySQL) or file
 * (SQLite).
 *
 * @example
 * const schema = await introspect(db, { tables: (name) => name.startsWith('shop_') })
 * schema.tables.get('shop_product')?.columns
 */
export async function introspect(
  db: Database,
  options: IntrospectOptions = {},
): Promise<DatabaseSchema> {
  const reader = introspector(db.dialect)
  const keep = options.tables ?? (() => true)
  const names = (await reader.tableNames(db)).filter(keep)
  const tables = await reader.read(db, names)
  return { dialect: db.dialect, tables: new Map(tables.map((t) => [t.name, t])) }
}
