/**
 * What the model layer needs from a database connection, whatever the dialect.
 *
 * Each dialect (`sqlite.ts`, `postgres.ts`, `mysql.ts`) implements `Driver` over its own client and
 * Plinth's bounded `Pool`. The model layer compiles SQL with Kysely and runs it here; it never talks
 * to a client library directly. Results may come back synchronously (node:sqlite) so the hot path
 * allocates no promise it does not need.
 */

/** The SQL dialects Plinth supports. */
export type DialectName = 'sqlite' | 'postgres' | 'mysql'

/** A value or a promise of it. Drivers return plain values when the client is synchronous. */
export type MaybePromise<T> = T | Promise<T>

/** One compiled statement. */
export interface Statement {
  readonly sql: string
  readonly params: readonly unknown[]
  /**
   * True when the statement produces rows (SELECT, or INSERT/UPDATE/DELETE … RETURNING). Lets
   * drivers pick `all()` versus `run()` without parsing SQL.
   */
  readonly returnsRows: boolean
}

/** Rows as the client returns them: column name → raw value. */
export type RawRow = Record<string, unknown>

/** The outcome of one statement. */
export interface QueryResult {
  readonly rows: RawRow[]
  /** Rows inserted, updated or deleted (0 for SELECT). */
  readonly affected: number
  /** Auto-increment id of the last inserted row, where the dialect reports one (SQLite, MySQL). */
  readonly insertId?: bigint | number
}

/** A connection held for a transaction or a stream. Release it exactly once. */
export interface ReservedConnection {
  execute(statement: Statement): MaybePromise<QueryResult>
  /** Iterate a large result in chunks of about `chunkSize` rows without loading it all. */
  stream(statement: Statement, chunkSize: number): AsyncIterable<RawRow[]>
  /** Give the connection back; `destroy` closes it instead (after a failed rollback, say). */
  release(destroy?: boolean): void
}

/** Pool sizes and waits, validated by `parseDatabaseConfig`. */
export interface PoolOptions {
  /** Most connections open at once. SQLite always uses 1 (see sqlite.ts). Default 10. */
  max: number
  /** How long a caller waits for a free connection before `PoolTimeoutError`. Default 5000 ms. */
  acquireTimeoutMs: number
  /** Idle connections are closed after this long. Default 30000 ms. */
  idleTimeoutMs: number
  /**
   * PostgreSQL only: statements outside a transaction share connections, several in flight on
   * one (pipelining), once `max` connections are busy, instead of waiting for one to be free.
   * Each statement keeps its own implicit transaction. Default true; false reserves a
   * connection per statement (no head-of-line wait behind a slow statement on a shared one).
   */
  pipeline: boolean
}

/** A connected database of one dialect. */
export interface Driver {
  readonly dialect: DialectName
  /** Run one statement on a pooled connection, acquired and released around it. */
  execute(statement: Statement): MaybePromise<QueryResult>
  /** Stream without reserving a connection for the whole iteration, where the driver can (SQLite). */
  stream?(statement: Statement, chunkSize: number): AsyncIterable<RawRow[]>
  /** Hold one connection (for a transaction or a stream); waits at most `acquireTimeoutMs`. */
  reserve(): Promise<ReservedConnection>
  /** Close every connection; waits for reserved ones to be released. */
  close(): Promise<void>
}
