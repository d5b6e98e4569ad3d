/**
 * What PostgreSQL and MySQL share: both change tables in place with ALTER TABLE, and keep foreign
 * keys as named constraints added after the table exists. A field change is done in three
 * passes, so that no step trips over another: drop what goes away or must be rebuilt (foreign
 * keys first, then unique constraints and indexes), change the column (name, type, NULL), then
 * add what is new. The dialect files say how each step is spelled.
 */
import type { FieldInfo } from '../../orm/meta.ts'
import type { AnyModel } from '../../orm/model.ts'
import { columnSql, constraintSql } from '../../orm/schema/ddl.ts'
import type { ConstraintState } from '../state.ts'
import { BaseSchemaEditor } from './base.ts'
import {
  type ColumnFacts,
  columnFacts,
  type IncomingRef,
  incomingRefs,
  joinFacts,
  sameTarget,
} from './facts.ts'

/** ALTER TABLE based editing shared by PostgreSQL and MySQL (see the file header). */
export abstract class ServerSchemaEditor extends BaseSchemaEditor {
  /** Drop a foreign key; `next` is the name it gets back under, if it is re-added. */
  protected abstract dropForeignKey(table: string, name: string, next?: string): Promise<void>
  /** DROP of a unique constraint declared on a field or the model. */
  protected abstract dropUniqueSql(table: string, name: string): string
  /** Must the foreign key be dropped and re-added for this change (beyond a new target)? */
  protected abstract mustRecreateForeignKey(a: ColumnFacts, b: ColumnFacts): boolean
  /** Rename the column, change its type and its NULL, filling NULLs with `fill` first. */
  protected abstract alterColumn(
    table: string,
    a: ColumnFacts,
    b: ColumnFacts,
    fill: { value: unknown } | undefined,
  ): Promise<void>
  /** Give a column pointing at a changed key the key's new type. */
  protected abstract alterReferenceType(ref: IncomingRef): Promise<void>
  /** Make a column (just added and filled) NOT NULL. */
  protected abstract setNotNull(facts: ColumnFacts): Promise<void>

  protected facts(model: AnyModel, field: FieldInfo): ColumnFacts {
    return columnFacts(model, field, this.dialect, this.db.compiler)
  }

  async addField(_from: AnyModel, to: AnyModel, field: FieldInfo, fill?: unknown): Promise<void> {
    const join = joinFacts(to, field, this.dialect, this.db.compiler)
    if (field.spec.kind === 'manyToMany') {
      if (join === undefined) return
      await this.execute(join.statements.create)
      for (const sql of [...join.statements.constraints, ...join.statements.indexes])
        await this.execute(sql)
      return
    }
    await this.requireFill(to, field, fill, 'add')
    const f = this.facts(to, field)
    const table = this.q(f.table)
    const value = fill === undefined || fill === null ? undefined : this.encode(field, fill)
    if (f.primaryKey) {
      await this.execute(
        `ALTER TABLE ${table} ADD COLUMN ${columnSql(field, this.dialect, this.db.compiler)}`,
      )
    } else {
      // A NOT NULL column with a value for existing rows: add it NULL, fill, then tighten.
      const notNull = !f.null && value === undefined
      await this.execute(
        `ALTER TABLE ${table} ADD COLUMN ${this.q(f.column)} ${f.type} ${notNull ? 'NOT NULL' : 'NULL'}`,
      )
      if (value !== undefined) {
        await this.executeWith(`UPDATE ${table} SET ${this.q(f.column)} = ${this.p(1)}`, [value])
        if (!f.null) await this.setNotNull(f)
      }
    }
    if (f.unique) await this.execute(`ALTER TABLE ${table} ADD ${f.unique.sql}`)
    if (f.fk) await this.execute(`ALTER TABLE ${table} ADD ${f.fk.sql}`)
    if (f.index) await this.execute(f.index.sql)
  }

  async removeField(from: AnyModel, _to: AnyModel, field: FieldInfo): Promise<void> {
    if (field.spec.kind === 'manyToMany') {
      const join = joinFacts(from, field, this.dialect, this.db.compiler)
      if (join !== undefined) await this.execute(`DROP TABLE ${this.q(join.table)}`)
      return
    }
    const f = this.facts(from, field)
    // MySQL refuses to drop a column a foreign key uses; PostgreSQL drops the key with it.
    if (f.fk && this.dialect === 'mysql') await this.dropForeignKey(f.table, f.fk.name, f.fk.name)
    await this.execute(`ALTER TABLE ${this.q(f.table)} DROP COLUMN ${this.q(f.column)}`)
  }

  async alterField(
    fromModel: AnyModel,
    fromField: FieldInfo,
    toModel: AnyModel,
    toField: FieldInfo,
    fill?: unknown,
  ): Promise<void> {
    if (await this.alterManyToMany(fromModel, fromField, toModel, toField)) return
    const a = this.facts(fromModel, fromField)
    const b = this.facts(toModel, toField)
    if (a.null && !b.null) await this.requireFill(toModel, toField, fill, 'alter', a.column)
    const table = this.q(b.table)
    // Encoded first: a fill the column cannot take fails before anything changes.
    const value = fill === undefined || fill === null ? undefined : this.encode(toField, fill)
    // Columns elsewhere that point at this one follow its type (integer → bigint keys).
    const incoming =
      a.type !== b.type ? incomingRefs(toModel, toField, this.dialect, this.db.compiler) : []
    const dropFk =
      a.fk !== undefined &&
      (b.fk === undefined || !sameTarget(a.fk, b.fk) || this.mustRecreateForeignKey(a, b))
    if (dropFk) await this.dropForeignKey(a.table, a.fk!.name, b.fk?.name)
    for (const ref of incoming)
      if (ref.fk) await this.dropForeignKey(ref.table, ref.fk.name, ref.fk.name)
    if (a.unique && !b.unique) await this.execute(this.dropUniqueSql(a.table, a.unique.name))
    if (a.index && !b.index) await this.execute(this.dropIndexSql(a.table, a.index.name))

    await this.alterColumn(b.table, a, b, value === undefined ? undefined : { value })
    for (const ref of incoming) await this.alterReferenceType(ref)

    if (a.unique && b.unique && a.unique.name !== b.unique.name)
      await this.renameObject('unique', b.table, a.unique.name, b.unique.name, b.unique.sql)
    if (a.index && b.index && a.index.name !== b.index.name)
      await this.renameObject('index', b.table, a.index.name, b.index.name, b.index.sql)
    if (a.fk && b.fk && !dropFk && a.fk.name !== b.fk.name)
      await this.renameObject('fk', b.table, a.fk.name, b.fk.name, b.fk.sql)

    if (b.unique && !a.unique) await this.execute(`ALTER TABLE ${table} ADD ${b.unique.sql}`)
    if (b.index && !a.index) await this.execute(b.index.sql)
    if (b.fk && (dropFk || !a.fk)) await this.execute(`ALTER TABLE ${table} ADD ${b.fk.sql}`)
    for (const ref of incoming)
      if (ref.fk) await this.execute(`ALTER TABLE ${this.q(ref.table)} ADD ${ref.fk.sql}`)
  }

  async addConstraint(_from: AnyModel, to: AnyModel, constraint: ConstraintState): Promise<void> {
    const sql = constraintSql(to, constraint as never, this.dialect, this.db.compiler)
    await this.execute(`ALTER TABLE ${this.q(to.meta.table)} ADD ${sql}`)
  }

  async removeConstraint(
    from: AnyModel,
    _to: AnyModel,
    constraint: ConstraintState,
  ): Promise<void> {
    const table = from.meta.table
    await this.execute(
      constraint.type === 'unique'
        ? this.dropUniqueSql(table, constraint.name)
        : `ALTER TABLE ${this.q(table)} DROP CONSTRAINT ${this.q(constraint.name)}`,
    )
  }
}
