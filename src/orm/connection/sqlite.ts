/**
 * SQLite on the built-in `node:sqlite` (`DatabaseSync`).
 *
 * One connection per process, always. node:sqlite is synchronous: if a second connection tried
 * to write while the first held the write lock inside a transaction that is awaiting something,
 * the second would block the whole event loop (up to `busy_timeout`), and the awaited work that
 * would let the first commit could never run. With a single connection, a caller that finds it
 * reserved by a transaction waits asynchronously in the pool (bounded by `acquireTimeoutMs`).
 * Nothing is lost: SQLite serialises writers anyway, and reads on one connection take microseconds.
 *
 * When the connection is free, `execute` runs and returns synchronously, with no promise: a
 * primary-key fetch costs a cache lookup more than `stmt.all()` itself.
 *
 * Integers: read as JavaScript numbers, except in columns declared `BIGINT`/`INT8`, which come
 * back as `bigint` (the statement reads big integers, other integer columns are turned back into
 * numbers). A value beyond 2^53 anywhere else raises a `DatabaseError` instead of losing digits.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import { DatabaseError } from '../errors.ts'
import type { SqliteConfig } from './config.ts'
import { normalizeError } from './normalize-error.ts'
import { Pool } from './pool.ts'
import { StatementCache } from './statement-cache.ts'
import type {
  Driver,
  MaybePromise,
  QueryResult,
  RawRow,
  ReservedConnection,
  Statement,
} from './types.ts'

const CACHE_SIZE = 500
const BIGINT_TYPE = /\b(BIGINT|INT8)\b/i
// In SQLite only INSERT/UPDATE/DELETE … RETURNING both write and return rows.
const WRITES_ROWS = /\bRETURNING\b/i
const READS_ONLY = /^\s*(SELECT|VALUES|PRAGMA|EXPLAIN)\b/i

/** A cached statement and what running it needs to know. */
interface Prepared {
  stmt: StatementSync
  /** INSERT/UPDATE/DELETE … RETURNING: `affected` is the number of rows returned. */
  writes: boolean
  /** Integer columns to turn back into numbers when the statement reads bigints. */
  numberColumns: string[] | undefined
}

const MAX_PATTERNS = 100

/**
 * SQLite has a REGEXP operator but no implementation: the ORM's `regex`/`iregex` lookups call
 * `plinth_regexp(pattern, value)` / `plinth_iregexp(…)`, backed by JavaScript regular
 * expressions (compiled once per pattern, in a bounded cache). NULL on either side gives NULL, as
 * a comparison would; an invalid pattern is a `DatabaseError`.
 */
function registerRegexp(db: DatabaseSync): void {
  const compiled = new Map<string, RegExp>()
  const match = (flags: string) => (pattern: unknown, value: unknown) => {
    if (pattern === null || value === null) return null
    const key = `${flags}/${String(pattern)}`
    let regexp = compiled.get(key)
    if (regexp === undefined) {
      regexp = new RegExp(String(pattern), flags)
      if (compiled.size >= MAX_PATTERNS) compiled.clear()
      compiled.set(key, regexp)
    }
    return regexp.test(String(value)) ? 1 : 0
  }
  db.function('plinth_regexp', { deterministic: true }, match(''))
  db.function('plinth_iregexp', { deterministic: true }, match('i'))
}

/** One open database file and its statement cache. */
export class SqliteConnection {
  readonly db: DatabaseSync
  readonly #cache = new StatementCache<Prepared>(CACHE_SIZE)

  constructor(config: SqliteConfig) {
    this.db = new DatabaseSync(config.filename)
    try {
      // busy_timeout first: switching a new file to WAL takes a lock another process opening
      // the same file at the same moment may hold (two `plinth migrate` started together).
      this.db.exec(
        `PRAGMA busy_timeout = ${Math.trunc(config.busyTimeoutMs)}; PRAGMA foreign_keys = ON`,
      )
      if (config.filename !== ':memory:') {
        this.db.exec('PRAGMA journal_mode = WAL')
        // Per connection, not stored in the file: see SqliteConfig.synchronous.
        this.db.exec(`PRAGMA synchronous = ${config.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
      }
      registerRegexp(this.db)
    } catch (error) {
      this.db.close()
      throw error
    }
  }

  run(statement: Statement): QueryResult {
    const prepared = this.#cache.get(statement.sql) ?? this.#prepare(statement.sql, true)
    const params = bindable(statement.params)
    if (statement.returnsRows) {
      // Direct calls for the common parameter counts: a spread call into the native binding
      // costs more than the primary-key fetch it wraps.
      const stmt = prepared.stmt
      const rows = (
        params.length === 1
          ? stmt.all(params[0]!)
          : params.length === 2
            ? stmt.all(params[0]!, params[1]!)
            : params.length === 0
              ? stmt.all()
              : stmt.all(...params)
      ) as RawRow[]
      if (prepared.numberColumns !== undefined) toNumbers(rows, prepared.numberColumns)
      return { rows, affected: prepared.writes ? rows.length : 0 }
    }
    const { changes, lastInsertRowid } = prepared.stmt.run(...params)
    return { rows: [], affected: Number(changes), insertId: lastInsertRowid }
  }

  async *stream(statement: Statement, chunkSize: number): AsyncGenerator<RawRow[]> {
    // A statement of its own: a cached one re-run by the holder mid-stream would reset this cursor.
    const prepared = this.#prepare(statement.sql, false)
    const rows = prepared.stmt.iterate(...bindable(statement.params)) as Iterator<RawRow>
    try {
      let chunk: RawRow[] = []
      for (let next = rows.next(); !next.done; next = rows.next()) {
        chunk.push(next.value)
        if (chunk.length >= chunkSize) {
          if (prepared.numberColumns !== undefined) toNumbers(chunk, prepared.numberColumns)
          yield chunk
          chunk = []
        }
      }
      if (chunk.length > 0) {
        if (prepared.numberColumns !== undefined) toNumbers(chunk, prepared.numberColumns)
        yield chunk
      }
    } finally {
      rows.return?.()
    }
  }

  close(): void {
    this.#cache.clear()
    if (this.db.isOpen) this.db.close()
  }

  #prepare(sql: string, cache: boolean): Prepared {
    const stmt = this.db.prepare(sql)
    const columns = stmt.columns()
    let numberColumns: string[] | undefined
    if (columns.some((c) => BIGINT_TYPE.test(c.type ?? ''))) {
      stmt.setReadBigInts(true)
      numberColumns = columns.filter((c) => !BIGINT_TYPE.test(c.type ?? '')).map((c) => c.name)
    }
    const writes = columns.length > 0 && WRITES_ROWS.test(sql) && !READS_ONLY.test(sql)
    const prepared = { stmt, writes, numberColumns }
    return cache ? this.#cache.set(sql, prepared) : prepared
  }
}

/**
 * node:sqlite refuses booleans, and takes an object in first position for a bag of named
 * parameters: a Date there would bind nothing and shift every other value by one. Booleans become
 * 1/0, undefined NULL, Dates ISO-8601 text (as the model layer stores them); other objects are
 * refused. The parameters are copied only when one needs converting.
 */
function bindable(params: readonly unknown[]): SQLInputValue[] {
  for (let i = 0; i < params.length; i++) {
    const value = params[i]
    if (typeof value === 'boolean' || value === undefined || isObject(value)) {
      return params.map(convert)
    }
  }
  return params as SQLInputValue[]
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)
}

function convert(value: unknown, index: number): SQLInputValue {
  if (value === undefined) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Date) return value.toISOString()
  if (isObject(value)) {
    throw new DatabaseError(
      `SQLite cannot bind parameter ${index + 1} (${Array.isArray(value) ? 'an array' : 'an object'}): pass a string, number, bigint, Buffer or null (JSON.stringify JSON values).`,
    )
  }
  return value as SQLInputValue
}

function toNumbers(rows: RawRow[], columns: string[]): void {
  for (const row of rows) {
    for (const name of columns) {
      const value = row[name]
      if (typeof value === 'bigint' && Number.isSafeInteger(Number(value)))
        row[name] = Number(value)
    }
  }
}

/**
 * Open a SQLite database.
 *
 * @example
 * const driver = await openSqlite(parseDatabaseUrl('sqlite::memory:') as SqliteConfig)
 * driver.execute({ sql: 'SELECT 1 AS one', params: [], returnsRows: true }) // { rows: [{ one: 1 }], … }
 */
export async function openSqlite(config: SqliteConfig): Promise<Driver> {
  const driver = new SqliteDriver(config)
  // Open the connection now, so the first query already takes the synchronous path.
  driver.release(await driver.pool.acquire(), false)
  return driver
}

class SqliteDriver implements Driver {
  readonly dialect = 'sqlite'
  readonly pool: Pool<SqliteConnection>
  readonly #memory: boolean
  readonly label: string

  constructor(config: SqliteConfig) {
    this.#memory = config.filename === ':memory:'
    this.label = `SQLite database ${config.filename}`
    this.pool = new Pool({
      create: async () => new SqliteConnection(config),
      destroy: (connection) => connection.close(),
      max: 1,
      acquireTimeoutMs: config.pool.acquireTimeoutMs,
      // Closing an idle in-memory database would delete it; reopening a file is needless work.
      idleTimeoutMs: Number.POSITIVE_INFINITY,
      label: this.label,
    })
  }

  execute(statement: Statement): MaybePromise<QueryResult> {
    // The hot path: the connection is idle, the statement runs to completion synchronously.
    const idle = this.pool.idleForSyncUse()
    if (idle !== undefined) {
      try {
        return idle.run(statement)
      } catch (error) {
        throw translate(error, this.label)
      }
    }
    const connection = this.pool.tryAcquire()
    if (connection !== undefined) return this.#runAndRelease(connection, statement)
    return this.pool.acquire().then(
      (c) => this.#runAndRelease(c, statement),
      (error: unknown) => {
        throw normalizeError('sqlite', error, { label: this.label })
      },
    )
  }

  async reserve(): Promise<ReservedConnection> {
    const connection = await this.pool.acquire()
    return new ReservedSqlite(this, connection)
  }

  /**
   * Stream without holding the only connection between chunks: SQLite keeps the read cursor open
   * while other statements run, so the body of a `for await` over a large result can still query
   * and save (it would otherwise wait for a connection the loop itself holds).
   */
  async *stream(statement: Statement, chunkSize: number): AsyncGenerator<RawRow[]> {
    let connection: SqliteConnection | undefined = await this.pool.acquire()
    const chunks = connection.stream(statement, chunkSize)
    try {
      while (true) {
        let next: IteratorResult<RawRow[]>
        try {
          next = await chunks.next()
        } catch (error) {
          throw translate(error, this.label)
        }
        this.pool.release(connection)
        connection = undefined
        if (next.done) return
        yield next.value
        connection = await this.pool.acquire()
      }
    } finally {
      if (connection !== undefined) this.pool.release(connection)
      await chunks.return(undefined)
    }
  }

  close(): Promise<void> {
    return this.pool.close()
  }

  release(connection: SqliteConnection, destroy: boolean): void {
    // A transaction left open would swallow every later statement on the only connection.
    if (connection.db.isOpen && connection.db.isTransaction) {
      try {
        connection.db.exec('ROLLBACK')
      } catch {
        destroy = true
      }
    }
    // An in-memory database cannot be reopened: keep it whatever the caller says.
    this.pool.release(connection, destroy && !this.#memory)
  }

  run(connection: SqliteConnection, statement: Statement): QueryResult {
    try {
      return connection.run(statement)
    } catch (error) {
      throw translate(error, this.label)
    }
  }

  #runAndRelease(connection: SqliteConnection, statement: Statement): QueryResult {
    try {
      return connection.run(statement)
    } catch (error) {
      throw translate(error, this.label)
    } finally {
      // Not this.release(): a single statement cannot leave a transaction open (unless it is a
      // bare BEGIN, which belongs in reserve()), and the check costs a native call per query.
      this.pool.release(connection)
    }
  }
}

function translate(error: unknown, label: string): Error {
  if ((error as { code?: unknown })?.code === 'ERR_OUT_OF_RANGE') {
    return new DatabaseError(
      `An integer in the result is beyond Number.MAX_SAFE_INTEGER and cannot be read as a number. Declare the column BIGINT (read as bigint) or cast it to TEXT. (${(error as Error).message})`,
      { cause: error },
    )
  }
  return normalizeError('sqlite', error, { label })
}

class ReservedSqlite implements ReservedConnection {
  readonly #driver: SqliteDriver
  #connection: SqliteConnection | undefined

  constructor(driver: SqliteDriver, connection: SqliteConnection) {
    this.#driver = driver
    this.#connection = connection
  }

  execute(statement: Statement): QueryResult {
    return this.#driver.run(this.#held(), statement)
  }

  async *stream(statement: Statement, chunkSize: number): AsyncGenerator<RawRow[]> {
    try {
      yield* this.#held().stream(statement, chunkSize)
    } catch (error) {
      throw translate(error, this.#driver.label)
    }
  }

  release(destroy = false): void {
    const connection = this.#held()
    this.#connection = undefined
    this.#driver.release(connection, destroy)
  }

  #held(): SqliteConnection {
    if (this.#connection === undefined) {
      throw new Error('This reserved connection was already released.')
    }
    return this.#connection
  }
}
