/**
 * Operations on indexes and table constraints (unique over several fields, checks): add, remove,
 * rename.
 *
 * Indexes and constraints behave alike (a named item in a list of the model state, created,
 * dropped or renamed by the schema editor), so each operation is written once over a `Kind` that
 * says which list, which editor methods and which error codes.
 */
import type { AnyModel } from '../../orm/model.ts'
import { toCode } from '../code.ts'
import { MigrationError } from '../errors.ts'
import type { SchemaEditor } from '../schema-editor/types.ts'
import type { ConstraintState, IndexState, ModelState, ProjectState } from '../state.ts'
import { type Operation, type OperationContext, qualify } from './base.ts'

interface Named {
  readonly name: string
}

/** Everything that differs between indexes and constraints. */
interface Kind<T extends Named> {
  /** `index` / `constraint`, for messages. */
  readonly label: string
  /** The property of operation options holding the item (`op.addIndex({ index })`). */
  readonly option: 'index' | 'constraint'
  readonly unknown: string
  readonly duplicate: string
  list(model: ModelState): readonly T[]
  withList(model: ModelState, items: readonly T[]): ModelState
  /** The items of a historical model (its metadata keeps them, always named). */
  ofModel(model: AnyModel): readonly T[]
  add(editor: SchemaEditor, from: AnyModel, to: AnyModel, item: T): Promise<void>
  remove(editor: SchemaEditor, from: AnyModel, to: AnyModel, item: T): Promise<void>
  rename(editor: SchemaEditor, from: AnyModel, to: AnyModel, before: T, after: T): Promise<void>
}

const INDEX: Kind<IndexState> = {
  label: 'index',
  option: 'index',
  unknown: 'PLINTH_MIGRATIONS_UNKNOWN_INDEX',
  duplicate: 'PLINTH_MIGRATIONS_DUPLICATE_INDEX',
  list: (model) => model.indexes,
  withList: (model, indexes) => ({ ...model, indexes }),
  ofModel: (model) => model.meta.indexes as readonly IndexState[],
  add: (editor, from, to, item) => editor.addIndex(from, to, item),
  remove: (editor, from, to, item) => editor.removeIndex(from, to, item),
  rename: (editor, from, to, before, after) => editor.renameIndex(from, to, before, after),
}

const CONSTRAINT: Kind<ConstraintState> = {
  label: 'constraint',
  option: 'constraint',
  unknown: 'PLINTH_MIGRATIONS_UNKNOWN_CONSTRAINT',
  duplicate: 'PLINTH_MIGRATIONS_DUPLICATE_CONSTRAINT',
  list: (model) => model.constraints,
  withList: (model, constraints) => ({ ...model, constraints }),
  ofModel: (model) => model.meta.constraints as readonly ConstraintState[],
  add: (editor, from, to, item) => editor.addConstraint(from, to, item),
  remove: (editor, from, to, item) => editor.removeConstraint(from, to, item),
  rename: (editor, from, to, before, after) => editor.renameConstraint(from, to, before, after),
}

function checkName(name: unknown, what: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_INVALID',
      `${what} needs a name made of letters, digits and _ (got ${JSON.stringify(name)}).`,
    )
  }
}

function find<T extends Named>(kind: Kind<T>, items: readonly T[], where: string, name: string): T {
  const found = items.find((item) => item.name === name)
  if (found === undefined) {
    throw new MigrationError(
      kind.unknown,
      `${where} has no ${kind.label} "${name}" at this point of the migration history.`,
    )
  }
  return found
}

function refuseDuplicate<T extends Named>(
  kind: Kind<T>,
  state: ProjectState,
  key: string,
  name: string,
): void {
  if (kind.list(state.get(key)).some((item) => item.name === name))
    throw new MigrationError(kind.duplicate, `${key} already has a ${kind.label} "${name}".`)
}

/** The models before and after, and the item looked up by name in one of them. */
function models(ctx: OperationContext, model: string): { from: AnyModel; to: AnyModel } {
  const key = qualify(model, ctx.module)
  return { from: ctx.from.get(key), to: ctx.to.get(key) }
}

/** Add an index or constraint (reversed: remove it). */
abstract class AddNamed<T extends Named> implements Operation {
  abstract readonly type: string
  readonly reversible = true
  readonly #kind: Kind<T>
  readonly #model: string
  readonly #item: T
  constructor(kind: Kind<T>, model: string, item: T) {
    checkName(item?.name, `op.add${kind.label === 'index' ? 'Index' : 'Constraint'}`)
    this.#kind = kind
    this.#model = model
    this.#item = item
  }
  describe(): string {
    return `Add ${this.#kind.label} ${this.#item.name} on ${this.#model}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.#model, module)
    refuseDuplicate(this.#kind, state, key, this.#item.name)
    state.update(key, (m) => this.#kind.withList(m, [...this.#kind.list(m), this.#item]))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const { from, to } = models(ctx, this.#model)
    await this.#kind.add(ctx.editor, from, to, this.#item)
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const { from, to } = models(ctx, this.#model)
    await this.#kind.remove(ctx.editor, from, to, this.#item)
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.${this.type}({ model: ${toCode(this.#model)}, ${this.#kind.option}: ${toCode(this.#item)} })`
  }
}

/** Remove an index or constraint by name (reversed: add it back as it was). */
abstract class RemoveNamed<T extends Named> implements Operation {
  abstract readonly type: string
  readonly reversible = true
  readonly #kind: Kind<T>
  readonly options: { model: string; name: string }
  constructor(kind: Kind<T>, options: { model: string; name: string }) {
    checkName(options?.name, `op.remove${kind.label === 'index' ? 'Index' : 'Constraint'}`)
    this.#kind = kind
    this.options = options
  }
  describe(): string {
    return `Remove ${this.#kind.label} ${this.options.name} from ${this.options.model}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    const kind = this.#kind
    find(kind, kind.list(state.get(key)), key, this.options.name)
    state.update(key, (m) =>
      kind.withList(
        m,
        kind.list(m).filter((item) => item.name !== this.options.name),
      ),
    )
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const { from, to } = models(ctx, this.options.model)
    const item = find(this.#kind, this.#kind.ofModel(from), from.name, this.options.name)
    await this.#kind.remove(ctx.editor, from, to, item)
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const { from, to } = models(ctx, this.options.model)
    const item = find(this.#kind, this.#kind.ofModel(to), to.name, this.options.name)
    await this.#kind.add(ctx.editor, from, to, item)
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.${this.type}({ model: ${toCode(this.options.model)}, name: ${toCode(this.options.name)} })`
  }
}

/** Options of `op.renameIndex` and `op.renameConstraint`. */
export interface RenameNamedOptions {
  model: string
  from: string
  to: string
}

/** Give an index or constraint a new name, keeping it. */
abstract class RenameNamed<T extends Named> implements Operation {
  abstract readonly type: string
  readonly reversible = true
  readonly #kind: Kind<T>
  readonly options: RenameNamedOptions
  constructor(kind: Kind<T>, options: RenameNamedOptions) {
    const what = `op.rename${kind.label === 'index' ? 'Index' : 'Constraint'}`
    checkName(options?.from, what)
    checkName(options?.to, what)
    this.#kind = kind
    this.options = options
  }
  describe(): string {
    const { model, from, to } = this.options
    return `Rename ${this.#kind.label} ${from} on ${model} to ${to}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    const kind = this.#kind
    const { from, to } = this.options
    find(kind, kind.list(state.get(key)), key, from)
    refuseDuplicate(kind, state, key, to)
    state.update(key, (m) =>
      kind.withList(
        m,
        kind.list(m).map((item) => (item.name === from ? { ...item, name: to } : item)),
      ),
    )
  }
  async forwards(ctx: OperationContext): Promise<void> {
    await this.#rename(ctx, this.options.from, this.options.to)
  }
  async backwards(ctx: OperationContext): Promise<void> {
    await this.#rename(ctx, this.options.to, this.options.from)
  }
  async #rename(ctx: OperationContext, before: string, after: string): Promise<void> {
    const kind = this.#kind
    const { from, to } = models(ctx, this.options.model)
    const old = find(kind, kind.ofModel(from), from.name, before)
    await kind.rename(ctx.editor, from, to, old, find(kind, kind.ofModel(to), to.name, after))
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    const { model, from, to } = this.options
    return `op.${this.type}({ model: ${toCode(model)}, from: ${toCode(from)}, to: ${toCode(to)} })`
  }
}

/** Create an index (unique, partial, descending columns). */
export class AddIndex extends AddNamed<IndexState> {
  readonly type = 'addIndex'
  readonly options: { model: string; index: IndexState }
  constructor(options: { model: string; index: IndexState }) {
    super(INDEX, options?.model, options?.index)
    this.options = options
  }
}

/** Drop an index by name. */
export class RemoveIndex extends RemoveNamed<IndexState> {
  readonly type = 'removeIndex'
  constructor(options: { model: string; name: string }) {
    super(INDEX, options)
  }
}

/**
 * Give an index a new name (one named after a renamed field or table, say): PostgreSQL and
 * MySQL rename it in place; SQLite, which cannot, drops and recreates it.
 */
export class RenameIndex extends RenameNamed<IndexState> {
  readonly type = 'renameIndex'
  constructor(options: RenameNamedOptions) {
    super(INDEX, options)
  }
}

/** Add a unique or check constraint. */
export class AddConstraint extends AddNamed<ConstraintState> {
  readonly type = 'addConstraint'
  readonly options: { model: string; constraint: ConstraintState }
  constructor(options: { model: string; constraint: ConstraintState }) {
    super(CONSTRAINT, options?.model, options?.constraint)
    this.options = options
  }
}

/** Drop a constraint by name. */
export class RemoveConstraint extends RemoveNamed<ConstraintState> {
  readonly type = 'removeConstraint'
  constructor(options: { model: string; name: string }) {
    super(CONSTRAINT, options)
  }
}

/** Give a unique or check constraint a new name, keeping it. */
export class RenameConstraint extends RenameNamed<ConstraintState> {
  readonly type = 'renameConstraint'
  constructor(options: RenameNamedOptions) {
    super(CONSTRAINT, options)
  }
}
