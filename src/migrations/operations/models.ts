/**
 * Operations on whole models: create, delete, rename, move to another table.
 */
import type { AnyField } from '../../orm/fields.ts'
import { snakeCase } from '../../orm/meta.ts'
import { keyCode, toCode } from '../code.ts'
import { deconstruct, fieldCode, normalizeField } from '../deconstruct.ts'
import { MigrationError } from '../errors.ts'
import {
  type ConstraintState,
  type IndexState,
  type ModelState,
  modelKey,
  type ProjectState,
} from '../state.ts'
import { type Operation, type OperationContext, qualify } from './base.ts'

/** Options of `op.createModel`. */
export interface CreateModelOptions {
  name: string
  /** Field name → field, written with the same `field.*` builders as models. */
  fields: Record<string, AnyField>
  /** Default: the name in snake_case. */
  table?: string
  indexes?: IndexState[]
  constraints?: ConstraintState[]
}

export class CreateModel implements Operation {
  readonly type = 'createModel'
  readonly reversible = true
  readonly options: CreateModelOptions
  constructor(options: CreateModelOptions) {
    if (!options || typeof options.name !== 'string' || typeof options.fields !== 'object') {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_INVALID',
        'op.createModel needs { name, fields }.',
      )
    }
    this.options = options
  }
  describe(): string {
    return `Create model ${this.options.name}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.name, module)
    const [mod, name] = [key.slice(0, key.lastIndexOf('.')), key.slice(key.lastIndexOf('.') + 1)]
    const fields = new Map<string, AnyField>()
    for (const [n, f] of Object.entries(this.options.fields)) fields.set(n, normalizeField(f, mod))
    state.add({
      module: mod,
      name,
      table: this.options.table ?? snakeCase(name),
      fields,
      indexes: this.options.indexes ?? [],
      constraints: this.options.constraints ?? [],
    })
  }
  async forwards(ctx: OperationContext): Promise<void> {
    await ctx.editor.createModel(ctx.to.get(qualify(this.options.name, ctx.module)))
  }
  async backwards(ctx: OperationContext): Promise<void> {
    await ctx.editor.deleteModel(ctx.from.get(qualify(this.options.name, ctx.module)))
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(module: string): string {
    return createModelCode(
      {
        module,
        name: this.options.name,
        table: this.options.table ?? snakeCase(this.options.name),
        fields: new Map(Object.entries(this.options.fields)),
        indexes: this.options.indexes ?? [],
        constraints: this.options.constraints ?? [],
      },
      module,
    )
  }
}

/** `op.createModel({...})` for a model state, one field per line. */
export function createModelCode(model: ModelState, module: string): string {
  const lines = [`op.createModel({`, `  name: ${toCode(model.name)},`]
  if (model.table !== snakeCase(model.name)) lines.push(`  table: ${toCode(model.table)},`)
  lines.push('  fields: {')
  for (const [name, f] of model.fields)
    lines.push(`    ${keyCode(name)}: ${fieldCode(deconstruct(f.spec, model.module), module)},`)
  lines.push('  },')
  if (model.indexes.length) lines.push(`  indexes: ${toCode(model.indexes)},`)
  if (model.constraints.length) lines.push(`  constraints: ${toCode(model.constraints)},`)
  lines.push('})')
  return lines.join('\n')
}

export class DeleteModel implements Operation {
  readonly type = 'deleteModel'
  readonly reversible = true
  readonly options: { name: string }
  constructor(options: { name: string }) {
    this.options = options
  }
  describe(): string {
    return `Delete model ${this.options.name}`
  }
  applyState(state: ProjectState, module: string): void {
    state.remove(qualify(this.options.name, module))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    await ctx.editor.deleteModel(ctx.from.get(qualify(this.options.name, ctx.module)))
  }
  async backwards(ctx: OperationContext): Promise<void> {
    await ctx.editor.createModel(ctx.to.get(qualify(this.options.name, ctx.module)))
  }
  dataLoss(): string {
    return `drops the table of ${this.options.name} and every row in it`
  }
  toCode(): string {
    return `op.deleteModel({ name: ${toCode(this.options.name)} })`
  }
}

/**
 * Rename a model. Its table follows when it had the default name (`OrderItem` → `order_item`);
 * foreign keys and many-to-many fields pointing at it are updated in the state.
 */
export class RenameModel implements Operation {
  readonly type = 'renameModel'
  readonly reversible = true
  readonly options: { from: string; to: string }
  constructor(options: { from: string; to: string }) {
    this.options = options
  }
  describe(): string {
    return `Rename model ${this.options.from} to ${this.options.to}`
  }
  applyState(state: ProjectState, module: string): void {
    const fromKey = qualify(this.options.from, module)
    const old = state.get(fromKey)
    const toName = this.options.to
    const toKey = modelKey(old.module, toName)
    if (state.has(toKey)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_DUPLICATE_MODEL',
        `Cannot rename ${fromKey} to ${toName}: that model already exists.`,
      )
    }
    const table = old.table === snakeCase(old.name) ? snakeCase(toName) : old.table
    state.update(fromKey, (m) => ({ ...m, name: toName, table }))
    retarget(state, fromKey, toKey)
  }
  async forwards(ctx: OperationContext): Promise<void> {
    await ctx.editor.renameModel(
      ctx.from.get(qualify(this.options.from, ctx.module)),
      ctx.to.get(qualify(this.options.to, ctx.module)),
    )
  }
  async backwards(ctx: OperationContext): Promise<void> {
    await ctx.editor.renameModel(
      ctx.from.get(qualify(this.options.to, ctx.module)),
      ctx.to.get(qualify(this.options.from, ctx.module)),
    )
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.renameModel({ from: ${toCode(this.options.from)}, to: ${toCode(this.options.to)} })`
  }
}

/** Point every relation aimed at `fromKey` at `toKey` instead. */
function retarget(state: ProjectState, fromKey: string, toKey: string): void {
  for (const model of state.models()) {
    let changed = false
    const fields = new Map<string, AnyField>()
    for (const [name, f] of model.fields) {
      const call = deconstruct(f.spec, model.module)
      const target = call.target === fromKey ? toKey : call.target
      const through = call.options.through === fromKey ? toKey : call.options.through
      if (target !== call.target || through !== call.options.through) {
        changed = true
        fields.set(
          name,
          normalizeField(
            { spec: { ...f.spec, target, ...(through ? { through } : {}) } } as AnyField,
            model.module,
          ),
        )
      } else fields.set(name, f)
    }
    if (changed) state.update(modelKey(model.module, model.name), (m) => ({ ...m, fields }))
  }
}

/** Move a model to another table name (Django's AlterModelTable). */
export class AlterModelTable implements Operation {
  readonly type = 'alterModelTable'
  readonly reversible = true
  readonly options: { name: string; table: string }
  constructor(options: { name: string; table: string }) {
    this.options = options
  }
  describe(): string {
    return `Rename the table of ${this.options.name} to ${this.options.table}`
  }
  applyState(state: ProjectState, module: string): void {
    state.update(qualify(this.options.name, module), (m) => ({ ...m, table: this.options.table }))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.name, ctx.module)
    await ctx.editor.renameModel(ctx.from.get(key), ctx.to.get(key))
  }
  async backwards(ctx: OperationContext): Promise<void> {
    await this.forwards(ctx)
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.alterModelTable({ name: ${toCode(this.options.name)}, table: ${toCode(this.options.table)} })`
  }
}
