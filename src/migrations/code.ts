/**
 * Values as TypeScript source, for migration files: literals, arrays, plain objects, bigints,
 * dates, `lookup.*()` values and `or`/`and`/`not` conditions (check constraints and partial
 * indexes are written as filters). The same text doubles as the canonical form the autodetector
 * compares, so two definitions are equal exactly when they would be written the same way.
 */

import { CONDITION, type Condition, FieldRef } from '../orm/query/expressions.ts'
import { Lookup } from '../orm/query/lookup.ts'
import { MigrationError } from './errors.ts'

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** Can `value` be written into a migration file? */
export function isSerializable(value: unknown): boolean {
  try {
    toCode(value)
    return true
  } catch {
    return false
  }
}

/** A property key as it appears in an object literal. */
export function keyCode(key: string): string {
  return IDENTIFIER.test(key) ? key : quote(key)
}

/**
 * `value` as a TypeScript expression.
 *
 * @example
 * toCode({ price: lookup.gt('0') }) // "{ price: lookup.gt('0') }"
 */
export function toCode(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'number':
      if (!Number.isFinite(value)) break
      return Object.is(value, -0) ? '0' : String(value)
    case 'boolean':
      return String(value)
    case 'bigint':
      return `${value}n`
    case 'object': {
      if (value instanceof Date) return `new Date(${quote(value.toISOString())})`
      if (value instanceof Lookup) return lookupCode(value)
      if (value instanceof FieldRef) return `F(${quote(value.path)})`
      if (Array.isArray(value)) return `[${value.map(toCode).join(', ')}]`
      if (CONDITION in value) return conditionCode(value as Condition)
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) break
      const entries = Object.entries(value).filter(([, v]) => v !== undefined)
      if (entries.length === 0) return '{}'
      return `{ ${entries.map(([k, v]) => `${keyCode(k)}: ${toCode(v)}`).join(', ')} }`
    }
  }
  throw new MigrationError(
    'PLINTH_MIGRATIONS_UNSERIALIZABLE',
    `A value (${describe(value)}) cannot be written into a migration file. Use literals, lookup.*(), or/and/not in constraints and partial indexes, and literal defaults; write anything else as a hand-written operation (plinth makemigrations --empty).`,
  )
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`
  if (typeof value === 'object' && value !== null)
    return `an instance of ${value.constructor?.name ?? 'an unknown class'}`
  return String(value)
}

function quote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029')}'`
}

function lookupCode(value: Lookup): string {
  let inner: string
  if (value.op === 'range') {
    const [low, high] = value.value as [unknown, unknown]
    inner = `lookup.range(${toCode(low)}, ${toCode(high)})`
  } else if (value.op === 'isnull') {
    inner = value.value === true ? 'lookup.isnull()' : `lookup.isnull(${toCode(value.value)})`
  } else {
    inner = `lookup.${value.op}(${toCode(value.value)})`
  }
  if (value.part === undefined) return inner
  return value.op === 'exact'
    ? `lookup.${value.part}(${toCode(value.value)})`
    : `lookup.${value.part}(${inner})`
}

function conditionCode(value: Condition): string {
  const kind = value[CONDITION]
  if (kind === 'exists') {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNSERIALIZABLE',
      'exists() cannot appear in a constraint or index condition: a check may only read its own row.',
    )
  }
  return `${kind}(${value.items.map(toCode).join(', ')})`
}
