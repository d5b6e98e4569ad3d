/**
 * Model instances: rows with `save`, `delete`, `refresh`, `validate` and `toJSON`.
 *
 * An instance remembers the values it was loaded with, so `save()` writes only the fields that
 * changed (and nothing at all when none did). Related rows are never fetched behind a property
 * read: they are there when the query asked for them (`selectRelated`, `prefetchRelated`), or
 * loaded explicitly with `await instance.load('category')`.
 */

import type { RawRow } from './connection/types.ts'
import { type Database, databaseFor } from './database.ts'
import { ModelValidationError, OrmError, QueryError } from './errors.ts'
import type { AnyModel } from './model.ts'
import type { ReadColumn } from './query/compile-select.ts'
import { initialState } from './query/state.ts'
import { type RelatedManager, related } from './relations.ts'
import type { ManyKeys, TargetOf } from './types.ts'
import { rowIssues } from './validate.ts'

const STATE: unique symbol = Symbol('plinth.orm.instance') as never

interface InstanceState {
  readonly model: AnyModel
  saved: boolean
  /**
   * Values as last read from or written to the database; undefined while they can still be
   * decoded from `raw` (rows are hydrated without a second copy of their values: most instances
   * are read and never saved).
   */
  original: Record<string, unknown> | undefined
  /** The row an instance was read from, and how to decode it. */
  raw?: { readonly row: RawRow; readonly columns: readonly ReadColumn[] } | undefined
  db: Database | undefined
}

/** Options of `save()`. */
export interface SaveOptions {
  /** Write only these fields (an UPDATE; ignored for inserts). */
  fields?: readonly string[]
  /** Run field and model validation first (default true). */
  validate?: boolean
  /** Force INSERT (`true`) or UPDATE (`false`) instead of deciding from how the instance was made. */
  insert?: boolean
  /** The database to write to. */
  using?: Database
}

/** Methods every model instance has. */
export interface InstanceMethods<M extends AnyModel = AnyModel> {
  /** Insert (a new instance) or update the changed fields (a loaded one). */
  save(options?: SaveOptions): Promise<void>
  /** Delete the row (database cascades apply). */
  delete(options?: { using?: Database }): Promise<void>
  /** Reload every field from the database. */
  refresh(options?: { using?: Database }): Promise<void>
  /** Throw `ModelValidationError` listing every problem, or return nothing. */
  validate(): void
  /**
   * Load a relation once (later calls reuse it): a forward key gives an instance or null, a reverse
   * key or many-to-many an array (`await category.load('products')`).
   */
  load<K extends string>(relation: K): Promise<unknown>
  /**
   * A query set over the rows of a reverse foreign key or many-to-many relation, with
   * `add`/`remove`/`set`/`clear`/`create` (see `RelatedManager`). Runs nothing by itself.
   * Many-to-many fields are typed from the model; name the target of a reverse relation yourself.
   *
   * @example
   * await product.related('tags').add(sale)
   * const cheap = await category.related<typeof Product>('products').filter({ price: lookup.lt('5') }).all()
   */
  related<K extends ManyKeys<M['fields']>>(relation: K): RelatedManager<TargetOf<M['fields'][K]>>
  related<T extends AnyModel = AnyModel>(relation: string): RelatedManager<T>
  /** Plain values (bigints as strings, bytes as base64) for JSON responses. */
  toJSON(): Record<string, unknown>
  /** Type-only link back to the model. */
  readonly $model?: M
}

/** A model instance: its row values plus the instance methods. */
export type Instance<M extends AnyModel> = M['$row'] & InstanceMethods<M>

/** The values the instance was loaded (or last saved) with. */
function originalOf(state: InstanceState): Record<string, unknown> {
  if (state.original === undefined) {
    const values: Record<string, unknown> = {}
    if (state.raw !== undefined) {
      for (const c of state.raw.columns) {
        const raw = state.raw.row[c.alias]
        values[c.attr] =
          c.decode === undefined || raw === null || raw === undefined
            ? (raw ?? null)
            : c.decode(raw)
      }
    }
    state.original = values
    state.raw = undefined
  }
  return state.original
}

function stateOf(instance: object): InstanceState {
  const state = (instance as { [STATE]?: InstanceState })[STATE]
  if (state === undefined) throw new OrmError('PLINTH_ORM_NOT_INSTANCE', 'Not a model instance.')
  return state
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null)
    return JSON.stringify(a) === JSON.stringify(b)
  return typeof a === 'bigint' || typeof b === 'bigint' ? String(a) === String(b) : false
}

function snapshot(model: AnyModel, instance: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of model.meta.columns) out[field.attr] = instance[field.attr]
  return detached(out)
}

/**
 * `values`, with its JSON objects, arrays and bytes copied: the instance shares nothing mutable
 * with its original snapshot, so `row.data.tags.push('x')` is a change `save()` sees. (Dates are
 * replaced, not mutated, in practice; copying them per row would cost every query.)
 */
function detached(values: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const key in values) {
    const value = values[key]
    if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
      copy ??= { ...values }
      copy[key] = structuredClone(value)
    }
  }
  return copy ?? values
}

/** Fill defaults and automatic timestamps before an insert or update. */
function applyAutomatic(
  model: AnyModel,
  instance: Record<string, unknown>,
  created: boolean,
): void {
  const now = new Date()
  for (const field of model.meta.columns) {
    const { spec } = field
    if (spec.autoNow || (created && spec.autoNowAdd)) {
      instance[field.attr] = spec.kind === 'date' ? now.toISOString().slice(0, 10) : now
    } else if (created && instance[field.attr] === undefined) {
      if (spec.hasDefault) {
        instance[field.attr] =
          typeof spec.default === 'function'
            ? (spec.default as () => unknown)()
            : structuredCloneIfObject(spec.default)
      } else if (spec.null) instance[field.attr] = null
    }
  }
}

function structuredCloneIfObject(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !(value instanceof Date)
    ? structuredClone(value)
    : value
}

class ModelInstance implements InstanceMethods {
  declare [STATE]: InstanceState

  async save(options: SaveOptions = {}): Promise<void> {
    const state = stateOf(this)
    const { model } = state
    const meta = model.meta
    const self = this as unknown as Record<string, unknown>
    const db = databaseFor(model, options.using ?? state.db)
    // Loaded lazily: the write path imports the query layer, which builds instances (a cycle).
    const { insertRows, updateRows } = await import('./query/write.ts')
    const created = options.insert ?? !state.saved
    applyAutomatic(model, self, created)
    if (options.validate !== false) {
      const issues = rowIssues(model, self)
      if (issues.length) throw new ModelValidationError(model.name, issues)
    }
    for (const hook of meta.hooks.beforeSave) await hook(this, { created })
    if (created) {
      const attrs = meta.columns
        .filter((f) => !(f.spec.generated && (self[f.attr] === undefined || self[f.attr] === null)))
        .map((f) => f.attr)
      const [id] = await insertRows(db, model, attrs, [self])
      self[meta.pk.attr] = id
    } else {
      const fields =
        options.fields ??
        meta.columns.map((f) => f.attr).filter((a) => !same(self[a], originalOf(state)[a]))
      for (const name of fields)
        if (!meta.byAttr.has(name))
          throw new QueryError(
            'PLINTH_ORM_UNKNOWN_FIELD',
            `${model.name} has no field "${name}" to save.`,
          )
      const changes: Record<string, unknown> = {}
      for (const name of fields) if (name !== meta.pk.attr) changes[name] = self[name]
      if (Object.keys(changes).length) {
        const pk = originalOf(state)[meta.pk.attr] ?? self[meta.pk.attr]
        await updateRows(
          db,
          { ...initialState(model), where: [{ input: { [meta.pk.attr]: pk }, negate: false }] },
          changes,
        )
      }
    }
    state.saved = true
    state.db = options.using ?? state.db
    state.original = snapshot(model, self)
    state.raw = undefined
    for (const hook of meta.hooks.afterSave) await hook(this, { created })
  }

  async delete(options: { using?: Database } = {}): Promise<void> {
    const state = stateOf(this)
    const { model } = state
    if (!state.saved)
      throw new OrmError(
        'PLINTH_ORM_NOT_SAVED',
        `This ${model.name} was never saved, so it cannot be deleted.`,
      )
    const db = databaseFor(model, options.using ?? state.db)
    for (const hook of model.meta.hooks.beforeDelete) await hook(this)
    const { deleteRows } = await import('./query/write.ts')
    const pk = originalOf(state)[model.meta.pk.attr]
    await deleteRows(db, {
      ...initialState(model),
      where: [{ input: { [model.meta.pk.attr]: pk }, negate: false }],
    })
    state.saved = false
    for (const hook of model.meta.hooks.afterDelete) await hook(this)
  }

  async refresh(options: { using?: Database } = {}): Promise<void> {
    const state = stateOf(this)
    const { model } = state
    const { runSelect } = await import('./query/run.ts')
    const pk =
      originalOf(state)[model.meta.pk.attr] ??
      (this as unknown as Record<string, unknown>)[model.meta.pk.attr]
    const rows = (await runSelect(
      {
        ...initialState(model),
        db: options.using ?? state.db,
        where: [{ input: { [model.meta.pk.attr]: pk }, negate: false }],
        order: [],
      },
      'rows',
    )) as Array<Record<string, unknown>>
    const fresh = rows[0]
    if (fresh === undefined)
      throw new OrmError(
        'PLINTH_ORM_NOT_FOUND',
        `This ${model.name} no longer exists in the database.`,
      )
    for (const field of model.meta.columns)
      (this as unknown as Record<string, unknown>)[field.attr] = fresh[field.attr]
    state.original = snapshot(model, this as unknown as Record<string, unknown>)
    state.raw = undefined
    state.saved = true
  }

  validate(): void {
    const { model } = stateOf(this)
    const issues = rowIssues(model, this as unknown as Record<string, unknown>)
    if (issues.length) throw new ModelValidationError(model.name, issues)
  }

  async load(name: string): Promise<unknown> {
    const state = stateOf(this)
    const self = this as unknown as Record<string, unknown>
    if (name in self && self[name] !== undefined) return self[name]
    const relation = state.model.meta.relation(name)
    if (relation === undefined)
      throw new QueryError(
        'PLINTH_ORM_UNKNOWN_FIELD',
        `${state.model.name} has no relation "${name}".`,
      )
    const { loadRelation } = await import('./relations.ts')
    self[name] = await loadRelation(this, relation, state.db)
    return self[name]
  }

  /** Print the fields only (not the bookkeeping symbol) in console.log and the REPL. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (v: unknown, o: object) => string,
  ): string {
    const plain = Object.assign(
      Object.create({ constructor: this.constructor }),
      Object.fromEntries(Object.entries(this)),
    )
    return `${this.constructor.name} ${inspect({ ...plain }, options)}`
  }

  // Typed by the overloads of InstanceMethods.related.
  related(name: string): any {
    const state = stateOf(this)
    return related(this, state.model, name, state.db)
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(this)) out[key] = jsonValue(value)
    return out
  }
}

function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (Array.isArray(value)) return value.map(jsonValue)
  return value
}

const prototypes = new WeakMap<AnyModel, object>()

function prototypeFor(model: AnyModel): object {
  let proto = prototypes.get(model)
  if (proto === undefined) {
    // A named class per model, so instances print as `Product { … }`.
    const named = { [model.name]: class extends ModelInstance {} }[model.name]!
    proto = named.prototype
    prototypes.set(model, proto)
  }
  return proto
}

/**
 * An instance read from the database (the hydration hot path): values decoded straight onto the
 * instance; the snapshot for `save()` is decoded again from the raw row only if it is needed.
 * Rows with JSON or bytes columns keep a detached snapshot instead, since the driver may hand the
 * same mutable object to the instance and to the raw row.
 */
export function loadedInstance(
  proto: object,
  model: AnyModel,
  row: RawRow,
  columns: readonly ReadColumn[],
  mutable: boolean,
): Record<string | symbol, unknown> {
  const instance = Object.create(proto) as Record<string | symbol, unknown>
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!
    const raw = row[c.alias]
    instance[c.attr] =
      c.decode === undefined || raw === null || raw === undefined ? (raw ?? null) : c.decode(raw)
  }
  const state: InstanceState = mutable
    ? { model, saved: true, original: snapshot(model, instance), raw: undefined, db: undefined }
    : { model, saved: true, original: undefined, raw: { row, columns }, db: undefined }
  instance[STATE] = state
  return instance
}

/** The shared prototype of a model's instances. */
export function instancePrototype(model: AnyModel): object {
  return prototypeFor(model)
}

/** Make an instance from values; `saved` marks it as loaded from the database. */
export function newInstance(
  model: AnyModel,
  values: Record<string, unknown>,
  saved: boolean,
  db?: Database,
): object {
  const instance = Object.create(prototypeFor(model)) as Record<string | symbol, unknown>
  for (const key in values) instance[key] = values[key]
  // A symbol key: skipped by Object.keys, for…in, spreading into JSON and JSON.stringify. `values`
  // is owned by the caller (a fresh object per row), so it doubles as the original snapshot
  // unless it holds mutable values (JSON, bytes).
  instance[STATE] = {
    model,
    saved,
    original: saved ? detached(values) : {},
    db,
  } satisfies InstanceState
  return instance
}

/**
 * Record that the database now holds these fields' current values (after `bulkUpdate`), so a later
 * `save()` does not write them again, or overwrite a newer change made elsewhere meanwhile.
 * Objects that are not saved instances have no snapshot and are left alone.
 */
export function markWritten(object: object, attrs: readonly string[]): void {
  const state = (object as { [STATE]?: InstanceState })[STATE]
  if (state === undefined || !state.saved) return
  const original = originalOf(state)
  const self = object as Record<string, unknown>
  for (const attr of attrs) original[attr] = structuredCloneIfObject(self[attr])
}

/** True for model instances. */
export function isInstance(value: unknown): boolean {
  return typeof value === 'object' && value !== null && STATE in value
}

/** The model of an instance. */
export function modelOf(instance: object): AnyModel {
  return stateOf(instance).model
}
