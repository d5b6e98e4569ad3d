/**
 * The column type of each field kind on each dialect, and the names Plinth gives constraints.
 *
 * Constraint names are deterministic (`uq_<table>__<columns>`, shortened with a hash past the
 * 63-character identifier limit of PostgreSQL), so an error that names only the constraint (MySQL's
 * duplicate-key error) can be traced back to the fields.
 */
import { createHash } from 'node:crypto'
import type { DialectName } from '../connection/types.ts'
import type { FieldInfo } from '../meta.ts'
import { resolveRef } from '../meta.ts'
import type { AnyModel } from '../model.ts'

/** SQL type for a field (for foreign keys: the type of the key they point at). */
export function columnType(field: FieldInfo, dialect: DialectName): string {
  const spec = field.spec
  switch (spec.kind) {
    case 'autoId':
      return dialect === 'postgres' ? 'integer' : dialect === 'mysql' ? 'int' : 'integer'
    case 'bigAutoId':
      return dialect === 'sqlite' ? 'integer' : 'bigint'
    case 'uuidId':
    case 'uuid':
      return dialect === 'postgres' ? 'uuid' : 'char(36)'
    case 'string':
    case 'email':
    case 'url':
    case 'slug':
    case 'enum':
      return `varchar(${spec.maxLength})`
    case 'text':
      return dialect === 'mysql' ? 'longtext' : 'text'
    case 'integer':
      return dialect === 'mysql' ? 'int' : 'integer'
    case 'bigint':
    case 'duration':
      return 'bigint'
    case 'float':
      return dialect === 'postgres' ? 'double precision' : dialect === 'mysql' ? 'double' : 'real'
    case 'decimal':
      return `${dialect === 'postgres' ? 'numeric' : 'decimal'}(${spec.maxDigits}, ${spec.decimalPlaces})`
    case 'boolean':
      return dialect === 'mysql' ? 'tinyint(1)' : dialect === 'postgres' ? 'boolean' : 'bool'
    case 'date':
      return 'date'
    case 'datetime':
      return dialect === 'postgres'
        ? 'timestamp(6) with time zone'
        : dialect === 'mysql'
          ? 'datetime(6)'
          : 'datetime'
    case 'time':
      return dialect === 'mysql' ? 'time(6)' : 'time'
    case 'json':
      return dialect === 'postgres' ? 'jsonb' : dialect === 'mysql' ? 'json' : 'text'
    case 'binary':
      return dialect === 'postgres' ? 'bytea' : dialect === 'mysql' ? 'longblob' : 'blob'
    case 'foreignKey':
    case 'oneToOne': {
      const target = resolveRef(spec.target!, field.model)
      const to = spec.toField ? target.meta.fields.get(spec.toField)! : target.meta.pk
      const type = columnType(to, dialect)
      return to.spec.kind === 'autoId'
        ? dialect === 'mysql'
          ? 'int'
          : 'integer'
        : to.spec.kind === 'bigAutoId'
          ? 'bigint'
          : type
    }
    case 'manyToMany':
      throw new Error('many-to-many fields have no column')
  }
}

const MAX_IDENTIFIER = 63

/** A constraint or index name: `<prefix>_<table>__<col>__<col>`, hashed when too long. */
export function constraintName(
  prefix: 'uq' | 'ix' | 'fk' | 'ck' | 'pk',
  table: string,
  columns: readonly string[],
): string {
  const full = `${prefix}_${table}__${columns.join('__')}`
  if (full.length <= MAX_IDENTIFIER) return full
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8)
  return `${full.slice(0, MAX_IDENTIFIER - 9)}_${hash}`
}

/** Every unique constraint name of a model → its columns (for translating database errors). */
export function uniqueConstraintColumns(model: AnyModel): Map<string, string[]> {
  const meta = model.meta
  const out = new Map<string, string[]>()
  for (const f of meta.columns)
    if (f.spec.unique || f.spec.primaryKey)
      out.set(constraintName('uq', meta.table, [f.column!]), [f.column!])
  const column = (key: string) =>
    meta.byAttr.get(key)?.column ?? meta.fields.get(key)?.column ?? key
  for (const c of meta.constraints) {
    if (c.type !== 'unique') continue
    const columns = c.fields.map((k) => column(String(k)))
    out.set(c.name ?? constraintName('uq', meta.table, columns), columns)
  }
  for (const index of meta.indexes) {
    if (!index.unique) continue
    const columns = index.fields.map((k) => column(String(k).replace(/^-/, '')))
    out.set(index.name ?? constraintName('uq', meta.table, columns), columns)
  }
  return out
}
