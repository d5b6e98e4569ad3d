/**
 * Run the same schema-editor tests on SQLite, PostgreSQL and MariaDB, and check a migrated
 * schema against the one `createTables` gives the same models on a fresh database.
 *
 * Test files run in parallel against the same server databases: each file passes a table
 * prefix of its own (`mg_ops_<x>_`), and every table with that prefix is dropped before each
 * test and after the suite.
 */
import assert from 'node:assert/strict'
import { after, before, describe, type TestContext, test } from 'node:test'
import type { ProjectState } from '../../../src/migrations/state.ts'
import type { DialectName } from '../../../src/orm/connection/types.ts'
import { createDatabase, type Database } from '../../../src/orm/database.ts'
import type { AnyModel } from '../../../src/orm/model.ts'
import { createTables, schemaStatements } from '../../../src/orm/schema/index.ts'
import { DIALECT_URLS, DIALECTS } from '../../orm/support/dialects.ts'
import { isReachable, requireService } from '../../support/services.ts'
import { describeTable, dropTablesLike, type TableInfo } from './introspect.ts'

export interface OpsSuite {
  readonly dialect: DialectName
  /** A test on this dialect, on a database holding no table with the suite's prefix. */
  it(name: string, fn: (db: Database, t: TestContext) => unknown): void
}

/**
 * One `describe` per dialect; PostgreSQL and MariaDB tests are skipped locally (failed in CI)
 * when the server is down.
 *
 * @example
 * forEachDatabase('mg_ops_x_', (s) => s.it('adds a column', async (db) => { … }))
 */
export function forEachDatabase(
  prefix: string,
  define: (suite: OpsSuite) => void,
  dialects: readonly DialectName[] = DIALECTS,
): void {
  for (const dialect of dialects) {
    describe(dialect, () => {
      const service =
        dialect === 'postgres' ? 'postgres' : dialect === 'mysql' ? 'mariadb' : undefined
      let db: Database | undefined
      before(async () => {
        if (service !== undefined && !(await isReachable(service))) return
        db = createDatabase(DIALECT_URLS[dialect])
      })
      after(async () => {
        if (db === undefined) return
        await dropTablesLike(db, prefix)
        await db.close()
      })
      define({
        dialect,
        it(name, fn) {
          test(name, async (t) => {
            if (service !== undefined && !(await requireService(t, service))) return
            assert.ok(db, `the ${dialect} database could not be opened`)
            await dropTablesLike(db, prefix)
            await fn(db, t)
          })
        },
      })
    })
  }
}

let scratch = 0
const ROLLBACK = Symbol('rollback')

/** The schema `createTables` gives `models` on an empty database of `db`'s dialect. */
export async function freshSchema(
  db: Database,
  models: readonly AnyModel[],
): Promise<Record<string, TableInfo | undefined>> {
  const tables = schemaStatements(db, models).map((s) => s.table)
  const out: Record<string, TableInfo | undefined> = {}
  const describeAll = async (on: Database) => {
    await createTables(on, models)
    for (const table of tables) out[table] = await describeTable(on, table)
  }
  if (db.dialect === 'postgres') {
    // A schema of its own inside a transaction that is rolled back: nothing stays behind.
    const schema = `mg_ops_ref_${process.pid}_${scratch++}`
    const run = (sql: string) => db.execute({ sql, params: [], returnsRows: false })
    await db
      .transaction(async () => {
        await run(`CREATE SCHEMA "${schema}"`)
        await run(`SET LOCAL search_path TO "${schema}"`)
        await describeAll(db)
        throw ROLLBACK
      })
      .catch((error: unknown) => {
        if (error !== ROLLBACK) throw error
      })
    return out
  }
  if (db.dialect === 'sqlite') {
    const ref = createDatabase('sqlite::memory:')
    try {
      await describeAll(ref)
    } finally {
      await ref.close()
    }
    return out
  }
  const name = `mg_ops_ref_${process.pid}_${scratch++}`
  const run = (sql: string) => db.execute({ sql, params: [], returnsRows: false })
  await run(`CREATE DATABASE \`${name}\``)
  const ref = createDatabase(DIALECT_URLS.mysql.replace(/\/test$/, `/${name}`))
  try {
    await describeAll(ref)
  } finally {
    await ref.close()
    await run(`DROP DATABASE \`${name}\``)
  }
  return out
}

/**
 * Assert that every table of `state`'s models (join tables included) is exactly what
 * `createTables` would create for them: same columns, types, NULLs, indexes, foreign keys and
 * checks. `ignore` drops parts SQLite cannot rename in place (see schema-editor/sqlite.ts).
 */
export async function assertSchemaMatches(db: Database, state: ProjectState): Promise<void> {
  const expected = await freshSchema(db, state.apps().all())
  for (const [table, info] of Object.entries(expected))
    assert.deepEqual(await describeTable(db, table), info, `schema of ${table}`)
}

/** Rows of `table` ordered by `id`, every value as text (or null), for dialect-neutral checks. */
export async function textRows(
  db: Database,
  table: string,
  columns: readonly string[],
): Promise<(string | null)[][]> {
  const q = (name: string) => (db.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`)
  const { rows } = await db.execute({
    sql: `/* rows */ SELECT ${columns.map(q).join(', ')} FROM ${q(table)} ORDER BY ${q('id')}`,
    params: [],
    returnsRows: true,
  })
  return rows.map((row) =>
    columns.map((c) => {
      const v = row[c]
      return v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v)
    }),
  )
}

/** Run one statement (raw SQL, `?` placeholders turned into `$n` on PostgreSQL). */
export async function sql(db: Database, text: string, params: unknown[] = []): Promise<void> {
  let n = 0
  const statement = db.dialect === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text
  const quoted = db.dialect === 'mysql' ? statement.replace(/"/g, '`') : statement
  await db.execute({ sql: quoted, params, returnsRows: false })
}
