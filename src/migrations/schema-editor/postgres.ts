/**
 * The schema editor for PostgreSQL: DDL is transactional, so a migration runs in one transaction
 * and either all of it applies or none. Every DDL statement takes a lock on its table, and while
 * it waits for that lock every other query on the table queues behind it; `lock_timeout` bounds
 * the wait (default 5 s) so a migration blocked by a long transaction fails fast instead of
 * stalling production traffic.
 */
import type { AnyModel } from '../../orm/model.ts'
import { MigrationError } from '../errors.ts'
import type { ConstraintState, IndexState } from '../state.ts'
import type { ObjectKind } from './base.ts'
import type { ColumnFacts, IncomingRef } from './facts.ts'
import { ServerSchemaEditor } from './server.ts'

/** The driver's error code, looked up through `cause` (the ORM wraps driver errors). */
export function driverCode(error: unknown): unknown {
  for (let e = error as { code?: unknown; errno?: unknown; cause?: unknown } | undefined; e; ) {
    if (typeof e.errno === 'number') return e.errno
    if (typeof e.code === 'string' && !e.code.startsWith('PLINTH_')) return e.code
    e = e.cause as typeof e
  }
  return undefined
}

/** Types every value converts to by assignment: no USING clause, so too-long values fail. */
const STRING_TYPE = /^(varchar|text|character varying)/

/** The schema editor for PostgreSQL (see the file header). */
export class PostgresSchemaEditor extends ServerSchemaEditor {
  protected async runOnce<T>(
    atomic: boolean,
    fn: () => Promise<T>,
  ): Promise<{ result: T; transactional: boolean }> {
    const timeout = `'${this.lockTimeoutMs}ms'`
    if (atomic || this.db.inTransaction) {
      const result = await this.db.transaction(async () => {
        await this.send(`SET LOCAL lock_timeout = ${timeout}`, [], false)
        return fn()
      })
      return { result, transactional: true }
    }
    // Without a transaction, a session of its own carries the timeout for every statement.
    const connection = await this.db.reserve()
    this.connection = connection
    let broken = false
    try {
      await this.send(`SET lock_timeout = ${timeout}`, [], false)
      return { result: await fn(), transactional: false }
    } finally {
      this.connection = undefined
      try {
        await connection.execute({ sql: 'RESET lock_timeout', params: [], returnsRows: false })
      } catch {
        broken = true
      }
      connection.release(broken)
    }
  }

  protected override translate(error: unknown, sql: string): unknown {
    if (driverCode(error) !== '55P03') return error
    const inTransaction = this.db.inTransaction
    return new MigrationError(
      'PLINTH_MIGRATIONS_LOCK_TIMEOUT',
      `Waited ${this.lockTimeoutMs} ms for a lock and gave up, running: ${sql.replace(/\s+/g, ' ').slice(0, 200)}. Another session holds a conflicting lock on the table (a long query or an open transaction; see pg_stat_activity). ${inTransaction ? 'The migration was rolled back: nothing changed.' : 'Statements before this one stay applied.'} Retry when that session has finished, or allow a longer wait (plinth migrate --lock-timeout <ms>, or the lockTimeoutMs option).`,
      { cause: error },
    )
  }

  protected async renameObject(
    kind: ObjectKind,
    table: string,
    from: string,
    to: string,
  ): Promise<void> {
    await this.execute(
      kind === 'index'
        ? `ALTER INDEX ${this.q(from)} RENAME TO ${this.q(to)}`
        : `ALTER TABLE ${this.q(table)} RENAME CONSTRAINT ${this.q(from)} TO ${this.q(to)}`,
    )
  }

  protected async dropForeignKey(table: string, name: string): Promise<void> {
    await this.execute(`ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(name)}`)
  }

  override async renameIndex(
    _from: AnyModel,
    _to: AnyModel,
    before: IndexState,
    after: IndexState,
  ): Promise<void> {
    await this.execute(`ALTER INDEX ${this.q(before.name)} RENAME TO ${this.q(after.name)}`)
  }

  /** Unique and check constraints alike (a unique constraint's index follows its name). */
  override async renameConstraint(
    from: AnyModel,
    _to: AnyModel,
    before: ConstraintState,
    after: ConstraintState,
  ): Promise<void> {
    await this.execute(
      `ALTER TABLE ${this.q(from.meta.table)} RENAME CONSTRAINT ${this.q(before.name)} TO ${this.q(after.name)}`,
    )
  }

  protected dropUniqueSql(table: string, name: string): string {
    return `ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(name)}`
  }

  protected mustRecreateForeignKey(a: ColumnFacts, b: ColumnFacts): boolean {
    return a.type !== b.type
  }

  protected async alterColumn(
    table: string,
    a: ColumnFacts,
    b: ColumnFacts,
    fill: { value: unknown } | undefined,
  ): Promise<void> {
    const t = this.q(table)
    const column = this.q(b.column)
    if (a.column !== b.column)
      await this.execute(`ALTER TABLE ${t} RENAME COLUMN ${this.q(a.column)} TO ${column}`)
    if (a.type !== b.type)
      await this.execute(`ALTER TABLE ${t} ALTER COLUMN ${this.typeChange(b.column, b.type)}`)
    if (a.null && !b.null) {
      if (fill !== undefined)
        await this.executeWith(`UPDATE ${t} SET ${column} = $1 WHERE ${column} IS NULL`, [
          fill.value,
        ])
      await this.execute(`ALTER TABLE ${t} ALTER COLUMN ${column} SET NOT NULL`)
    }
    if (!a.null && b.null)
      await this.execute(`ALTER TABLE ${t} ALTER COLUMN ${column} DROP NOT NULL`)
  }

  /**
   * `col TYPE t`, with `USING col::t` where no assignment cast exists (text → integer, …).
   * Conversions to text types go without it: an explicit cast to varchar(n) would silently cut
   * longer values, while the assignment cast refuses them.
   */
  protected typeChange(column: string, type: string): string {
    const c = this.q(column)
    return STRING_TYPE.test(type) ? `${c} TYPE ${type}` : `${c} TYPE ${type} USING ${c}::${type}`
  }

  protected async alterReferenceType(ref: IncomingRef): Promise<void> {
    await this.execute(
      `ALTER TABLE ${this.q(ref.table)} ALTER COLUMN ${this.typeChange(ref.column, ref.type)}`,
    )
  }

  protected async setNotNull(f: ColumnFacts): Promise<void> {
    await this.execute(
      `ALTER TABLE ${this.q(f.table)} ALTER COLUMN ${this.q(f.column)} SET NOT NULL`,
    )
  }
}
