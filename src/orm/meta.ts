/**
 * Resolved model metadata: table and column names, the primary key, relations in both directions,
 * ordering, indexes and constraints. Everything the compiler, schemas and migrations need, checked
 * once when the model is defined (names, options) and when it is first used (relation targets).
 */
import { OrmConfigError } from './errors.ts'
import { type FieldMap, type FieldSpec, isRelation, type ModelRef } from './fields.ts'
import type { AnyModel } from './model.ts'
import { moduleOf, registryOf } from './registry.ts'
import type { WhereOf, WritableKey } from './types.ts'

/**
 * An index: `{ fields: ['category', '-price'] }`, optionally unique or partial (`where`).
 *
 * @example
 * { fields: ['slug'], unique: true, where: { status: 'published', deletedAt: lookup.isnull() } }
 */
export interface IndexSpec<F extends FieldMap = FieldMap> {
  fields: ReadonlyArray<WritableKey<F> | `-${WritableKey<F>}` | keyof F>
  name?: string
  unique?: boolean
  /**
   * A partial index, written as a filter on this model's own columns (values and `lookup.*()`, as
   * in `filter()`). PostgreSQL and SQLite; ignored on MySQL, which has none.
   */
  where?: WhereOf<F>
}

/**
 * A table constraint. A check is written as a filter on this model's own columns, with the same
 * `lookup.*()` functions as queries.
 *
 * @example
 * { type: 'check', name: 'product_price_positive', check: { price: lookup.gt('0') } }
 */
export type ConstraintSpec<F extends FieldMap = FieldMap> =
  | { type: 'unique'; fields: ReadonlyArray<WritableKey<F> | keyof F>; name?: string }
  | { type: 'check'; name: string; check: WhereOf<F> }

/** An issue found by a model-level `validate` rule: a message, optionally tied to a field. */
export interface ModelIssue {
  field?: string
  message: string
}

/** Functions run around writes. `instance` is the model instance being written. */
export interface ModelHooks {
  beforeSave?: (instance: any, info: { created: boolean }) => void | Promise<void>
  afterSave?: (instance: any, info: { created: boolean }) => void | Promise<void>
  beforeDelete?: (instance: any) => void | Promise<void>
  afterDelete?: (instance: any) => void | Promise<void>
}

/** Options of `defineModel`. */
export interface ModelOptions<F extends FieldMap = FieldMap> {
  /** Table name; defaults to the model name in snake_case (`OrderItem` → `order_item`). */
  table?: string
  /** Default ordering of query sets: field names, `-name` for descending. */
  ordering?: ReadonlyArray<string>
  indexes?: ReadonlyArray<IndexSpec<F>>
  constraints?: ReadonlyArray<ConstraintSpec<F>>
  /** Shorthand for unique constraints over several fields. */
  uniqueTogether?: ReadonlyArray<ReadonlyArray<WritableKey<F> | keyof F>>
  verboseName?: string
  verboseNamePlural?: string
  /** Model-level validation run by `validate()`/`save()`, after field checks pass. */
  validate?: (row: any) => ModelIssue[] | undefined
  hooks?: ModelHooks
  /** The module (app) the model belongs to; migrations group models by it. Default `'app'`. */
  module?: string
  /**
   * Register the model here instead of the process-wide registry. Reverse relations and string
   * references only see models of the same registry. Migrations use this for historical models;
   * tests may use it to keep throw-away models apart.
   */
  registry?: AnyModel[]
}

/** One field of a model, resolved. */
export interface FieldInfo {
  /** Field name in the definition (`category`). */
  readonly name: string
  /** Property on rows: the name, or `<name>Id` for foreign keys. */
  readonly attr: string
  /** Column name, or undefined for many-to-many. */
  readonly column: string | undefined
  readonly spec: FieldSpec
  readonly model: AnyModel
}

/** A relation seen from one side. */
export interface RelationInfo {
  readonly name: string
  readonly kind: 'forward' | 'reverse' | 'many'
  /** The model on the other side. */
  readonly target: AnyModel
  /** forward: this model's FK field. reverse: the child's FK field. many: the m2m field (on either side). */
  readonly field: FieldInfo
  /** reverse one-to-one yields one row, reverse FK many rows. */
  readonly single: boolean
  /** many: the join table and its two columns (this side, other side). */
  readonly join?: { table: string; source: string; target: string; through?: AnyModel }
}

export interface ModelMeta {
  readonly name: string
  readonly module: string
  readonly table: string
  readonly pk: FieldInfo
  /** All fields by definition name (many-to-many included). */
  readonly fields: ReadonlyMap<string, FieldInfo>
  /** Fields with a column, by row property (`categoryId` for the `category` foreign key). */
  readonly byAttr: ReadonlyMap<string, FieldInfo>
  /** Fields with a column, in definition order. */
  readonly columns: readonly FieldInfo[]
  readonly ordering: readonly string[]
  readonly indexes: readonly IndexSpec[]
  readonly constraints: readonly ConstraintSpec[]
  readonly verboseName: string
  readonly verboseNamePlural: string
  readonly validate: ModelOptions['validate']
  readonly hooks: Required<{ [K in keyof ModelHooks]: Array<NonNullable<ModelHooks[K]>> }>
  /** A relation by name (forward FK, many-to-many either side, or reverse FK), resolved on demand. */
  relation(name: string): RelationInfo | undefined
  /** Every relation, resolved. */
  relations(): RelationInfo[]
}

const RESERVED = new Set([
  'save',
  'delete',
  'refresh',
  'validate',
  'toJSON',
  'load',
  'related',
  'constructor',
  '__proto__',
  'prototype',
  'pk',
])
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/

const snakeCases = new Map<string, string>()

/** `OrderItem` → `order_item`, `createdAt` → `created_at`. */
export function snakeCase(name: string): string {
  let out = snakeCases.get(name)
  if (out === undefined) {
    out = name
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
      .toLowerCase()
    // Names come from model definitions (a bounded set), and migrations rebuild the same models
    // again and again: remember them.
    if (snakeCases.size < 10_000) snakeCases.set(name, out)
  }
  return out
}

function words(name: string): string {
  return snakeCase(name).replace(/_/g, ' ')
}

const valueFields = new WeakMap<FieldInfo, FieldInfo>()

/**
 * The field whose type a field's values have: the field itself, or for a foreign key the key it
 * points at (the target's primary key or `toField`, followed through chains of keys). Values of a
 * foreign key are checked, encoded and decoded as that field's: a key to a `bigAutoId` reads as a
 * bigint, a key to an integer refuses `'1 OR 1=1'` instead of letting the database coerce it.
 *
 * @example
 * valueField(Product.meta.fields.get('category')!) // Category's `id` field
 */
export function valueField(info: FieldInfo): FieldInfo {
  if (info.spec.target === undefined || !isRelation(info.spec)) return info
  let found = valueFields.get(info)
  if (found === undefined) {
    const target = resolveRef(info.spec.target, info.model)
    const to = info.spec.toField ? target.meta.fields.get(info.spec.toField) : target.meta.pk
    found = to === undefined || to === info ? info : valueField(to)
    valueFields.set(info, found)
  }
  return found
}

/**
 * Resolve `() => Model`, a model, `'self'`, or a name: `'Category'` (a model of any module) or
 * `'shop.Category'` (module and name), looked up in the registry of `self`.
 */
export function resolveRef(ref: ModelRef, self: AnyModel): AnyModel {
  if (ref === 'self') return self
  if (typeof ref === 'string') return resolveName(ref, self)
  const model = typeof ref === 'function' ? (ref as () => AnyModel)() : ref
  if (model === undefined || model === null || typeof model !== 'object' || !('fields' in model)) {
    throw new OrmConfigError(
      `A relation on ${self.name} points at something that is not a model. If the target is defined later in the file, pass a function: field.foreignKey(() => Target, …).`,
      'PLINTH_ORM_MODEL_INVALID',
    )
  }
  return model
}

function resolveName(ref: string, self: AnyModel): AnyModel {
  const dot = ref.lastIndexOf('.')
  const module = dot === -1 ? undefined : ref.slice(0, dot)
  const name = dot === -1 ? ref : ref.slice(dot + 1)
  const found = registryOf(self).filter(
    (m) => m.name === name && (module === undefined || moduleOf(m) === module),
  )
  if (found.length === 1) return found[0]!
  throw new OrmConfigError(
    found.length === 0
      ? `A relation on ${self.name} points at "${ref}", but no model of that name is defined; check the spelling, or import the module that defines it before the first query.`
      : `A relation on ${self.name} points at "${ref}", which names models of several modules; write "module.${name}".`,
    'PLINTH_ORM_MODEL_INVALID',
  )
}

function invalid(model: string, message: string): never {
  throw new OrmConfigError(`Model ${model}: ${message}`, 'PLINTH_ORM_MODEL_INVALID')
}

/** Build (and validate) a model's metadata. */
export function buildMeta(
  model: AnyModel,
  options: ModelOptions,
  mode: { resolveRelations: boolean } = { resolveRelations: true },
): ModelMeta {
  const fields = new Map<string, FieldInfo>()
  const byAttr = new Map<string, FieldInfo>()
  const columns: FieldInfo[] = []
  const columnNames = new Set<string>()
  let pk: FieldInfo | undefined
  for (const [name, f] of Object.entries(model.fields)) {
    if (!IDENTIFIER.test(name))
      invalid(model.name, `field name "${name}" must be a plain identifier.`)
    if (RESERVED.has(name))
      invalid(model.name, `"${name}" is reserved for instance methods; rename the field.`)
    const spec = f.spec
    const relationField = isRelation(spec)
    const attr = relationField ? `${name}Id` : name
    const column =
      spec.kind === 'manyToMany'
        ? undefined
        : (spec.column ?? (relationField ? `${snakeCase(name)}_id` : snakeCase(name)))
    if (column !== undefined) {
      if (columnNames.has(column)) invalid(model.name, `two fields use the column "${column}".`)
      columnNames.add(column)
    }
    if (
      spec.kind === 'string' &&
      !(Number.isInteger(spec.maxLength) && (spec.maxLength ?? 0) > 0)
    ) {
      invalid(model.name, `field "${name}" needs a positive integer maxLength.`)
    }
    if (spec.kind === 'decimal') {
      const { maxDigits = 0, decimalPlaces = -1 } = spec
      if (
        !(
          Number.isInteger(maxDigits) &&
          maxDigits > 0 &&
          Number.isInteger(decimalPlaces) &&
          decimalPlaces >= 0 &&
          decimalPlaces <= maxDigits
        )
      ) {
        invalid(
          model.name,
          `field "${name}" needs integer maxDigits > 0 and 0 <= decimalPlaces <= maxDigits.`,
        )
      }
    }
    if (relationField && spec.onDelete === 'setNull' && !spec.null) {
      invalid(
        model.name,
        `field "${name}" has onDelete: 'setNull' but is not nullable; add null: true.`,
      )
    }
    if (relationField && spec.onDelete === 'setDefault' && !spec.hasDefault) {
      invalid(model.name, `field "${name}" has onDelete: 'setDefault' but no default.`)
    }
    const info: FieldInfo = { name, attr, column, spec, model }
    fields.set(name, info)
    if (column !== undefined) {
      if (byAttr.has(attr)) invalid(model.name, `property "${attr}" is defined twice.`)
      byAttr.set(attr, info)
      columns.push(info)
    }
    if (spec.primaryKey) {
      if (pk) invalid(model.name, `has two primary keys ("${pk.name}" and "${name}").`)
      if (spec.null) invalid(model.name, `primary key "${name}" cannot be nullable.`)
      pk = info
    }
  }
  if (!pk) invalid(model.name, 'has no primary key.')
  const known = (key: string) => byAttr.has(key) || fields.has(key)
  const ordering = options.ordering ?? []
  for (const key of ordering) {
    const bare = key.startsWith('-') ? key.slice(1) : key
    if (!known(bare.split('.')[0]!)) invalid(model.name, `ordering names unknown field "${bare}".`)
  }
  const constraints: ConstraintSpec[] = [
    ...(options.constraints ?? []),
    ...(options.uniqueTogether ?? []).map((group) => ({ type: 'unique' as const, fields: group })),
  ]
  for (const c of constraints) {
    if (c.type === 'unique') {
      for (const key of c.fields)
        if (!known(String(key)))
          invalid(model.name, `unique constraint names unknown field "${String(key)}".`)
    } else if (!c.name || !IDENTIFIER.test(c.name))
      invalid(model.name, 'a check constraint needs a name made of letters, digits and _.')
  }
  for (const index of options.indexes ?? []) {
    if (index.fields.length === 0) invalid(model.name, 'an index needs at least one field.')
    for (const key of index.fields) {
      const bare = String(key).replace(/^-/, '')
      if (!known(bare)) invalid(model.name, `index names unknown field "${bare}".`)
    }
  }
  const hooks = {
    beforeSave: options.hooks?.beforeSave ? [options.hooks.beforeSave] : [],
    afterSave: options.hooks?.afterSave ? [options.hooks.afterSave] : [],
    beforeDelete: options.hooks?.beforeDelete ? [options.hooks.beforeDelete] : [],
    afterDelete: options.hooks?.afterDelete ? [options.hooks.afterDelete] : [],
  }
  let resolved: Map<string, RelationInfo> | undefined
  const meta: ModelMeta = {
    name: model.name,
    module: options.module ?? 'app',
    table: options.table ?? snakeCase(model.name),
    pk: pk!,
    fields,
    byAttr,
    columns,
    ordering,
    indexes: options.indexes ?? [],
    constraints,
    verboseName: options.verboseName ?? words(model.name),
    verboseNamePlural: options.verboseNamePlural ?? `${options.verboseName ?? words(model.name)}s`,
    validate: options.validate,
    hooks,
    relation(name) {
      resolved ??= resolveRelations(model, meta)
      return resolved.get(name)
    },
    relations() {
      resolved ??= resolveRelations(model, meta)
      return [...resolved.values()]
    },
  }
  if (mode.resolveRelations) {
    // Forward targets must exist by first use; reverse ones are found lazily.
    for (const info of fields.values()) if (info.spec.target) resolveRef(info.spec.target, model)
  }
  return meta
}

function joinInfo(
  owner: AnyModel,
  info: FieldInfo,
  target: AnyModel,
): NonNullable<RelationInfo['join']> {
  if (info.spec.through) {
    const through = resolveRef(info.spec.through, owner)
    const [sourceName, targetName] =
      info.spec.throughFields ??
      (() => {
        const fks = [...through.meta.fields.values()].filter((f) => isRelation(f.spec))
        const source = fks.find((f) => resolveRef(f.spec.target!, through) === owner)
        const other = fks.find(
          (f) => f !== source && resolveRef(f.spec.target!, through) === target,
        )
        if (!source || !other)
          invalid(
            owner.name,
            `cannot tell which foreign keys of ${through.name} to use for "${info.name}"; set throughFields.`,
          )
        return [source.name, other.name] as const
      })()
    const source = through.meta.fields.get(sourceName)
    const other = through.meta.fields.get(targetName)
    if (!source?.column || !other?.column)
      invalid(
        owner.name,
        `throughFields of "${info.name}" must name two foreign keys of ${through.name}.`,
      )
    return { table: through.meta.table, source: source.column, target: other.column, through }
  }
  const ownerCol = snakeCase(owner.name)
  const targetCol = snakeCase(target.name)
  const self = owner === target
  return {
    table: `${owner.meta.table}_${snakeCase(info.name)}`,
    source: `${self ? 'from_' : ''}${ownerCol}_id`,
    target: `${self ? 'to_' : ''}${targetCol}_id`,
  }
}

function resolveRelations(model: AnyModel, meta: ModelMeta): Map<string, RelationInfo> {
  const out = new Map<string, RelationInfo>()
  for (const info of meta.fields.values()) {
    if (isRelation(info.spec)) {
      out.set(info.name, {
        name: info.name,
        kind: 'forward',
        target: resolveRef(info.spec.target!, model),
        field: info,
        single: true,
      })
    } else if (info.spec.kind === 'manyToMany') {
      const target = resolveRef(info.spec.target!, model)
      out.set(info.name, {
        name: info.name,
        kind: 'many',
        target,
        field: info,
        single: false,
        join: joinInfo(model, info, target),
      })
    }
  }
  for (const other of registryOf(model)) {
    for (const info of Object.entries(other.fields).map(([n]) => other.meta.fields.get(n)!)) {
      if (!info.spec.target) continue
      let target: AnyModel
      try {
        target = resolveRef(info.spec.target, other)
      } catch {
        continue
      }
      if (target !== model) continue
      const camel = other.name[0]!.toLowerCase() + other.name.slice(1)
      if (info.spec.kind === 'manyToMany') {
        const name = info.spec.relatedName ?? `${camel}Set`
        if (out.has(name) && other === model) continue
        const join = joinInfo(other, info, model)
        out.set(name, {
          name,
          kind: 'many',
          target: other,
          field: info,
          single: false,
          join: {
            table: join.table,
            source: join.target,
            target: join.source,
            through: join.through,
          },
        })
      } else {
        const single = info.spec.kind === 'oneToOne'
        const name = info.spec.relatedName ?? (single ? camel : `${camel}Set`)
        if (out.has(name) && out.get(name)!.field !== info) {
          invalid(model.name, `two relations are called "${name}"; give one a relatedName.`)
        }
        out.set(name, { name, kind: 'reverse', target: other, field: info, single })
      }
    }
  }
  for (const name of out.keys()) {
    if (meta.byAttr.has(name) && !meta.fields.get(name)?.spec.target) {
      invalid(
        model.name,
        `the reverse relation "${name}" clashes with a field; set relatedName on the other side.`,
      )
    }
  }
  return out
}
