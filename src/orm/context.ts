/**
 * The implicit database context: which database and which transaction the current async call chain
 * is in. Carried by AsyncLocalStorage so that code called inside `db.transaction(...)` joins the
 * transaction without a handle being passed down, exactly like Django's `atomic()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { ReservedConnection } from './connection/types.ts'
import type { Database } from './database.ts'

/** An open transaction (or savepoint inside one). */
export interface TransactionFrame {
  readonly db: Database
  readonly connection: ReservedConnection
  /** 0 for the outermost transaction, 1+ for savepoints. */
  readonly depth: number
  /** Callbacks to run after the outermost COMMIT (discarded on rollback). */
  readonly onCommit: Array<() => unknown>
  /** The enclosing frame, for savepoints. */
  readonly parent: TransactionFrame | undefined
  /** Set once the transaction finished; later use is a bug in the caller. */
  done: boolean
}

/** What the current call chain runs in. */
export interface DatabaseContext {
  readonly db: Database
  readonly transaction: TransactionFrame | undefined
}

export const databaseContext = new AsyncLocalStorage<DatabaseContext>()
