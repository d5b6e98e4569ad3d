/**
 * Which statement head (see `run.ts`) a query set derived from another one uses.
 *
 * A head caches the part of a query's SQL that its filters do not change, so it must be shared
 * only by query sets whose non-filter state (`stateShape` in `run.ts`) is the same. Two rules keep
 * that true while letting query sets made alike on every call (`Product.objects.values('id')`
 * per request, `.using(db)`, `.first()`) reuse their statements instead of recomputing them:
 *
 * - a change to state that is not part of a head keeps the head;
 * - any other change gets a head derived from the parent's and named by the change, where the
 *   name must determine the new values completely. Parents sharing a head have the same
 *   non-filter state, so the same change applied to them gives the same state again.
 *
 * A change without a name (annotations, whose values are expressions) gets a fresh head.
 */
import type { QueryState } from './state.ts'

/**
 * State that is not part of a head: filters, the limit and offset (the filter shape records
 * them), the database (heads keep statements per dialect) and prefetches (separate queries).
 */
const HEAD_NEUTRAL = new Set<string>(['where', 'limit', 'offset', 'db', 'prefetch'])
/** Most derived heads kept per head: orderings chosen per request must not grow it forever. */
const MAX_DERIVED_HEADS = 64
const derivedHeads = new WeakMap<object, Map<string, object>>()

/**
 * The head for a query set made from one with head `parent` by `changes`, named `change` when
 * the name determines the changed values; `undefined` means a fresh head.
 */
export function headAfter(
  parent: object,
  changes: Partial<QueryState>,
  change: string | undefined,
): object | undefined {
  let neutral = true
  for (const key in changes) if (!HEAD_NEUTRAL.has(key)) neutral = false
  if (neutral) return parent
  if (change === undefined) return undefined
  let heads = derivedHeads.get(parent)
  if (heads === undefined) {
    heads = new Map()
    derivedHeads.set(parent, heads)
  }
  let head = heads.get(change)
  if (head === undefined) {
    if (heads.size >= MAX_DERIVED_HEADS) heads.clear()
    head = {}
    heads.set(change, head)
  }
  return head
}
