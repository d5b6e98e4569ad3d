/**
 * Canonical texts the autodetector compares: two fields, indexes or constraints are the same for
 * migrations exactly when their texts are equal. Built on `fieldKey` and `toCode`, so "the same"
 * means "would be written the same way in a migration file", plus two normalizations the file
 * text does not make: a relation to the model itself is `'self'` however it was written, and
 * object keys of index/constraint definitions are ordered.
 */
import type { AnyField, FieldSpec } from '../../orm/fields.ts'
import { toCode } from '../code.ts'
import { deconstruct, type FieldCall, fieldCode } from '../deconstruct.ts'
import { type ConstraintState, type IndexState, type ModelState, modelKey } from '../state.ts'

const PK_BUILDERS = new Set(['autoId', 'bigAutoId', 'uuidId'])

function ownCall(model: ModelState, f: AnyField): FieldCall {
  const call = deconstruct(f.spec, model.module)
  const own = modelKey(model.module, model.name)
  if (call.target !== own && call.options.through !== own) return call
  const options = { ...call.options }
  if (options.through === own) options.through = 'self'
  return { ...call, target: call.target === own ? 'self' : call.target, options }
}

/** Canonical text of a field of `model` (equal texts: nothing to migrate). */
export function fieldSignature(model: ModelState, f: AnyField): string {
  return fieldCode(ownCall(model, f), '\0')
}

/** The field's text without its column: a removed and an added field alike but for the name. */
export function renameSignature(model: ModelState, f: AnyField): string {
  const call = ownCall(model, f)
  const { column: _column, ...options } = call.options
  return fieldCode({ ...call, options }, '\0')
}

/** A model's fields as one text, for spotting a renamed model (same fields, new name). */
export function modelSignature(model: ModelState): string {
  return [...model.fields]
    .map(([name, f]) => `${name}=${fieldSignature(model, f)}`)
    .sort()
    .join('\n')
}

/** Models a field needs to exist (`module.Name`): its target and through model, not itself. */
export function fieldReferences(model: ModelState, f: AnyField): string[] {
  const call = deconstruct(f.spec, model.module)
  const own = modelKey(model.module, model.name)
  const out: string[] = []
  for (const ref of [call.target, call.options.through]) {
    if (typeof ref === 'string' && ref !== 'self' && ref !== own && !out.includes(ref))
      out.push(ref)
  }
  return out
}

/** True when a field change cannot be an ALTER (to or from many-to-many, or a new join table). */
export function needsReplace(model: ModelState, from: AnyField, to: AnyField): boolean {
  const many = (f: AnyField) => f.spec.kind === 'manyToMany'
  if (!many(from) && !many(to)) return false
  if (many(from) !== many(to)) return true
  const bare = (f: AnyField) => {
    const call = ownCall(model, f)
    const { relatedName: _relatedName, ...options } = call.options
    return fieldCode({ ...call, options }, '\0')
  }
  return bare(from) !== bare(to)
}

/** A literal default existing rows can take (not a function, not an auto timestamp). */
export function hasLiteralDefault(spec: FieldSpec): boolean {
  return (
    spec.hasDefault &&
    spec.default !== undefined &&
    typeof spec.default !== 'function' &&
    !spec.autoNow &&
    !spec.autoNowAdd
  )
}

/** Whether adding this field (or making it NOT NULL) needs a value for rows already there. */
export function needsFill(spec: FieldSpec): boolean {
  return (
    spec.kind !== 'manyToMany' &&
    !PK_BUILDERS.has(spec.kind) &&
    !spec.null &&
    !hasLiteralDefault(spec)
  )
}

function sorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  // Conditions (or/and/not) are plain objects marked by a symbol key: their order is kept.
  if (Object.getPrototypeOf(value) !== Object.prototype) return value
  if (Object.getOwnPropertySymbols(value).length > 0) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sorted(v)]),
  )
}

/** Canonical text of an index. */
export function indexSignature(index: IndexState): string {
  return toCode({
    name: index.name,
    fields: [...index.fields],
    unique: index.unique === true,
    where: index.where === undefined ? undefined : sorted(index.where),
  })
}

/** Canonical text of a constraint. */
export function constraintSignature(constraint: ConstraintState): string {
  return constraint.type === 'unique'
    ? toCode({ type: 'unique', name: constraint.name, fields: [...constraint.fields] })
    : toCode({ type: 'check', name: constraint.name, check: sorted(constraint.check) })
}

/** Does an index or constraint name one of `names` (in its fields or, textually, its filter)? */
export function mentions(
  fields: readonly string[],
  where: object | undefined,
  names: readonly string[],
): boolean {
  if (names.length === 0) return false
  if (fields.some((f) => names.includes(f.replace(/^-/, '')))) return true
  const text = where === undefined ? '' : toCode(where)
  return names.some((n) => new RegExp(`\\b${n}(Id)?\\b`).test(text))
}
