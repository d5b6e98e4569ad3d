/**
 * Session values must survive a trip through the store as JSON. Checking at `set()` time turns
 * what would be silent data loss later (a `Date` read back as a string, a function or `undefined`
 * dropped, a `BigInt` or a cycle failing during the save after the response was decided) into a
 * clear error at the line that caused it.
 */
import { PlinthError } from '../http/index.ts'
import type { JsonValue } from './store.ts'

const MAX_DEPTH = 64

function notJson(key: string, path: string, what: string, hint = ''): PlinthError {
  const where = path === '' ? '' : ` at ${path}`
  return new PlinthError(
    'PLINTH_SESSIONS_NOT_JSON',
    `session.set(${JSON.stringify(key)}): the value${where} is ${what}. Session values must be JSON: null, booleans, finite numbers, strings, arrays and plain objects.${hint}`,
  )
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return 'a symbol'
  if (typeof value === 'bigint') return 'a BigInt'
  if (typeof value === 'number') return String(value)
  const name = (value as object).constructor?.name
  return name ? `a ${name}` : 'an object with a custom prototype'
}

function check(
  key: string,
  value: unknown,
  path: string,
  ancestors: Set<object>,
  depth: number,
): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return
    throw notJson(key, path, describe(value))
  }
  if (typeof value !== 'object') {
    const hint = typeof value === 'bigint' ? ' Store it as a string (value.toString()).' : ''
    throw notJson(key, path, describe(value), hint)
  }
  if (depth > MAX_DEPTH) throw notJson(key, path, `nested more than ${MAX_DEPTH} levels deep`)
  if (ancestors.has(value)) throw notJson(key, path, 'a reference back to itself (a cycle)')
  ancestors.add(value)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      check(key, value[i], `${path}[${i}]`, ancestors, depth + 1)
  } else {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) {
      const hint =
        value instanceof Date ? ' Store date.toISOString() or date.getTime() instead.' : ''
      throw notJson(key, path, describe(value), hint)
    }
    for (const name of Object.keys(value)) {
      const child = path === '' ? name : `${path}.${name}`
      check(key, (value as Record<string, unknown>)[name], child, ancestors, depth + 1)
    }
  }
  ancestors.delete(value)
}

/**
 * A copy of `value` as JSON, or a `PLINTH_SESSIONS_NOT_JSON` error naming the offending part.
 * Keys such as `__proto__` stay ordinary own keys (JSON.parse defines, never assigns).
 */
export function toSessionValue(key: string, value: unknown): JsonValue {
  check(key, value, '', new Set(), 0)
  return JSON.parse(JSON.stringify(value)) as JsonValue
}

/** A copy of a stored value, so changing it in place never changes the session behind its back. */
export function copySessionValue(value: JsonValue): JsonValue {
  return value === null || typeof value !== 'object' ? value : JSON.parse(JSON.stringify(value))
}
