/**
 * The migration lock: one `migrate` at a time per database and record table.
 *
 * Two deployments starting together must not both apply a migration. PostgreSQL and MySQL have
 * session locks that need no table (so they also guard creating the record table): an advisory
 * lock (`pg_advisory_lock`) or a named lock (`GET_LOCK`), held on a connection reserved for the
 * whole run; the migrations themselves run on other connections of the pool. A session lock dies
 * with its connection, so a crashed deploy never leaves the database locked.
 *
 * SQLite has no session lock. There every migration runs in its own `BEGIN IMMEDIATE`
 * transaction (the schema editor's `run`), which excludes every other writer, and the runner
 * re-reads the record inside it, skipping a migration another process applied meanwhile.
 */
import type { ReservedConnection } from '../orm/connection/types.ts'
import type { Database } from '../orm/database.ts'
import { MigrationError } from './errors.ts'

/** Options of {@link withMigrationLock}. */
export interface MigrationLockOptions {
  /** The record table: the lock is per table, so tests with their own tables do not wait. */
  table: string
  /** How long to wait for another migrate to finish (default 10 minutes). */
  waitMs?: number
  /** How often to retry while waiting (default 200 ms). */
  pollMs?: number
}

/** Default wait for the lock: long enough for another deploy's migrations to finish. */
export const DEFAULT_LOCK_WAIT_MS = 10 * 60_000

/** FNV-1a, 64 bits, as a signed bigint (PostgreSQL advisory lock keys are `bigint`). */
export function advisoryLockKey(table: string): bigint {
  let hash = 0xcbf29ce484222325n
  for (const byte of new TextEncoder().encode(`plinth_migrations:${table}`)) {
    hash ^= BigInt(byte)
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return BigInt.asIntN(64, hash)
}

/** The MySQL lock name (at most 64 characters). */
export function namedLock(table: string): string {
  const name = `plinth_migrations:${table}`
  return name.length <= 64 ? name : `plinth_migrations:${advisoryLockKey(table).toString(16)}`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function scalar(connection: ReservedConnection, sql: string): Promise<unknown> {
  const { rows } = await connection.execute({ sql, params: [], returnsRows: true })
  const row = rows[0]
  return row === undefined ? undefined : Object.values(row)[0]
}

function isTrue(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 't'
}

/**
 * Run `fn` while holding the migration lock of `db` (on SQLite: at once, see the file header).
 * Waits up to `waitMs` for another holder, then fails with PLINTH_MIGRATIONS_LOCKED.
 *
 * @example
 * await withMigrationLock(db, { table: 'plinth_migrations' }, async () => {
 *   // read the record, plan and apply
 * })
 */
export async function withMigrationLock<T>(
  db: Database,
  options: MigrationLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  if (db.dialect === 'sqlite') return await fn()
  const postgres = db.dialect === 'postgres'
  const key = advisoryLockKey(options.table)
  const name = namedLock(options.table).replaceAll("'", "''")
  const acquire = postgres ? `SELECT pg_try_advisory_lock(${key})` : `SELECT GET_LOCK('${name}', 0)`
  const release = postgres ? `SELECT pg_advisory_unlock(${key})` : `SELECT RELEASE_LOCK('${name}')`
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS
  const pollMs = options.pollMs ?? 200
  const connection = await db.reserve()
  let held = false
  let broken = false
  try {
    const deadline = Date.now() + waitMs
    while (!isTrue(await scalar(connection, acquire))) {
      if (Date.now() >= deadline) {
        const holder = postgres
          ? `a session holding advisory lock ${key} (pg_locks: locktype = 'advisory')`
          : `the session in SELECT IS_USED_LOCK('${name}')`
        throw new MigrationError(
          'PLINTH_MIGRATIONS_LOCKED',
          `Another migrate is running on this database (waited ${waitMs} ms for its lock on "${options.table}"). ` +
            `Wait for it to finish and run migrate again, or wait longer with --lock-wait <ms>. If no migrate is running, look for ${holder}.`,
        )
      }
      await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())))
    }
    held = true
    return await fn()
  } catch (error) {
    // A failed lock query may have left the connection unusable: do not hand it back.
    if (!held && !(error instanceof MigrationError)) broken = true
    throw error
  } finally {
    if (held) {
      try {
        await scalar(connection, release)
      } catch {
        // The lock lives as long as the session: destroying the connection releases it.
        broken = true
      }
    }
    connection.release(broken)
  }
}
