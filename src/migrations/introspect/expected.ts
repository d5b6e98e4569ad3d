/**
 * The schema models should have in the database, in the neutral form of `types.ts`.
 *
 * It mirrors what `createTables` (src/orm/schema/ddl.ts) and the migration schema editor create:
 * the same column types (`columnType`), the same deterministic constraint and index names
 * (`constraintName`), unique fields as constraints, foreign keys with their ON DELETE rule (SET
 * DEFAULT becomes NO ACTION on MySQL, which has none), an index per indexed field, the join
 * table of each automatic many-to-many field, and partial indexes as full ones on MySQL.
 */
import type { DialectName } from '../../orm/connection/types.ts'
import type { FieldInfo, RelationInfo } from '../../orm/meta.ts'
import { resolveRef } from '../../orm/meta.ts'
import type { AnyModel } from '../../orm/model.ts'
import { columnType, constraintName } from '../../orm/schema/column-types.ts'
import { onDeleteSql } from '../../orm/schema/ddl.ts'
import type { ProjectState } from '../state.ts'
import { introspector } from './index.ts'
import type {
  ColumnSchema,
  DatabaseSchema,
  ForeignKeySchema,
  IndexSchema,
  TableSchema,
} from './types.ts'

function column(
  name: string,
  sqlType: string,
  nullable: boolean,
  primaryKey: boolean,
  dialect: DialectName,
): ColumnSchema {
  const type = introspector(dialect).normalizeType(sqlType)
  return { name, type, sqlType, nullable: nullable && !primaryKey, primaryKey }
}

function modelTable(model: AnyModel, dialect: DialectName): TableSchema {
  const meta = model.meta
  const columnOf = (key: string) => meta.byAttr.get(key)?.column ?? meta.fields.get(key)!.column!
  const columns = meta.columns.map((f: FieldInfo) =>
    column(f.column!, columnType(f, dialect), f.spec.null, f.spec.primaryKey, dialect),
  )
  const uniques: IndexSchema[] = []
  const indexes: IndexSchema[] = []
  const foreignKeys: ForeignKeySchema[] = []
  const checks: string[] = []
  for (const f of meta.columns) {
    const col = f.column!
    if (f.spec.unique && !f.spec.primaryKey)
      uniques.push({
        name: constraintName('uq', meta.table, [col]),
        columns: [col],
        unique: true,
        partial: false,
      })
    if (f.spec.target && f.spec.dbConstraint !== false) {
      const target = resolveRef(f.spec.target, model)
      const to = f.spec.toField ? target.meta.fields.get(f.spec.toField)! : target.meta.pk
      foreignKeys.push({
        name: constraintName('fk', meta.table, [col]),
        columns: [col],
        references: { table: target.meta.table, columns: [to.column!] },
        onDelete: onDeleteSql(f.spec.onDelete, dialect),
      })
    }
    if (f.spec.index && !f.spec.unique && !f.spec.primaryKey)
      indexes.push({
        name: constraintName('ix', meta.table, [col]),
        columns: [col],
        unique: false,
        partial: false,
      })
  }
  for (const c of meta.constraints) {
    if (c.type === 'check') {
      checks.push(c.name)
      continue
    }
    const cols = c.fields.map((k) => columnOf(String(k)))
    uniques.push({
      name: c.name ?? constraintName('uq', meta.table, cols),
      columns: cols,
      unique: true,
      partial: false,
    })
  }
  for (const index of meta.indexes) {
    const keys = index.fields.map((k) => String(k))
    const cols = keys.map((k) => columnOf(k.replace(/^-/, '')))
    indexes.push({
      name: index.name ?? constraintName(index.unique ? 'uq' : 'ix', meta.table, cols),
      columns: keys.map((k, i) => (k.startsWith('-') ? `-${cols[i]}` : cols[i]!)),
      unique: index.unique === true,
      partial: index.where !== undefined && dialect !== 'mysql',
    })
  }
  return { name: meta.table, columns, indexes, uniques, foreignKeys, checks }
}

function joinTable(relation: RelationInfo, dialect: DialectName): TableSchema {
  const join = relation.join!
  const pkType = (m: AnyModel) =>
    m.meta.pk.spec.kind === 'autoId'
      ? dialect === 'mysql'
        ? 'int'
        : 'integer'
      : columnType(m.meta.pk, dialect)
  const ends = [
    [join.source, relation.field.model],
    [join.target, relation.target],
  ] as const
  return {
    name: join.table,
    columns: [
      column('id', dialect === 'mysql' ? 'int' : 'integer', false, true, dialect),
      ...ends.map(([name, model]) => column(name, pkType(model), false, false, dialect)),
    ],
    indexes: [
      {
        name: constraintName('ix', join.table, [join.target]),
        columns: [join.target],
        unique: false,
        partial: false,
      },
    ],
    uniques: [
      {
        name: constraintName('uq', join.table, [join.source, join.target]),
        columns: [join.source, join.target],
        unique: true,
        partial: false,
      },
    ],
    foreignKeys: ends.map(([name, model]) => ({
      name: constraintName('fk', join.table, [name]),
      columns: [name],
      references: { table: model.meta.table, columns: [model.meta.pk.column!] },
      onDelete: 'CASCADE',
    })),
    checks: [],
  }
}

/**
 * The tables `models` create (their own and their automatic many-to-many join tables), as
 * `createTables` and migrations create them on `dialect`.
 *
 * @example
 * const expected = modelsSchema([Category, Product], 'postgres')
 */
export function modelsSchema(models: readonly AnyModel[], dialect: DialectName): DatabaseSchema {
  const tables = new Map<string, TableSchema>()
  for (const model of models) tables.set(model.meta.table, modelTable(model, dialect))
  for (const model of models) {
    for (const f of model.meta.fields.values()) {
      if (f.spec.kind !== 'manyToMany' || f.spec.through !== undefined) continue
      const relation = model.meta.relation(f.name)
      if (relation?.join === undefined || tables.has(relation.join.table)) continue
      tables.set(relation.join.table, joinTable(relation, dialect))
    }
  }
  return { dialect, tables }
}

/**
 * The schema a migration state describes: what the database should look like once exactly the
 * migrations replayed into `state` are applied.
 *
 * @example
 * const expected = expectedSchema(replay(graph.order()), db.dialect)
 */
export function expectedSchema(state: ProjectState, dialect: DialectName): DatabaseSchema {
  return modelsSchema(state.apps().all(), dialect)
}
