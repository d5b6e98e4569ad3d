/**
 * Python value semantics for compiled templates and filters: equality, ordering, `in`, `len`,
 * iteration and arithmetic as Jinja2 templates expect them (`1 == 1.0`, `'a' * 3`, `-7 // 2 == -4`,
 * `'%s' % x`, `'a' + 1` is an error). The compiler and the filters import this file only; the
 * kind tests, `str()`/`repr()` and formatting live in the `value-*.ts` files it re-exports.
 *
 * ## Calling convention for keyword arguments
 * A template call `f(1, 2, sep=', ')` calls the JavaScript function as
 * `f(1, 2, kwargs({ sep: ', ' }))`: the keywords travel as one trailing object tagged with the
 * `KWARGS` symbol (non-enumerable, so a JavaScript function sees a plain options object). A call
 * without keywords passes no such object. Callees that understand keywords (Python methods such
 * as `str.format`, macros) take them off with `splitArgs(args)`.
 *
 * Errors: operations Python refuses throw `TemplateValueError` with code `PLINTH_TEMPLATE_TYPE`
 * (TypeError), `PLINTH_TEMPLATE_ZERO_DIVISION` or `PLINTH_TEMPLATE_VALUE` (ValueError); using an
 * Undefined in arithmetic or ordering throws `UndefinedError` with its hint, as Jinja2 does.
 */
import { SafeString } from './markup.ts'
import {
  asNumber,
  isMapping,
  isString,
  isUndefined,
  pyType,
  requireDefined,
  strText,
  typeError,
} from './value-kinds.ts'

export {
  add,
  concat,
  div,
  floordiv,
  mod,
  mul,
  neg,
  pos,
  pow,
  sub,
} from './value-arith.ts'
export { type Escape, type FieldLookup, formatString, formatValue, printf } from './value-format.ts'
export {
  asNumber,
  isFloat,
  isInteger,
  isIterable,
  isKwargs,
  isMapping,
  isNumber,
  isPlainObject,
  isSequence,
  isString,
  isUndefined,
  KWARGS,
  type Kwargs,
  kwargs,
  numberStr,
  objectTypeRepr,
  pyType,
  repr,
  requireDefined,
  splitArgs,
  strText,
  TemplateValueError,
  toStr,
  truthy,
  typeError,
  undefinedHint,
  type ValueErrorCode,
  valueError,
} from './value-kinds.ts'
export { type FormatSpec, fixedDigits, formatNumber, parseSpec } from './value-numbers.ts'

/** Python `==`: numbers by value (`True == 1`), lists and dicts deeply, Undefined == Undefined. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true
  const x = asNumber(a)
  const y = asNumber(b)
  if (x !== undefined && y !== undefined) {
    if (typeof x === typeof y) return x === y
    const [big, n] = (typeof x === 'bigint' ? [x, y] : [y, x]) as [bigint, number]
    return Number.isInteger(n) && big === BigInt(n)
  }
  if (isString(a)) return isString(b) && strText(a) === strText(b)
  if (isUndefined(a)) return isUndefined(b)
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => equals(v, b[i]))
  if (a instanceof Set)
    return b instanceof Set && a.size === b.size && [...a].every((v) => contains(b, v))
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime()
  if (isMapping(a) && isMapping(b)) {
    const left = a instanceof Map ? a : new Map(Object.entries(a))
    const right = b instanceof Map ? b : new Map(Object.entries(b))
    if (left.size !== right.size) return false
    for (const [k, v] of left) if (!right.has(k) || !equals(v, right.get(k))) return false
    return true
  }
  return false
}

/**
 * Python ordering for `< <= > >=`: negative, zero or positive, or `NaN` when unordered (a NaN
 * operand), so `compare(a, b) < 0` is exactly Python's `a < b`. Numbers and booleans compare by
 * value, strings by code point, lists lexicographically, dates by time; anything else is a
 * TypeError naming both types, and an Undefined operand an UndefinedError.
 */
export function compare(a: unknown, b: unknown, op = '<'): number {
  requireDefined(a)
  requireDefined(b)
  const x = asNumber(a)
  const y = asNumber(b)
  if (x !== undefined && y !== undefined) {
    if (x < y) return -1
    if (x > y) return 1
    return Number.isNaN(Number(x)) || Number.isNaN(Number(y)) ? Number.NaN : 0
  }
  if (isString(a) && isString(b)) return compareText(strText(a), strText(b))
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length)
    for (let i = 0; i < n; i++) if (!equals(a[i], b[i])) return compare(a[i], b[i], op)
    return Math.sign(a.length - b.length)
  }
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime())
  throw typeError(
    `'${op}' not supported between instances of '${pyType(a)}' and '${pyType(b)}' (convert one side, e.g. with |int or |string)`,
  )
}

/** Compare strings by code point (JavaScript's `<` compares UTF-16 units, which differs above U+FFFF). */
function compareText(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let c = a.charCodeAt(i)
    let d = b.charCodeAt(i)
    if (c === d) continue
    // Surrogates (U+D800–DFFF) stand for code points above U+FFFF: move them past U+E000–FFFF.
    if (c >= 0xd800 && d >= 0xd800) {
      c = c >= 0xe000 ? c - 0x800 : c + 0x2000
      d = d >= 0xe000 ? d - 0x800 : d + 0x2000
    }
    return c < d ? -1 : 1
  }
  return Math.sign(a.length - b.length)
}

/**
 * Python's `item in container`: a substring of a string, a member of a list or set (by `==`), a
 * key of a mapping (numbers stand for their string form in plain objects). Nothing is in an
 * Undefined (it iterates as empty); a number or `None` is not a container (TypeError).
 */
export function contains(container: unknown, item: unknown): boolean {
  if (isUndefined(container)) return false
  if (isString(container)) {
    if (!isString(item))
      throw typeError(`'in <string>' requires string as left operand, not ${pyType(item)}`)
    return strText(container).includes(strText(item))
  }
  if (Array.isArray(container)) return container.some((v) => equals(v, item))
  if (container instanceof Set || container instanceof Map) {
    if (container.has(item)) return true
    for (const k of container.keys()) if (equals(k, item)) return true
    return false
  }
  if (isMapping(container)) {
    const key = isString(item) ? strText(item) : typeof item === 'number' ? String(item) : undefined
    return key !== undefined && Object.hasOwn(container, key)
  }
  if (isIterableObject(container)) {
    for (const v of container) if (equals(v, item)) return true
    return false
  }
  throw typeError(`argument of type '${pyType(container)}' is not iterable`)
}

function isIterableObject(value: unknown): value is Iterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'
  )
}

/** Python's `len`: code points of a string, items of a list, keys of a mapping, size of a set. */
export function length(value: unknown): number {
  if (typeof value === 'string') return codePoints(value)
  if (Array.isArray(value)) return value.length
  if (value instanceof SafeString) return codePoints(value.value)
  if (value instanceof Map || value instanceof Set) return value.size
  if (isUndefined(value)) return 0
  if (isMapping(value)) return Object.keys(value).length
  if (isIterableObject(value)) return Array.from(value).length
  throw typeError(`object of type '${pyType(value)}' has no len()`)
}

const SURROGATE = /[\uD800-\uDFFF]/

function codePoints(text: string): number {
  return SURROGATE.test(text) ? [...text].length : text.length
}

/**
 * The items a `for` loop visits: an array itself, a string's characters, a mapping's keys, a
 * Set's or iterable's values, nothing for Undefined. Numbers, booleans and `None` are not
 * iterable (TypeError).
 */
export function toList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  if (isString(value)) return [...strText(value)]
  if (isUndefined(value)) return []
  if (value instanceof Map) return [...value.keys()]
  if (isMapping(value)) return Object.keys(value)
  if (isIterableObject(value)) return Array.from(value)
  throw typeError(`'${pyType(value)}' object is not iterable`)
}
