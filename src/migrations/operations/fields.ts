/**
 * Operations on one field: add, remove, alter, rename.
 */
import type { AnyField, FieldSpec } from '../../orm/fields.ts'
import type { FieldInfo } from '../../orm/meta.ts'
import type { AnyModel } from '../../orm/model.ts'
import { isCondition } from '../../orm/query/expressions.ts'
import { toCode } from '../code.ts'
import { deconstruct, fieldCode, normalizeField } from '../deconstruct.ts'
import { MigrationError } from '../errors.ts'
import type { ProjectState } from '../state.ts'
import { type Operation, type OperationContext, qualify } from './base.ts'

function fieldOf(model: AnyModel, name: string): FieldInfo {
  const info = model.meta.fields.get(name)
  if (info === undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_FIELD',
      `${model.name} has no field "${name}" at this point of the migration history.`,
    )
  }
  return info
}

function withFields(
  state: ProjectState,
  key: string,
  change: (fields: Map<string, AnyField>) => void,
): void {
  state.update(key, (m) => {
    const fields = new Map(m.fields)
    change(fields)
    return { ...m, fields }
  })
}

function requireField(state: ProjectState, key: string, name: string): AnyField {
  const f = state.get(key).fields.get(name)
  if (f === undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_FIELD',
      `${key} has no field "${name}" at this point of the migration history.`,
    )
  }
  return f
}

/** `op.addField({ … })` / `op.alterField({ … })`: the field as its builder call, and the fill. */
function fieldOperationCode(
  type: 'addField' | 'alterField',
  options: { model: string; name: string; field: AnyField; fill?: unknown },
  module: string,
): string {
  const f = fieldCode(deconstruct(options.field.spec, module), module)
  const fill = 'fill' in options ? `, fill: ${toCode(options.fill)}` : ''
  return `op.${type}({ model: ${toCode(options.model)}, name: ${toCode(options.name)}, field: ${f}${fill} })`
}

/** Options of `op.addField`. */
export interface AddFieldOptions {
  model: string
  name: string
  field: AnyField
  /**
   * The value rows already in the table get, when the field is NOT NULL. Without it, the field's
   * own literal default is used; without either, adding the field to a table with rows fails
   * before anything changes.
   */
  fill?: unknown
}

export class AddField implements Operation {
  readonly type = 'addField'
  readonly reversible = true
  readonly options: AddFieldOptions
  constructor(options: AddFieldOptions) {
    this.options = options
  }
  describe(): string {
    return `Add field ${this.options.name} to ${this.options.model}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    const model = state.get(key)
    if (model.fields.has(this.options.name)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_DUPLICATE_FIELD',
        `${key} already has a field "${this.options.name}".`,
      )
    }
    withFields(state, key, (fields) =>
      fields.set(this.options.name, normalizeField(this.options.field, model.module)),
    )
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const to = ctx.to.get(key)
    const spec = this.options.field.spec
    const fill =
      'fill' in this.options ? this.options.fill : spec.hasDefault ? spec.default : undefined
    await ctx.editor.addField(
      ctx.from.get(key),
      to,
      fieldOf(to, this.options.name),
      typeof fill === 'function' ? (fill as () => unknown)() : fill,
    )
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    await ctx.editor.removeField(from, ctx.to.get(key), fieldOf(from, this.options.name))
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(module: string): string {
    return fieldOperationCode('addField', this.options, module)
  }
}

export class RemoveField implements Operation {
  readonly type = 'removeField'
  readonly reversible = true
  readonly options: { model: string; name: string }
  constructor(options: { model: string; name: string }) {
    this.options = options
  }
  describe(): string {
    return `Remove field ${this.options.name} from ${this.options.model}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    requireField(state, key, this.options.name)
    withFields(state, key, (fields) => fields.delete(this.options.name))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    await ctx.editor.removeField(from, ctx.to.get(key), fieldOf(from, this.options.name))
  }
  async backwards(ctx: OperationContext): Promise<void> {
    // Re-adding a NOT NULL column to rows that lost it: the rows get the field's default, or
    // the type's zero value, since the original values are gone.
    const key = qualify(this.options.model, ctx.module)
    const to = ctx.to.get(key)
    const info = fieldOf(to, this.options.name)
    await ctx.editor.addField(ctx.from.get(key), to, info, restoreValue(info.spec))
  }
  dataLoss(): string {
    return `drops the column of ${this.options.model}.${this.options.name} and its values`
  }
  toCode(): string {
    return `op.removeField({ model: ${toCode(this.options.model)}, name: ${toCode(this.options.name)} })`
  }
}

/** What rows get when a dropped NOT NULL column comes back on reversal. */
export function restoreValue(spec: FieldSpec): unknown {
  if (spec.null) return null
  if (spec.hasDefault) return typeof spec.default === 'function' ? spec.default() : spec.default
  switch (spec.kind) {
    case 'foreignKey':
    case 'oneToOne':
      // No row can be invented for a key to point at: with rows present, the editor refuses
      // (PLINTH_MIGRATIONS_NEEDS_DEFAULT) before changing anything.
      return undefined
    case 'integer':
    case 'float':
    case 'duration':
      return 0
    case 'bigint':
      return 0n
    case 'decimal':
      return '0'
    case 'boolean':
      return false
    case 'date':
      return '1970-01-01'
    case 'datetime':
      return new Date(0)
    case 'time':
      return '00:00:00'
    case 'json':
      return null
    case 'binary':
      return new Uint8Array(0)
    case 'enum':
      return spec.values?.[0] ?? ''
    case 'uuid':
      return '00000000-0000-0000-0000-000000000000'
    default:
      return ''
  }
}

/** Options of `op.alterField`. */
export interface AlterFieldOptions {
  model: string
  name: string
  /** The field as it is after the change. */
  field: AnyField
  /** The value NULLs get when the field becomes NOT NULL (needed when some rows hold NULL). */
  fill?: unknown
}

export class AlterField implements Operation {
  readonly type = 'alterField'
  readonly reversible = true
  readonly options: AlterFieldOptions
  constructor(options: AlterFieldOptions) {
    this.options = options
  }
  describe(): string {
    return `Alter field ${this.options.name} on ${this.options.model}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    requireField(state, key, this.options.name)
    withFields(state, key, (fields) =>
      fields.set(this.options.name, normalizeField(this.options.field, state.get(key).module)),
    )
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    const to = ctx.to.get(key)
    await ctx.editor.alterField(
      from,
      fieldOf(from, this.options.name),
      to,
      fieldOf(to, this.options.name),
      this.options.fill,
    )
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    const to = ctx.to.get(key)
    const current = fieldOf(from, this.options.name)
    const target = fieldOf(to, this.options.name)
    // Going back to NOT NULL: rows that got NULL since need a value again.
    const fill = current.spec.null && !target.spec.null ? restoreValue(target.spec) : undefined
    await ctx.editor.alterField(from, current, to, target, fill)
  }
  dataLoss(before: ProjectState, module: string): string | undefined {
    const key = qualify(this.options.model, module)
    const old = before.get(key).fields.get(this.options.name)
    return old === undefined
      ? undefined
      : narrowing(old.spec, this.options.field.spec, this.options)
  }
  toCode(module: string): string {
    return fieldOperationCode('alterField', this.options, module)
  }
}

/** Kind changes that keep every value (the new type holds everything the old one can). */
const WIDENING: Record<string, readonly string[]> = {
  integer: ['bigint', 'float', 'decimal', 'string', 'text'],
  bigint: ['decimal', 'string', 'text'],
  string: ['text'],
  email: ['string', 'text'],
  url: ['string', 'text'],
  slug: ['string', 'text'],
  enum: ['string', 'text'],
  uuid: ['string', 'text'],
  boolean: ['integer', 'bigint'],
  date: ['datetime', 'string', 'text'],
}
const STRINGS = new Set(['string', 'email', 'url', 'slug', 'enum'])

/** Why changing `from` into `to` can lose values, or undefined when it cannot. */
export function narrowing(
  from: FieldSpec,
  to: FieldSpec,
  options: { fill?: unknown } = {},
): string | undefined {
  if (from.kind !== to.kind && !WIDENING[from.kind]?.includes(to.kind))
    return `changes the type from ${from.kind} to ${to.kind}; values that do not fit are lost or refused`
  if (STRINGS.has(from.kind) && STRINGS.has(to.kind) && (to.maxLength ?? 0) < (from.maxLength ?? 0))
    return `shortens maxLength from ${from.maxLength} to ${to.maxLength}; longer values are refused`
  if (from.kind === 'decimal' && to.kind === 'decimal') {
    const intFrom = (from.maxDigits ?? 0) - (from.decimalPlaces ?? 0)
    const intTo = (to.maxDigits ?? 0) - (to.decimalPlaces ?? 0)
    if (intTo < intFrom || (to.decimalPlaces ?? 0) < (from.decimalPlaces ?? 0))
      return `narrows decimal(${from.maxDigits}, ${from.decimalPlaces}) to decimal(${to.maxDigits}, ${to.decimalPlaces})`
  }
  if (from.null && !to.null && !('fill' in options))
    return 'makes the column NOT NULL without a fill value; rows holding NULL make it fail'
  return undefined
}

/** Rename a field (and its column, when the column name derives from the field name). */
export class RenameField implements Operation {
  readonly type = 'renameField'
  readonly reversible = true
  readonly options: { model: string; from: string; to: string }
  constructor(options: { model: string; from: string; to: string }) {
    this.options = options
  }
  describe(): string {
    return `Rename field ${this.options.from} on ${this.options.model} to ${this.options.to}`
  }
  applyState(state: ProjectState, module: string): void {
    const key = qualify(this.options.model, module)
    const { from, to } = this.options
    requireField(state, key, from)
    if (state.get(key).fields.has(to)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_DUPLICATE_FIELD',
        `Cannot rename ${key}.${from} to ${to}: that field already exists.`,
      )
    }
    const rename = (k: string): string =>
      k.startsWith('-')
        ? `-${rename(k.slice(1))}`
        : k === from
          ? to
          : k === `${from}Id`
            ? `${to}Id`
            : k
    // or()/and()/not() are marked by a symbol key that Object.entries would drop: recurse.
    const renameWhere = (where: object | undefined): object | undefined =>
      where === undefined
        ? undefined
        : isCondition(where)
          ? { ...where, items: where.items.map((item) => renameWhere(item as object)) }
          : Object.fromEntries(Object.entries(where).map(([k, v]) => [rename(k), v]))
    state.update(key, (m) => ({
      ...m,
      fields: new Map([...m.fields].map(([k, v]) => [rename(k), v] as const)),
      indexes: m.indexes.map((i) => ({
        ...i,
        fields: i.fields.map(rename),
        ...(i.where ? { where: renameWhere(i.where)! } : {}),
      })),
      constraints: m.constraints.map((c) =>
        c.type === 'unique'
          ? { ...c, fields: c.fields.map(rename) }
          : { ...c, check: renameWhere(c.check)! },
      ),
    }))
  }
  async forwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    const to = ctx.to.get(key)
    await ctx.editor.alterField(
      from,
      fieldOf(from, this.options.from),
      to,
      fieldOf(to, this.options.to),
    )
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const key = qualify(this.options.model, ctx.module)
    const from = ctx.from.get(key)
    const to = ctx.to.get(key)
    await ctx.editor.alterField(
      from,
      fieldOf(from, this.options.to),
      to,
      fieldOf(to, this.options.from),
    )
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return `op.renameField({ model: ${toCode(this.options.model)}, from: ${toCode(this.options.from)}, to: ${toCode(this.options.to)} })`
  }
}
