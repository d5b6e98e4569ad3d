/**
 * Statement observers: the hook behind query counting, logging and the N+1 warning.
 *
 * Cheap when unused: `Database.execute` checks one boolean before doing anything.
 */
import type { Statement } from './connection/types.ts'
import type { Database } from './database.ts'

/** Called before each statement runs. Must not throw or block. */
export type QueryObserver = (statement: Statement, db: Database) => void

export class QueryObservers {
  #list: QueryObserver[] = []
  /** True while any observer is registered. */
  active = false

  add(observer: QueryObserver): () => void {
    this.#list = [...this.#list, observer]
    this.active = true
    return () => {
      this.#list = this.#list.filter((o) => o !== observer)
      this.active = this.#list.length > 0
    }
  }

  notify(db: Database, statement: Statement): void {
    for (const observer of this.#list) observer(statement, db)
  }
}
