/**
 * What the database holds for one field, one join table or one key, worked out from historical
 * models with the same builders `createTables` uses (`src/orm/schema/ddl.ts`).
 *
 * The schema editors compare the facts of a field before and after a change and emit only the
 * statements that close the gap, so a table reached through migrations carries exactly the names
 * and definitions a fresh `createTables` would give it.
 */
import type { Kysely } from 'kysely'
import type { DialectName } from '../../orm/connection/types.ts'
import { isRelation } from '../../orm/fields.ts'
import { type FieldInfo, resolveRef } from '../../orm/meta.ts'
import type { AnyModel } from '../../orm/model.ts'
import { moduleOf, registryOf } from '../../orm/registry.ts'
import { columnType, constraintName } from '../../orm/schema/column-types.ts'
import {
  fieldIndexSql,
  foreignKeySql,
  foreignKeyTarget,
  hasForeignKey,
  joinColumnType,
  joinForeignKeySql,
  joinTableStatements,
  quote,
  type TableStatements,
  uniqueFieldSql,
} from '../../orm/schema/ddl.ts'

/** A named object of a table and the SQL that creates it. */
export interface Named {
  readonly name: string
  /** CREATE INDEX statement, or the `CONSTRAINT …` clause of a unique or foreign key. */
  readonly sql: string
}

export interface ForeignKeyFacts extends Named {
  readonly table: string
  readonly column: string
  readonly onDelete: string
}

/** One column as the database holds it. */
export interface ColumnFacts {
  readonly field: FieldInfo
  readonly table: string
  readonly column: string
  readonly type: string
  readonly null: boolean
  readonly primaryKey: boolean
  readonly unique: Named | undefined
  readonly index: Named | undefined
  readonly fk: ForeignKeyFacts | undefined
}

/** The facts of `field` (a field with a column) of `model`. */
export function columnFacts(
  model: AnyModel,
  field: FieldInfo,
  dialect: DialectName,
  compiler: Kysely<any>,
): ColumnFacts {
  const spec = field.spec
  const table = model.meta.table
  const column = field.column!
  const plain = !spec.primaryKey
  const fk = hasForeignKey(field)
    ? {
        name: constraintName('fk', table, [column]),
        sql: foreignKeySql(model, field, compiler, dialect),
        ...foreignKeyTarget(model, field, dialect),
      }
    : undefined
  return {
    field,
    table,
    column,
    type: columnType(field, dialect),
    null: spec.null && plain,
    primaryKey: spec.primaryKey,
    unique:
      spec.unique && plain
        ? {
            name: constraintName('uq', table, [column]),
            sql: uniqueFieldSql(model, field, compiler),
          }
        : undefined,
    index:
      spec.index && !spec.unique && plain
        ? {
            name: constraintName('ix', table, [column]),
            sql: fieldIndexSql(model, field, compiler),
          }
        : undefined,
    fk,
  }
}

/** True when the two foreign keys point at the same column and act the same on delete. */
export function sameTarget(a: ForeignKeyFacts, b: ForeignKeyFacts): boolean {
  return a.table === b.table && a.column === b.column && a.onDelete === b.onDelete
}

/** The automatic join table of a many-to-many field, as the database holds it. */
export interface JoinFacts {
  readonly owner: AnyModel
  readonly field: FieldInfo
  readonly table: string
  readonly source: string
  readonly target: string
  readonly sourceModel: AnyModel
  readonly targetModel: AnyModel
  readonly statements: TableStatements
  readonly unique: Named
  readonly fkSource: Named
  readonly fkTarget: Named
  readonly index: Named
}

/** The join table of `field` when it is an automatic one (no `through` model), else undefined. */
export function joinFacts(
  model: AnyModel,
  field: FieldInfo,
  dialect: DialectName,
  compiler: Kysely<any>,
): JoinFacts | undefined {
  if (field.spec.kind !== 'manyToMany') return undefined
  const relation = model.meta.relation(field.name)
  const join = relation?.join
  if (relation === undefined || join === undefined || join.through !== undefined) return undefined
  const statements = joinTableStatements(relation, dialect, compiler)!
  const q = (name: string) => quote(compiler, name)
  const unique = constraintName('uq', join.table, [join.source, join.target])
  const fk = (column: string, to: AnyModel) => ({
    name: constraintName('fk', join.table, [column]),
    sql: joinForeignKeySql(join.table, column, to, compiler),
  })
  return {
    owner: model,
    field,
    table: join.table,
    source: join.source,
    target: join.target,
    sourceModel: model,
    targetModel: relation.target,
    statements,
    unique: {
      name: unique,
      sql: `CONSTRAINT ${q(unique)} UNIQUE (${q(join.source)}, ${q(join.target)})`,
    },
    fkSource: fk(join.source, model),
    fkTarget: fk(join.target, relation.target),
    index: { name: constraintName('ix', join.table, [join.target]), sql: statements.indexes[0]! },
  }
}

/** Every automatic join table owned by `model`'s many-to-many fields. */
export function ownJoins(
  model: AnyModel,
  dialect: DialectName,
  compiler: Kysely<any>,
): JoinFacts[] {
  const out: JoinFacts[] = []
  for (const field of model.meta.fields.values()) {
    const facts = joinFacts(model, field, dialect, compiler)
    if (facts !== undefined) out.push(facts)
  }
  return out
}

/** The model of `registryOf(other)` with the same module and name as `model`. */
export function counterpart(model: AnyModel, other: AnyModel): AnyModel | undefined {
  const module = moduleOf(model)
  return registryOf(other).find((m) => m.name === model.name && moduleOf(m) === module)
}

/** A column of another table (or of a join table) that points at a key of the altered model. */
export interface IncomingRef {
  readonly table: string
  readonly column: string
  /** The column's type once the key it points at has changed. */
  readonly type: string
  readonly null: boolean
  /** The foreign key constraint on the column, when there is one. */
  readonly fk: Named | undefined
}

/**
 * Columns elsewhere (foreign keys of any model in the registry, automatic join tables) that point
 * at `field` of `model`: their type follows the key's, so changing the key's type changes theirs.
 */
export function incomingRefs(
  model: AnyModel,
  field: FieldInfo,
  dialect: DialectName,
  compiler: Kysely<any>,
): IncomingRef[] {
  const out: IncomingRef[] = []
  const isPk = field === model.meta.pk
  for (const other of registryOf(model)) {
    for (const f of other.meta.columns) {
      if (!isRelation(f.spec) || resolveRef(f.spec.target!, other) !== model) continue
      if ((f.spec.toField ?? model.meta.pk.name) !== field.name) continue
      const facts = columnFacts(other, f, dialect, compiler)
      out.push({
        table: facts.table,
        column: facts.column,
        type: facts.type,
        null: facts.null,
        fk: facts.fk,
      })
    }
    if (!isPk) continue
    for (const join of ownJoins(other, dialect, compiler)) {
      const sides = [
        [join.source, join.sourceModel, join.fkSource],
        [join.target, join.targetModel, join.fkTarget],
      ] as const
      for (const [column, target, fk] of sides) {
        if (target !== model) continue
        const type = joinColumnType(model, dialect)
        out.push({ table: join.table, column, type, null: false, fk })
      }
    }
  }
  return out
}
