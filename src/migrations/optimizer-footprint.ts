/**
 * What an operation reads and writes, for the optimizer (`optimizer.ts`): two operations may
 * swap places only when neither writes what the other touches.
 *
 * Resources are strings:
 * - `m|app.Product`: the model's existence, name and table (create, delete, rename write it;
 *   everything on the model, and every relation aimed at it, reads it);
 * - `f|app.Product|price`: one field; `f|app.Product|*` every field; `f|app.Product|#pk` whichever
 *   field is the primary key (what a foreign key without `toField` points at);
 * - `o|app.Product`: the order of the model's fields (addField appends, so two addFields on one
 *   model keep their order);
 * - `i|app.Product|name` and `io|app.Product`: one index, and the order of indexes;
 * - `c|app.Product|name` and `co|app.Product`: the same for constraints.
 *
 * A resource ending in `*` covers every resource it is a prefix of. Raw SQL, data migrations,
 * unknown operations and operations on models the state does not know are barriers.
 */
import type { AnyField } from '../orm/fields.ts'
import { toCode } from './code.ts'
import { deconstruct } from './deconstruct.ts'
import { type Operation, qualify } from './operations/base.ts'
import { AddField, AlterField, RemoveField, RenameField } from './operations/fields.ts'
import { AddConstraint, AddIndex, RemoveConstraint, RemoveIndex } from './operations/indexes.ts'
import { AlterModelTable, CreateModel, DeleteModel, RenameModel } from './operations/models.ts'
import { type ModelState, modelKey, type ProjectState } from './state.ts'

/** What an operation reads and writes; a barrier conflicts with everything. */
export interface Footprint {
  readonly barrier: boolean
  readonly reads: readonly string[]
  readonly writes: readonly string[]
}

const BARRIER: Footprint = { barrier: true, reads: [], writes: [] }

/** Whether two resources are (or cover) the same thing. */
export function overlaps(a: string, b: string): boolean {
  if (a === b) return true
  if (a.endsWith('*') && b.startsWith(a.slice(0, -1))) return true
  return b.endsWith('*') && a.startsWith(b.slice(0, -1))
}

/** The footprint of `op` (of a migration of `module`) given the state before it. */
export function footprint(
  op: Operation,
  module: string,
  state: ProjectState | undefined,
): Footprint {
  if (state === undefined) return BARRIER
  try {
    return compute(op, module, state) ?? BARRIER
  } catch {
    return BARRIER
  }
}

function moduleOfKey(key: string): string {
  return key.slice(0, key.lastIndexOf('.'))
}

function compute(op: Operation, module: string, state: ProjectState): Footprint | undefined {
  const reads: string[] = []
  const writes: string[] = []
  // A relation reads the model it points at and the field it points at (the primary key unless
  // `toField`); a many-to-many `through` model is read whole.
  const relations = (f: AnyField | undefined, owner: string) => {
    if (f === undefined) return
    const call = deconstruct(f.spec, moduleOfKey(owner))
    const toField = call.options.toField === undefined ? '#pk' : String(call.options.toField)
    const pairs: [unknown, string][] = [
      [call.target, toField],
      [call.options.through, '*'],
    ]
    for (const [ref, field] of pairs) {
      if (typeof ref !== 'string') continue
      const key = ref === 'self' ? owner : ref
      reads.push(`m|${key}`, `f|${key}|${field}`)
    }
  }
  if (op instanceof CreateModel || op instanceof DeleteModel) {
    const key = qualify(op.options.name, module)
    writes.push(`m|${key}`)
    const fields =
      op instanceof CreateModel ? Object.values(op.options.fields) : state.get(key).fields.values()
    for (const f of fields) relations(f, key)
  } else if (op instanceof RenameModel) {
    const key = qualify(op.options.from, module)
    writes.push(`m|${key}`, `m|${modelKey(state.get(key).module, op.options.to)}`)
  } else if (op instanceof AlterModelTable) {
    writes.push(`m|${qualify(op.options.name, module)}`)
  } else if (
    op instanceof AddField ||
    op instanceof RemoveField ||
    op instanceof AlterField ||
    op instanceof RenameField
  ) {
    const key = qualify(op.options.model, module)
    const name = op instanceof RenameField ? op.options.from : op.options.name
    const old = state.get(key).fields.get(name)
    const next = op instanceof AddField || op instanceof AlterField ? op.options.field : undefined
    reads.push(`m|${key}`)
    writes.push(`f|${key}|${name}`)
    if (op instanceof AddField) writes.push(`o|${key}`)
    // A rename also renames the `<name>Id` spelling in indexes and constraints.
    if (op instanceof RenameField) {
      const to = op.options.to
      writes.push(`f|${key}|${name}Id`, `f|${key}|${to}`, `f|${key}|${to}Id`)
    }
    if (old?.spec.primaryKey || next?.spec.primaryKey) writes.push(`f|${key}|#pk`)
    relations(old, key)
    relations(next, key)
  } else if (op instanceof AddIndex || op instanceof RemoveIndex) {
    const key = qualify(op.options.model, module)
    const name = op instanceof AddIndex ? op.options.index.name : op.options.name
    const index =
      op instanceof AddIndex
        ? op.options.index
        : state.get(key).indexes.find((i) => i.name === name)
    if (index === undefined) return undefined
    reads.push(`m|${key}`, ...fieldsRead(key, index.fields, index.where !== undefined))
    writes.push(`i|${key}|${name}`)
    if (op instanceof AddIndex) writes.push(`io|${key}`)
  } else if (op instanceof AddConstraint || op instanceof RemoveConstraint) {
    const key = qualify(op.options.model, module)
    const name = op instanceof AddConstraint ? op.options.constraint.name : op.options.name
    const constraint =
      op instanceof AddConstraint
        ? op.options.constraint
        : state.get(key).constraints.find((c) => c.name === name)
    if (constraint === undefined) return undefined
    const fields = constraint.type === 'unique' ? constraint.fields : []
    reads.push(`m|${key}`, ...fieldsRead(key, fields, constraint.type === 'check'))
    writes.push(`c|${key}|${name}`)
    if (op instanceof AddConstraint) writes.push(`co|${key}`)
  } else return undefined
  return { barrier: false, reads, writes }
}

/** Field resources an index or constraint reads (every field when a filter is involved). */
function fieldsRead(key: string, fields: readonly string[], filtered: boolean): string[] {
  if (filtered) return [`f|${key}|*`]
  return fields.map((f) => `f|${key}|${f.replace(/^-/, '')}`)
}

/**
 * Whether `model` refers to a field called `name` (or `<name>Id`) anywhere: a field of that name,
 * an index or constraint naming it, a relation's `toField`/`throughFields`. Word matches in the
 * written form of indexes and constraints, so it errs on the side of "yes".
 */
export function fieldMentioned(model: ModelState, name: string): boolean {
  const names = [name, `${name}Id`]
  if (names.some((n) => model.fields.has(n))) return true
  const quoted = (n: string) => n.replace(/[$]/g, '\\$')
  const word = new RegExp(`(?<![\\w$])(?:${names.map(quoted).join('|')})(?![\\w$])`)
  try {
    if (word.test(toCode([...model.indexes, ...model.constraints]))) return true
  } catch {
    return true
  }
  for (const f of model.fields.values()) {
    const options = deconstruct(f.spec, model.module).options
    const through = (options.throughFields ?? []) as readonly string[]
    if (options.toField === name || through.includes(name)) return true
  }
  return false
}

/** Whether any model of `state` has a relation aimed at the model `key`. */
export function referencesModel(state: ProjectState, key: string): boolean {
  return state.models().some((model) =>
    [...model.fields.values()].some((f) => {
      const call = deconstruct(f.spec, model.module)
      return call.target === key || call.options.through === key
    }),
  )
}
