/**
 * A dialect-neutral description of a database schema: tables, columns, indexes, unique
 * constraints, foreign keys and checks.
 *
 * Two sources produce it: the live database's catalog (`sqlite.ts`, `postgres.ts`, `mysql.ts`) and
 * the models a migration state renders (`expected.ts`). Schema drift is the difference between the
 * two (`compare.ts`), so both sides must describe the same schema in the same words: column types
 * go through the dialect's `normalizeType` on both sides, and names are the ones the catalog
 * stores (constraint names Plinth generates are deterministic).
 */

import type { DialectName } from '../../orm/connection/types.ts'
import type { Database } from '../../orm/database.ts'

/** One column. */
export interface ColumnSchema {
  readonly name: string
  /** The type normalized for comparison (`varchar(60)`, `numeric(10,2)`, `int`). */
  readonly type: string
  /** The type as the catalog or `columnType()` wrote it, for messages. */
  readonly sqlType: string
  readonly nullable: boolean
  readonly primaryKey: boolean
}

/**
 * An index or a unique constraint. Columns are in key order, `-column` when descending,
 * `(expression)` for an expression the index computes.
 */
export interface IndexSchema {
  readonly name: string
  readonly columns: readonly string[]
  readonly unique: boolean
  /** A partial index (`WHERE …`). Only the presence of a predicate is compared, not its text. */
  readonly partial: boolean
}

/** A foreign key over one or more columns. */
export interface ForeignKeySchema {
  /** Undefined where the catalog keeps no name (an unnamed inline REFERENCES on SQLite). */
  readonly name: string | undefined
  readonly columns: readonly string[]
  readonly references: { readonly table: string; readonly columns: readonly string[] }
  /** `CASCADE`, `RESTRICT`, `SET NULL`, `SET DEFAULT` or `NO ACTION`. */
  readonly onDelete: string
}

/** One table. */
export interface TableSchema {
  readonly name: string
  readonly columns: readonly ColumnSchema[]
  /** Indexes created with CREATE INDEX (not the ones backing a primary key or constraint). */
  readonly indexes: readonly IndexSchema[]
  /** Unique constraints (`CONSTRAINT … UNIQUE (…)`). Always `unique: true`, never partial. */
  readonly uniques: readonly IndexSchema[]
  readonly foreignKeys: readonly ForeignKeySchema[]
  /** Names of check constraints (their expressions are not compared). */
  readonly checks: readonly string[]
}

/** Every table of a schema, by name. */
export interface DatabaseSchema {
  readonly dialect: DialectName
  readonly tables: ReadonlyMap<string, TableSchema>
}

/** Which tables to read. */
export interface IntrospectOptions {
  /**
   * Keep only the tables this accepts. Tests use it to see only their own tables when other test
   * files share the database.
   */
  tables?: (name: string) => boolean
}

/** A dialect's catalog reader. */
export interface Introspector {
  /** Every table of the current schema/database (system tables excluded). */
  tableNames(db: Database): Promise<string[]>
  /** The tables `names`, described. */
  read(db: Database, names: readonly string[]): Promise<TableSchema[]>
  /** The comparable form of a column type as `columnType()` or the catalog writes it. */
  normalizeType(type: string): string
}

/** Run a catalog query and return its rows. */
export async function rows(
  db: Database,
  sql: string,
  params: readonly unknown[] = [],
): Promise<Record<string, unknown>[]> {
  return (await db.execute({ sql, params, returnsRows: true })).rows
}

/** Lower-case a type and drop the spaces around parentheses and commas: `decimal(10,2)`. */
export function compactType(type: string): string {
  return type
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*\(\s*/g, '(')
    .replace(/\s*,\s*/g, ',')
    .replace(/\s*\)/g, ')')
}

/** Group rows by a key, keeping their order. */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}

/** A boolean as drivers return it (`true`, `1`, `'1'`, `'t'`). */
export function flag(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 't'
}
