/**
 * Converting field values between JavaScript and each dialect's wire format.
 *
 * The JavaScript side is the same everywhere (`boolean`, `bigint`, decimal strings, `Date` in UTC,
 * `'YYYY-MM-DD'` dates); the database side differs (SQLite has no boolean, MySQL's DECIMAL comes
 * back as text, SQLite stores timestamps as ISO text). Codecs are chosen once per field and dialect
 * and return `undefined` when no conversion is needed, so the row mapper skips them entirely.
 */
import type { DialectName } from './connection/types.ts'
import { QueryError } from './errors.ts'
import type { FieldSpec } from './fields.ts'

export type Codec = (value: unknown) => unknown

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)$/

function toBigint(value: unknown): unknown {
  if (value === null || typeof value === 'bigint') return value
  return BigInt(value as string | number)
}
function toNumber(value: unknown): unknown {
  return value === null || typeof value === 'number' ? value : Number(value)
}
function toBoolean(value: unknown): unknown {
  return value === null || typeof value === 'boolean'
    ? value
    : value !== 0 && value !== '0' && value !== 0n
}
function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}
function toDate(value: unknown): unknown {
  if (value === null || value instanceof Date) return value
  // Plinth writes ISO text with a "T" (SQLite); a space is "YYYY-MM-DD HH:MM:SS" in UTC (MySQL text).
  if (typeof value === 'string' && value.charCodeAt(10) === 32)
    return new Date(`${value.replace(' ', 'T')}Z`)
  return new Date(value as string)
}
function toBuffer(value: unknown): unknown {
  if (value === null || Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  return value
}

/** The decoder for a field's raw column values on `dialect`, or undefined for none. */
export function decoderFor(spec: FieldSpec, dialect: DialectName): Codec | undefined {
  switch (spec.kind) {
    case 'autoId':
    case 'integer':
    case 'duration':
    case 'float':
      return toNumber
    case 'bigAutoId':
    case 'bigint':
      return toBigint
    case 'boolean':
      return dialect === 'postgres' ? undefined : toBoolean
    case 'decimal': {
      const places = spec.decimalPlaces ?? 0
      // SQLite stores NUMERIC as a REAL or INTEGER; format back to the declared scale.
      return (value) =>
        value === null
          ? null
          : typeof value === 'number'
            ? value.toFixed(places)
            : typeof value === 'bigint'
              ? `${value}${places ? `.${'0'.repeat(places)}` : ''}`
              : value
    }
    case 'datetime':
      return dialect === 'postgres' ? undefined : toDate
    case 'json':
      // pg and mysql2 parse JSON columns themselves: parsing again would turn a stored JSON
      // string that looks like JSON ('{"a":1}') into an object. SQLite keeps JSON as text.
      return dialect === 'sqlite' ? parseJsonText : undefined
    case 'binary':
      return toBuffer
    case 'foreignKey':
    case 'oneToOne':
      return undefined
    default:
      return undefined
  }
}

function checkDecimal(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : value
  if (
    typeof text !== 'string' ||
    !DECIMAL.test(text) ||
    (typeof value === 'number' && !Number.isFinite(value))
  ) {
    throw new QueryError(
      'PLINTH_ORM_BAD_VALUE',
      `Expected a decimal number as a string like "19.99", got ${describe(value)}.`,
    )
  }
  return text
}

export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a Date'
  return typeof value === 'object' ? 'an object' : typeof value
}

/** The encoder turning a JavaScript value into a bound parameter for `dialect`, or undefined. */
export function encoderFor(spec: FieldSpec, dialect: DialectName): Codec | undefined {
  switch (spec.kind) {
    case 'boolean':
      return dialect === 'postgres' ? undefined : (v) => (v === null ? null : v ? 1 : 0)
    case 'bigint':
    case 'bigAutoId':
      return dialect === 'sqlite'
        ? (v) => (v === null ? null : BigInt(v as number))
        : (v) => (v === null ? null : String(v))
    case 'decimal':
      return (v) => (v === null ? null : checkDecimal(v))
    case 'datetime':
      return (v) => {
        if (v === null) return null
        const date =
          v instanceof Date
            ? v
            : typeof v === 'string' || typeof v === 'number'
              ? new Date(v)
              : undefined
        if (date === undefined || Number.isNaN(date.getTime())) {
          throw new QueryError(
            'PLINTH_ORM_BAD_VALUE',
            `Expected a Date or an ISO 8601 string, got ${describe(v)}.`,
          )
        }
        return dialect === 'sqlite' ? date.toISOString() : date
      }
    case 'json':
      return (v) => (v === null ? null : JSON.stringify(v))
    case 'string':
    case 'text':
    case 'email':
    case 'url':
    case 'slug':
    case 'enum':
      // A number compared with a text column is bound as text: MySQL would otherwise convert the
      // column to a number ('abc' = 0 is true), and node:sqlite binds 5 as the REAL 5.0 ('5.0').
      return toText
    case 'uuid':
    case 'uuidId':
      // One spelling everywhere: PostgreSQL's uuid type reads back lower case, and the text
      // columns of SQLite and MySQL would otherwise keep (and compare) the case they were given.
      return (v) => (typeof v === 'string' ? v.toLowerCase() : toText(v))
    default:
      return undefined
  }
}

function toText(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : value
}

/** Is `value` acceptable where a scalar of this field belongs (before encoding)? */
export function isScalarFor(spec: FieldSpec, value: unknown): boolean {
  if (value === null) return true
  switch (spec.kind) {
    case 'json':
      return true
    case 'binary':
      return value instanceof Uint8Array
    case 'datetime':
      return value instanceof Date || typeof value === 'string' || typeof value === 'number'
    case 'bigint':
    case 'bigAutoId':
      return (
        typeof value === 'bigint' ||
        (typeof value === 'number' && Number.isInteger(value)) ||
        (typeof value === 'string' && /^-?\d+$/.test(value))
      )
    case 'integer':
    case 'autoId':
    case 'duration':
    case 'float':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'decimal':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
    case 'date':
    case 'time':
      // A number would be converted by the database (MySQL reads 20240101 as a date).
      return typeof value === 'string'
    default:
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
  }
}
