/**
 * Project state: every model as the migrations describe it at one point in history.
 *
 * Migrations never read today's models. Each operation edits a state (`applyState`); replaying
 * every migration from empty rebuilds the state the database should be in. The autodetector
 * compares that state with today's models (`ProjectState.fromModels`), and data migrations get
 * "historical" models rendered from it (`state.apps()`): real models, with query sets, defined
 * into a private registry so they never meet today's models.
 */
import type { AnyField } from '../orm/fields.ts'
import type { ConstraintSpec, IndexSpec } from '../orm/meta.ts'
import { type AnyModel, buildModel, type Model } from '../orm/model.ts'
import { moduleOf } from '../orm/registry.ts'
import { constraintName } from '../orm/schema/column-types.ts'
import { normalizeField } from './deconstruct.ts'
import { MigrationError } from './errors.ts'

/** A named check or unique constraint as migrations keep it (names always explicit). */
export type ConstraintState =
  | { type: 'unique'; name: string; fields: readonly string[] }
  | { type: 'check'; name: string; check: object }

/** An index as migrations keep it (name always explicit). */
export interface IndexState {
  name: string
  fields: readonly string[]
  unique?: boolean
  where?: object
}

/** One model at one point in history. */
export interface ModelState {
  readonly module: string
  readonly name: string
  readonly table: string
  /** Field name → field, in definition order. */
  readonly fields: ReadonlyMap<string, AnyField>
  readonly indexes: readonly IndexState[]
  readonly constraints: readonly ConstraintState[]
}

/** `shop.Product`. */
export function modelKey(module: string, name: string): string {
  return `${module}.${name}`
}

/** Today's models rendered as model states. */
function modelState(model: AnyModel): ModelState {
  const meta = model.meta
  const module = moduleOf(model)
  const fields = new Map<string, AnyField>()
  for (const [name, f] of Object.entries(model.fields))
    fields.set(name, normalizeField(f, module, model))
  const name = (key: string) => meta.byAttr.get(key)?.name ?? key
  const column = (key: string) =>
    meta.byAttr.get(key)?.column ?? meta.fields.get(key)?.column ?? key
  const indexes = meta.indexes.map((index: IndexSpec) => {
    const keys = index.fields.map((k) => String(k))
    const columns = keys.map((k) => column(k.replace(/^-/, '')))
    return {
      name: index.name ?? constraintName(index.unique ? 'uq' : 'ix', meta.table, columns),
      fields: keys.map((k) => (k.startsWith('-') ? `-${name(k.slice(1))}` : name(k))),
      ...(index.unique ? { unique: true } : {}),
      ...(index.where ? { where: index.where as object } : {}),
    }
  })
  const constraints = meta.constraints.map((c: ConstraintSpec): ConstraintState => {
    if (c.type === 'check') return { type: 'check', name: c.name, check: c.check as object }
    const keys = c.fields.map((k) => String(k))
    return {
      type: 'unique',
      name: c.name ?? constraintName('uq', meta.table, keys.map(column)),
      fields: keys.map(name),
    }
  })
  return { module, name: model.name, table: meta.table, fields, indexes, constraints }
}

/** Every model at one point in history, by `module.Name`. */
export class ProjectState {
  readonly #models = new Map<string, ModelState>()
  #apps: HistoricalApps | undefined

  /**
   * The state of today's models (what the autodetector compares migrations with).
   *
   * @example
   * const current = ProjectState.fromModels([Category, Product])
   */
  static fromModels(models: readonly AnyModel[]): ProjectState {
    const state = new ProjectState()
    for (const model of models) state.add(modelState(model))
    return state
  }

  /** An independent copy. */
  clone(): ProjectState {
    const copy = new ProjectState()
    for (const model of this.#models.values()) copy.add(model)
    return copy
  }

  /** Every model state, in insertion order. */
  models(): ModelState[] {
    return [...this.#models.values()]
  }

  has(key: string): boolean {
    return this.#models.has(key)
  }

  /** The model `key` (`shop.Product`); a clear error when no migration created it. */
  get(key: string): ModelState {
    const found = this.#models.get(key)
    if (found === undefined) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_UNKNOWN_MODEL',
        `No migration creates the model ${key} before this point; check the operation's model name and the migration's dependencies.`,
      )
    }
    return found
  }

  add(model: ModelState): void {
    const key = modelKey(model.module, model.name)
    if (this.#models.has(key)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_DUPLICATE_MODEL',
        `The model ${key} is created twice; remove one createModel operation.`,
      )
    }
    this.#models.set(key, model)
    this.#apps = undefined
  }

  remove(key: string): ModelState {
    const model = this.get(key)
    this.#models.delete(key)
    this.#apps = undefined
    return model
  }

  /** Replace the model `key` with `change(model)`, keeping its position. */
  update(key: string, change: (model: ModelState) => ModelState): void {
    const next = change(this.get(key))
    const entries = [...this.#models.entries()].map(
      ([k, v]) => [k === key ? modelKey(next.module, next.name) : k, k === key ? next : v] as const,
    )
    this.#models.clear()
    for (const [k, v] of entries) this.#models.set(k, v)
    this.#apps = undefined
  }

  /** Historical models for this state (built once per state version). */
  apps(): HistoricalApps {
    this.#apps ??= new HistoricalApps(this.models())
    return this.#apps
  }
}

/**
 * The models of one state, as real models in a private registry. Data migrations query through
 * them: `const Product = models.get('Product'); await Product.objects.update({ … })`.
 */
export class HistoricalApps {
  readonly #models = new Map<string, AnyModel>()
  readonly #registry: AnyModel[] = []

  constructor(states: readonly ModelState[]) {
    for (const state of states) {
      const model = buildModel(
        state.name,
        Object.fromEntries(state.fields),
        {
          module: state.module,
          table: state.table,
          indexes: state.indexes.map((i) => ({ ...i })) as never,
          constraints: state.constraints.map((c) => ({ ...c })) as never,
          registry: this.#registry,
        },
        false,
      )
      this.#models.set(modelKey(state.module, state.name), model)
    }
  }

  /**
   * A historical model by `'Name'` (of `module`, default the only match) or `'module.Name'`.
   *
   * @example
   * const Product = models.get('Product')
   */
  get(ref: string, module?: string): Model {
    const key = ref.includes('.') ? ref : module ? modelKey(module, ref) : undefined
    const found =
      key !== undefined
        ? this.#models.get(key)
        : (() => {
            const matches = [...this.#models.values()].filter((m) => m.name === ref)
            return matches.length === 1 ? matches[0] : undefined
          })()
    if (found === undefined) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_UNKNOWN_MODEL',
        `No model "${ref}" exists at this point of the migration history (known: ${[...this.#models.keys()].join(', ') || 'none'}).`,
      )
    }
    return found as Model
  }

  /** Every model, in state order. */
  all(): AnyModel[] {
    return [...this.#models.values()]
  }
}
