/**
 * The autodetector: what operations turn the state the migrations build into today's models.
 *
 * It works on a copy of the old state and applies every operation it emits at once, so each
 * later comparison sees the effect of the earlier ones (a renamed model's fields are compared
 * under the new name, a renamed field's indexes follow it) and the operations are known to apply
 * in the order written. The phases follow what must exist before what:
 *
 *   rename models → move tables → rename fields → drop changed indexes and constraints →
 *   drop fields → create models (dependencies first) → add fields → alter fields →
 *   drop models (dependents first) → add indexes and constraints
 *
 * What the models cannot tell is asked (a `Questioner`) or declared (renames, fill values,
 * acknowledging data loss); without either, generation stops with an error saying how to answer.
 */
import type { AnyField } from '../orm/fields.ts'
import {
  constraintSignature,
  fieldReferences,
  fieldSignature,
  hasLiteralDefault,
  indexSignature,
  mentions,
  modelSignature,
  needsFill,
  needsReplace,
  renameSignature,
} from './autodetector/compare.ts'
import { creationOrder, nextDeletion, splitKey } from './autodetector/order.ts'
import {
  type DeclaredRename,
  renameFlag,
  resolveDefaults,
  resolveRenames,
} from './autodetector/renames.ts'
import {
  ambiguousRenameError,
  dataLossError,
  groupSteps,
  type ModuleChanges,
  needsDefaultError,
  type Step,
} from './autodetector/result.ts'
import { stateDifferences } from './autodetector/verify.ts'
import type { Operation } from './operations/base.ts'
import { op } from './operations/index.ts'
import type { Questioner, RenameQuestion } from './questioner.ts'
import { type ModelState, modelKey, type ProjectState } from './state.ts'

export type { DeclaredRename } from './autodetector/renames.ts'
export type { ModuleChanges, ModuleDependency } from './autodetector/result.ts'

/** Options of {@link detectChanges}. */
export interface DetectOptions {
  /** Renames declared up front (asked nothing, guessed nothing). */
  renames?: readonly DeclaredRename[]
  /** Treat every undeclared rename candidate as a removal plus an addition. */
  noRenames?: boolean
  /** Values existing rows get in new NOT NULL fields: `{ 'app.Product.stock': 0 }`. */
  defaults?: Readonly<Record<string, unknown>>
  /** Write operations that lose data (each gets a warning comment) without asking. */
  allowDataLoss?: boolean
  /** Ask the user what the models cannot tell; without one, undeclared answers are errors. */
  questioner?: Questioner
  /**
   * Only find out whether anything changed (`makemigrations --check`): ask nothing and fail on
   * nothing; rename candidates count as removals, missing fill values are left out.
   */
  check?: boolean
}

type Refs = { needs?: Array<[ModelState, AnyField]>; releases?: Array<[ModelState, AnyField]> }

function display(model: ModelState): string {
  return model.module === 'app' ? model.name : modelKey(model.module, model.name)
}

class Detector {
  readonly #cur: ProjectState
  readonly #to: ProjectState
  readonly #options: DetectOptions
  readonly #steps: Step[] = []
  /** Models whose tables this run creates (no rows yet: nothing to fill). */
  readonly #newTables = new Set<string>()
  /** Models created or renamed in this run (other modules must wait for this run's migration). */
  readonly #introduced = new Set<string>()
  readonly #deps = new Map<string, Map<string, boolean>>()
  /** Model key → modules that dropped a reference to it in this run. */
  readonly #released = new Map<string, Set<string>>()
  readonly #ambiguous: string[] = []
  readonly #missingFill: string[] = []
  readonly #defaults: Map<string, unknown>

  constructor(from: ProjectState, to: ProjectState, options: DetectOptions) {
    this.#cur = from.clone()
    this.#to = to
    this.#options = options
    this.#defaults = resolveDefaults(options.defaults ?? {}, to)
  }

  async run(): Promise<ModuleChanges[]> {
    const renames = resolveRenames(this.#options.renames ?? [], this.#cur, this.#to)
    await this.#renameModels(renames.models)
    this.#moveTables()
    await this.#renameFields(renames.fields)
    this.#dropIndexesAndConstraints()
    this.#dropFields()
    this.#createModels()
    await this.#addFields()
    await this.#alterFields()
    this.#dropModels()
    this.#addIndexesAndConstraints()
    const left = stateDifferences(this.#cur, this.#to)
    if (left.length > 0) {
      throw new Error(`makemigrations left differences unresolved (a bug): ${left.join('; ')}`)
    }
    await this.#settle()
    return this.#result()
  }

  #emit(module: string, operation: Operation, refs: Refs = {}): void {
    const loss = operation.dataLoss(this.#cur, module)
    operation.applyState(this.#cur, module)
    this.#steps.push({ module, operation, notes: [], ...(loss ? { loss } : {}) })
    for (const [model, f] of refs.needs ?? []) {
      for (const ref of fieldReferences(model, f)) {
        const [other] = splitKey(ref)
        if (other !== module) this.#depend(module, other, this.#introduced.has(ref))
      }
    }
    for (const [model, f] of refs.releases ?? []) {
      for (const ref of fieldReferences(model, f)) {
        if (splitKey(ref)[0] === module) continue
        const set = this.#released.get(ref) ?? new Set<string>()
        set.add(module)
        this.#released.set(ref, set)
      }
    }
  }

  #depend(module: string, on: string, created: boolean): void {
    const deps = this.#deps.get(module) ?? new Map<string, boolean>()
    deps.set(on, (deps.get(on) ?? false) || created)
    this.#deps.set(module, deps)
  }

  /** Kept models (in today's order): in both states. */
  #kept(): ModelState[] {
    return this.#to.models().filter((m) => this.#cur.has(modelKey(m.module, m.name)))
  }

  async #decide(question: RenameQuestion, flag: string): Promise<boolean> {
    if (this.#options.noRenames || this.#options.check) return false
    if (this.#options.questioner) return await this.#options.questioner.confirmRename(question)
    const what =
      question.kind === 'model'
        ? `model ${question.from} → ${question.to}`
        : `${question.model}.${question.from} → ${question.model}.${question.to}`
    this.#ambiguous.push(`${what} (to rename: ${flag})`)
    return false
  }

  async #renameModels(declared: Map<string, string>): Promise<void> {
    for (const [oldKey, newKey] of declared) this.#renameModel(oldKey, newKey)
    const removed = () =>
      this.#cur.models().filter((m) => !this.#to.has(modelKey(m.module, m.name)))
    for (const added of this.#to.models()) {
      const newKey = modelKey(added.module, added.name)
      if (this.#cur.has(newKey)) continue
      for (const old of removed()) {
        if (old.module !== added.module || modelSignature(old) !== modelSignature(added)) continue
        const oldKey = modelKey(old.module, old.name)
        const question: RenameQuestion = {
          kind: 'model',
          model: oldKey,
          from: oldKey,
          to: newKey,
          text: `Did you rename the model ${oldKey} to ${added.name}? [y/N]`,
        }
        if (await this.#decide(question, renameFlag({ model: oldKey, to: added.name }))) {
          this.#renameModel(oldKey, newKey)
          break
        }
      }
    }
  }

  #renameModel(oldKey: string, newKey: string): void {
    const [module, from] = splitKey(oldKey)
    this.#emit(module, op.renameModel({ from, to: splitKey(newKey)[1] }))
    this.#introduced.add(newKey)
  }

  #moveTables(): void {
    for (const model of this.#kept()) {
      const key = modelKey(model.module, model.name)
      if (this.#cur.get(key).table !== model.table)
        this.#emit(model.module, op.alterModelTable({ name: model.name, table: model.table }))
    }
  }

  async #renameFields(declared: Map<string, Map<string, string>>): Promise<void> {
    for (const model of this.#kept()) {
      const key = modelKey(model.module, model.name)
      const rename = (from: string, to: string) =>
        this.#emit(model.module, op.renameField({ model: model.name, from, to }))
      for (const [from, to] of declared.get(key) ?? []) rename(from, to)
      const before = () => this.#cur.get(key)
      const added = [...model.fields.keys()].filter((n) => !before().fields.has(n))
      for (const name of added) {
        const removed = [...before().fields.keys()].filter((n) => !model.fields.has(n))
        const signature = renameSignature(model, model.fields.get(name)!)
        for (const old of removed) {
          if (renameSignature(before(), before().fields.get(old)!) !== signature) continue
          const question: RenameQuestion = {
            kind: 'field',
            model: key,
            from: old,
            to: name,
            text: `Did you rename ${display(model)}.${old} to ${display(model)}.${name}? [y/N]`,
          }
          if (await this.#decide(question, renameFlag({ model: key, from: old, to: name }))) {
            rename(old, name)
            break
          }
        }
      }
    }
  }

  /**
   * Drop indexes and constraints that changed or went away. One that only changed its name (an
   * index named after a field or table that was renamed) is renamed instead: rebuilding an index
   * on a large table is slow and locks it.
   */
  #dropIndexesAndConstraints(): void {
    for (const model of this.#kept()) {
      const before = this.#cur.get(modelKey(model.module, model.name))
      const named = (name: string, list: readonly { name: string }[]) =>
        list.some((x) => x.name === name)
      for (const index of before.indexes) {
        const now = model.indexes.find((i) => i.name === index.name)
        if (now !== undefined && indexSignature(now) === indexSignature(index)) continue
        const renamed =
          now === undefined
            ? model.indexes.find(
                (i) =>
                  !named(i.name, this.#cur.get(modelKey(model.module, model.name)).indexes) &&
                  indexSignature({ ...i, name: index.name }) === indexSignature(index),
              )
            : undefined
        this.#emit(
          model.module,
          renamed
            ? op.renameIndex({ model: model.name, from: index.name, to: renamed.name })
            : op.removeIndex({ model: model.name, name: index.name }),
        )
      }
      for (const c of before.constraints) {
        const now = model.constraints.find((x) => x.name === c.name)
        if (now !== undefined && constraintSignature(now) === constraintSignature(c)) continue
        const renamed =
          now === undefined
            ? model.constraints.find(
                (x) =>
                  !named(x.name, this.#cur.get(modelKey(model.module, model.name)).constraints) &&
                  constraintSignature({ ...x, name: c.name }) === constraintSignature(c),
              )
            : undefined
        this.#emit(
          model.module,
          renamed
            ? op.renameConstraint({ model: model.name, from: c.name, to: renamed.name })
            : op.removeConstraint({ model: model.name, name: c.name }),
        )
      }
    }
  }

  #dropFields(): void {
    for (const model of this.#kept()) {
      const before = this.#cur.get(modelKey(model.module, model.name))
      for (const [name, f] of before.fields) {
        const now = model.fields.get(name)
        if (now !== undefined && !needsReplace(model, f, now)) continue
        this.#emit(model.module, op.removeField({ model: model.name, name }), {
          releases: [[before, f]],
        })
      }
    }
  }

  #createModels(): void {
    const created = this.#to
      .models()
      .map((m) => modelKey(m.module, m.name))
      .filter((key) => !this.#cur.has(key))
    for (const key of created) {
      this.#newTables.add(key)
      this.#introduced.add(key)
    }
    for (const { key, deferred } of creationOrder(this.#to, created)) {
      const model = this.#to.get(key)
      const fields = [...model.fields].filter(([name]) => !deferred.includes(name))
      // Indexes and constraints naming a deferred field come later, with the other additions.
      const indexes = model.indexes.filter((i) => !mentions(i.fields, i.where, deferred))
      const constraints = model.constraints.filter((c) =>
        c.type === 'unique'
          ? !mentions(c.fields, undefined, deferred)
          : !mentions([], c.check, deferred),
      )
      const operation = op.createModel({
        name: model.name,
        table: model.table,
        fields: Object.fromEntries(fields),
        ...(indexes.length ? { indexes } : {}),
        ...(constraints.length ? { constraints } : {}),
      })
      this.#emit(model.module, operation, { needs: fields.map(([, f]) => [model, f]) })
    }
  }

  async #fill(
    model: ModelState,
    name: string,
    f: AnyField,
    change: 'add' | 'alter',
  ): Promise<{ fill?: unknown }> {
    const key = modelKey(model.module, model.name)
    if (change === 'alter' && hasLiteralDefault(f.spec)) return { fill: f.spec.default }
    if (this.#newTables.has(key) || !needsFill(f.spec)) return {}
    const declared = `${key}.${name}`
    if (this.#defaults.has(declared)) return { fill: this.#defaults.get(declared) }
    if (this.#options.check) return {}
    const where = change === 'add' ? 'existing rows' : 'rows holding NULL'
    const text = `${display(model)}.${name} ${change === 'add' ? 'is' : 'becomes'} NOT NULL and has no default; value for ${where}:`
    const answer = await this.#options.questioner?.fillValue({
      model: key,
      field: name,
      change,
      text,
    })
    if (answer !== undefined) return { fill: answer.value }
    this.#missingFill.push(`${declared} (${change === 'add' ? 'new field' : 'becomes NOT NULL'})`)
    return {}
  }

  async #addFields(): Promise<void> {
    for (const model of this.#to.models()) {
      const key = modelKey(model.module, model.name)
      for (const [name, f] of model.fields) {
        if (this.#cur.get(key).fields.has(name)) continue
        const fill = await this.#fill(model, name, f, 'add')
        this.#emit(model.module, op.addField({ model: model.name, name, field: f, ...fill }), {
          needs: [[model, f]],
        })
      }
    }
  }

  async #alterFields(): Promise<void> {
    for (const model of this.#kept()) {
      const key = modelKey(model.module, model.name)
      for (const [name, f] of model.fields) {
        const before = this.#cur.get(key)
        const old = before.fields.get(name)!
        if (fieldSignature(before, old) === fieldSignature(model, f)) continue
        const fill = old.spec.null && !f.spec.null ? await this.#fill(model, name, f, 'alter') : {}
        this.#emit(model.module, op.alterField({ model: model.name, name, field: f, ...fill }), {
          needs: [[model, f]],
          releases: [[before, old]],
        })
      }
    }
  }

  #dropModels(): void {
    const pending = this.#cur
      .models()
      .map((m) => modelKey(m.module, m.name))
      .filter((key) => !this.#to.has(key))
    while (pending.length > 0) {
      const step = nextDeletion(this.#cur, pending)
      if ('drop' in step) {
        const [module, name] = splitKey(step.drop)
        for (const other of this.#released.get(step.drop) ?? []) this.#depend(module, other, true)
        this.#emit(module, op.deleteModel({ name }))
        pending.splice(pending.indexOf(step.drop), 1)
      } else {
        const model = this.#cur.get(step.key)
        for (const name of step.removeFields) {
          this.#emit(model.module, op.removeField({ model: model.name, name }), {
            releases: [[model, model.fields.get(name)!]],
          })
        }
      }
    }
  }

  #addIndexesAndConstraints(): void {
    for (const model of this.#to.models()) {
      const before = this.#cur.get(modelKey(model.module, model.name))
      for (const index of model.indexes) {
        if (!before.indexes.some((i) => i.name === index.name))
          this.#emit(model.module, op.addIndex({ model: model.name, index }))
      }
      for (const constraint of model.constraints) {
        if (!before.constraints.some((c) => c.name === constraint.name))
          this.#emit(model.module, op.addConstraint({ model: model.name, constraint }))
      }
    }
  }

  /** Fail on what was neither asked nor declared; acknowledge data loss. */
  async #settle(): Promise<void> {
    if (this.#ambiguous.length > 0) {
      throw ambiguousRenameError(this.#ambiguous)
    }
    if (this.#missingFill.length > 0) {
      throw needsDefaultError(this.#missingFill)
    }
    const losses = this.#steps.filter((s) => s.loss !== undefined)
    if (losses.length === 0) return
    const items = losses.map((s) => ({
      module: s.module,
      description: s.operation.describe(),
      reason: s.loss!,
    }))
    const allowed =
      this.#options.allowDataLoss ||
      this.#options.check ||
      (this.#options.questioner !== undefined &&
        (await this.#options.questioner.confirmDataLoss(items)))
    if (!allowed) {
      throw dataLossError(items)
    }
    for (const step of losses) step.notes.push(`⚠ Loses data: ${step.loss}`)
  }

  #result(): ModuleChanges[] {
    return groupSteps(this.#steps, this.#deps)
  }
}

/**
 * The operations that turn `from` (the state the migration files build) into `to` (today's
 * models), per module, in an order that applies.
 *
 * @example
 * const changes = await detectChanges(replay(graph.order()), ProjectState.fromModels(models), {
 *   renames: [{ model: 'app.Product', from: 'title', to: 'name' }],
 * })
 * for (const { module, operations } of changes) console.log(module, operations.map((o) => o.describe()))
 */
export async function detectChanges(
  from: ProjectState,
  to: ProjectState,
  options: DetectOptions = {},
): Promise<ModuleChanges[]> {
  return await new Detector(from, to, options).run()
}
