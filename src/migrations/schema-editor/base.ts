/**
 * What every dialect's schema editor shares: running or collecting statements, reads that work in
 * collect mode too, the NOT NULL guards that refuse before anything changes, and the operations
 * whose SQL hardly differs between dialects (create/delete model, indexes, model renames).
 *
 * Dialect files override the hooks (`renameObject`, `dropIndexSql`, `runOnce`, …) and the
 * operations that differ (add/remove/alter field, constraints).
 */

import { encoderFor } from '../../orm/codecs.ts'
import type { DialectName, QueryResult, ReservedConnection } from '../../orm/connection/types.ts'
import type { Database } from '../../orm/database.ts'
import { type FieldInfo, valueField } from '../../orm/meta.ts'
import type { AnyModel } from '../../orm/model.ts'
import { moduleOf, registryOf } from '../../orm/registry.ts'
import { indexSql, inlineSql, quote, tableStatements } from '../../orm/schema/ddl.ts'
import { fieldIssues } from '../../orm/validate.ts'
import { MigrationError } from '../errors.ts'
import type { ConstraintState, IndexState } from '../state.ts'
import { columnFacts, counterpart, type JoinFacts, joinFacts, ownJoins } from './facts.ts'
import type { SchemaEditor, SchemaEditorOptions } from './types.ts'

/** Default PostgreSQL `lock_timeout` (and MySQL `lock_wait_timeout`) for migrations. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000

/** The kinds of named objects a rename may have to follow. */
export type ObjectKind = 'unique' | 'index' | 'fk'

/** The dialect-independent half of every schema editor (see the file header). */
export abstract class BaseSchemaEditor implements SchemaEditor {
  readonly db: Database
  readonly dialect: DialectName
  readonly collectOnly: boolean
  readonly lockTimeoutMs: number
  readonly #statements: string[] = []
  /** Set while a non-transactional run holds a session of its own (lock timeout per session). */
  protected connection: ReservedConnection | undefined
  /** True inside `run()`. */
  protected running = false

  constructor(db: Database, options: SchemaEditorOptions = {}) {
    this.db = db
    this.dialect = db.dialect
    this.collectOnly = options.collectOnly ?? false
    const ms = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS
    if (!Number.isInteger(ms) || ms < 0) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_INVALID',
        `lockTimeoutMs must be a whole number of milliseconds (0 = wait forever), got ${String(ms)}.`,
      )
    }
    this.lockTimeoutMs = ms
  }

  get statements(): readonly string[] {
    return this.#statements
  }

  // -- Running ---------------------------------------------------------------------------------

  async run<T>(
    atomic: boolean,
    fn: () => Promise<T>,
  ): Promise<{ result: T; transactional: boolean }> {
    if (this.collectOnly)
      return { result: await fn(), transactional: atomic && this.dialect !== 'mysql' }
    if (this.running) return { result: await fn(), transactional: this.db.inTransaction }
    this.running = true
    try {
      return await this.runOnce(atomic, fn)
    } finally {
      this.running = false
    }
  }

  /** One migration, the dialect's way (see `run`). */
  protected abstract runOnce<T>(
    atomic: boolean,
    fn: () => Promise<T>,
  ): Promise<{ result: T; transactional: boolean }>

  async execute(sql: string): Promise<void> {
    await this.executeWith(sql, [])
  }

  /** Run one statement with bound values; it is recorded with the values inlined as literals. */
  protected async executeWith(sql: string, params: readonly unknown[]): Promise<void> {
    this.#statements.push(
      params.length === 0 ? sql : inlineSql({ sql, parameters: params }, this.dialect),
    )
    if (!this.collectOnly) await this.send(sql, params, false)
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    return (await this.send(sql, params, true)).rows
  }

  /** Send a statement on this editor's session (or the current transaction / the pool). */
  protected async send(
    sql: string,
    params: readonly unknown[],
    returnsRows: boolean,
  ): Promise<QueryResult> {
    const statement = { sql, params, returnsRows }
    try {
      return await (this.connection !== undefined
        ? this.connection.execute(statement)
        : this.db.execute(statement))
    } catch (error) {
      throw this.translate(error, sql)
    }
  }

  /** Turn a driver error into a migrations error where one says more (lock timeouts). */
  protected translate(error: unknown, _sql: string): unknown {
    return error
  }

  // -- Helpers ---------------------------------------------------------------------------------

  /** A quoted identifier. */
  protected q(name: string): string {
    return quote(this.db.compiler, name)
  }

  /** The placeholder of the `n`th (1-based) parameter. */
  protected p(n: number): string {
    return this.dialect === 'postgres' ? `$${n}` : '?'
  }

  /** `value` as the bound parameter of `field`'s column (booleans, dates, JSON, bigints…). */
  protected encode(field: FieldInfo, value: unknown): unknown {
    // A fill is checked like a value written through the model (type, length, format), so a
    // value the column cannot hold fails here, before any statement, on every dialect; SQLite
    // would otherwise store it as it is and MySQL would fail after the column was added.
    const issues =
      value === null ? [] : fieldIssues(valueField(field), value).filter((i) => i.code !== 'blank')
    if (issues.length > 0) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_BAD_FILL',
        `The value for existing rows of ${field.model.name}.${field.name} does not fit the field: ${issues.map((i) => i.message).join(' ')} Fix the fill value; nothing was changed.`,
      )
    }
    const encoder = encoderFor(valueField(field).spec, this.dialect)
    return encoder === undefined || value === null ? value : encoder(value)
  }

  /** True when `table` holds at least one row (false for a table that does not exist yet). */
  protected async hasRows(table: string): Promise<boolean> {
    try {
      return (await this.query(`SELECT 1 AS one FROM ${this.q(table)} LIMIT 1`)).length > 0
    } catch (error) {
      // In collect mode the table may come from an earlier, collected-only statement.
      if (this.collectOnly) return false
      throw error
    }
  }

  /** How many rows hold NULL in `column` (0 for a table that does not exist yet). */
  protected async countNulls(table: string, column: string): Promise<number> {
    try {
      const rows = await this.query(
        `SELECT COUNT(*) AS n FROM ${this.q(table)} WHERE ${this.q(column)} IS NULL`,
      )
      return Number(rows[0]?.n ?? 0)
    } catch (error) {
      if (this.collectOnly) return 0
      throw error
    }
  }

  /**
   * Refuse a NOT NULL column that existing rows would have no value for, before any change.
   * `fill` null or undefined means "no value".
   */
  protected async requireFill(
    model: AnyModel,
    field: FieldInfo,
    fill: unknown,
    mode: 'add' | 'alter',
    column = field.column!,
  ): Promise<void> {
    if (field.spec.null || field.spec.primaryKey || (fill !== undefined && fill !== null)) return
    const table = model.meta.table
    const name = `${moduleOf(model)}.${model.name}.${field.name}`
    const hint = `pass fill to op.${mode === 'add' ? 'addField' : 'alterField'} in the migration (makemigrations --default ${model.name}.${field.name}=<value>)`
    if (mode === 'add') {
      if (!(await this.hasRows(table))) return
      throw new MigrationError(
        'PLINTH_MIGRATIONS_NEEDS_DEFAULT',
        `Cannot add the NOT NULL field ${name}: the table ${table} already holds rows and nothing says what they get. Give the field a default, or ${hint}. Nothing was changed.`,
      )
    }
    const nulls = await this.countNulls(table, column)
    if (nulls === 0) return
    throw new MigrationError(
      'PLINTH_MIGRATIONS_NEEDS_DEFAULT',
      `Cannot make ${name} NOT NULL: ${nulls} row(s) of ${table} hold NULL in ${column}. Update those rows first (a runCode step), or ${hint}. Nothing was changed.`,
    )
  }

  // -- Models ----------------------------------------------------------------------------------

  async createModel(model: AnyModel): Promise<void> {
    const own = tableStatements(model, this.dialect, this.db.compiler)
    const all = [own, ...ownJoins(model, this.dialect, this.db.compiler).map((j) => j.statements)]
    for (const s of all) await this.execute(s.create)
    for (const s of all) for (const c of s.constraints) await this.execute(c)
    for (const s of all) for (const i of s.indexes) await this.execute(i)
  }

  async deleteModel(model: AnyModel): Promise<void> {
    for (const join of ownJoins(model, this.dialect, this.db.compiler))
      await this.execute(`DROP TABLE ${this.q(join.table)}`)
    await this.execute(`DROP TABLE ${this.q(model.meta.table)}`)
  }

  async renameModel(from: AnyModel, to: AnyModel): Promise<void> {
    if (from.meta.table !== to.meta.table) {
      await this.renameTable(from.meta.table, to.meta.table)
      for (const toField of to.meta.columns) {
        const fromField = from.meta.fields.get(toField.name)
        if (fromField?.column === undefined) continue
        const a = columnFacts(from, fromField, this.dialect, this.db.compiler)
        const b = columnFacts(to, toField, this.dialect, this.db.compiler)
        for (const kind of ['unique', 'index', 'fk'] as const) {
          const [old, next] = [a[kind], b[kind]]
          if (old && next && old.name !== next.name)
            await this.renameObject(kind, to.meta.table, old.name, next.name, next.sql)
        }
      }
    }
    // Join tables whose table or column names derive from this model's name or table: its own,
    // and those of other models' many-to-many fields that point at it.
    for (const model of registryOf(from)) {
      const after = model === from ? to : counterpart(model, to)
      if (after === undefined) continue
      for (const join of ownJoins(model, this.dialect, this.db.compiler)) {
        if (model !== from && join.targetModel !== from) continue
        const field = after.meta.fields.get(join.field.name)
        const next = field && joinFacts(after, field, this.dialect, this.db.compiler)
        if (next !== undefined) await this.renameJoin(join, next)
      }
    }
  }

  /** Move a join table to the names `next` gives it (table, columns, constraints, index). */
  protected async renameJoin(join: JoinFacts, next: JoinFacts): Promise<void> {
    if (join.table !== next.table) await this.renameTable(join.table, next.table)
    for (const side of ['source', 'target'] as const) {
      if (join[side] !== next[side]) await this.renameColumn(next.table, join[side], next[side])
    }
    for (const key of ['unique', 'fkSource', 'fkTarget', 'index'] as const) {
      const [old, name] = [join[key], next[key]]
      const kind: ObjectKind = key === 'unique' ? 'unique' : key === 'index' ? 'index' : 'fk'
      if (old.name !== name.name)
        await this.renameObject(kind, next.table, old.name, name.name, name.sql)
    }
  }

  protected async renameTable(from: string, to: string): Promise<void> {
    await this.execute(`ALTER TABLE ${this.q(from)} RENAME TO ${this.q(to)}`)
  }

  protected async renameColumn(table: string, from: string, to: string): Promise<void> {
    await this.execute(
      `ALTER TABLE ${this.q(table)} RENAME COLUMN ${this.q(from)} TO ${this.q(to)}`,
    )
  }

  /**
   * Give a unique constraint, index or foreign key of `table` a new name. `sql` creates it under
   * the new name (CREATE INDEX, or the `CONSTRAINT …` clause), for dialects that must recreate.
   */
  protected abstract renameObject(
    kind: ObjectKind,
    table: string,
    from: string,
    to: string,
    sql: string,
  ): Promise<void>

  // -- Indexes ---------------------------------------------------------------------------------

  async addIndex(_from: AnyModel, to: AnyModel, index: IndexState): Promise<void> {
    await this.execute(indexSql(to, index as never, this.dialect, this.db.compiler))
  }

  async removeIndex(from: AnyModel, _to: AnyModel, index: IndexState): Promise<void> {
    await this.execute(this.dropIndexSql(from.meta.table, index.name))
  }

  /** Rename an index; without a native RENAME (SQLite) it is dropped and created again. */
  async renameIndex(from: AnyModel, to: AnyModel, before: IndexState, after: IndexState) {
    await this.removeIndex(from, to, before)
    await this.addIndex(from, to, after)
  }

  /** Rename a constraint; by default it is dropped and added again. */
  async renameConstraint(
    from: AnyModel,
    to: AnyModel,
    before: ConstraintState,
    after: ConstraintState,
  ): Promise<void> {
    await this.removeConstraint(from, to, before)
    await this.addConstraint(from, to, after)
  }

  /** DROP INDEX for the dialect (MySQL names the table). */
  protected dropIndexSql(_table: string, name: string): string {
    return `DROP INDEX ${this.q(name)}`
  }

  // -- Fields (per dialect) ----------------------------------------------------------------------

  abstract addField(from: AnyModel, to: AnyModel, field: FieldInfo, fill?: unknown): Promise<void>
  abstract removeField(from: AnyModel, to: AnyModel, field: FieldInfo): Promise<void>
  abstract alterField(
    fromModel: AnyModel,
    fromField: FieldInfo,
    toModel: AnyModel,
    toField: FieldInfo,
    fill?: unknown,
  ): Promise<void>
  abstract addConstraint(from: AnyModel, to: AnyModel, constraint: ConstraintState): Promise<void>
  abstract removeConstraint(
    from: AnyModel,
    to: AnyModel,
    constraint: ConstraintState,
  ): Promise<void>

  /**
   * A change between many-to-many fields, or between a many-to-many field and a column. Returns
   * true when it was handled (both are many-to-many), false when neither is.
   */
  protected async alterManyToMany(
    fromModel: AnyModel,
    fromField: FieldInfo,
    toModel: AnyModel,
    toField: FieldInfo,
  ): Promise<boolean> {
    const fromMany = fromField.spec.kind === 'manyToMany'
    const toMany = toField.spec.kind === 'manyToMany'
    if (!fromMany && !toMany) return false
    const where = `${moduleOf(toModel)}.${toModel.name}.${toField.name}`
    if (fromMany !== toMany) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_UNSUPPORTED_ALTER',
        `Cannot turn ${where} between a many-to-many field and a column. Add a new field, copy the data with a runCode step, then remove the old one.`,
      )
    }
    const a = joinFacts(fromModel, fromField, this.dialect, this.db.compiler)
    const b = joinFacts(toModel, toField, this.dialect, this.db.compiler)
    // Both through a model of their own: that model's operations manage its table.
    if (a === undefined && b === undefined) return true
    if (
      a !== undefined &&
      b !== undefined &&
      a.targetModel.meta.table === b.targetModel.meta.table
    ) {
      await this.renameJoin(a, b)
      return true
    }
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNSUPPORTED_ALTER',
      `Cannot change the target or the through model of the many-to-many field ${where} in place. Add a new field, copy the links with a runCode step, then remove the old one.`,
    )
  }
}
