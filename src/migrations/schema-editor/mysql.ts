/**
 * The schema editor for MySQL and MariaDB. DDL commits on its own there, so a migration cannot be
 * one transaction: `run` reports `transactional: false` and the runner records progress after
 * every operation, so a failed run resumes where it stopped.
 *
 * InnoDB specifics handled here: a foreign key cannot be renamed (it is dropped and re-added), a
 * column a foreign key uses cannot change type (the key is dropped first), and adding a foreign
 * key creates an index named after it when no other index covers the column; that index is
 * renamed with the key, or dropped with it.
 */
import type { AnyModel } from '../../orm/model.ts'
import { MigrationError } from '../errors.ts'
import type { ConstraintState, IndexState } from '../state.ts'
import type { ObjectKind } from './base.ts'
import type { ColumnFacts, IncomingRef } from './facts.ts'
import { driverCode } from './postgres.ts'
import { ServerSchemaEditor } from './server.ts'

/** The schema editor for MySQL and MariaDB (see the file header). */
export class MysqlSchemaEditor extends ServerSchemaEditor {
  protected async runOnce<T>(
    _atomic: boolean,
    fn: () => Promise<T>,
  ): Promise<{ result: T; transactional: boolean }> {
    // A session of its own bounds how long DDL waits for metadata locks (lock_wait_timeout).
    const connection = await this.db.reserve()
    this.connection = connection
    let broken = false
    try {
      const seconds =
        this.lockTimeoutMs === 0 ? 31536000 : Math.max(1, Math.ceil(this.lockTimeoutMs / 1000))
      await this.send(`SET SESSION lock_wait_timeout = ${seconds}`, [], false)
      return { result: await fn(), transactional: false }
    } finally {
      this.connection = undefined
      try {
        await connection.execute({
          sql: 'SET SESSION lock_wait_timeout = DEFAULT',
          params: [],
          returnsRows: false,
        })
      } catch {
        broken = true
      }
      connection.release(broken)
    }
  }

  protected override translate(error: unknown, sql: string): unknown {
    if (driverCode(error) !== 1205) return error
    return new MigrationError(
      'PLINTH_MIGRATIONS_LOCK_TIMEOUT',
      `Waited ${Math.max(1, Math.ceil(this.lockTimeoutMs / 1000))} s for a table lock and gave up, running: ${sql.replace(/\s+/g, ' ').slice(0, 200)}. Another session holds the table (a long query or an open transaction; see SHOW PROCESSLIST). Operations before this one stay applied; migrate again to resume. Allow a longer wait with plinth migrate --lock-timeout <ms> (or the lockTimeoutMs option).`,
      { cause: error },
    )
  }

  protected override async renameTable(from: string, to: string): Promise<void> {
    await this.execute(`RENAME TABLE ${this.q(from)} TO ${this.q(to)}`)
  }

  protected async renameObject(
    kind: ObjectKind,
    table: string,
    from: string,
    to: string,
    sql: string,
  ): Promise<void> {
    if (kind !== 'fk') {
      await this.execute(
        `ALTER TABLE ${this.q(table)} RENAME INDEX ${this.q(from)} TO ${this.q(to)}`,
      )
      return
    }
    await this.dropForeignKey(table, from, to)
    await this.execute(`ALTER TABLE ${this.q(table)} ADD ${sql}`)
  }

  /** True when `table` has an index called `name`. */
  async #hasIndex(table: string, name: string): Promise<boolean> {
    const rows = await this.query(
      'SELECT 1 AS one FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? LIMIT 1',
      [table, name],
    )
    return rows.length > 0
  }

  protected async dropForeignKey(table: string, name: string, next?: string): Promise<void> {
    await this.execute(`ALTER TABLE ${this.q(table)} DROP FOREIGN KEY ${this.q(name)}`)
    // The index InnoDB made for the key stays behind: carry it to the new name, or drop it.
    if (next === name || !(await this.#hasIndex(table, name))) return
    await this.execute(
      next === undefined
        ? this.dropIndexSql(table, name)
        : `ALTER TABLE ${this.q(table)} RENAME INDEX ${this.q(name)} TO ${this.q(next)}`,
    )
  }

  protected override dropIndexSql(table: string, name: string): string {
    return `DROP INDEX ${this.q(name)} ON ${this.q(table)}`
  }

  override async renameIndex(
    from: AnyModel,
    _to: AnyModel,
    before: IndexState,
    after: IndexState,
  ): Promise<void> {
    await this.execute(
      `ALTER TABLE ${this.q(from.meta.table)} RENAME INDEX ${this.q(before.name)} TO ${this.q(after.name)}`,
    )
  }

  /** A unique constraint is an index in InnoDB; a check has no RENAME, so it is dropped and re-added. */
  override async renameConstraint(
    from: AnyModel,
    to: AnyModel,
    before: ConstraintState,
    after: ConstraintState,
  ): Promise<void> {
    if (before.type !== 'unique') return super.renameConstraint(from, to, before, after)
    await this.execute(
      `ALTER TABLE ${this.q(from.meta.table)} RENAME INDEX ${this.q(before.name)} TO ${this.q(after.name)}`,
    )
  }

  protected dropUniqueSql(table: string, name: string): string {
    return this.dropIndexSql(table, name)
  }

  protected mustRecreateForeignKey(a: ColumnFacts, b: ColumnFacts): boolean {
    // InnoDB refuses to change a column a key uses, has no RENAME for keys, and refuses to drop
    // the index a key relies on (re-added, the key makes its own index).
    const losesIndex = (a.index && !b.index) || (a.unique && !b.unique)
    return a.type !== b.type || a.null !== b.null || a.column !== b.column || Boolean(losesIndex)
  }

  /** The column definition for CHANGE/MODIFY (the primary key keeps AUTO_INCREMENT). */
  #definition(f: ColumnFacts, nullable: boolean): string {
    const auto = f.primaryKey && f.field.spec.generated ? ' AUTO_INCREMENT' : ''
    return `${this.q(f.column)} ${f.type} ${nullable ? 'NULL' : 'NOT NULL'}${auto}`
  }

  protected async alterColumn(
    table: string,
    a: ColumnFacts,
    b: ColumnFacts,
    fill: { value: unknown } | undefined,
  ): Promise<void> {
    const t = this.q(table)
    const reshaped = a.column !== b.column || a.type !== b.type
    if (!reshaped && a.null === b.null) return
    if (a.null && !b.null && fill !== undefined) {
      if (reshaped)
        await this.execute(
          `ALTER TABLE ${t} CHANGE ${this.q(a.column)} ${this.#definition(b, true)}`,
        )
      const column = this.q(b.column)
      await this.executeWith(`UPDATE ${t} SET ${column} = ? WHERE ${column} IS NULL`, [fill.value])
      await this.setNotNull(b)
      return
    }
    await this.execute(`ALTER TABLE ${t} CHANGE ${this.q(a.column)} ${this.#definition(b, b.null)}`)
  }

  protected async alterReferenceType(ref: IncomingRef): Promise<void> {
    await this.execute(
      `ALTER TABLE ${this.q(ref.table)} MODIFY ${this.q(ref.column)} ${ref.type} ${ref.null ? 'NULL' : 'NOT NULL'}`,
    )
  }

  protected async setNotNull(f: ColumnFacts): Promise<void> {
    await this.execute(`ALTER TABLE ${this.q(f.table)} MODIFY ${this.#definition(f, false)}`)
  }
}
