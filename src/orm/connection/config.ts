/**
 * Database URLs and options, parsed and validated once, before any connection is opened.
 *
 * The password is kept out of every message and printout: it is a non-enumerable property (so
 * `console.log`, `JSON.stringify` and spreading skip it) and `toString()`/`inspect` show the URL
 * with `***` in its place.
 */
import { inspect } from 'node:util'
import { OrmConfigError } from '../errors.ts'
import type { DialectName, PoolOptions } from './types.ts'

interface BaseConfig {
  readonly dialect: DialectName
  readonly pool: Readonly<PoolOptions>
  /** The URL with the password replaced by `***`, safe to log. */
  readonly url: string
}

/** A SQLite database file, or `:memory:`. */
export interface SqliteConfig extends BaseConfig {
  readonly dialect: 'sqlite'
  /** A path (relative to the working directory) or `:memory:`. */
  readonly filename: string
  /** How long a write waits for another process's lock before failing. Default 5000 ms. */
  readonly busyTimeoutMs: number
  /**
   * When a commit waits for the disk (files only). `'normal'` (default, as Rails does in WAL
   * mode): a commit survives the app crashing, and the database is never corrupted, but the last
   * commits before a power loss or OS crash may be lost. `'full'`: every commit is synced first
   * (a disk flush each, milliseconds on many disks).
   */
  readonly synchronous: SqliteSynchronous
}

/** SQLite's `PRAGMA synchronous` setting for WAL files. */
export type SqliteSynchronous = 'normal' | 'full'

/** TLS for network databases: off, encrypted, or encrypted with a verified certificate. */
export type SslMode = 'disable' | 'require' | 'verify-full'

/** A PostgreSQL or MySQL/MariaDB server. */
export interface ServerConfig extends BaseConfig {
  readonly dialect: 'postgres' | 'mysql'
  /** Host name, or a Unix socket directory (PostgreSQL) / socket path (MySQL). */
  readonly host: string
  readonly port: number
  readonly user: string
  /** Not enumerable: read it explicitly, never log the config object with showHidden. */
  readonly password: string | undefined
  readonly database: string
  readonly ssl: SslMode
  /** PostgreSQL `application_name`, shown in `pg_stat_activity`. */
  readonly applicationName: string | undefined
}

/** A validated database configuration; create one with `parseDatabaseConfig`. */
export type DatabaseConfig = SqliteConfig | ServerConfig

/** What users write: a URL, or a URL with options. */
export type DatabaseConfigInput =
  | string
  | {
      url: string
      pool?: Partial<PoolOptions>
      busyTimeoutMs?: number
      synchronous?: SqliteSynchronous
    }

const DEFAULT_POOL: PoolOptions = {
  max: 10,
  acquireTimeoutMs: 5000,
  idleTimeoutMs: 30_000,
  pipeline: true,
}
const SUPPORTED =
  'sqlite:<path> or sqlite::memory:, postgres:// (postgresql://), mysql:// (mariadb://)'
const SERVER_SCHEMES: Record<string, 'postgres' | 'mysql'> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
}
const DEFAULT_PORTS = { postgres: 5432, mysql: 3306 }
const DEFAULT_USERS = { postgres: 'postgres', mysql: 'root' }
const SSL_MODES: Record<string, SslMode> = {
  disable: 'disable',
  require: 'require',
  'verify-ca': 'verify-full',
  'verify-full': 'verify-full',
}

/**
 * Parse a database URL with default options.
 *
 * @example
 * parseDatabaseUrl('sqlite:./db.sqlite3')
 * parseDatabaseUrl('postgres://app:secret@localhost:5432/shop?sslmode=require')
 */
export function parseDatabaseUrl(url: string): DatabaseConfig {
  return parseDatabaseConfig(url)
}

/**
 * Validate a database URL and options; every mistake is an `OrmConfigError` naming what to fix.
 *
 * @example
 * parseDatabaseConfig({ url: process.env.DATABASE_URL!, pool: { max: 20, acquireTimeoutMs: 2000 } })
 */
export function parseDatabaseConfig(input: DatabaseConfigInput): DatabaseConfig {
  const options = typeof input === 'string' ? { url: input } : input
  if (options === null || typeof options !== 'object' || typeof options.url !== 'string') {
    throw new OrmConfigError(
      'The database configuration must be a URL string or { url, pool?, busyTimeoutMs?, synchronous? }.',
    )
  }
  const unknown = Object.keys(options).filter(
    (k) => !['url', 'pool', 'busyTimeoutMs', 'synchronous'].includes(k),
  )
  if (unknown.length > 0) {
    throw new OrmConfigError(
      `Unknown database option ${unknown.map((k) => `'${k}'`).join(', ')}; the options are url, pool, busyTimeoutMs, synchronous.`,
    )
  }
  const url = options.url.trim()
  const pool = parsePool(options.pool)
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'sqlite:') {
    return parseSqlite(url, pool, options.busyTimeoutMs, options.synchronous)
  }
  const dialect = scheme ? SERVER_SCHEMES[scheme] : undefined
  if (dialect === undefined) {
    // Only the scheme is echoed: the rest of the URL may hold a password.
    throw new OrmConfigError(
      `Unsupported database URL${scheme ? ` scheme '${scheme}'` : ' (no scheme)'}; use ${SUPPORTED}.`,
    )
  }
  if (options.busyTimeoutMs !== undefined) {
    throw new OrmConfigError('busyTimeoutMs applies to SQLite only; remove it for this database.')
  }
  if (options.synchronous !== undefined) {
    throw new OrmConfigError('synchronous applies to SQLite only; remove it for this database.')
  }
  return parseServer(url, dialect, pool)
}

function parseSqlite(
  url: string,
  pool: PoolOptions,
  busyTimeout: unknown,
  synchronous: unknown = 'normal',
): SqliteConfig {
  let filename = url.slice('sqlite:'.length)
  // sqlite:///abs/path and sqlite://./relative, as SQLAlchemy and Prisma users write them.
  if (filename.startsWith('//')) filename = filename.slice(2)
  if (filename === '') {
    throw new OrmConfigError(
      `The SQLite URL '${url}' names no file; write sqlite:./db.sqlite3, sqlite:/abs/path.db or sqlite::memory:.`,
    )
  }
  const busyTimeoutMs = busyTimeout === undefined ? 5000 : busyTimeout
  if (!Number.isSafeInteger(busyTimeoutMs) || (busyTimeoutMs as number) < 0) {
    throw new OrmConfigError(
      `busyTimeoutMs must be a non-negative integer (milliseconds), not ${describe(busyTimeout)}.`,
    )
  }
  if (synchronous !== 'normal' && synchronous !== 'full') {
    throw new OrmConfigError(
      `synchronous must be 'normal' or 'full', not ${describe(synchronous)}.`,
    )
  }
  // node:sqlite is synchronous: one connection per process (see sqlite.ts).
  return finish({
    dialect: 'sqlite',
    filename,
    busyTimeoutMs: busyTimeoutMs as number,
    synchronous,
    pool: Object.freeze({ ...pool, max: 1 }),
    url: `sqlite:${filename}`,
  })
}

function parseServer(raw: string, dialect: 'postgres' | 'mysql', pool: PoolOptions): ServerConfig {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new OrmConfigError(
      `The ${dialect} database URL is malformed (not echoed here, it may contain a password); expected ${dialect}://user:password@host:port/database. Percent-encode special characters in the password.`,
    )
  }
  if (/@/.test(url.pathname + url.search + url.hash)) {
    // An unencoded '/', '?' or '#' in the password moved part of it past the host.
    throw new OrmConfigError(
      `The ${dialect} database URL is malformed (not echoed here, it may contain a password): percent-encode '/', '?', '#' and '@' in the user name and password.`,
    )
  }
  const password = url.password === '' ? undefined : decode(url.password, 'password')
  url.password = password === undefined ? '' : '***'
  const safe = url.href
  const database = decode(url.pathname.slice(1), 'database name')
  if (database === '' || database.includes('/')) {
    throw new OrmConfigError(
      `The database URL ${safe} must name one database in its path: ${dialect}://user@host/database.`,
    )
  }
  let host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  let ssl: SslMode = 'disable'
  let applicationName: string | undefined
  for (const [key, value] of url.searchParams) {
    if (key === 'sslmode') {
      const mode = SSL_MODES[value]
      if (mode === undefined) {
        throw new OrmConfigError(
          `sslmode '${value}' in ${safe} is not supported; use disable, require, verify-ca or verify-full.`,
        )
      }
      ssl = mode
    } else if (key === 'host' || key === 'socket') {
      host = value // a Unix socket directory or path
    } else if (key === 'application_name' && dialect === 'postgres') {
      applicationName = value
    } else {
      const known = dialect === 'postgres' ? 'sslmode, host, application_name' : 'sslmode, socket'
      throw new OrmConfigError(`Unknown parameter '${key}' in ${safe}; supported: ${known}.`)
    }
  }
  if (host === '') host = 'localhost'
  return finish({
    dialect,
    host,
    port: url.port === '' ? DEFAULT_PORTS[dialect] : Number(url.port),
    user: url.username === '' ? DEFAULT_USERS[dialect] : decode(url.username, 'user name'),
    password,
    database,
    ssl,
    applicationName,
    pool: Object.freeze(pool),
    url: safe,
  })
}

function parsePool(input: unknown): PoolOptions {
  if (input === undefined) return { ...DEFAULT_POOL }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new OrmConfigError(
      'pool must be an object: { max, acquireTimeoutMs, idleTimeoutMs, pipeline }.',
    )
  }
  const pool = { ...DEFAULT_POOL }
  for (const [key, value] of Object.entries(input)) {
    if (!(key in DEFAULT_POOL)) {
      throw new OrmConfigError(
        `Unknown pool option '${key}'; the options are max, acquireTimeoutMs, idleTimeoutMs, pipeline.`,
      )
    }
    if (value === undefined) continue
    if (key === 'pipeline') {
      if (typeof value !== 'boolean') {
        throw new OrmConfigError(`pool.pipeline must be true or false, not ${describe(value)}.`)
      }
      pool.pipeline = value
      continue
    }
    if (!Number.isSafeInteger(value) || (value as number) <= 0) {
      throw new OrmConfigError(`pool.${key} must be a positive integer, not ${describe(value)}.`)
    }
    pool[key as 'max' | 'acquireTimeoutMs' | 'idleTimeoutMs'] = value as number
  }
  return pool
}

function decode(value: string, what: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    throw new OrmConfigError(`The ${what} in the database URL has a malformed %-escape.`)
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value)
}

/** Freeze, hide the password, and give the config a safe printout. */
function finish<T extends DatabaseConfig>(fields: Omit<T, 'password'> & { password?: string }): T {
  const { password, ...visible } = fields as typeof fields & { password?: string }
  const config = visible as Record<PropertyKey, unknown>
  if (fields.dialect !== 'sqlite') {
    Object.defineProperty(config, 'password', { value: password, enumerable: false })
  }
  const safe = () => ({ ...visible })
  Object.defineProperties(config, {
    toString: { value: () => visible.url, enumerable: false },
    toJSON: { value: safe, enumerable: false },
    [inspect.custom]: {
      value: (depth: number, opts: object) =>
        `DatabaseConfig ${inspect(safe(), { ...opts, depth })}`,
      enumerable: false,
    },
  })
  return Object.freeze(config) as T
}
