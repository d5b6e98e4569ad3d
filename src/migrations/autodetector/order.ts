/**
 * In which order new models are created and old ones dropped, so every statement finds what it
 * refers to: a table is created after the tables its foreign keys point at, and dropped before
 * them. Models that point at each other (A → B → A) cannot be ordered; one of them is created
 * without the fields that close the circle, which are added once the others exist (Django does
 * the same), and on the way out those fields are dropped first.
 */
import type { AnyField } from '../../orm/fields.ts'
import type { ProjectState } from '../state.ts'
import { fieldReferences } from './compare.ts'

/** One model to create and the fields left out of its `createModel` (added afterwards). */
export interface CreationStep {
  key: string
  deferred: string[]
}

/**
 * Order the models `keys` of `state` (all new) for creation. Models whose references are all
 * satisfied go first (in the given order); failing that, a model whose only unsatisfied
 * references are many-to-many fields; failing that (a circle of foreign keys), the first one,
 * with the fields pointing at models still to come deferred.
 *
 * @example
 * creationOrder(to, ['app.Product', 'app.Category']) // Category first, then Product
 */
export function creationOrder(state: ProjectState, keys: readonly string[]): CreationStep[] {
  const pending = [...keys]
  const out: CreationStep[] = []
  while (pending.length > 0) {
    const waiting = new Set(pending)
    const blockers = (key: string): Array<[string, AnyField]> => {
      const model = state.get(key)
      return [...model.fields].filter(([, f]) =>
        fieldReferences(model, f).some((ref) => waiting.has(ref)),
      )
    }
    const pick =
      pending.find((k) => blockers(k).length === 0) ??
      pending.find((k) => blockers(k).every(([, f]) => f.spec.kind === 'manyToMany')) ??
      pending[0]!
    out.push({ key: pick, deferred: blockers(pick).map(([name]) => name) })
    pending.splice(pending.indexOf(pick), 1)
  }
  return out
}

/** The next step in dropping the models `pending`: drop a model, or first drop some fields. */
export type DeletionStep = { drop: string } | { key: string; removeFields: string[] }

/**
 * What to drop next among `pending` (models of `state` that go away): a model no other pending
 * model points at, or, when they all point at each other, the fields of one model that point at
 * the others (dropping them breaks the circle).
 */
export function nextDeletion(state: ProjectState, pending: readonly string[]): DeletionStep {
  const outgoing = (key: string): string[] => {
    const model = state.get(key)
    return [...model.fields]
      .filter(([, f]) =>
        fieldReferences(model, f).some((ref) => ref !== key && pending.includes(ref)),
      )
      .map(([name]) => name)
  }
  const referenced = (key: string): boolean =>
    pending.some((other) => {
      if (other === key) return false
      const model = state.get(other)
      return [...model.fields.values()].some((f) => fieldReferences(model, f).includes(key))
    })
  const free = pending.find((key) => !referenced(key))
  if (free !== undefined) return { drop: free }
  const key = pending.find((k) => outgoing(k).length > 0)!
  return { key, removeFields: outgoing(key) }
}

/** `module.Name` → `[module, Name]`. */
export function splitKey(key: string): [string, string] {
  const dot = key.lastIndexOf('.')
  return [key.slice(0, dot), key.slice(dot + 1)]
}
