/**
 * The ORM's connection layer: database URLs, a bounded pool, one driver per dialect, error
 * normalization and Kysely dialects running on those drivers.
 *
 * Each driver, and its client package, is imported only when a URL asks for it: a SQLite app
 * needs neither `pg` nor `mysql2`, and a PostgreSQL app never loads `node:sqlite` (which prints
 * an experimental warning on Node 22).
 */
import type { DatabaseConfig } from './config.ts'
import type { Driver } from './types.ts'

export {
  type DatabaseConfig,
  type DatabaseConfigInput,
  parseDatabaseConfig,
  parseDatabaseUrl,
  type ServerConfig,
  type SqliteConfig,
  type SslMode,
} from './config.ts'
export { createKyselyDialect, type KyselyBackend } from './kysely-dialect.ts'
export { type ErrorContext, normalizeError } from './normalize-error.ts'
export { Pool, type PoolConfig } from './pool.ts'
export type {
  DialectName,
  Driver,
  MaybePromise,
  PoolOptions,
  QueryResult,
  RawRow,
  ReservedConnection,
  Statement,
} from './types.ts'

/**
 * Open a driver for a validated configuration (see `parseDatabaseConfig`). Fails with
 * `OrmConfigError` (`PLINTH_ORM_DRIVER_MISSING`) when the dialect's client package is not
 * installed. SQLite opens its file now (a bad path is a `ConnectionError` here); PostgreSQL and
 * MySQL connect on the first query, so an unreachable server is a `ConnectionError` from there.
 *
 * @example
 * const driver = await connect(parseDatabaseUrl('sqlite::memory:'))
 * driver.execute({ sql: 'CREATE TABLE t (id INTEGER PRIMARY KEY)', params: [], returnsRows: false })
 * await driver.close()
 */
export async function connect(config: DatabaseConfig): Promise<Driver> {
  switch (config.dialect) {
    case 'sqlite': {
      const { openSqlite } = await import('./sqlite.ts')
      return openSqlite(config)
    }
    case 'postgres': {
      const { openPostgres } = await import('./postgres.ts')
      return openPostgres(config)
    }
    case 'mysql': {
      const { openMysql } = await import('./mysql.ts')
      return openMysql(config)
    }
  }
}
