/**
 * The schema editor for SQLite. Native ALTER TABLE covers renames (tables and columns: SQLite
 * rewrites indexes, triggers, views and other tables' foreign keys to follow), nullable plain
 * columns added, and plain columns dropped; everything else is a rebuild-copy-swap
 * (`sqlite-rebuild.ts`).
 *
 * Names of UNIQUE and FOREIGN KEY constraints live only in the CREATE TABLE text on SQLite, and
 * SQLite never reports them (a unique violation names table and columns; a foreign key error
 * names nothing). A rename therefore leaves those names as they were, rather than rebuilding
 * the table to refresh a cosmetic label; the next rebuild of the table writes current names.
 * Indexes are real objects and are recreated under their new names.
 */
import { isRelation } from '../../orm/fields.ts'
import { type FieldInfo, resolveRef } from '../../orm/meta.ts'
import type { AnyModel } from '../../orm/model.ts'
import { registryOf } from '../../orm/registry.ts'
import { MigrationError } from '../errors.ts'
import type { ConstraintState } from '../state.ts'
import { BaseSchemaEditor, type ObjectKind } from './base.ts'
import {
  type ColumnFacts,
  columnFacts,
  counterpart,
  joinFacts,
  ownJoins,
  sameTarget,
} from './facts.ts'
import {
  type ColumnSource,
  joinShape,
  modelShape,
  type RebuildHost,
  rebuildTable,
  type TableShape,
} from './sqlite-rebuild.ts'

/** The schema editor for SQLite (see the file header). */
export class SqliteSchemaEditor extends BaseSchemaEditor {
  /** True while `run()` keeps foreign keys off (rebuilds need them off). */
  #foreignKeysOff = false

  protected async runOnce<T>(
    atomic: boolean,
    fn: () => Promise<T>,
  ): Promise<{ result: T; transactional: boolean }> {
    if (this.db.inTransaction) {
      // PRAGMA foreign_keys is ignored inside a transaction: a savepoint, checked at the end.
      const result = await this.db.transaction(async () => {
        const value = await fn()
        await this.checkForeignKeys(true)
        return value
      })
      return { result, transactional: true }
    }
    return this.#withForeignKeysOff(async () => {
      if (!atomic) {
        const result = await fn()
        await this.checkForeignKeys(false)
        return { result, transactional: false }
      }
      const result = await this.db.transaction(async () => {
        const value = await fn()
        await this.checkForeignKeys(true)
        return value
      })
      return { result, transactional: true }
    })
  }

  async #foreignKeysOn(): Promise<boolean> {
    const rows = await this.query('PRAGMA foreign_keys')
    return Number(rows[0]?.foreign_keys ?? 0) === 1
  }

  async #withForeignKeysOff<T>(fn: () => Promise<T>): Promise<T> {
    const on = await this.#foreignKeysOn()
    if (on) await this.send('PRAGMA foreign_keys = OFF', [], false)
    this.#foreignKeysOff = true
    try {
      return await fn()
    } finally {
      this.#foreignKeysOff = false
      if (on) await this.send('PRAGMA foreign_keys = ON', [], false)
    }
  }

  /** Fail (and so roll back, inside a transaction) when a row points at a missing parent. */
  protected async checkForeignKeys(rollsBack: boolean): Promise<void> {
    const rows = await this.query('PRAGMA foreign_key_check')
    if (rows.length === 0) return
    const first = rows[0] as { table: string; rowid: unknown; parent: string }
    throw new MigrationError(
      'PLINTH_MIGRATIONS_FOREIGN_KEY_VIOLATION',
      `The migration leaves ${rows.length} row(s) whose foreign key points at no row (first: ${first.table} rowid ${String(first.rowid)} → ${first.parent}). ${rollsBack ? 'It was rolled back: nothing changed.' : 'It ran without a transaction, so its changes stay.'} Fix or delete those rows (a runCode step before this change), then migrate again.`,
    )
  }

  /** Rebuild `to`'s table (a model or a shape): atomically, foreign keys off, whoever calls. */
  protected async remake(
    to: AnyModel | TableShape,
    sources: ReadonlyMap<string, ColumnSource>,
  ): Promise<void> {
    const shape = 'meta' in to ? modelShape(to, this.db.compiler) : to
    const host: RebuildHost = {
      compiler: this.db.compiler,
      execute: (sql) => this.execute(sql),
      executeWith: (sql, params) => this.executeWith(sql, params),
      query: (sql, params) => this.query(sql, params),
    }
    const work = () => rebuildTable(host, shape, sources)
    if (this.collectOnly) return work()
    const atomic = async () => {
      await work()
      await this.checkForeignKeys(true)
    }
    if (this.db.inTransaction) {
      if (!this.#foreignKeysOff && (await this.#foreignKeysOn())) {
        throw new MigrationError(
          'PLINTH_MIGRATIONS_SQLITE_FOREIGN_KEYS',
          `Rebuilding ${shape.table} needs foreign keys off, which SQLite cannot switch inside a transaction. Run the migration through the schema editor's run() (the migrate command does), not inside db.transaction().`,
        )
      }
      return work()
    }
    if (this.#foreignKeysOff) return this.db.transaction(atomic)
    return this.#withForeignKeysOff(() => this.db.transaction(atomic))
  }

  /** Each column of `to` from the column of the same field in `from` (renames, removals follow). */
  #sameColumns(from: AnyModel, to: AnyModel): Map<string, ColumnSource> {
    const out = new Map<string, ColumnSource>()
    for (const f of to.meta.columns) {
      const old = from.meta.fields.get(f.name)?.column
      if (old !== undefined) out.set(f.column!, { sql: this.q(old), params: [] })
    }
    return out
  }

  protected async renameObject(
    kind: ObjectKind,
    _t: string,
    from: string,
    _to: string,
    sql: string,
  ): Promise<void> {
    if (kind !== 'index') return // UNIQUE / FOREIGN KEY names: see the header
    await this.execute(`DROP INDEX ${this.q(from)}`)
    await this.execute(sql)
  }

  async addField(from: AnyModel, to: AnyModel, field: FieldInfo, fill?: unknown): Promise<void> {
    if (field.spec.kind === 'manyToMany') {
      const join = joinFacts(to, field, this.dialect, this.db.compiler)
      if (join === undefined) return
      await this.execute(join.statements.create)
      for (const sql of join.statements.indexes) await this.execute(sql)
      return
    }
    await this.requireFill(to, field, fill, 'add')
    const f = columnFacts(to, field, this.dialect, this.db.compiler)
    const value = fill === undefined || fill === null ? undefined : this.encode(field, fill)
    if (f.null && !f.unique && !f.fk && !f.primaryKey) {
      const table = this.q(f.table)
      await this.execute(`ALTER TABLE ${table} ADD COLUMN ${this.q(f.column)} ${f.type} NULL`)
      if (value !== undefined)
        await this.executeWith(`UPDATE ${table} SET ${this.q(f.column)} = ?`, [value])
      if (f.index) await this.execute(f.index.sql)
      return
    }
    const sources = this.#sameColumns(from, to)
    if (value !== undefined) sources.set(f.column, { sql: '?', params: [value] })
    await this.remake(to, sources)
  }

  async removeField(from: AnyModel, to: AnyModel, field: FieldInfo): Promise<void> {
    if (field.spec.kind === 'manyToMany') {
      const join = joinFacts(from, field, this.dialect, this.db.compiler)
      if (join !== undefined) await this.execute(`DROP TABLE ${this.q(join.table)}`)
      return
    }
    const f = columnFacts(from, field, this.dialect, this.db.compiler)
    if (!f.unique && !f.fk && !f.primaryKey && !f.index && !usedByModel(from, field)) {
      await this.execute(`ALTER TABLE ${this.q(f.table)} DROP COLUMN ${this.q(f.column)}`)
      return
    }
    await this.remake(to, this.#sameColumns(from, to))
  }

  async alterField(
    fromModel: AnyModel,
    fromField: FieldInfo,
    toModel: AnyModel,
    toField: FieldInfo,
    fill?: unknown,
  ): Promise<void> {
    if (await this.alterManyToMany(fromModel, fromField, toModel, toField)) return
    const a = columnFacts(fromModel, fromField, this.dialect, this.db.compiler)
    const b = columnFacts(toModel, toField, this.dialect, this.db.compiler)
    if (a.null && !b.null) await this.requireFill(toModel, toField, fill, 'alter', a.column)
    // Rename natively first: SQLite then rewrites indexes, triggers, views and the foreign
    // keys of other tables that name the column, which a rebuild would not.
    if (a.column !== b.column) {
      await this.renameColumn(b.table, a.column, b.column)
      if (a.index && b.index && a.index.name !== b.index.name)
        await this.renameObject('index', b.table, a.index.name, b.index.name, b.index.sql)
    }
    const rebuilt = !sameShape(a, b)
    if (rebuilt) {
      const sources = this.#sameColumns(fromModel, toModel)
      const value = fill === undefined || fill === null ? undefined : this.encode(toField, fill)
      if (a.null && !b.null && value !== undefined)
        sources.set(b.column, { sql: `coalesce(${this.q(b.column)}, ?)`, params: [value] })
      else sources.set(b.column, { sql: this.q(b.column), params: [] })
      await this.remake(toModel, sources)
    }
    await this.#followKey(fromModel, toModel, toField, rebuilt)
  }

  /**
   * Columns pointing at a key take its type (`bigint` when it becomes a `bigAutoId`): rebuild the
   * tables (and join tables) whose declared types changed, so they match `createTables`.
   */
  async #followKey(
    fromModel: AnyModel,
    toModel: AnyModel,
    toField: FieldInfo,
    rebuiltSelf: boolean,
  ): Promise<void> {
    const type = (model: AnyModel, f: FieldInfo) =>
      columnFacts(model, f, this.dialect, this.db.compiler).type
    for (const after of registryOf(toModel)) {
      const before = after === toModel ? fromModel : counterpart(after, fromModel)
      if (before === undefined) continue
      const changed = after.meta.columns.some((f) => {
        if (!isRelation(f.spec) || resolveRef(f.spec.target!, after) !== toModel) return false
        if ((f.spec.toField ?? toModel.meta.pk.name) !== toField.name) return false
        const old = before.meta.fields.get(f.name)
        return old?.column !== undefined && type(before, old) !== type(after, f)
      })
      if (changed && !(after === toModel && rebuiltSelf)) {
        await this.remake(after, identity(modelShape(after, this.db.compiler).columns))
      }
      if (toField !== toModel.meta.pk) continue
      for (const join of ownJoins(after, this.dialect, this.db.compiler)) {
        if (join.sourceModel !== toModel && join.targetModel !== toModel) continue
        const field = before.meta.fields.get(join.field.name)
        const old = field && joinFacts(before, field, this.dialect, this.db.compiler)
        if (old !== undefined && old.statements.create !== join.statements.create)
          await this.remake(joinShape(join), identity(joinShape(join).columns))
      }
    }
  }

  async addConstraint(from: AnyModel, to: AnyModel, _c: ConstraintState): Promise<void> {
    await this.remake(to, this.#sameColumns(from, to))
  }

  async removeConstraint(from: AnyModel, to: AnyModel, _c: ConstraintState): Promise<void> {
    await this.remake(to, this.#sameColumns(from, to))
  }

  /** Constraint names live in the table's SQL: one rebuild writes the new one. */
  override async renameConstraint(from: AnyModel, to: AnyModel): Promise<void> {
    await this.remake(to, this.#sameColumns(from, to))
  }
}

/** Every column from itself. */
function identity(columns: readonly string[]): Map<string, ColumnSource> {
  return new Map(columns.map((c) => [c, { sql: `"${c.replace(/"/g, '""')}"`, params: [] }]))
}

/** Same column in all but its name (type, NULL, unique, index, foreign key)? */
function sameShape(a: ColumnFacts, b: ColumnFacts): boolean {
  const fk = a.fk === undefined || b.fk === undefined ? a.fk === b.fk : sameTarget(a.fk, b.fk)
  return (
    fk &&
    a.type === b.type &&
    a.null === b.null &&
    a.primaryKey === b.primaryKey &&
    !a.unique === !b.unique &&
    !a.index === !b.index
  )
}

/** Does a model index or constraint name the field (native DROP COLUMN would then fail)? */
function usedByModel(model: AnyModel, field: FieldInfo): boolean {
  const keys = new Set([field.name, field.attr])
  const named = (list: readonly unknown[]) =>
    list.some((k) => keys.has(String(k).replace(/^-/, '')))
  // Checks and partial indexes are filters that may name the field anywhere: rebuild to be safe.
  return (
    model.meta.indexes.some((i) => i.where !== undefined || named(i.fields)) ||
    model.meta.constraints.some((c) => c.type === 'check' || named(c.fields))
  )
}
