/**
 * Operations on indexes and table constraints (unique over several fields, checks).
 */
import { toCode } from '../code.ts'
import { MigrationError } from '../errors.ts'
import type { ConstraintState, IndexState, ProjectState } from '../state.ts'
import { type Operation, type OperationContext, qualify } from './base.ts'

function findIndex(state: ProjectState, key: string, name: string): IndexState {
  const found = state.get(key).indexes.find((i) => i.name === name)
  if (found === undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_INDEX',
      `${key} has no index "${name}" at this point of the migration history.`,
    )
  }
  return found
}

function findConstraint(state: ProjectState, key: string, name: string): ConstraintState {
  const found = state.get(key).constraints.find((c) => c.name === name)
  if (found === undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_CONSTRAINT',
      `${key} has no constraint "${name}" at this point of the migration history.`,
    )
  }
  return found
}

function checkName(name: unknown, what: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_INVALID',
      `${what} needs a name made of letters, digits and _ (got ${JSON.stringify(name)}).`,
    )
  }
}

export class AddIndex implements Operation {
  readonly type = 'addIndex'
  readonly reversible = true
  readonly options: { model: string; index: IndexState }
  constructor(options: { model: string; index: IndexState }) {
    checkName(options.index?.name, 'op.addIndex')
    this.options = options
  }
  describe(): string {
    return `Add index ${this.options.index.name} on ${this.options.model}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    if (state.get(key).indexes.some((i) => i.name === this.options.index.name)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_DUPLICATE_INDEX',
        `${key} already has an index "${this.options.index.name}".`,
      )
    }
    state.update(key, (m) => ({ ...m, indexes: [...m.indexes, this.options.index] }))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    await ctx.editor.addIndex(ctx.from.get(key), ctx.to.get(key), this.options.index)
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    await ctx.editor.removeIndex(ctx.from.get(key), ctx.to.get(key), this.options.index)
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.addIndex({ model: ${toCode(this.options.model)}, index: ${toCode(this.options.index)} })`
  }
}

export class RemoveIndex implements Operation {
  readonly type = 'removeIndex'
  readonly reversible = true
  readonly options: { model: string; name: string }
  constructor(options: { model: string; name: string }) {
    checkName(options?.name, 'op.removeIndex')
    this.options = options
  }
  describe(): string {
    return `Remove index ${this.options.name} from ${this.options.model}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    findIndex(state, key, this.options.name)
    state.update(key, (m) => ({
      ...m,
      indexes: m.indexes.filter((i) => i.name !== this.options.name),
    }))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    await ctx.editor.removeIndex(from, ctx.to.get(key), indexOf(from, this.options.name))
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const to = ctx.to.get(key)
    await ctx.editor.addIndex(ctx.from.get(key), to, indexOf(to, this.options.name))
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.removeIndex({ model: ${toCode(this.options.model)}, name: ${toCode(this.options.name)} })`
  }
}

/** The index state of a historical model by name (indexes of historical models are named). */
function indexOf(model: { meta: { indexes: readonly unknown[] } }, name: string): IndexState {
  const found = (model.meta.indexes as IndexState[]).find((i) => i.name === name)
  if (found === undefined)
    throw new MigrationError('PLINTH_MIGRATIONS_UNKNOWN_INDEX', `No index "${name}".`)
  return found
}

export class AddConstraint implements Operation {
  readonly type = 'addConstraint'
  readonly reversible = true
  readonly options: { model: string; constraint: ConstraintState }
  constructor(options: { model: string; constraint: ConstraintState }) {
    checkName(options.constraint?.name, 'op.addConstraint')
    this.options = options
  }
  describe(): string {
    return `Add constraint ${this.options.constraint.name} on ${this.options.model}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    if (state.get(key).constraints.some((c) => c.name === this.options.constraint.name)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_DUPLICATE_CONSTRAINT',
        `${key} already has a constraint "${this.options.constraint.name}".`,
      )
    }
    state.update(key, (m) => ({ ...m, constraints: [...m.constraints, this.options.constraint] }))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    await ctx.editor.addConstraint(ctx.from.get(key), ctx.to.get(key), this.options.constraint)
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    await ctx.editor.removeConstraint(ctx.from.get(key), ctx.to.get(key), this.options.constraint)
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.addConstraint({ model: ${toCode(this.options.model)}, constraint: ${toCode(this.options.constraint)} })`
  }
}

export class RemoveConstraint implements Operation {
  readonly type = 'removeConstraint'
  readonly reversible = true
  readonly options: { model: string; name: string }
  constructor(options: { model: string; name: string }) {
    checkName(options?.name, 'op.removeConstraint')
    this.options = options
  }
  describe(): string {
    return `Remove constraint ${this.options.name} from ${this.options.model}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    findConstraint(state, key, this.options.name)
    state.update(key, (m) => ({
      ...m,
      constraints: m.constraints.filter((c) => c.name !== this.options.name),
    }))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    await ctx.editor.removeConstraint(from, ctx.to.get(key), constraintOf(from, this.options.name))
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const to = ctx.to.get(key)
    await ctx.editor.addConstraint(ctx.from.get(key), to, constraintOf(to, this.options.name))
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.removeConstraint({ model: ${toCode(this.options.model)}, name: ${toCode(this.options.name)} })`
  }
}

function constraintOf(
  model: { meta: { constraints: readonly unknown[] } },
  name: string,
): ConstraintState {
  const found = (model.meta.constraints as ConstraintState[]).find((c) => c.name === name)
  if (found === undefined)
    throw new MigrationError('PLINTH_MIGRATIONS_UNKNOWN_CONSTRAINT', `No constraint "${name}".`)
  return found
}

/** Options of `op.renameIndex` and `op.renameConstraint`. */
export interface RenameNamedOptions {
  model: string
  from: string
  to: string
}

/**
 * Give an index a new name, keeping it (an index named after a renamed field or table, say):
 * PostgreSQL and MySQL rename it in place; SQLite, which cannot, drops and recreates it.
 */
export class RenameIndex implements Operation {
  readonly type = 'renameIndex'
  readonly reversible = true
  readonly options: RenameNamedOptions
  constructor(options: RenameNamedOptions) {
    checkName(options?.from, 'op.renameIndex')
    checkName(options?.to, 'op.renameIndex')
    this.options = options
  }
  describe(): string {
    return `Rename index ${this.options.from} on ${this.options.model} to ${this.options.to}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    findIndex(state, key, this.options.from)
    if (state.get(key).indexes.some((i) => i.name === this.options.to)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_DUPLICATE_INDEX',
        `${key} already has an index "${this.options.to}".`,
      )
    }
    state.update(key, (m) => ({
      ...m,
      indexes: m.indexes.map((i) =>
        i.name === this.options.from ? { ...i, name: this.options.to } : i,
      ),
    }))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    await this.#rename(ctx, this.options.from, this.options.to)
  }
  async backwards(ctx: OperationContext): Promise<void> {
    await this.#rename(ctx, this.options.to, this.options.from)
  }
  async #rename(ctx: OperationContext, before: string, after: string): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    const to = ctx.to.get(key)
    await ctx.editor.renameIndex(from, to, indexOf(from, before), indexOf(to, after))
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.renameIndex({ model: ${toCode(this.options.model)}, from: ${toCode(this.options.from)}, to: ${toCode(this.options.to)} })`
  }
}

/** Give a unique or check constraint a new name, keeping it. */
export class RenameConstraint implements Operation {
  readonly type = 'renameConstraint'
  readonly reversible = true
  readonly options: RenameNamedOptions
  constructor(options: RenameNamedOptions) {
    checkName(options?.from, 'op.renameConstraint')
    checkName(options?.to, 'op.renameConstraint')
    this.options = options
  }
  describe(): string {
    return `Rename constraint ${this.options.from} on ${this.options.model} to ${this.options.to}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    findConstraint(state, key, this.options.from)
    if (state.get(key).constraints.some((c) => c.name === this.options.to)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_DUPLICATE_CONSTRAINT',
        `${key} already has a constraint "${this.options.to}".`,
      )
    }
    state.update(key, (m) => ({
      ...m,
      constraints: m.constraints.map((c) =>
        c.name === this.options.from ? { ...c, name: this.options.to } : c,
      ),
    }))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    await this.#rename(ctx, this.options.from, this.options.to)
  }
  async backwards(ctx: OperationContext): Promise<void> {
    await this.#rename(ctx, this.options.to, this.options.from)
  }
  async #rename(ctx: OperationContext, before: string, after: string): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    const to = ctx.to.get(key)
    await ctx.editor.renameConstraint(from, to, constraintOf(from, before), constraintOf(to, after))
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.renameConstraint({ model: ${toCode(this.options.model)}, from: ${toCode(this.options.from)}, to: ${toCode(this.options.to)} })`
  }
}
