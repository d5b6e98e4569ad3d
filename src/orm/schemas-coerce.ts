/**
 * Wire formats of the model schemas: turning what a JSON body can carry into the JavaScript values
 * the model holds, before the model's own rules (`validate.ts`) judge them.
 *
 * JSON has no dates, 64-bit integers or bytes, so those arrive as strings: datetimes as ISO 8601
 * with a time zone, bigints as digit strings (numbers are accepted while they are exact), bytes as
 * base64. Decimals arrive as strings or numbers and leave as strings normalised to the field's
 * scale (`'9.9'` → `'9.90'`). A value that cannot be converted becomes a `Refusal` with a message
 * written for API clients; anything else is passed on unchanged for `fieldIssues` to report.
 */
import { describe } from './codecs.ts'
import type { FieldSpec } from './fields.ts'

/** A wire value that cannot be converted: the issue to report instead. */
export class Refusal {
  readonly message: string
  readonly code: string
  constructor(message: string, code = 'invalid_type') {
    this.message = message
    this.code = code
  }
}

/** Converts one wire value (never `undefined`, possibly `null`) into the model's value. */
export type Coercer = (value: unknown) => unknown

// RFC 3339 date-time: a time zone is required, so no value is read in the server's local time.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i
const INTEGER = /^-?\d{1,30}$/
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

const identity: Coercer = (value) => value

function dateTime(value: unknown): unknown {
  if (value === null || value instanceof Date) return value
  if (typeof value === 'string' && DATE_TIME.test(value)) {
    const date = new Date(value)
    if (!Number.isNaN(date.getTime())) return date
  }
  return new Refusal(
    `Expected an ISO 8601 date-time with a time zone, like "2024-05-01T09:30:00Z"; got ${typeof value === 'string' ? 'another string' : describe(value)}.`,
  )
}

function bigInteger(value: unknown): unknown {
  if (value === null || typeof value === 'bigint') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value)
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value)
  return new Refusal(
    `Expected a whole number as a string of digits (like "9007199254740993") or an exact integer; got ${describe(value)}.`,
  )
}

function bytes(value: unknown): unknown {
  if (value === null || value instanceof Uint8Array) return value
  if (typeof value === 'string' && BASE64.test(value)) return Buffer.from(value, 'base64')
  return new Refusal(
    `Expected bytes as a base64 string; got ${typeof value === 'string' ? 'text that is not base64' : describe(value)}.`,
  )
}

/** `'+007.5'` → `'7.50'` for two places; left alone when it is not a decimal this field can hold. */
function decimal(places: number): Coercer {
  return (value) => {
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
    if (typeof text !== 'string') return value
    const match = DECIMAL.exec(text)
    if (match === null || (match[2] === '' && (match[3] ?? '') === '')) return value
    const fraction = match[3] ?? ''
    // Too many places is an error to report (no silent rounding of money), not to normalise.
    if (fraction.length > places) return text
    const whole = match[2]!.replace(/^0+(?=\d)/, '') || '0'
    const sign = match[1] === '-' && /[1-9]/.test(whole + fraction) ? '-' : ''
    return places === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction.padEnd(places, '0')}`
  }
}

/** The coercer for a field of this kind (foreign keys use their target field's spec). */
export function coercerFor(spec: FieldSpec): Coercer {
  switch (spec.kind) {
    case 'datetime':
      return dateTime
    case 'bigint':
    case 'bigAutoId':
      return bigInteger
    case 'binary':
      return bytes
    case 'decimal':
      return decimal(spec.decimalPlaces ?? 0)
    default:
      return identity
  }
}
