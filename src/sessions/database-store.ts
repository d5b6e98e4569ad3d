/**
 * The database session store: sessions in the `plinth_session` table through the ORM, on SQLite,
 * PostgreSQL and MySQL/MariaDB. Add `sessionsModule` to your migration config and run
 * `plinth migrate` to create the table.
 *
 * Expired rows are ignored (and deleted) when read; rows nobody reads again stay until
 * `clearExpiredSessions()` deletes them (Django's `clearsessions`): run it from a scheduled job.
 */
import { PlinthError } from '../http/index.ts'
import { type Database, DatabaseError, lookup, UniqueViolationError } from '../orm/index.ts'
import { SessionModel } from './model.ts'
import { parseSessionData, type SessionRecord, type SessionStore } from './store.ts'

/** Options of {@link databaseSessionStore}. */
export interface DatabaseSessionStoreOptions {
  /**
   * The database. Default: the one queries use anyway — the enclosing `db.scope()` /
   * `db.transaction()`, or the database `SessionModel` was attached to with
   * `createDatabase({ models })`.
   */
  database?: Database
}

/** The store returned by {@link databaseSessionStore}. */
export class DatabaseSessionStore implements SessionStore {
  readonly database: Database | undefined

  constructor(options: DatabaseSessionStoreOptions = {}) {
    this.database = options.database
  }

  #objects() {
    const objects = SessionModel.objects
    return this.database === undefined ? objects : objects.using(this.database)
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const row = await this.#objects().filter({ key: id }).first().catch(explainMissingTable)
    if (row === undefined) return undefined
    const data = parseSessionData(row.data)
    if (data === undefined) return undefined
    return { data, createdAt: row.createdAt.getTime(), expiresAt: row.expiresAt.getTime() }
  }

  async set(id: string, record: SessionRecord, _ttlMs: number): Promise<void> {
    const values = {
      data: JSON.stringify(record.data),
      expiresAt: new Date(record.expiresAt),
      createdAt: new Date(record.createdAt),
    }
    // Most writes update a session that exists; a new session costs one more statement.
    const updated = await this.#objects()
      .filter({ key: id })
      .update(values)
      .catch(explainMissingTable)
    if (updated > 0) return
    try {
      await this.#objects().create({ key: id, ...values })
    } catch (error) {
      // Another request of the same session inserted it first: last write wins.
      if (!(error instanceof UniqueViolationError)) throw error
      await this.#objects().filter({ key: id }).update(values)
    }
  }

  async delete(id: string): Promise<void> {
    await this.#objects().filter({ key: id }).delete()
  }

  /**
   * Delete every session that has expired (by its idle or absolute timeout) at `now`. Returns
   * how many were deleted. Run it periodically (a daily job), like Django's `clearsessions`.
   */
  clearExpiredSessions(now: Date = new Date()): Promise<number> {
    return this.#objects()
      .filter({ expiresAt: lookup.lte(now) })
      .delete()
  }
}

// SQLite, PostgreSQL and MySQL/MariaDB say "no such table" in their own words.
const MISSING_TABLE = /no such table|relation .* does not exist|doesn't exist/i

/** The first session read on an unmigrated database says what to do, not just "no such table". */
function explainMissingTable(error: unknown): never {
  if (error instanceof DatabaseError && MISSING_TABLE.test(error.message)) {
    throw new PlinthError(
      'PLINTH_SESSIONS_NO_TABLE',
      'Sessions are stored in the database by default, but the table plinth_session does not exist: add sessionsModule (from plinth/sessions) to your migration config and run `plinth migrate`, or choose another store: sessions({ store: "memory" | "redis://…" }).',
      { cause: error },
    )
  }
  throw error
}

/**
 * Keep sessions in the database (table `plinth_session`; add `sessionsModule` to your migration
 * config and run `plinth migrate`).
 *
 * @example
 * const store = databaseSessionStore({ database: db })
 * app.use(sessions({ store }))
 * // In a daily job:
 * await store.clearExpiredSessions()
 */
export function databaseSessionStore(
  options: DatabaseSessionStoreOptions = {},
): DatabaseSessionStore {
  return new DatabaseSessionStore(options)
}
