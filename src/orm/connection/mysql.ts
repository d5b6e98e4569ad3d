/**
 * MySQL and MariaDB on `mysql2`, one `mysql2/promise` connection per slot of Plinth's own `Pool`
 * (not mysql2's pool, so waiting for a connection behaves as on the other dialects).
 *
 * Statements with parameters run through `execute` (binary protocol, server-side prepared
 * statements cached per connection): measured slightly faster than `query` for a primary-key
 * fetch (bench/drivers/mysql.ts), and values are never spliced into SQL text. Statements without
 * parameters (DDL, BEGIN, SAVEPOINT) use `query`, which some of them require.
 *
 * Values come back as:
 * - BIGINT → string (supportBigNumbers + bigNumberStrings), DECIMAL → string;
 * - DATE → 'YYYY-MM-DD' string; DATETIME/TIMESTAMP → Date, read as UTC (`timezone: 'Z'` and the
 *   session's time_zone '+00:00');
 * - BOOLEAN (TINYINT(1)) → 0/1 numbers; BLOB/BINARY → Buffer;
 * - JSON columns → parsed (MariaDB stores JSON as LONGTEXT, but mysql2 reads its extended column
 *   metadata, MariaDB ≥ 10.5.2); JSON computed by an expression may arrive as text.
 * Sessions are strict (bad values are errors, not warnings) and use backtick quoting, as Kysely's
 * MySQL compiler does.
 */
import type { Connection as CoreConnection } from 'mysql2'
import type { Connection, FieldPacket, ResultSetHeader } from 'mysql2/promise'
import { ConnectionError, type OrmError, UniqueViolationError } from '../errors.ts'
import type { ServerConfig } from './config.ts'
import { loadDriverPackage } from './driver-package.ts'
import { type ErrorContext, normalizeError } from './normalize-error.ts'
import { Pool } from './pool.ts'
import type { Driver, QueryResult, RawRow, ReservedConnection, Statement } from './types.ts'

const SQL_MODE =
  'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'
const SERVER_STATUS_IN_TRANS = 1
/** The table an INSERT/REPLACE/UPDATE writes to, optionally schema-qualified and quoted. */
const WRITE_TARGET =
  /^\s*(?:(?:INSERT|REPLACE)(?:\s+IGNORE)?\s+INTO|UPDATE(?:\s+IGNORE)?)\s+(?:`?\w+`?\.)?(?:`([^`]+)`|(\w+))/i
/** errno 1295: "This command is not supported in the prepared statement protocol yet". */
const NOT_PREPARABLE = 1295

interface MysqlConnection {
  conn: Connection
  broken: boolean
  /** From the last OK packet's status flags: a transaction is open on this connection. */
  inTransaction: boolean
}

/**
 * Connect to MySQL or MariaDB.
 *
 * @example
 * const driver = await openMysql(parseDatabaseUrl('mysql://root@localhost/shop') as ServerConfig)
 * const { insertId } = await driver.execute({ sql: 'INSERT INTO t (a) VALUES (?)', params: [1], returnsRows: false })
 */
export async function openMysql(config: ServerConfig): Promise<Driver> {
  const mysql = await loadDriverPackage('mysql2', 'MySQL/MariaDB', () => import('mysql2/promise'))
  return new MysqlDriver(config, mysql.default ?? mysql)
}

type Mysql2 = typeof import('mysql2/promise')

class MysqlDriver implements Driver {
  readonly dialect = 'mysql'
  readonly #pool: Pool<MysqlConnection>
  readonly #context: ErrorContext

  constructor(config: ServerConfig, mysql: Mysql2) {
    this.#context = {
      label: `MySQL at ${config.host}:${config.port}/${config.database}`,
      password: config.password,
    }
    const socket = config.host.startsWith('/')
    const options = {
      host: socket ? undefined : config.host,
      port: config.port,
      socketPath: socket ? config.host : undefined,
      user: config.user,
      password: config.password,
      database: config.database,
      ssl:
        config.ssl === 'disable' ? undefined : { rejectUnauthorized: config.ssl === 'verify-full' },
      charset: 'utf8mb4',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      dateStrings: ['DATE' as const],
      multipleStatements: false,
      connectTimeout: config.pool.acquireTimeoutMs,
      // The server allows ~16k prepared statements in total (max_prepared_stmt_count).
      maxPreparedStatements: 256,
      enableKeepAlive: true,
    }
    this.#pool = new Pool<MysqlConnection>({
      create: async () => {
        let conn: Connection | undefined
        try {
          conn = await mysql.createConnection(options)
          await conn.query(`SET SESSION sql_mode = '${SQL_MODE}', time_zone = '+00:00'`)
        } catch (error) {
          conn?.destroy()
          throw normalizeError('mysql', error, this.#context)
        }
        const connection: MysqlConnection = { conn, broken: false, inTransaction: false }
        // A fatal error on an idle connection is emitted, not thrown: without a listener it
        // would crash the process.
        conn.on('error', () => {
          connection.broken = true
        })
        return connection
      },
      destroy: (connection) => connection.conn.destroy(),
      validate: (connection) => !connection.broken,
      max: config.pool.max,
      acquireTimeoutMs: config.pool.acquireTimeoutMs,
      idleTimeoutMs: config.pool.idleTimeoutMs,
      label: this.#context.label,
    })
  }

  async execute(statement: Statement): Promise<QueryResult> {
    const connection = this.#pool.tryAcquire() ?? (await this.#acquire())
    try {
      return await this.run(connection, statement)
    } finally {
      this.release(connection, false)
    }
  }

  async reserve(): Promise<ReservedConnection> {
    return new ReservedMysql(this, await this.#acquire())
  }

  close(): Promise<void> {
    return this.#pool.close()
  }

  async run(connection: MysqlConnection, statement: Statement): Promise<QueryResult> {
    try {
      return toResult(connection, await this.#send(connection, statement))
    } catch (error) {
      const normalized = normalizeError('mysql', error, this.#context)
      if (normalized instanceof ConnectionError) connection.broken = true
      throw await this.#withColumns(connection, normalized, statement.sql)
    }
  }

  release(connection: MysqlConnection, destroy: boolean): void {
    // Never hand a connection with an open transaction to the next caller.
    this.#pool.release(connection, destroy || connection.broken || connection.inTransaction)
  }

  normalize(error: unknown): Error {
    return normalizeError('mysql', error, this.#context)
  }

  async #send(connection: MysqlConnection, statement: Statement) {
    const { sql } = statement
    if (statement.params.length === 0) return connection.conn.query(sql)
    const params = bindable(statement.params)
    try {
      return await connection.conn.execute(sql, params as never)
    } catch (error) {
      if ((error as { errno?: unknown }).errno !== NOT_PREPARABLE) throw error
      return connection.conn.query(sql, params)
    }
  }

  /**
   * MySQL names only the unique key of a duplicate entry, never its columns: look them up, on
   * the failed statement's connection (a MySQL error does not abort the transaction). The table
   * is the error's (MySQL 8 says `table.key`) or the one the INSERT/UPDATE wrote to.
   */
  async #withColumns(connection: MysqlConnection, error: OrmError, sql: string): Promise<OrmError> {
    if (!(error instanceof UniqueViolationError) || error.constraint === undefined) return error
    if (error.columns.length > 0 || connection.broken) return error
    const table = error.table ?? WRITE_TARGET.exec(sql)?.slice(1).find(Boolean)
    try {
      const [rows] = await connection.conn.query(
        'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ? AND (? IS NULL OR TABLE_NAME = ?) ORDER BY TABLE_NAME, SEQ_IN_INDEX',
        [error.constraint, table ?? null, table ?? null],
      )
      const found = rows as Array<{ t: string; c: string }>
      const tables = new Set(found.map((r) => r.t))
      if (tables.size !== 1) return error // unknown, or the same key name on several tables
      return new UniqueViolationError(
        { table: found[0]!.t, columns: found.map((r) => r.c), constraint: error.constraint },
        { cause: error.cause },
      )
    } catch {
      return error
    }
  }

  async #acquire(): Promise<MysqlConnection> {
    try {
      return await this.#pool.acquire()
    } catch (error) {
      throw normalizeError('mysql', error, this.#context)
    }
  }
}

class ReservedMysql implements ReservedConnection {
  readonly #driver: MysqlDriver
  #connection: MysqlConnection | undefined

  constructor(driver: MysqlDriver, connection: MysqlConnection) {
    this.#driver = driver
    this.#connection = connection
  }

  execute(statement: Statement): Promise<QueryResult> {
    return this.#driver.run(this.#held(), statement)
  }

  /** Rows flow with backpressure: the socket is paused while a chunk waits to be consumed. */
  async *stream(statement: Statement, chunkSize: number): AsyncGenerator<RawRow[]> {
    const connection = this.#held()
    const size = Math.max(1, Math.trunc(chunkSize))
    const { sql } = statement
    const values = bindable(statement.params)
    // The callback-style connection underneath the promise wrapper (untyped there) can stream.
    const core = (connection.conn as unknown as { connection: CoreConnection }).connection
    const rows =
      values.length === 0
        ? core.query(sql).stream({ highWaterMark: size })
        : core.execute(sql, values as never).stream({ highWaterMark: size })
    let chunk: RawRow[] = []
    try {
      // Breaking out early destroys the stream; mysql2 then drains the rest of the result set
      // before running the connection's next command.
      for await (const row of rows) {
        chunk.push(row as RawRow)
        if (chunk.length >= size) {
          yield chunk
          chunk = []
        }
      }
    } catch (error) {
      throw this.#driver.normalize(error)
    }
    if (chunk.length > 0) yield chunk
  }

  release(destroy = false): void {
    const connection = this.#held()
    this.#connection = undefined
    this.#driver.release(connection, destroy)
  }

  #held(): MysqlConnection {
    if (this.#connection === undefined) {
      throw new Error('This reserved connection was already released.')
    }
    return this.#connection
  }
}

function toResult(
  connection: MysqlConnection,
  [result]: [unknown, FieldPacket[] | undefined],
): QueryResult {
  if (Array.isArray(result)) return { rows: result as RawRow[], affected: 0 }
  const header = result as ResultSetHeader
  connection.inTransaction = (header.serverStatus & SERVER_STATUS_IN_TRANS) !== 0
  const insertId = header.insertId as number | string
  return {
    rows: [],
    affected: Number(header.affectedRows),
    // A string when beyond 2^53 (bigNumberStrings); 0 when nothing was auto-generated.
    insertId: typeof insertId === 'string' ? BigInt(insertId) : insertId,
  }
}

/** mysql2's binary protocol refuses `undefined`; booleans are sent as 1/0 (TINYINT). */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((v) => (v === undefined ? null : typeof v === 'boolean' ? Number(v) : v))
}
