/**
 * PostgreSQL on node-postgres (`pg`), chosen by measurement (docs/decisions/0005-postgres-driver.md).
 *
 * Connections are `pg.Client`s in Plinth's own `Pool`. Statements that a web app repeats (SELECT,
 * INSERT, UPDATE, DELETE, WITH) run as named prepared statements, parsed and planned once per
 * connection; the names are bounded so the server's memory is too.
 *
 * Those statements, outside a transaction, also share connections (`pool.pipeline`, on by
 * default; see `shared.ts`): once `max` connections are busy, the next statement is pipelined
 * onto the least busy one instead of waiting for one to come back, and the statements of one
 * event-loop turn leave in one socket write. Each keeps its own Sync, so its own implicit
 * transaction and error, exactly as in separate round trips.
 *
 * Values come back as:
 * - int8 → string (the model layer makes it a bigint); numeric → string (exact decimals);
 * - date → 'YYYY-MM-DD' string, never a local-midnight Date; timestamptz → Date;
 *   timestamp (without time zone) → Date read as UTC, like MySQL's DATETIME here;
 * - json/jsonb → parsed; bytea → Buffer; bool → boolean; int2/int4/float → number.
 * Sessions run with TimeZone=UTC so that casts and `now()::date` agree with the other dialects.
 */
import type { Client, ClientConfig, QueryResult as PgResult, QueryConfig } from 'pg'
import { ConnectionError, OrmError } from '../errors.ts'
import type { ServerConfig } from './config.ts'
import { loadDriverPackage } from './driver-package.ts'
import { type ErrorContext, normalizeError } from './normalize-error.ts'
import { Pool } from './pool.ts'
import { SharedConnections } from './shared.ts'
import type { Driver, QueryResult, RawRow, ReservedConnection, Statement } from './types.ts'

type PgModule = typeof import('pg')['default']

/** Distinct statements given a name (and so kept prepared on each connection). */
const MAX_NAMED = 1000
const NAMEABLE = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES)\b/i
const COUNTS_ROWS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])

interface PgConnection {
  client: Client
  /** Set when the client reported an error while idle: it must not be used again. */
  broken: boolean
}

/**
 * Connect to PostgreSQL.
 *
 * @example
 * const driver = await openPostgres(parseDatabaseUrl('postgres://app@localhost/shop') as ServerConfig)
 * const { rows } = await driver.execute({ sql: 'SELECT $1::int AS n', params: [1], returnsRows: true })
 */
export async function openPostgres(config: ServerConfig): Promise<Driver> {
  const { default: pg } = await loadDriverPackage('pg', 'PostgreSQL', () => import('pg'))
  return new PostgresDriver(config, pg)
}

class PostgresDriver implements Driver {
  readonly dialect = 'postgres'
  readonly #pool: Pool<PgConnection>
  readonly #shared: SharedConnections<PgConnection> | undefined
  readonly #context: ErrorContext
  readonly #names = new Map<string, string | null>()

  constructor(config: ServerConfig, pg: PgModule) {
    this.#context = {
      label: `PostgreSQL at ${config.host}:${config.port}/${config.database}`,
      password: config.password,
    }
    const clientConfig = clientOptions(config, pg)
    // Pipeline mode only changes a client that has several statements in flight, which only a
    // shared connection ever has; reserved ones (transactions, cursors) still send one at a time.
    if (config.pool.pipeline) (clientConfig as { pipeline?: boolean }).pipeline = true
    this.#pool = new Pool<PgConnection>({
      create: async () => {
        const client = new pg.Client(clientConfig)
        const connection: PgConnection = { client, broken: false }
        // Without a listener an idle client whose server went away would crash the process.
        client.on('error', () => {
          connection.broken = true
        })
        try {
          await client.connect()
        } catch (error) {
          client.end().catch(() => {})
          throw this.#normalize(error)
        }
        return connection
      },
      destroy: (connection) => connection.client.end(),
      validate: (connection) => !connection.broken,
      max: config.pool.max,
      acquireTimeoutMs: config.pool.acquireTimeoutMs,
      idleTimeoutMs: config.pool.idleTimeoutMs,
      label: this.#context.label,
    })
    if (config.pool.pipeline) {
      this.#shared = new SharedConnections<PgConnection>({
        pool: this.#pool,
        max: config.pool.max,
        acquire: () => this.#acquire(),
        usable: (connection) => !connection.broken,
        release: (connection, destroy) => this.release(connection, destroy),
        socket: (connection) => socketOf(connection.client),
      })
    }
  }

  execute(statement: Statement): Promise<QueryResult> {
    // Only statements that cannot change the session (the nameable ones) may share a connection:
    // a BEGIN, SET or LOCK would leak into the statements pipelined beside it.
    if (this.#shared !== undefined && this.#nameFor(statement.sql) !== null) {
      return this.#executeShared(this.#shared, statement, false)
    }
    return this.#execute(statement, false)
  }

  async #executeShared(
    shared: SharedConnections<PgConnection>,
    statement: Statement,
    retried: boolean,
  ): Promise<QueryResult> {
    const use = shared.take() ?? (await shared.open())
    try {
      return await this.run(use.connection, statement)
    } catch (error) {
      // The others in flight on this connection still get their answers; it is closed once the
      // last one has, as reserved connections are.
      if (retried || !isStalePlan(error)) throw this.#fail(use.connection, error)
      use.retire = true
    } finally {
      shared.done(use)
    }
    return this.#executeShared(shared, statement, true)
  }

  async #execute(statement: Statement, retried: boolean): Promise<QueryResult> {
    const connection = this.#pool.tryAcquire() ?? (await this.#acquire())
    let stale = false
    try {
      return await this.run(connection, statement)
    } catch (error) {
      if (retried || !isStalePlan(error)) throw this.#fail(connection, error)
      stale = true
    } finally {
      this.release(connection, stale)
    }
    // A migration changed a table under a prepared statement: retry once on another connection,
    // this one closed with its stale plans (the statement failed before running, so nothing
    // happens twice).
    return this.#execute(statement, true)
  }

  async reserve(): Promise<ReservedConnection> {
    return new ReservedPostgres(this, await this.#acquire())
  }

  close(): Promise<void> {
    return this.#pool.close()
  }

  async run(connection: PgConnection, statement: Statement): Promise<QueryResult> {
    const name = this.#nameFor(statement.sql)
    const query: QueryConfig = { text: statement.sql, values: statement.params as unknown[] }
    if (name !== null) query.name = name
    const result: PgResult = await connection.client.query(query)
    if (result.command === 'ROLLBACK' && /^\s*(COMMIT|END)\b/i.test(statement.sql)) {
      // PostgreSQL answers COMMIT of a transaction an earlier error aborted with ROLLBACK, and
      // no error: the caller must not believe its writes were saved.
      throw new OrmError(
        'PLINTH_ORM_TRANSACTION_ABORTED',
        'COMMIT rolled the transaction back: a statement inside it failed earlier (an error was caught and the transaction went on). Nothing was saved; use a savepoint around statements that may fail.',
      )
    }
    return {
      rows: result.rows,
      affected: COUNTS_ROWS.has(result.command) ? (result.rowCount ?? 0) : 0,
    }
  }

  async query(connection: PgConnection, sql: string, params: readonly unknown[] = []) {
    try {
      return await connection.client.query({ text: sql, values: params as unknown[] })
    } catch (error) {
      throw this.#fail(connection, error)
    }
  }

  release(connection: PgConnection, destroy: boolean): void {
    // A connection still inside a transaction (a holder that forgot COMMIT/ROLLBACK) would leak
    // it into the next caller's statements: close it instead.
    const idle = connection.client.getTransactionStatus() === 'I'
    this.#pool.release(connection, destroy || connection.broken || !idle)
  }

  /** Normalize, and mark the connection broken when the error says it is. */
  fail(connection: PgConnection, error: unknown): Error {
    return this.#fail(connection, error)
  }

  #fail(connection: PgConnection, error: unknown): Error {
    const normalized = this.#normalize(error)
    // A stale prepared plan fails on this connection until it closes (inside a transaction the
    // statement cannot be retried, but the next holder must not inherit the plan).
    if (normalized instanceof ConnectionError || isStalePlan(error)) connection.broken = true
    return normalized
  }

  #normalize(error: unknown): Error {
    return normalizeError('postgres', error, this.#context)
  }

  async #acquire(): Promise<PgConnection> {
    try {
      return await this.#pool.acquire()
    } catch (error) {
      throw this.#normalize(error)
    }
  }

  #nameFor(sql: string): string | null {
    let name = this.#names.get(sql)
    if (name === undefined) {
      // Past the bound, new statements run unnamed (parsed each time) rather than grow forever.
      if (this.#names.size >= MAX_NAMED) return null
      name = NAMEABLE.test(sql) ? `plinth_${this.#names.size + 1}` : null
      this.#names.set(sql, name)
    }
    return name
  }
}

class ReservedPostgres implements ReservedConnection {
  static #cursors = 0
  readonly #driver: PostgresDriver
  #connection: PgConnection | undefined

  constructor(driver: PostgresDriver, connection: PgConnection) {
    this.#driver = driver
    this.#connection = connection
  }

  async execute(statement: Statement): Promise<QueryResult> {
    const connection = this.#held()
    try {
      return await this.#driver.run(connection, statement)
    } catch (error) {
      throw this.#driver.fail(connection, error)
    }
  }

  /**
   * A server-side cursor (`DECLARE … CURSOR`, `FETCH n`): only SELECT/VALUES statements. Outside
   * a transaction the stream opens and closes its own, since cursors live in one.
   */
  async *stream(statement: Statement, chunkSize: number): AsyncGenerator<RawRow[]> {
    const connection = this.#held()
    const size = Math.max(1, Math.trunc(chunkSize))
    const cursor = `plinth_cursor_${++ReservedPostgres.#cursors}`
    const own = connection.client.getTransactionStatus() === 'I'
    let finished = false
    if (own) await this.#driver.query(connection, 'BEGIN')
    try {
      const declare = `DECLARE ${cursor} NO SCROLL CURSOR FOR ${statement.sql}`
      await this.#driver.query(connection, declare, statement.params)
      while (true) {
        const { rows } = await this.#driver.query(connection, `FETCH ${size} FROM ${cursor}`)
        if (rows.length > 0) yield rows
        if (rows.length < size) break
      }
      finished = true
    } finally {
      // Also on an error or when the consumer stops early (`break` in for await).
      if (own) {
        await this.#driver.query(connection, finished ? 'COMMIT' : 'ROLLBACK').catch(() => {})
      } else if (connection.client.getTransactionStatus() === 'T') {
        await this.#driver.query(connection, `CLOSE ${cursor}`).catch(() => {})
      }
    }
  }

  release(destroy = false): void {
    const connection = this.#held()
    this.#connection = undefined
    this.#driver.release(connection, destroy)
  }

  #held(): PgConnection {
    if (this.#connection === undefined) {
      throw new Error('This reserved connection was already released.')
    }
    return this.#connection
  }
}

function clientOptions(config: ServerConfig, pg: PgModule): ClientConfig {
  const { types } = pg
  const text = types.getTypeParser(25 as never) as (value: string) => string
  const textArray = types.getTypeParser(1009 as never) as (value: string) => string[]
  const utc = (value: string) => parseUtc(value, types.getTypeParser(1114 as never))
  const parsers = new Map<number, (value: string) => unknown>([
    [20, text], // int8
    [1016, textArray], // int8[]
    [1700, text], // numeric
    [1231, textArray], // numeric[]
    [1082, text], // date
    [1182, textArray], // date[]
    [1114, utc], // timestamp without time zone
    [1115, (value) => types.arrayParser(value, utc)],
  ])
  return {
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.database,
    ssl: config.ssl === 'disable' ? false : { rejectUnauthorized: config.ssl === 'verify-full' },
    application_name: config.applicationName,
    options: '-c TimeZone=UTC',
    connectionTimeoutMillis: config.pool.acquireTimeoutMs,
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        (format === undefined || format === 'text' ? parsers.get(oid) : undefined) ??
        types.getTypeParser(oid as never, format as never)) as never,
    },
  }
}

/** The client's socket (pg keeps it on `client.connection.stream`), to batch writes with cork. */
function socketOf(client: Client): { cork(): void; uncork(): void } | undefined {
  const stream = (client as unknown as { connection?: { stream?: unknown } }).connection?.stream
  const socket = stream as { cork?: unknown; uncork?: unknown } | undefined
  return typeof socket?.cork === 'function' && typeof socket.uncork === 'function'
    ? (socket as { cork(): void; uncork(): void })
    : undefined
}

/** '2024-05-06 07:08:09.123456' as UTC; infinities and BC dates go to pg's own parser. */
function parseUtc(value: string, fallback: (value: string) => unknown): unknown {
  if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value)) return fallback(value)
  return new Date(`${value.replace(' ', 'T')}Z`)
}

function isStalePlan(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown }
  return e?.code === '0A000' && /cached plan/.test(String(e.message))
}
