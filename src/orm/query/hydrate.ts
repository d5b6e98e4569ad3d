/**
 * Rows to results: model instances (with `selectRelated` models nested), `values()` objects or
 * `valuesList()` tuples, decoded per dialect.
 */
import type { RawRow } from '../connection/types.ts'
import { newInstance } from '../instance.ts'
import type { InstancePlan, ReadPlan } from './compile-select.ts'

function readInstance(plan: InstancePlan, row: RawRow): object | null {
  if (row[plan.pkAlias] === null || row[plan.pkAlias] === undefined) return null
  const values: Record<string, unknown> = {}
  const { columns } = plan
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!
    const raw = row[c.alias]
    values[c.attr] =
      c.decode === undefined || raw === null || raw === undefined ? (raw ?? null) : c.decode(raw)
  }
  for (const a of plan.annotations) {
    const raw = row[a.alias]
    values[a.attr] =
      a.decode === undefined || raw === null || raw === undefined ? (raw ?? null) : a.decode(raw)
  }
  const instance = newInstance(plan.model, values, true) as Record<string, unknown>
  for (const { name, plan: inner } of plan.related) instance[name] = readInstance(inner, row)
  return instance
}

/** Turn raw rows into the query's results. */
export function hydrate(read: ReadPlan, rows: readonly RawRow[]): unknown[] {
  const out = new Array(rows.length)
  switch (read.kind) {
    case 'instances':
      for (let i = 0; i < rows.length; i++) out[i] = readInstance(read.plan, rows[i]!)
      return out
    case 'values':
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!
        const value: Record<string, unknown> = {}
        for (const c of read.columns) {
          const raw = row[c.alias]
          value[c.attr] =
            c.decode === undefined || raw === null || raw === undefined
              ? (raw ?? null)
              : c.decode(raw)
        }
        out[i] = value
      }
      return out
    case 'list':
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!
        const tuple = read.columns.map((c) => {
          const raw = row[c.alias]
          return c.decode === undefined || raw === null || raw === undefined
            ? (raw ?? null)
            : c.decode(raw)
        })
        out[i] = read.flat ? tuple[0] : tuple
      }
      return out
    case 'scalar':
      for (let i = 0; i < rows.length; i++) {
        const raw = rows[i]![read.column.alias]
        out[i] = read.column.decode && raw !== null ? read.column.decode(raw) : raw
      }
      return out
  }
}
