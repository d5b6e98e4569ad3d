/**
 * Whether two project states are the same for migrations, and if not, where they differ.
 *
 * The autodetector checks its own work with it: after emitting its operations, the state they
 * build must equal today's models. Field order is ignored (a field added later sits last in the
 * state but wherever the model defines it), as are index and constraint order.
 */
import { type ModelState, modelKey, type ProjectState } from '../state.ts'
import { constraintSignature, fieldSignature, indexSignature } from './compare.ts'

function modelDifferences(a: ModelState, b: ModelState): string[] {
  const key = modelKey(a.module, a.name)
  const out: string[] = []
  if (a.table !== b.table) out.push(`${key}: table ${a.table} ≠ ${b.table}`)
  const names = new Set([...a.fields.keys(), ...b.fields.keys()])
  for (const name of names) {
    const x = a.fields.get(name)
    const y = b.fields.get(name)
    if (x === undefined || y === undefined) out.push(`${key}.${name}: only on one side`)
    else if (fieldSignature(a, x) !== fieldSignature(b, y)) out.push(`${key}.${name}: differs`)
  }
  const indexes = (m: ModelState) => m.indexes.map(indexSignature).sort().join('\n')
  if (indexes(a) !== indexes(b)) out.push(`${key}: indexes differ`)
  const constraints = (m: ModelState) => m.constraints.map(constraintSignature).sort().join('\n')
  if (constraints(a) !== constraints(b)) out.push(`${key}: constraints differ`)
  return out
}

/**
 * Differences between `a` and `b`, one line each; empty when they are the same.
 *
 * @example
 * stateDifferences(replay(migrations), ProjectState.fromModels(models)) // []
 */
export function stateDifferences(a: ProjectState, b: ProjectState): string[] {
  const out: string[] = []
  for (const model of a.models()) {
    const key = modelKey(model.module, model.name)
    if (!b.has(key)) out.push(`${key}: only in the first state`)
    else out.push(...modelDifferences(model, b.get(key)))
  }
  for (const model of b.models()) {
    const key = modelKey(model.module, model.name)
    if (!a.has(key)) out.push(`${key}: only in the second state`)
  }
  return out
}
