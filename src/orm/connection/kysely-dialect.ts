/**
 * Kysely dialects on Plinth's drivers: Kysely's own compiler, adapter and introspector for each
 * dialect, with queries run by a Plinth `Driver` (or anything with its `execute`).
 *
 * Kysely asks for a connection around every query. Handing out a reserved pool connection each
 * time would cost an async acquire per query and, inside `db.transaction()` on SQLite's single
 * connection, wait forever for the connection the transaction holds. So a Kysely connection is
 * virtual: its queries go to `backend.execute` (which joins the surrounding transaction, if the
 * backend does that), and it reserves a real connection only when Kysely begins a transaction on
 * it or streams from it. Consequence: Kysely's `db.connection()` does not pin one session.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type DialectAdapter,
  type Kysely,
  type Driver as KyselyDriver,
  type QueryResult as KyselyResult,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type TransactionSettings,
} from 'kysely'
import type {
  DialectName,
  MaybePromise,
  QueryResult,
  RawRow,
  ReservedConnection,
  Statement,
} from './types.ts'

/** What a Kysely dialect needs to run queries: a `Driver`, or the model layer's database. */
export interface KyselyBackend {
  execute(statement: Statement): MaybePromise<QueryResult>
  /** Needed for Kysely transactions (`db.transaction()`), and for streams unless `stream` is given. */
  reserve?(): Promise<ReservedConnection>
  stream?(statement: Statement, chunkSize: number): AsyncIterable<RawRow[]>
}

const PARTS = {
  sqlite: [SqliteQueryCompiler, SqliteAdapter, SqliteIntrospector],
  postgres: [PostgresQueryCompiler, PostgresAdapter, PostgresIntrospector],
  mysql: [MysqlQueryCompiler, MysqlAdapter, MysqlIntrospector],
} as const

/**
 * A Kysely `Dialect` for `dialect`, running on `backend`; without one it only compiles SQL.
 *
 * @example
 * const compiler = new Kysely<any>({ dialect: createKyselyDialect('postgres') })
 * compiler.selectFrom('product').selectAll().where('id', '=', 1).compile().sql
 * // select * from "product" where "id" = $1
 * const db = new Kysely<any>({ dialect: createKyselyDialect('sqlite', await connect(config)) })
 */
export function createKyselyDialect(dialect: DialectName, backend?: KyselyBackend): Dialect {
  const [Compiler, Adapter, Introspector] = PARTS[dialect]
  return {
    createDriver: () => new PlinthKyselyDriver(dialect, backend),
    createQueryCompiler: (): QueryCompiler => new Compiler(),
    createAdapter: (): DialectAdapter => new Adapter(),
    createIntrospector: (db: Kysely<any>) => new Introspector(db),
  }
}

class PlinthKyselyDriver implements KyselyDriver {
  readonly #dialect: DialectName
  readonly #backend: KyselyBackend | undefined

  constructor(dialect: DialectName, backend: KyselyBackend | undefined) {
    this.#dialect = dialect
    this.#backend = backend
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#backend === undefined) {
      throw new Error(
        `This Kysely instance only compiles ${this.#dialect} SQL: it was created by createKyselyDialect('${this.#dialect}') without a driver. Use db.kysely to run queries.`,
      )
    }
    return new PlinthKyselyConnection(this.#backend)
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    const conn = connection as PlinthKyselyConnection
    await conn.reserve()
    for (const sql of beginStatements(this.#dialect, settings)) await conn.run(sql)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PlinthKyselyConnection).run('COMMIT')
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const conn = connection as PlinthKyselyConnection
    try {
      await conn.run('ROLLBACK')
    } catch (error) {
      // The connection is in an unknown state: close it rather than reuse it.
      conn.discard = true
      throw error
    }
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as PlinthKyselyConnection).run(`SAVEPOINT ${this.#quote(name)}`)
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as PlinthKyselyConnection).run(`ROLLBACK TO SAVEPOINT ${this.#quote(name)}`)
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as PlinthKyselyConnection).run(`RELEASE SAVEPOINT ${this.#quote(name)}`)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    ;(connection as PlinthKyselyConnection).release()
  }

  async destroy(): Promise<void> {
    // The backend owns its pool; closing it is the backend owner's call (`driver.close()`).
  }

  #quote(name: string): string {
    const q = this.#dialect === 'mysql' ? '`' : '"'
    return q + name.replaceAll(q, q + q) + q
  }
}

class PlinthKyselyConnection implements DatabaseConnection {
  readonly #backend: KyselyBackend
  #reserved: ReservedConnection | undefined
  discard = false

  constructor(backend: KyselyBackend) {
    this.#backend = backend
  }

  async reserve(): Promise<void> {
    if (this.#reserved !== undefined) return
    if (this.#backend.reserve === undefined) {
      throw new Error(
        'Kysely transactions need a backend with reserve(); run the work inside db.transaction() instead.',
      )
    }
    this.#reserved = await this.#backend.reserve()
  }

  run(sql: string): MaybePromise<QueryResult> {
    return (this.#reserved ?? this.#backend).execute({ sql, params: [], returnsRows: false })
  }

  release(): void {
    const reserved = this.#reserved
    this.#reserved = undefined
    reserved?.release(this.discard)
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<KyselyResult<R>> {
    const statement = toStatement(compiled)
    const result = await (this.#reserved ?? this.#backend).execute(statement)
    return toKyselyResult<R>(compiled, result)
  }

  async *streamQuery<R>(
    compiled: CompiledQuery,
    chunkSize = 100,
  ): AsyncIterableIterator<KyselyResult<R>> {
    const statement = toStatement(compiled)
    if (this.#reserved === undefined && this.#backend.stream !== undefined) {
      for await (const rows of this.#backend.stream(statement, chunkSize))
        yield { rows: rows as R[] }
      return
    }
    const own = this.#reserved === undefined
    await this.reserve()
    try {
      for await (const rows of this.#reserved!.stream(statement, chunkSize)) {
        yield { rows: rows as R[] }
      }
    } finally {
      if (own) this.release()
    }
  }
}

function toStatement(compiled: CompiledQuery): Statement {
  return { sql: compiled.sql, params: compiled.parameters, returnsRows: returnsRows(compiled) }
}

const READS = /^\s*(SELECT|WITH|VALUES|PRAGMA|EXPLAIN|SHOW|DESCRIBE|TABLE)\b|\bRETURNING\b/i

/** From Kysely's operation tree; raw SQL is judged by its first word (or a RETURNING clause). */
export function returnsRows(compiled: CompiledQuery): boolean {
  const node = compiled.query as { kind: string; returning?: unknown }
  switch (node.kind) {
    case 'SelectQueryNode':
      return true
    case 'InsertQueryNode':
    case 'UpdateQueryNode':
    case 'DeleteQueryNode':
    case 'MergeQueryNode':
      return node.returning !== undefined
    case 'RawNode':
      return READS.test(compiled.sql)
    default:
      return false
  }
}

function toKyselyResult<R>(compiled: CompiledQuery, result: QueryResult): KyselyResult<R> {
  const rows = result.rows as R[]
  if (compiled.query.kind === 'SelectQueryNode') return { rows }
  return {
    rows,
    numAffectedRows: BigInt(result.affected),
    ...(result.insertId !== undefined ? { insertId: BigInt(result.insertId) } : {}),
  }
}

function beginStatements(dialect: DialectName, settings: TransactionSettings): string[] {
  const { isolationLevel, accessMode } = settings
  if (dialect === 'sqlite') {
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads then writes can
    // fail with SQLITE_BUSY when another process wrote in between, and no busy wait helps then.
    return [accessMode === 'read only' ? 'BEGIN' : 'BEGIN IMMEDIATE']
  }
  const parts = [
    ...(isolationLevel ? [`ISOLATION LEVEL ${isolationLevel.toUpperCase()}`] : []),
    ...(accessMode ? [accessMode.toUpperCase()] : []),
  ]
  if (dialect === 'postgres') {
    return [parts.length ? `START TRANSACTION ${parts.join(' ')}` : 'BEGIN']
  }
  // MySQL: SET TRANSACTION applies to the next transaction only.
  return parts.length ? [`SET TRANSACTION ${parts.join(', ')}`, 'START TRANSACTION'] : ['BEGIN']
}
