/**
 * Run the same ORM tests on SQLite, PostgreSQL and MariaDB.
 *
 * `forEachDialect` opens one suite per dialect: its tables are created before the first test and
 * dropped after the last, every test body runs inside `db.scope(...)` (so `Model.objects` uses that
 * database) with the rows of the suite's models deleted first. PostgreSQL and MariaDB tests need
 * the services (`requireService`: skipped locally when a server is down, failed in CI). Test files
 * run in parallel against the same server databases, so each file gives its models a table prefix
 * of its own (model option `table`).
 */
import { after, before, describe, type TestContext, test } from 'node:test'
import type { DialectName } from '../../../src/orm/connection/types.ts'
import {
  type AnyModel,
  createDatabase,
  createTables,
  type Database,
  type DatabaseOptions,
  dropTables,
} from '../../../src/orm/index.ts'
import { isReachable, requireService, type ServiceName } from '../../support/services.ts'

/** The URL of each dialect's test database. */
export const DIALECT_URLS: Record<DialectName, string> = {
  sqlite: 'sqlite::memory:',
  postgres: 'postgres://postgres@127.0.0.1:5432/test',
  mysql: 'mysql://root@127.0.0.1:3306/test',
}

const SERVICE: Record<DialectName, ServiceName | undefined> = {
  sqlite: undefined,
  postgres: 'postgres',
  mysql: 'mariadb',
}

export const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres', 'mysql']

type TestOptions = { todo?: string | boolean; skip?: string | boolean; only?: boolean }

/** What a dialect suite hands its tests. */
export interface DialectSuite {
  readonly dialect: DialectName
  /** The suite's database (valid inside tests and hooks). */
  readonly db: Database
  /**
   * A test on this dialect: the suite's rows are deleted first, then `fn` runs inside
   * `db.scope(...)`.
   */
  it(name: string, fn: (db: Database, t: TestContext) => unknown, options?: TestOptions): void
  /**
   * Another database on the same dialect (other pool options, say), closed after the suite.
   * Only inside tests.
   */
  open(options?: Omit<DatabaseOptions, 'url'>): Database
}

export interface DialectSuiteOptions {
  /** Models whose tables the suite creates and drops, parents before children. */
  models: readonly AnyModel[]
  /** Dialects to run on (default all three). */
  dialects?: readonly DialectName[]
}

/**
 * Define tests once, run them on every dialect.
 *
 * @example
 * forEachDialect({ models: [Category, Product] }, (s) => {
 *   s.it('creates a row', async () => {
 *     const c = await Category.objects.create({ name: 'books' })
 *     assert.equal(await Category.objects.count(), 1)
 *   })
 * })
 */
export function forEachDialect(
  options: DialectSuiteOptions,
  define: (suite: DialectSuite) => void,
): void {
  for (const dialect of options.dialects ?? DIALECTS) {
    describe(dialect, () => {
      let db: Database | undefined
      let available = false
      const extra: Database[] = []
      const service = SERVICE[dialect]
      before(async () => {
        available = service === undefined || (await isReachable(service))
        if (!available) return
        db = createDatabase({ url: DIALECT_URLS[dialect] })
        await dropTables(db, options.models)
        await createTables(db, options.models)
      })
      after(async () => {
        for (const other of extra) await other.close()
        if (db === undefined) return
        await dropTables(db, options.models)
        await db.close()
      })
      const suite: DialectSuite = {
        dialect,
        get db() {
          if (db === undefined) throw new Error(`The ${dialect} database is not open.`)
          return db
        },
        it(name, fn, testOptions = {}) {
          test(name, testOptions, async (t) => {
            if (!available || db === undefined) {
              if (service !== undefined) await requireService(t, service)
              if (db === undefined) throw new Error(`The ${dialect} database could not be opened.`)
            }
            const current = db
            await clearRows(current, options.models)
            await current.scope(() => fn(current, t))
          })
        },
        open(openOptions = {}) {
          const other = createDatabase({ ...openOptions, url: DIALECT_URLS[dialect] })
          extra.push(other)
          return other
        },
      }
      define(suite)
    })
  }
}

/** Delete every row, children first. */
async function clearRows(db: Database, models: readonly AnyModel[]): Promise<void> {
  for (const model of [...models].reverse()) {
    await (
      model as AnyModel & { objects: { using(db: Database): { delete(): Promise<number> } } }
    ).objects
      .using(db)
      .delete()
  }
}

/** Collect the SQL text of every statement `fn` runs on `db`. */
export async function capture(db: Database, fn: () => unknown): Promise<string[]> {
  const seen: string[] = []
  const stop = db.observe((statement) => seen.push(statement.sql))
  try {
    await fn()
  } finally {
    stop()
  }
  return seen
}
