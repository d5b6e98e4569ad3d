/**
 * Rows to results: model instances (with `selectRelated` models nested), `values()` objects or
 * `valuesList()` tuples, decoded per dialect.
 */
import type { RawRow } from '../connection/types.ts'
import { instancePrototype, loadedInstance } from '../instance.ts'
import type { InstancePlan, ReadPlan } from './compile-select.ts'

interface PlanInfo {
  readonly proto: object
  readonly mutable: boolean
}
const planInfo = new WeakMap<InstancePlan, PlanInfo>()

function infoFor(plan: InstancePlan): PlanInfo {
  let info = planInfo.get(plan)
  if (info === undefined) {
    const mutable = plan.model.meta.columns.some(
      (f) => f.spec.kind === 'json' || f.spec.kind === 'binary',
    )
    info = { proto: instancePrototype(plan.model), mutable }
    planInfo.set(plan, info)
  }
  return info
}

function readInstance(plan: InstancePlan, info: PlanInfo, row: RawRow): object | null {
  if (row[plan.pkAlias] === null || row[plan.pkAlias] === undefined) return null
  const instance = loadedInstance(info.proto, plan.model, row, plan.columns, info.mutable)
  for (const a of plan.annotations) {
    const raw = row[a.alias]
    instance[a.attr] =
      a.decode === undefined || raw === null || raw === undefined ? (raw ?? null) : a.decode(raw)
  }
  for (const { name, plan: inner } of plan.related)
    instance[name] = readInstance(inner, infoFor(inner), row)
  return instance
}

/** Turn raw rows into the query's results. */
export function hydrate(read: ReadPlan, rows: readonly RawRow[]): unknown[] {
  const out = new Array(rows.length)
  switch (read.kind) {
    case 'instances':
      {
        const info = infoFor(read.plan)
        for (let i = 0; i < rows.length; i++) out[i] = readInstance(read.plan, info, rows[i]!)
      }
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
