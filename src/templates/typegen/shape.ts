/**
 * Shapes: what a template needs of a value, inferred from how it uses it (`x.a.b`, `for p in x`,
 * `x|join`, `x[0]`, `x()`), for typed template contexts.
 *
 * A shape is a set of constraints, never a concrete type: every leaf is `unknown`, so any value
 * with the right names and structure fits (an ORM row, a DTO, a class instance). Shapes are
 * mutable trees; uses add constraints to the node of the value they touch, and `mergeShape`
 * copies constraints from one tree into another (never sharing nodes, so no cycles can form).
 */

/** A property of a shape, or a variable of a template context. */
export interface Slot {
  shape: Shape
  /** Guarded with `|default` or `is defined`: the caller may leave it out. */
  optional: boolean
}

/** The constraints on one value. No constraint at all means `unknown`. */
export interface Shape {
  /** Attributes read (`x.name`, `x['name']`). */
  props: Map<string, Slot>
  /** The shape of items, for `for … in x`, `x[0]`, `x|first`. */
  element: Shape | undefined
  /** Looped over or given to a sequence filter (`join`, `sort`, `first`, …). */
  iterable: boolean
  /** Read by position (`x[0]`, `x.0`, `x[1:]`). */
  indexable: boolean
  /** Given to `length`/`count`: a string, a collection or a dict. */
  sized: boolean
  /** Used as a dict (`x.items()`, `x|dictsort`). */
  mapping: boolean
  /** Called (`x()`). */
  callable: boolean
  /** Tested for truth or `none` before use: the caller may pass `null`/`undefined`. */
  nullable: boolean
}

/** A variable name → what the template needs of it. */
export type ContextShape = Map<string, Slot>

/** A shape with no constraints yet (`unknown`). */
export function newShape(): Shape {
  return {
    props: new Map(),
    element: undefined,
    iterable: false,
    indexable: false,
    sized: false,
    mapping: false,
    callable: false,
    nullable: false,
  }
}

/** The slot of property `name` of `shape`, made on first use. */
export function propOf(shape: Shape, name: string): Slot {
  let slot = shape.props.get(name)
  if (slot === undefined) {
    slot = { shape: newShape(), optional: false }
    shape.props.set(name, slot)
  }
  return slot
}

/** The shape of the items of `shape`, made on first use. */
export function elementOf(shape: Shape): Shape {
  shape.element ??= newShape()
  return shape.element
}

/** Does the shape say anything beyond `unknown`? */
export function isConstrained(shape: Shape): boolean {
  return (
    shape.props.size > 0 ||
    shape.iterable ||
    shape.indexable ||
    shape.sized ||
    shape.mapping ||
    shape.callable
  )
}

/** A bound on merging depth, as a second guard against runaway copies. */
const MAX_DEPTH = 12

/** Is `target` `shape` or one of its descendants? */
function reaches(shape: Shape, target: Shape, depth = 0): boolean {
  if (shape === target) return true
  if (depth > MAX_DEPTH) return false
  for (const slot of shape.props.values()) if (reaches(slot.shape, target, depth + 1)) return true
  return shape.element !== undefined && reaches(shape.element, target, depth + 1)
}

/**
 * Add every constraint of `from` to `into` (in place); `from` is not changed. Merging a shape into
 * its own descendant is skipped: a recursive macro (`{% macro tree(n) %}{{ tree(n.child) }}`)
 * would otherwise describe `n.child.child.…` forever.
 */
export function mergeShape(into: Shape, from: Shape, depth = 0): void {
  if (depth > MAX_DEPTH || (depth === 0 && reaches(from, into))) return
  into.iterable ||= from.iterable
  into.indexable ||= from.indexable
  into.sized ||= from.sized
  into.mapping ||= from.mapping
  into.callable ||= from.callable
  into.nullable ||= from.nullable
  // Snapshots: `from` may be a descendant of `into`, whose maps change while merging.
  for (const [name, slot] of [...from.props]) mergeSlot(into, name, slot, depth + 1)
  const element = from.element
  if (element !== undefined) mergeShape(elementOf(into), element, depth + 1)
}

/** Merge `slot` into property `name` of `into`: optional when any use is guarded. */
function mergeSlot(into: Shape, name: string, slot: Slot, depth: number): void {
  const target = propOf(into, name)
  target.optional ||= slot.optional
  mergeShape(target.shape, slot.shape, depth)
}

/** Merge context `from` into `into` (in place); a variable optional in either stays optional. */
export function mergeContext(into: ContextShape, from: ContextShape): void {
  for (const [name, slot] of from) {
    let target = into.get(name)
    if (target === undefined) {
      target = { shape: newShape(), optional: slot.optional }
      into.set(name, target)
    } else target.optional ||= slot.optional
    mergeShape(target.shape, slot.shape)
  }
}

/** A deep copy of a context. */
export function copyContext(context: ContextShape): ContextShape {
  const out: ContextShape = new Map()
  mergeContext(out, context)
  return out
}
