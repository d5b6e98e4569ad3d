/**
 * Creating and dropping the tables of a set of models directly from their definitions.
 *
 * For tests and throw-away databases. Databases that hold data that must survive model changes
 * are managed by migrations, which use the same statements.
 */
import type { Database } from '../database.ts'
import type { AnyModel } from '../model.ts'
import { joinTableStatements, type TableStatements, tableStatements } from './ddl.ts'

export { columnType, constraintName, uniqueConstraintColumns } from './column-types.ts'
export { inlineSql, joinTableStatements, type TableStatements, tableStatements } from './ddl.ts'

/** Every table statement for `models`, including automatic many-to-many join tables. */
export function schemaStatements(db: Database, models: readonly AnyModel[]): TableStatements[] {
  const out: TableStatements[] = []
  const seen = new Set<string>()
  for (const model of models) {
    out.push(tableStatements(model, db.dialect, db.compiler))
    seen.add(model.meta.table)
  }
  for (const model of models) {
    for (const relation of model.meta.relations()) {
      if (relation.kind !== 'many' || relation.field.model !== model) continue
      const join = joinTableStatements(relation, db.dialect, db.compiler)
      if (join && !seen.has(join.table)) {
        seen.add(join.table)
        out.push(join)
      }
    }
  }
  return out
}

/**
 * Create the tables (then foreign keys, then indexes) of `models`.
 *
 * @example
 * await createTables(db, [Category, Product])
 */
export async function createTables(db: Database, models: readonly AnyModel[]): Promise<void> {
  const statements = schemaStatements(db, models)
  const run = async (sql: string) => {
    await db.execute({ sql, params: [], returnsRows: false })
  }
  for (const s of statements) await run(s.create)
  for (const s of statements) for (const c of s.constraints) await run(c)
  for (const s of statements) for (const i of s.indexes) await run(i)
}

/** Drop the tables of `models` (and their join tables), ignoring ones that do not exist. */
export async function dropTables(db: Database, models: readonly AnyModel[]): Promise<void> {
  const tables = schemaStatements(db, models)
    .map((s) => s.table)
    .reverse()
  const quoted = (t: string) => (db.dialect === 'mysql' ? `\`${t}\`` : `"${t}"`)
  await db.transaction(async () => {
    if (db.dialect === 'mysql')
      await db.execute({ sql: 'SET FOREIGN_KEY_CHECKS = 0', params: [], returnsRows: false })
    try {
      for (const table of tables) {
        await db.execute({
          sql: `DROP TABLE IF EXISTS ${quoted(table)}${db.dialect === 'postgres' ? ' CASCADE' : ''}`,
          params: [],
          returnsRows: false,
        })
      }
    } finally {
      if (db.dialect === 'mysql')
        await db.execute({ sql: 'SET FOREIGN_KEY_CHECKS = 1', params: [], returnsRows: false })
    }
  })
}
