/**
 * Field and model validation: the rules a model's metadata implies (type, NOT NULL, `maxLength`,
 * choices, email/URL/slug formats, decimal digits) plus the user's validators and the model-level
 * `validate` rule. Used by `instance.validate()`, `save()`, `create()` and the derived schemas, so
 * the database never sees a value the model would refuse (SQLite does not enforce varchar lengths).
 */
import type { ValidationIssue } from '../validation/index.ts'
import { describe } from './codecs.ts'
import { type FieldInfo, valueField } from './meta.ts'
import type { AnyModel } from './model.ts'

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const SLUG = /^[-a-zA-Z0-9_]+$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DATE = /^\d{4}-\d{2}-\d{2}$/
const TIME = /^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/
const DECIMAL = /^[+-]?(\d*)(?:\.(\d*))?$/
const INT32 = 2 ** 31

function issue(field: FieldInfo, message: string, code: string): ValidationIssue {
  return { location: 'body', path: [field.attr], message, code }
}

function isUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

function validDate(text: string): boolean {
  if (!DATE.test(text)) return false
  const d = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text)
}

/** Problems with one field's value (empty when fine). `value` must not be undefined. */
export function fieldIssues(field: FieldInfo, value: unknown): ValidationIssue[] {
  const spec = field.spec
  if (value === null) {
    return spec.null || spec.generated ? [] : [issue(field, 'This field cannot be null.', 'null')]
  }
  const type = (message: string) => [issue(field, message, 'invalid_type')]
  switch (spec.kind) {
    case 'string':
    case 'text':
    case 'email':
    case 'url':
    case 'slug':
    case 'enum':
    case 'uuid':
    case 'uuidId': {
      if (typeof value !== 'string') return type(`Expected a string, got ${describe(value)}.`)
      if (value === '' && !spec.blank && spec.kind !== 'enum')
        return [issue(field, 'This field cannot be blank.', 'blank')]
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        return [
          issue(
            field,
            `Ensure this value has at most ${spec.maxLength} characters (it has ${value.length}).`,
            'too_long',
          ),
        ]
      }
      if (value === '') break
      if (spec.kind === 'email' && !EMAIL.test(value))
        return [issue(field, 'Enter a valid email address.', 'invalid_email')]
      if (spec.kind === 'url' && !isUrl(value))
        return [issue(field, 'Enter a valid http(s) URL.', 'invalid_url')]
      if (spec.kind === 'slug' && !SLUG.test(value))
        return [issue(field, 'Use only letters, digits, hyphens and underscores.', 'invalid_slug')]
      if ((spec.kind === 'uuid' || spec.kind === 'uuidId') && !UUID.test(value))
        return [issue(field, 'Enter a valid UUID.', 'invalid_uuid')]
      if (spec.kind === 'enum' && !spec.values!.includes(value))
        return [issue(field, `Expected one of: ${spec.values!.join(', ')}.`, 'invalid_choice')]
      break
    }
    case 'integer':
    case 'autoId':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return type(`Expected an integer, got ${describe(value)}.`)
      if (spec.kind === 'integer' && (value >= INT32 || value < -INT32))
        return [issue(field, 'Integer out of range (32-bit).', 'too_big')]
      break
    case 'duration':
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        return type(`Expected a whole number of milliseconds, got ${describe(value)}.`)
      break
    case 'bigint':
    case 'bigAutoId':
      if (typeof value !== 'bigint' && !(typeof value === 'number' && Number.isSafeInteger(value)))
        return type(`Expected a bigint, got ${describe(value)}.`)
      if (BigInt(value) >= 2n ** 63n || BigInt(value) < -(2n ** 63n))
        return [issue(field, 'Integer out of range (64-bit).', 'too_big')]
      break
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value))
        return type(`Expected a finite number, got ${describe(value)}.`)
      break
    case 'decimal': {
      const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
      const match =
        typeof text === 'string' && text !== '' && text !== '.' ? DECIMAL.exec(text) : null
      if (match === null)
        return type(`Expected a decimal number like "19.99", got ${describe(value)}.`)
      const whole = match[1]!.replace(/^0+/, '')
      const fraction = match[2] ?? ''
      if (fraction.length > spec.decimalPlaces!)
        return [
          issue(
            field,
            `Ensure there are no more than ${spec.decimalPlaces} decimal places.`,
            'too_precise',
          ),
        ]
      if (whole.length > spec.maxDigits! - spec.decimalPlaces!)
        return [
          issue(
            field,
            `Ensure there are no more than ${spec.maxDigits! - spec.decimalPlaces!} digits before the decimal point.`,
            'too_big',
          ),
        ]
      break
    }
    case 'boolean':
      if (typeof value !== 'boolean') return type(`Expected true or false, got ${describe(value)}.`)
      break
    case 'date':
      if (typeof value !== 'string' || !validDate(value))
        return type('Expected a date as YYYY-MM-DD.')
      break
    case 'time':
      if (typeof value !== 'string' || !TIME.test(value))
        return type('Expected a time as HH:MM[:SS[.ffffff]].')
      break
    case 'datetime':
      if (!(value instanceof Date) || Number.isNaN(value.getTime()))
        return type(`Expected a valid Date, got ${describe(value)}.`)
      break
    case 'binary':
      if (!(value instanceof Uint8Array))
        return type(`Expected bytes (Uint8Array), got ${describe(value)}.`)
      break
    case 'json':
      try {
        JSON.stringify(value)
      } catch {
        return type('Expected a JSON-serialisable value.')
      }
      break
    case 'foreignKey':
    case 'oneToOne': {
      if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'bigint')
        return type(`Expected the related row's key, got ${describe(value)}.`)
      // The key must fit the field it points at: '1 OR 1=1' is no integer id.
      const key = valueField(field)
      const problems = key === field ? [] : fieldIssues(key, value)
      if (problems.length)
        return problems.map((p) => ({
          ...p,
          path: [field.attr],
          message: `Expected the related row's key: ${p.message}`,
        }))
      break
    }
    default:
      break
  }
  if (spec.choices !== undefined && !spec.choices.some(([choice]) => choice === value)) {
    return [
      issue(
        field,
        `Expected one of: ${spec.choices.map(([c]) => String(c)).join(', ')}.`,
        'invalid_choice',
      ),
    ]
  }
  const out: ValidationIssue[] = []
  for (const validator of spec.validators) {
    const message = (validator as (v: unknown) => unknown)(value)
    if (typeof message === 'string' && message) out.push(issue(field, message, 'invalid'))
  }
  return out
}

/**
 * Validate a whole row of values: every column field (missing required ones are reported unless
 * `partial`), then the model-level rule when fields pass.
 */
export function rowIssues(
  model: AnyModel,
  values: Record<string, unknown>,
  options: { partial?: boolean } = {},
): ValidationIssue[] {
  const issues: ValidationIssue[] = []
  for (const field of model.meta.columns) {
    const value = values[field.attr]
    if (value === undefined) {
      if (!options.partial && !field.spec.null && !field.spec.hasDefault && !field.spec.generated) {
        issues.push(issue(field, 'This field is required.', 'required'))
      }
      continue
    }
    issues.push(...fieldIssues(field, value))
  }
  if (issues.length === 0 && !options.partial && model.meta.validate) {
    for (const problem of model.meta.validate(values) ?? []) {
      issues.push({
        location: 'body',
        path: problem.field ? [problem.field] : [],
        message: problem.message,
        code: 'invalid',
      })
    }
  }
  return issues
}
