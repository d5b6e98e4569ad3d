/**
 * `createSchemaEditor`: the schema editor for a database's dialect. Operations call its methods
 * with historical models; the migration runner wraps each migration in `editor.run()`.
 */
import type { Database } from '../../orm/database.ts'
import { MysqlSchemaEditor } from './mysql.ts'
import { PostgresSchemaEditor } from './postgres.ts'
import { SqliteSchemaEditor } from './sqlite.ts'
import type { SchemaEditor, SchemaEditorOptions } from './types.ts'

export { DEFAULT_LOCK_TIMEOUT_MS } from './base.ts'
export type { SchemaEditor, SchemaEditorOptions } from './types.ts'

/**
 * A schema editor for `db`: runs DDL (or only collects it with `collectOnly`).
 *
 * @example
 * const editor = createSchemaEditor(db, { lockTimeoutMs: 2000 })
 * await editor.run(true, async () => {
 *   await editor.addField(before, after, after.meta.fields.get('stock')!, 0)
 * })
 * const sql = createSchemaEditor(db, { collectOnly: true }) // for sqlmigrate: nothing runs
 */
export function createSchemaEditor(db: Database, options: SchemaEditorOptions = {}): SchemaEditor {
  switch (db.dialect) {
    case 'postgres':
      return new PostgresSchemaEditor(db, options)
    case 'mysql':
      return new MysqlSchemaEditor(db, options)
    default:
      return new SqliteSchemaEditor(db, options)
  }
}
