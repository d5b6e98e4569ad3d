/**
 * The operation optimizer: a list of operations → a shorter list that leaves the same project
 * state (and the same database), for squashed migrations.
 *
 * Two things decide what may be optimized:
 *
 * - **Rules** (`combine`) replace two operations on the same thing with fewer: a createModel
 *   absorbs later changes to its model, createModel … deleteModel cancel out, addField absorbs
 *   an alterField or renameField and cancels with a removeField, renames chain, addIndex …
 *   removeIndex cancel, and so on. Each rule is exact on the project state.
 * - **Footprints** (`footprint`) say what an operation reads and writes (a model's identity, one
 *   field, a model's field order, one index, …). Two operations commute when neither writes
 *   what the other touches; only then may one move past the other to meet its partner. Raw SQL,
 *   data migrations and unknown operations are barriers: nothing moves across them, because
 *   what they do is invisible here (a data migration may insert the rows a later `fill` is for).
 *
 * The pair found is replaced in place of the first operation (the second moved left) or of the
 * second (the first moved right), whichever the operations in between allow; then the search
 * starts again, until no rule applies. Every replacement shortens the list, so it ends.
 *
 * Footprints and some rules need the state before each operation; it is rebuilt by replaying
 * the list from `options.state` (the state before the first operation) on every pass.
 * Squashing checks the result once more by replaying both lists and comparing the states.
 */
import { snakeCase } from '../orm/meta.ts'
import { type Operation, qualify } from './operations/base.ts'
import { AddField, AlterField, narrowing, RemoveField, RenameField } from './operations/fields.ts'
import { AddConstraint, AddIndex, RemoveConstraint, RemoveIndex } from './operations/indexes.ts'
import {
  AlterModelTable,
  CreateModel,
  createModelCode,
  DeleteModel,
  RenameModel,
} from './operations/models.ts'
import {
  type Footprint,
  fieldMentioned,
  footprint,
  overlaps,
  referencesModel,
} from './optimizer-footprint.ts'
import { type ModelState, modelKey, ProjectState } from './state.ts'

/** Options of {@link optimize}. */
export interface OptimizeOptions {
  /**
   * The project state before the first operation (default: empty). Operations on models it
   * does not know are left where they are.
   */
  state?: ProjectState
}

/**
 * A shorter list of operations with the same effect as `operations` (of a migration of
 * `module`).
 *
 * @example
 * optimize([op.createModel({ name: 'Product', fields: { id: field.autoId() } }),
 *           op.addField({ model: 'Product', name: 'stock', field: field.integer({ default: 0 }) })], 'app')
 * // → [op.createModel({ name: 'Product', fields: { id: …, stock: … } })]
 */
export function optimize(
  operations: readonly Operation[],
  module: string,
  options: OptimizeOptions = {},
): Operation[] {
  let current = [...operations]
  for (;;) {
    const next = pass(current, module, options.state ?? new ProjectState())
    if (next === undefined) return current
    current = next
  }
}

/** The state before each operation (undefined from the first one that does not replay). */
function statesBefore(
  ops: readonly Operation[],
  module: string,
  start: ProjectState,
): (ProjectState | undefined)[] {
  const state = start.clone()
  let broken = false
  return ops.map((op) => {
    if (broken) return undefined
    const before = state.clone()
    try {
      op.applyState(state, module)
    } catch {
      broken = true
    }
    return before
  })
}

/** One replacement, or undefined when no rule applies anywhere. */
function pass(ops: readonly Operation[], module: string, start: ProjectState) {
  const befores = statesBefore(ops, module, start)
  const prints = ops.map((op, i) => footprint(op, module, befores[i]))
  for (let i = 0; i < ops.length; i++) {
    const before = befores[i]
    if (prints[i]!.barrier || before === undefined) continue
    let rightOk = true
    for (let j = i + 1; j < ops.length; j++) {
      if (prints[j]!.barrier) break
      const result = tryCombine(ops[i]!, ops[j]!, before, module)
      if (result !== undefined) {
        const between = ops.slice(i + 1, j)
        if (rightOk) return [...ops.slice(0, i), ...between, ...result, ...ops.slice(j + 1)]
        if (prints.slice(i + 1, j).every((p) => !conflict(p, prints[j]!)))
          return [...ops.slice(0, i), ...result, ...between, ...ops.slice(j + 1)]
      }
      if (conflict(prints[i]!, prints[j]!)) rightOk = false
    }
  }
  return undefined
}

/** Whether two operations may not swap places. */
export function conflict(a: Footprint, b: Footprint): boolean {
  if (a.barrier || b.barrier) return true
  const hits = (writes: readonly string[], other: Footprint) =>
    writes.some((w) => [...other.reads, ...other.writes].some((r) => overlaps(w, r)))
  return hits(a.writes, b) || hits(b.writes, a)
}

/** The state key of the model an operation works on. */
function target(op: Operation, module: string): string | undefined {
  const options = (op as { options?: { model?: string; name?: string; from?: string } }).options
  if (op instanceof CreateModel || op instanceof DeleteModel || op instanceof AlterModelTable)
    return qualify(op.options.name, module)
  if (op instanceof RenameModel) return qualify(op.options.from, module)
  return options?.model === undefined ? undefined : qualify(options.model, module)
}

/** Operations that only change one model and that a createModel can absorb. */
const ABSORBED = [
  AddField,
  RemoveField,
  AlterField,
  RenameField,
  AddIndex,
  RemoveIndex,
  AddConstraint,
  RemoveConstraint,
  AlterModelTable,
  RenameModel,
] as const

/** {@link combine}, treating a rule that trips over an odd state as "no rule applies". */
function tryCombine(a: Operation, b: Operation, before: ProjectState, module: string) {
  try {
    return combine(a, b, before, module)
  } catch {
    return undefined
  }
}

/**
 * The operations that replace `a` followed (later) by `b`, or undefined when no rule applies.
 * `before` is the state before `a`.
 */
function combine(
  a: Operation,
  b: Operation,
  before: ProjectState,
  module: string,
): Operation[] | undefined {
  const key = target(a, module)
  if (key === undefined) return undefined
  if (a instanceof RenameModel && b instanceof RenameModel) {
    // A → B, B → C is A → C; relations already aimed at B would follow the chain only.
    const owner = before.get(key).module
    const middle = modelKey(owner, a.options.to)
    if (qualify(b.options.from, module) !== middle || referencesModel(before, middle))
      return undefined
    if (modelKey(owner, b.options.to) === key) return []
    return [new RenameModel({ from: a.options.from, to: b.options.to })]
  }
  if (key !== target(b, module)) return undefined
  if (a instanceof CreateModel) {
    // A new table holds no rows until something inserts them, and inserting takes a runSql or
    // runCode, which nothing crosses: so folding drops `fill` values, which only rows need.
    if (b instanceof DeleteModel) return []
    if (!ABSORBED.some((type) => b instanceof type)) return undefined
    // A rename retargets every relation aimed at the model; one made before the createModel
    // would no longer be retargeted once the rename is folded in.
    if (b instanceof RenameModel && referencesModel(before, key)) return undefined
    return absorb(a, b, module)
  }
  if (b instanceof DeleteModel) {
    // Whatever happened to a model's fields and indexes ends with its table dropped.
    const own = ABSORBED.filter((type) => type !== RenameModel)
    return own.some((type) => a instanceof type) ? [b] : undefined
  }
  if (a instanceof AddField) return addFieldThen(a, b, before.get(key))
  if (a instanceof AlterField) {
    if (b instanceof RemoveField && b.options.name === a.options.name) return [b]
    if (b instanceof AlterField && b.options.name === a.options.name)
      return alterTwice(a, b, before.get(key))
    return undefined
  }
  if (a instanceof RenameField && b instanceof RenameField && b.options.from === a.options.to) {
    // Entries already named like the middle name would be renamed by the chain only.
    if (fieldMentioned(before.get(key), a.options.to)) return undefined
    if (b.options.to === a.options.from) return []
    return [new RenameField({ ...a.options, to: b.options.to })]
  }
  if (a instanceof AddIndex && b instanceof RemoveIndex)
    return a.options.index.name === b.options.name ? [] : undefined
  if (a instanceof AddConstraint && b instanceof RemoveConstraint)
    return a.options.constraint.name === b.options.name ? [] : undefined
  return undefined
}

/** `a` (a createModel) with `b` folded in, computed on a scratch state so it is exact. */
function absorb(a: CreateModel, b: Operation, module: string): Operation[] | undefined {
  const scratch = new ProjectState()
  a.applyState(scratch, module)
  b.applyState(scratch, module)
  const model = scratch.models()[0]!
  // CREATE TABLE with an index on a column it no longer has would fail.
  if (b instanceof RemoveField && fieldMentioned(model, b.options.name)) return undefined
  return [createModelOf(model, module)]
}

/** The createModel that creates `model` as it is (in a migration of `module`). */
export function createModelOf(model: ModelState, module: string): CreateModel {
  return new CreateModel({
    name: model.module === module ? model.name : modelKey(model.module, model.name),
    fields: Object.fromEntries(model.fields),
    ...(model.table === snakeCase(model.name) ? {} : { table: model.table }),
    ...(model.indexes.length > 0 ? { indexes: [...model.indexes] } : {}),
    ...(model.constraints.length > 0 ? { constraints: [...model.constraints] } : {}),
  })
}

/** addField followed by a change of the same field. `model` is the model before the addField. */
function addFieldThen(a: AddField, b: Operation, model: ModelState): Operation[] | undefined {
  const name = a.options.name
  if (b instanceof RemoveField && b.options.name === name) return []
  if (b instanceof RenameField && b.options.from === name) {
    // The rename would also rename stray mentions of the name already in the model.
    if (fieldMentioned(model, name)) return undefined
    return [new AddField({ ...a.options, name: b.options.to })]
  }
  if (b instanceof AlterField && b.options.name === name) {
    const fill = foldedFill(a, b)
    if (fill === undefined) return undefined
    return [new AddField({ model: a.options.model, name, field: b.options.field, ...fill })]
  }
  return undefined
}

/**
 * The `fill` of an addField and a later alterField of the same field folded into one addField,
 * so that rows already in the table end with the value they would have had; undefined when that
 * cannot be said for sure (the value changes type, or nullability changes with a value in play:
 * the schema editor uses `fill` only for NOT NULL columns).
 */
function foldedFill(add: AddField, alter: AlterField): { fill?: unknown } | undefined {
  const spec = add.options.field.spec
  const next = alter.options.field.spec
  const value =
    'fill' in add.options ? add.options.fill : spec.hasDefault ? spec.default : undefined
  if (typeof value === 'function') return undefined
  if (value === undefined || value === null) {
    // Rows got NULL; the alterField fills them when it makes the column NOT NULL.
    if (!next.null && 'fill' in alter.options) return { fill: alter.options.fill }
    // addField would fill rows with the new default; they stayed NULL.
    return next.null && next.hasDefault ? { fill: null } : {}
  }
  if (spec.null !== next.null || spec.kind !== next.kind) return undefined
  if (spec.kind === 'decimal' && spec.decimalPlaces !== next.decimalPlaces) return undefined
  return { fill: value }
}

/**
 * Two alterFields of one field as one, when the result is sure to be the same: the first change
 * loses no values, the type changes at most once, and values the first `fill` put in stay.
 */
function alterTwice(first: AlterField, second: AlterField, model: ModelState) {
  const old = model.fields.get(first.options.name)?.spec
  if (old === undefined) return undefined
  const mid = first.options.field.spec
  const last = second.options.field.spec
  // `fill: null` leaves out "NOT NULL without fill", which refuses rather than loses data.
  if (narrowing(old, mid, { fill: null }) !== undefined) return undefined
  if (mid.kind !== old.kind && mid.kind !== last.kind) return undefined
  let fill: { fill?: unknown } = {}
  if (old.null && !mid.null && 'fill' in first.options) {
    if (last.null || mid.kind !== last.kind) return undefined
    fill = { fill: first.options.fill }
  }
  return [new AlterField({ ...second.options, ...fill })]
}

/**
 * The project state as text, for comparing two states: every model as the createModel that
 * would create it, by key. Model order is left out (it follows the order models were created in
 * and means nothing to the database).
 */
export function canonicalState(state: ProjectState): string {
  return state
    .models()
    .map((m) => `${modelKey(m.module, m.name)}\n${createModelCode(m, '')}`)
    .sort()
    .join('\n')
}
