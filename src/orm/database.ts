/**
 * `createDatabase`: a connected database (pool, dialect, SQL compiler) and the transaction API.
 *
 * Connection is lazy: the first query opens the pool, so an app can be built (and its routes listed)
 * without a reachable database. Models run their queries on, in order: the database given to
 * `.using(db)`, the database of the current `transaction`/`scope`, or the database they were
 * attached to with `createDatabase({ models })`.
 */
import { Kysely } from 'kysely'
import { type DatabaseConfigInput, parseDatabaseConfig } from './connection/config.ts'
import { connect } from './connection/index.ts'
import { createKyselyDialect } from './connection/kysely-dialect.ts'
import type {
  DialectName,
  Driver,
  MaybePromise,
  QueryResult,
  ReservedConnection,
  Statement,
} from './connection/types.ts'
import { type DatabaseContext, databaseContext, type TransactionFrame } from './context.ts'
import { OrmConfigError, OrmError } from './errors.ts'
import type { AnyModel } from './model.ts'
import { type QueryObserver, QueryObservers } from './observe.ts'
import { compilerFor } from './query/compiler.ts'
import { type SqlTag, sqlTag } from './raw.ts'

/** Options of `createDatabase`, besides the URL. */
export type DatabaseOptions = Exclude<DatabaseConfigInput, string> & {
  /** Models that run on this database unless told otherwise. */
  models?: readonly AnyModel[]
}

/** SQL isolation levels accepted by `transaction`. */
export type IsolationLevel =
  | 'read uncommitted'
  | 'read committed'
  | 'repeatable read'
  | 'serializable'

export interface TransactionOptions {
  /** Isolation of the outermost transaction (ignored for savepoints; SQLite is always serializable). */
  isolation?: IsolationLevel
}

const attached = new WeakMap<AnyModel, Database>()
/** The last savepoint queued on each transaction frame (see `Database.#savepoint`). */
const savepointQueues = new WeakMap<TransactionFrame, Promise<unknown>>()

/**
 * A database: a connection pool plus the SQL compiler for its dialect.
 *
 * @example
 * const db = createDatabase({ url: process.env.DATABASE_URL ?? 'sqlite:./db.sqlite3', models: [Product] })
 * await db.transaction(async () => {
 *   const p = await Product.objects.get({ id: 1 })
 *   await Product.objects.filter({ id: p.id }).update({ stock: F('stock').sub(1) })
 * })
 */
export class Database {
  readonly dialect: DialectName
  /** The URL with the password masked, for logs. */
  readonly url: string
  /** A compile-only Kysely instance for this dialect (the model layer builds SQL with it). */
  readonly compiler: Kysely<any>
  /** Observers of every statement (query counting, N+1 warnings, logging). */
  readonly observers = new QueryObservers()
  #driver: Driver | undefined
  #connecting: Promise<Driver> | undefined
  #closed = false
  readonly #config: ReturnType<typeof parseDatabaseConfig>
  #kysely: Kysely<any> | undefined
  #sql: SqlTag | undefined

  constructor(input: DatabaseConfigInput, models: readonly AnyModel[] = []) {
    this.#config = parseDatabaseConfig(input)
    this.dialect = this.#config.dialect
    this.url = this.#config.url
    this.compiler = compilerFor(this.dialect)
    for (const model of models) {
      const other = attached.get(model)
      if (other !== undefined && other !== this && !other.#closed) {
        throw new OrmConfigError(
          `Model ${model.name} is already attached to ${other.url}; close that database first, or pick one per query with .using(db).`,
        )
      }
      attached.set(model, this)
    }
  }

  /** The connected driver; connects on first use. */
  driver(): MaybePromise<Driver> {
    if (this.#driver !== undefined) return this.#driver
    if (this.#closed)
      throw new OrmError('PLINTH_ORM_CLOSED', `The database ${this.url} was closed.`)
    this.#connecting ??= connect(this.#config).then(
      (driver) => {
        this.#driver = driver
        return driver
      },
      (error: unknown) => {
        // Let the next query try again (the server may come up, the package may get installed).
        this.#connecting = undefined
        throw error
      },
    )
    return this.#connecting
  }

  /**
   * Run one statement: inside the current transaction when there is one on this database, else on
   * a pooled connection. Returns synchronously when the driver can (SQLite).
   */
  execute(statement: Statement): MaybePromise<QueryResult> {
    if (this.observers.active) this.observers.notify(this, statement)
    const frame = databaseContext.getStore()?.transaction
    if (frame !== undefined && frame.db === this) {
      if (frame.done)
        throw new OrmError(
          'PLINTH_ORM_TRANSACTION_DONE',
          'This transaction already finished; queries after commit or rollback must run outside it.',
        )
      return frame.connection.execute(statement)
    }
    const driver = this.#driver ?? this.driver()
    if (driver instanceof Promise) return driver.then((d) => d.execute(statement))
    return driver.execute(statement)
  }

  /** Hold one connection (for Kysely transactions and streams); release it exactly once. */
  async reserve(): Promise<ReservedConnection> {
    const driver = await this.driver()
    return driver.reserve()
  }

  /** Stream a statement's rows in chunks, on a reserved connection (or the current transaction's). */
  async *stream(statement: Statement, chunkSize = 500): AsyncGenerator<Record<string, unknown>[]> {
    const frame = databaseContext.getStore()?.transaction
    if (frame !== undefined && frame.db === this) {
      yield* frame.connection.stream(statement, chunkSize)
      return
    }
    const driver = await this.driver()
    if (driver.stream !== undefined) {
      yield* driver.stream(statement, chunkSize)
      return
    }
    const connection = await driver.reserve()
    try {
      yield* connection.stream(statement, chunkSize)
    } finally {
      connection.release()
    }
  }

  /**
   * Run `fn` in a transaction: committed when it returns, rolled back when it throws. Nested calls
   * open savepoints. Code called inside (models, raw SQL) joins the transaction implicitly.
   *
   * @example
   * await db.transaction(async () => {
   *   const order = await Order.objects.create({ total: '10.00' })
   *   db.onCommit(() => sendReceipt(order.id))
   * })
   */
  async transaction<T>(fn: () => T | Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const outer = databaseContext.getStore()?.transaction
    const parent = outer !== undefined && outer.db === this && !outer.done ? outer : undefined
    if (parent !== undefined) return this.#savepoint(parent, fn)
    const driver = await this.driver()
    const connection = await driver.reserve()
    const frame: TransactionFrame = {
      db: this,
      connection,
      depth: 0,
      onCommit: [],
      parent: undefined,
      done: false,
    }
    let released = false
    try {
      for (const sql of beginStatements(this.dialect, options.isolation))
        await connection.execute({ sql, params: [], returnsRows: false })
      let result: T
      try {
        result = await databaseContext.run({ db: this, transaction: frame }, fn)
      } catch (error) {
        frame.done = true
        try {
          await connection.execute({ sql: 'ROLLBACK', params: [], returnsRows: false })
        } catch {
          connection.release(true)
          released = true
        }
        throw error
      }
      frame.done = true
      await connection.execute({ sql: 'COMMIT', params: [], returnsRows: false })
      if (!released) {
        connection.release()
        released = true
      }
      for (const callback of frame.onCommit) await callback()
      return result
    } finally {
      if (!released) connection.release()
    }
  }

  /**
   * Savepoints on one connection form a stack: siblings started together (`Promise.all` over
   * `db.transaction` calls) would interleave, and rolling one back would undo the others' work
   * (or name a savepoint already released). They run one after the other instead.
   */
  #savepoint<T>(parent: TransactionFrame, fn: () => T | Promise<T>): Promise<T> {
    const previous = savepointQueues.get(parent) ?? Promise.resolve()
    const run = previous.then(() => this.#runSavepoint(parent, fn))
    savepointQueues.set(
      parent,
      run.then(
        () => undefined,
        () => undefined,
      ),
    )
    return run
  }

  async #runSavepoint<T>(parent: TransactionFrame, fn: () => T | Promise<T>): Promise<T> {
    const name = `plinth_sp_${parent.depth + 1}`
    const { connection } = parent
    await connection.execute({ sql: `SAVEPOINT ${name}`, params: [], returnsRows: false })
    const frame: TransactionFrame = {
      db: this,
      connection,
      depth: parent.depth + 1,
      onCommit: [],
      parent,
      done: false,
    }
    try {
      const result = await databaseContext.run({ db: this, transaction: frame }, fn)
      frame.done = true
      await connection.execute({ sql: `RELEASE SAVEPOINT ${name}`, params: [], returnsRows: false })
      parent.onCommit.push(...frame.onCommit)
      return result
    } catch (error) {
      frame.done = true
      await connection.execute({
        sql: `ROLLBACK TO SAVEPOINT ${name}`,
        params: [],
        returnsRows: false,
      })
      await connection.execute({ sql: `RELEASE SAVEPOINT ${name}`, params: [], returnsRows: false })
      throw error
    }
  }

  /**
   * Run `callback` after the current transaction commits. Dropped when the transaction, or the
   * savepoint it was registered in, rolls back. Outside a transaction it runs at once and its
   * result is returned, so the caller can await it and see its errors (Django's `on_commit` does the
   * same); inside one, a failing callback rejects the `transaction()` call (after the commit).
   */
  onCommit(callback: () => unknown): unknown {
    const frame = databaseContext.getStore()?.transaction
    if (frame === undefined || frame.db !== this || frame.done) return callback()
    frame.onCommit.push(callback)
    return undefined
  }

  /** True inside a transaction on this database. */
  get inTransaction(): boolean {
    const frame = databaseContext.getStore()?.transaction
    return frame !== undefined && frame.db === this && !frame.done
  }

  /**
   * Run `fn` with this database as the default for models that were not given one (tests often run
   * the same models on several databases this way).
   */
  scope<T>(fn: () => T): T {
    const current = databaseContext.getStore()
    const context: DatabaseContext = {
      db: this,
      transaction: current?.transaction?.db === this ? current.transaction : undefined,
    }
    return databaseContext.run(context, fn)
  }

  /** Watch every statement run on this database; returns a function that stops watching. */
  observe(observer: QueryObserver): () => void {
    return this.observers.add(observer)
  }

  /**
   * Raw SQL with every interpolated value bound as a parameter (see raw.ts).
   *
   * @example
   * const rows = await db.sql`SELECT * FROM ${table(Product)} WHERE ${column(Product, 'price')} > ${min}`.as(Product).all()
   */
  get sql(): SqlTag {
    this.#sql ??= sqlTag(this)
    return this.#sql
  }

  /** A Kysely instance over this database's pool, for queries the model layer cannot express. */
  get kysely(): Kysely<any> {
    this.#kysely ??= new Kysely<any>({ dialect: createKyselyDialect(this.dialect, this) })
    return this.#kysely
  }

  /** Close every connection. Queries afterwards fail with `PLINTH_ORM_CLOSED`. */
  async close(): Promise<void> {
    this.#closed = true
    const driver =
      this.#driver ?? (this.#connecting ? await this.#connecting.catch(() => undefined) : undefined)
    this.#driver = undefined
    await driver?.close()
  }
}

function beginStatements(dialect: DialectName, isolation: IsolationLevel | undefined): string[] {
  if (dialect === 'sqlite') return ['BEGIN IMMEDIATE']
  const level = isolation ? isolation.toUpperCase() : undefined
  if (dialect === 'postgres') return [level ? `BEGIN ISOLATION LEVEL ${level}` : 'BEGIN']
  // MySQL sets the level for the next transaction, before START TRANSACTION.
  return level
    ? [`SET TRANSACTION ISOLATION LEVEL ${level}`, 'START TRANSACTION']
    : ['START TRANSACTION']
}

/**
 * Create a database from a URL (`sqlite:./db.sqlite3`, `sqlite::memory:`, `postgres://…`,
 * `mysql://…`) or a URL with options.
 *
 * @example
 * const db = createDatabase({ url: 'sqlite::memory:', models: [Category, Product] })
 */
export function createDatabase(input: string | DatabaseOptions): Database {
  if (typeof input === 'string') return new Database(input)
  const { models, ...config } = input
  return new Database(config as DatabaseConfigInput, models)
}

/** The database a query on `model` runs on, or a clear error. */
export function databaseFor(model: AnyModel, explicit: Database | undefined): Database {
  if (explicit !== undefined) return explicit
  const context = databaseContext.getStore()
  if (context !== undefined) return context.db
  const db = attached.get(model)
  if (db !== undefined) return db
  throw new OrmError(
    'PLINTH_ORM_NO_DATABASE',
    `${model.name} has no database: list it in createDatabase({ models: [...] }), run the query inside db.scope()/db.transaction(), or call .using(db).`,
  )
}

/** Several named databases: `databases.get('analytics')`. */
export class DatabaseSet {
  readonly #databases = new Map<string, Database>()
  constructor(entries: Record<string, string | DatabaseOptions>) {
    if (!('default' in entries))
      throw new OrmConfigError('A database set needs a "default" database.')
    for (const [name, input] of Object.entries(entries))
      this.#databases.set(name, createDatabase(input))
  }
  /** The database called `name`; throws for an unknown name. */
  get(name = 'default'): Database {
    const db = this.#databases.get(name)
    if (db === undefined)
      throw new OrmConfigError(
        `No database is called "${name}"; known: ${[...this.#databases.keys()].join(', ')}.`,
      )
    return db
  }
  async close(): Promise<void> {
    await Promise.all([...this.#databases.values()].map((db) => db.close()))
  }
}
