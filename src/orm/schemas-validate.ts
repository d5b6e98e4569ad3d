/**
 * Running the model schemas: which fields each schema accepts (the plan, built once per model),
 * refusing keys it does not accept, converting wire values and judging them with the model's own
 * rules (`fieldIssues` in `validate.ts`).
 */
import type { ValidationIssue } from '../validation/index.ts'
import { isRelation } from './fields.ts'
import type { FieldInfo } from './meta.ts'
import type { AnyModel } from './model.ts'
import { type Coercer, coercerFor, Refusal } from './schemas-coerce.ts'
import { fieldIssues } from './validate.ts'

export type SchemaKind = 'create' | 'update' | 'partialUpdate' | 'output'

export const SUFFIX: Record<SchemaKind, string> = {
  create: 'Create',
  update: 'Update',
  partialUpdate: 'PartialUpdate',
  output: '',
}

/** One column, as the schemas see it. */
export interface FieldPlan {
  readonly info: FieldInfo
  readonly coerce: Coercer
  /** Foreign keys: the target's key field, to check the value's type against. */
  readonly key: FieldInfo | undefined
  readonly required: boolean
  readonly writable: boolean
}

/** What the schemas of one model need, built on first use. */
export interface Plan {
  readonly fields: readonly FieldPlan[]
  /** Why a key that is not writable was refused, for keys the model knows. */
  readonly refusals: ReadonlyMap<string, string>
}

/** True when an API may write the field: an editable column the database does not fill. */
function isWritable(info: FieldInfo): boolean {
  const { spec } = info
  return (
    info.column !== undefined &&
    spec.editable &&
    !spec.generated &&
    !spec.autoNow &&
    !spec.autoNowAdd
  )
}

/** The field a foreign key holds the value of, with the foreign key's name (for issue paths). */
function keyFieldOf(model: AnyModel, info: FieldInfo): FieldInfo | undefined {
  if (!isRelation(info.spec)) return undefined
  const target = model.meta.relation(info.name)!.target
  const key =
    info.spec.toField === undefined
      ? target.meta.pk
      : (target.meta.fields.get(info.spec.toField) ??
        target.meta.byAttr.get(info.spec.toField) ??
        target.meta.pk)
  // Only the key's type and format matter here, not the rules for creating target rows.
  return {
    ...key,
    name: info.name,
    attr: info.attr,
    spec: { ...key.spec, null: false, generated: false, validators: [], choices: undefined },
  }
}

/** Which fields the schemas cover, how each converts, and why other keys are refused. */
export function buildPlan(model: AnyModel): Plan {
  const fields = model.meta.columns.map((info): FieldPlan => {
    const key = keyFieldOf(model, info)
    const { spec } = info
    return {
      info,
      key,
      coerce: coercerFor(key?.spec ?? spec),
      required: !spec.null && !spec.hasDefault && !spec.generated,
      writable: isWritable(info),
    }
  })
  const refusals = new Map<string, string>()
  for (const info of model.meta.fields.values()) {
    if (info.spec.kind === 'manyToMany') {
      refusals.set(
        info.name,
        `"${info.name}" is a many-to-many relation; it cannot be set here (change it after saving).`,
      )
    } else if (info.attr !== info.name) {
      refusals.set(
        info.name,
        `Unknown field "${info.name}"; send the related row's key as "${info.attr}".`,
      )
    }
    if (info.column !== undefined && !isWritable(info))
      refusals.set(info.attr, `"${info.attr}" is read-only.`)
  }
  return { fields, refusals }
}

/** An issue in the body, like those `fieldIssues` reports. */
export function issue(
  path: Array<string | number>,
  message: string,
  code: string,
): ValidationIssue {
  return { location: 'body', path, message, code }
}

/** The fields an input schema accepts: writable ones, less the primary key when changing a row. */
export function writableFields(plan: Plan, kind: SchemaKind): FieldPlan[] {
  return plan.fields.filter((f) => f.writable && !(kind !== 'create' && f.info.spec.primaryKey))
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Convert and check one present value; issues go to `issues`, the value to `out`. */
function checkField(
  field: FieldPlan,
  raw: unknown,
  out: Record<string, unknown>,
  issues: ValidationIssue[],
): void {
  const { attr } = field.info
  const value = field.coerce(raw)
  if (value instanceof Refusal) {
    issues.push(issue([attr], value.message, value.code))
    return
  }
  const found = fieldIssues(field.info, value)
  if (found.length === 0 && field.key !== undefined && value !== null)
    found.push(...fieldIssues(field.key, value))
  if (found.length > 0) issues.push(...found)
  else out[attr] = value
}

/** `create`, `update`, `partialUpdate`: refuse keys not accepted, require, convert, check. */
export function validateInput(
  plan: Plan,
  kind: SchemaKind,
  value: unknown,
): { value?: Record<string, unknown>; issues: ValidationIssue[] } {
  if (!isObject(value)) return { issues: [issue([], 'Expected a JSON object.', 'invalid_type')] }
  const issues: ValidationIssue[] = []
  const fields = writableFields(plan, kind)
  const accepted = new Set(fields.map((f) => f.info.attr))
  for (const key of Object.keys(value)) {
    if (accepted.has(key)) continue
    const reason =
      kind !== 'create' && plan.fields.some((f) => f.info.attr === key && f.info.spec.primaryKey)
        ? `"${key}" is the primary key; it cannot be changed.`
        : plan.refusals.get(key)
    issues.push(issue([key], reason ?? `Unknown field "${key}".`, 'unknown_key'))
  }
  const out: Record<string, unknown> = {}
  for (const field of fields) {
    const raw = value[field.info.attr]
    if (raw !== undefined) checkField(field, raw, out, issues)
    else if (field.required && kind !== 'partialUpdate')
      issues.push(issue([field.info.attr], 'This field is required.', 'required'))
  }
  return issues.length > 0 ? { issues } : { value: out, issues }
}

/** `output`: every column present and valid; other keys (loaded relations) ignored. */
export function validateOutput(
  plan: Plan,
  value: unknown,
): { value?: Record<string, unknown>; issues: ValidationIssue[] } {
  if (!isObject(value))
    return { issues: [issue([], 'Expected a row (an object).', 'invalid_type')] }
  const issues: ValidationIssue[] = []
  const out: Record<string, unknown> = {}
  for (const field of plan.fields) {
    const raw = value[field.info.attr]
    if (raw === undefined)
      issues.push(issue([field.info.attr], 'This field is missing from the row.', 'required'))
    else checkField(field, raw, out, issues)
  }
  return issues.length > 0 ? { issues } : { value: out, issues }
}
