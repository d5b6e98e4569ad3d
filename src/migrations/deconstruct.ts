/**
 * Fields taken apart into the builder call that makes them (`field.string({ maxLength: 100 })`)
 * and put back together.
 *
 * Only what shapes the database, or how historical models behave in data migrations, is kept:
 * kind, null, unique, index, column, lengths and digits, enum values, literal defaults, auto
 * timestamps, relation settings, and `blank` (historical models validate what data migrations
 * write, and a field whose default is `''` needs it). Validators, help texts, labels, choices and
 * `editable` live only in today's models, so editing them never produces a migration. Options equal to the
 * builder's own default are left out, so files stay short and comparisons stable.
 */
import { type AnyField, type FieldSpec, field } from '../orm/fields.ts'
import { resolveRef } from '../orm/meta.ts'
import type { AnyModel } from '../orm/model.ts'
import { moduleOf } from '../orm/registry.ts'
import { isSerializable, keyCode, toCode } from './code.ts'
import { MigrationError } from './errors.ts'

/** A field as the builder call that makes it. `target`/`through` are `module.Model` or `'self'`. */
export interface FieldCall {
  readonly builder: string
  readonly target?: string
  readonly values?: readonly string[]
  readonly options: Readonly<Record<string, unknown>>
}

const PK_BUILDERS = new Set(['autoId', 'bigAutoId', 'uuidId'])
const DEFAULT_LENGTH: Partial<Record<string, number>> = { email: 254, url: 200, slug: 50 }

/** The qualified key of a model reference as seen from `module`: `'shop.Category'` or `'self'`. */
export function refKey(
  ref: FieldSpec['target'],
  module: string,
  owner: AnyModel | undefined,
): string {
  if (ref === undefined) throw new Error('relation without a target')
  if (ref === 'self') return 'self'
  if (typeof ref === 'string') return ref.includes('.') ? ref : `${module}.${ref}`
  const model = owner === undefined ? (ref as () => AnyModel)() : resolveRef(ref, owner)
  if (owner !== undefined && model === owner) return 'self'
  return `${moduleOf(model)}.${model.name}`
}

/**
 * Take a field apart. `module` qualifies bare model names; `owner` resolves model references of
 * today's models (historical fields already hold names).
 */
export function deconstruct(spec: FieldSpec, module: string, owner?: AnyModel): FieldCall {
  const builder = spec.kind
  if (PK_BUILDERS.has(builder)) return { builder, options: {} }
  const options: Record<string, unknown> = {}
  const relation = builder === 'foreignKey' || builder === 'oneToOne'
  if (builder === 'manyToMany') {
    if (spec.relatedName !== undefined) options.relatedName = spec.relatedName
    if (spec.through !== undefined) options.through = refKey(spec.through, module, owner)
    if (spec.throughFields !== undefined) options.throughFields = [...spec.throughFields]
    return { builder, target: refKey(spec.target, module, owner), options }
  }
  if (relation) options.onDelete = spec.onDelete
  if (
    builder === 'string' ||
    (DEFAULT_LENGTH[builder] !== undefined && spec.maxLength !== DEFAULT_LENGTH[builder])
  )
    options.maxLength = spec.maxLength
  if (builder === 'decimal') {
    options.maxDigits = spec.maxDigits
    options.decimalPlaces = spec.decimalPlaces
  }
  if (spec.primaryKey) options.primaryKey = true
  if (spec.null) options.null = true
  if (spec.unique && builder !== 'oneToOne') options.unique = true
  const indexByDefault = relation || builder === 'slug'
  if (spec.index !== indexByDefault) options.index = spec.index
  if (spec.column !== undefined) options.column = spec.column
  if (spec.blank) options.blank = true
  if (spec.autoNow) options.autoNow = true
  if (spec.autoNowAdd) options.autoNowAdd = true
  if (
    spec.hasDefault &&
    !spec.autoNow &&
    !spec.autoNowAdd &&
    typeof spec.default !== 'function' &&
    isSerializable(spec.default)
  ) {
    options.default = spec.default
  }
  if (relation) {
    if (spec.relatedName !== undefined) options.relatedName = spec.relatedName
    if (spec.toField !== undefined) options.toField = spec.toField
    if (spec.dbConstraint === false) options.dbConstraint = false
    return { builder, target: refKey(spec.target, module, owner), options }
  }
  if (builder === 'enum') return { builder, values: [...(spec.values ?? [])], options }
  return { builder, options }
}

/** The builder call as TypeScript: `field.foreignKey('Category', { onDelete: 'cascade' })`. */
export function fieldCode(call: FieldCall, module: string): string {
  const args: string[] = []
  const short = (key: string) => (key.startsWith(`${module}.`) ? key.slice(module.length + 1) : key)
  if (call.target !== undefined) args.push(toCode(short(call.target)))
  if (call.values !== undefined) args.push(toCode(call.values))
  const entries = Object.entries(call.options).map(([k, v]) => {
    const value = k === 'through' && typeof v === 'string' ? short(v) : v
    return `${keyCode(k)}: ${toCode(value)}`
  })
  if (entries.length > 0) args.push(`{ ${entries.join(', ')} }`)
  return `field.${call.builder}(${args.join(', ')})`
}

/** Canonical text of a field, for comparisons: equal texts mean the same column and behaviour. */
export function fieldKey(spec: FieldSpec, module: string, owner?: AnyModel): string {
  // Qualified names throughout, so 'Category' and 'app.Category' compare equal.
  return fieldCode(deconstruct(spec, module, owner), '\0')
}

/** Build the field a builder call describes (the inverse of `deconstruct`). */
export function construct(call: FieldCall): AnyField {
  const builders = field as unknown as Record<string, (...args: unknown[]) => AnyField>
  const build = builders[call.builder]
  if (build === undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_INVALID',
      `Unknown field builder "field.${call.builder}".`,
    )
  }
  if (PK_BUILDERS.has(call.builder)) return build()
  if (call.target !== undefined) return build(call.target, call.options)
  if (call.values !== undefined) return build(call.values, call.options)
  return build(call.options)
}

/** A copy of `f` as migrations keep it: no validators or labels, model references as names. */
export function normalizeField(f: AnyField, module: string, owner?: AnyModel): AnyField {
  return construct(deconstruct(f.spec, module, owner))
}
