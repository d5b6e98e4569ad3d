/**
 * What kind of Python value a JavaScript value is, and how Python would print it.
 *
 * Templates are written against Jinja2, so they see Python's types: a plain object or a `Map` is a
 * `dict`, an array a `list`, `null` is `None`, `true` renders `True`. This file is the bottom layer
 * of the value helpers (re-exported by `values.ts`, which is what the compiler and filters import):
 * the error type for operations Python would refuse, the keyword-arguments marker, the kind tests,
 * Python's type names for messages, truthiness, `str()` and `repr()`.
 *
 * JavaScript has one number type, so an integral number is an `int` (renders `2`, never `2.0`) and
 * any other number is a `float`, printed as Python's `repr` prints it (`1e-05`, `inf`, `nan`).
 */
import { SafeString } from './markup.ts'
import { Undefined, UndefinedError } from './undefined.ts'

/** Error codes raised by value operations (Python's TypeError, ZeroDivisionError, ValueError). */
export type ValueErrorCode =
  | 'PLINTH_TEMPLATE_TYPE'
  | 'PLINTH_TEMPLATE_ZERO_DIVISION'
  | 'PLINTH_TEMPLATE_VALUE'

/** An operation on template values that Python would refuse; the message says what to change. */
export class TemplateValueError extends Error {
  readonly code: ValueErrorCode
  constructor(code: ValueErrorCode, message: string) {
    super(message)
    this.name = 'TemplateValueError'
    this.code = code
  }
}

/** Python's TypeError (`PLINTH_TEMPLATE_TYPE`). */
export function typeError(message: string): TemplateValueError {
  return new TemplateValueError('PLINTH_TEMPLATE_TYPE', message)
}

/** Python's ValueError (`PLINTH_TEMPLATE_VALUE`). */
export function valueError(message: string): TemplateValueError {
  return new TemplateValueError('PLINTH_TEMPLATE_VALUE', message)
}

/**
 * Marks the trailing argument of a call as keyword arguments (`f(1, sep=',')` passes
 * `1, kwargs({ sep: ',' })`). A symbol key, not enumerable: `Object.keys`, spreading and JSON see
 * only the keywords, so a JavaScript function can treat it as an ordinary options object.
 */
export const KWARGS: unique symbol = Symbol.for('plinth.templates.kwargs')

/** Keyword arguments of a call, tagged with `KWARGS`. */
export type Kwargs = Record<string, unknown> & { readonly [KWARGS]: true }

/** Tag an object (in place) as the keyword arguments of a call; returns it. */
export function kwargs(obj: Record<string, unknown>): Kwargs {
  Object.defineProperty(obj, KWARGS, { value: true })
  return obj as Kwargs
}

/** Whether a value is a keyword-arguments object made by `kwargs()`. */
export function isKwargs(value: unknown): value is Kwargs {
  return typeof value === 'object' && value !== null && (value as Kwargs)[KWARGS] === true
}

/** Split call arguments into positional ones and the trailing keyword arguments, if any. */
export function splitArgs(args: readonly unknown[]): [unknown[], Record<string, unknown>] {
  const last = args[args.length - 1]
  if (args.length > 0 && isKwargs(last)) return [args.slice(0, -1), last]
  return [args as unknown[], {}]
}

/** A missing value: an `Undefined`, or JavaScript's `undefined` (treated alike everywhere). */
export function isUndefined(value: unknown): value is Undefined | undefined {
  return value === undefined || value instanceof Undefined
}

/** The hint of a missing value, for the error raised when it is used. */
export function undefinedHint(value: Undefined | undefined): string {
  return value === undefined ? 'a value is undefined' : value.hint
}

/** A string, trusted markup included (Jinja2's `Markup` is a `str`). */
export function isString(value: unknown): value is string | SafeString {
  return typeof value === 'string' || value instanceof SafeString
}

/** The text of a string or `SafeString`. */
export function strText(value: string | SafeString): string {
  return typeof value === 'string' ? value : value.value
}

/** A number (or bigint); booleans are not numbers here, although the `number` test accepts them. */
export function isNumber(value: unknown): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint'
}

/** An integral number or bigint (not a boolean). `1.0` is an integer: JavaScript cannot tell. */
export function isInteger(value: unknown): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))
}

/** A number that is not integral (`1.5`, `NaN`, `Infinity`); `1.0` is not a float in JavaScript. */
export function isFloat(value: unknown): value is number {
  return typeof value === 'number' && !Number.isInteger(value)
}

/** An object whose prototype is `Object.prototype` or `null` (a record, not a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** A Python `dict`: a plain object or a `Map`. */
export function isMapping(
  value: unknown,
): value is Record<string, unknown> | Map<unknown, unknown> {
  return value instanceof Map || isPlainObject(value)
}

/** Iterable in a `for` loop: strings, arrays, mappings, sets, any `Symbol.iterator`, Undefined. */
export function isIterable(value: unknown): boolean {
  if (isString(value) || isUndefined(value) || isMapping(value)) return true
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function'
  )
}

/** An ordered collection that is not a string: an array or another non-mapping iterable. */
export function isSequence(value: unknown): boolean {
  if (Array.isArray(value)) return true
  if (isString(value) || isUndefined(value) || isMapping(value)) return false
  return isIterable(value)
}

/** Python's type name of a value, for messages (`'str'`, `'int'`, `'NoneType'`, `'list'`…). */
export function pyType(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 'str'
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float'
    case 'bigint':
      return 'int'
    case 'boolean':
      return 'bool'
    case 'undefined':
      return 'Undefined'
    case 'function':
      return 'function'
    case 'symbol':
      return 'symbol'
  }
  if (value === null) return 'NoneType'
  if (Array.isArray(value)) return 'list'
  if (isMapping(value)) return 'dict'
  if (value instanceof Set) return 'set'
  if (value instanceof SafeString) return 'Markup'
  if (value instanceof Undefined) return 'Undefined'
  if (value instanceof Date) return 'datetime'
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' ? name : 'object'
}

/** How Jinja2 names a value in undefined hints: `'None'`, `'dict object'`, `'User object'`. */
export function objectTypeRepr(value: unknown): string {
  return value === null || value === undefined ? 'None' : `${pyType(value)} object`
}

/**
 * Python truthiness: `false`, `null`, Undefined, `0`, `NaN`, `''`, empty arrays, mappings, Maps
 * and Sets are false; everything else (class instances, functions, non-empty values) is true.
 */
export function truthy(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return Boolean(value)
  if (Array.isArray(value)) return value.length > 0
  if (value instanceof SafeString) return value.value !== ''
  if (value instanceof Undefined) return false
  if (value instanceof Map || value instanceof Set) return value.size > 0
  if (isPlainObject(value)) {
    for (const _ in value) return true
    return false
  }
  return true
}

/** Python's `repr` of a float (and `str` of an int): `1e-05`, `1e+16`, `inf`, `nan`, `3`. */
export function numberStr(n: number): string {
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? (n === 0 ? '0' : String(n)) : expForm(n)
  if (Number.isNaN(n)) return 'nan'
  if (n === Number.POSITIVE_INFINITY) return 'inf'
  if (n === Number.NEGATIVE_INFINITY) return '-inf'
  // Python switches to exponent notation below 1e-4; JavaScript only below 1e-6.
  return Math.abs(n) < 1e-4 ? expForm(n) : String(n)
}

/** Shortest round-trip digits in Python's exponent form (`1.5e-07`, two exponent digits). */
function expForm(n: number): string {
  const [mantissa, exp] = n.toExponential().split('e') as [string, string]
  const sign = exp[0] === '-' ? '-' : '+'
  return `${mantissa}e${sign}${exp.slice(1).padStart(2, '0')}`
}

/**
 * Python's `str()` as Jinja2 renders it: `True`/`False`, `None`, Undefined as `''`, integers
 * without `.0`, floats as Python prints them, lists and dicts in Python's `repr` form, a
 * `SafeString` as its text, a `Date` as `2024-01-02 03:04:05.123000+00:00` (Python's `str` of an
 * aware UTC datetime), other objects through their own `toString` when they define one.
 */
export function toStr(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return numberStr(value)
  if (value instanceof SafeString) return value.value
  return display(value, undefined)
}

/**
 * Python's `repr()`: strings quoted as Python quotes them (`'it'` or `"it's"`), a `SafeString` as
 * `Markup('…')`, Undefined as `Undefined`; other values as `toStr`.
 */
export function repr(value: unknown): string {
  return reprIn(value, undefined)
}

function reprIn(value: unknown, seen: Set<object> | undefined): string {
  if (typeof value === 'string') return quote(value)
  if (value instanceof SafeString) return `Markup(${quote(value.value)})`
  if (value === undefined || value instanceof Undefined) return 'Undefined'
  return typeof value === 'number' ? numberStr(value) : display(value, seen)
}

/** `str()` of everything but strings; `seen` stops self-containing lists printing forever. */
function display(value: unknown, seen: Set<object> | undefined): string {
  if (value === null) return 'None'
  if (value === undefined || value instanceof Undefined) return ''
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'number') return numberStr(value)
  if (typeof value === 'function') return `<function ${value.name || '<anonymous>'}>`
  if (typeof value !== 'object') return String(value)
  if (value instanceof SafeString) return value.value
  if (value instanceof Date) return dateStr(value)
  const isList = Array.isArray(value)
  if (isList || value instanceof Set || isMapping(value)) {
    if (seen?.has(value)) return isList ? '[...]' : '{...}'
    const inner = new Set(seen).add(value)
    if (isList) return `[${value.map((v) => reprIn(v, inner)).join(', ')}]`
    if (value instanceof Set) {
      if (value.size === 0) return 'set()'
      return `{${[...value].map((v) => reprIn(v, inner)).join(', ')}}`
    }
    const pairs = value instanceof Map ? [...value] : Object.entries(value)
    return `{${pairs.map(([k, v]) => `${reprIn(k, inner)}: ${reprIn(v, inner)}`).join(', ')}}`
  }
  // A class that says how to print itself (Python's __str__); otherwise Python's default form.
  const own = (value as { toString?: unknown }).toString
  if (typeof own === 'function' && own !== Object.prototype.toString) return String(value)
  return `<${pyType(value)} object>`
}

function dateStr(date: Date): string {
  if (Number.isNaN(date.getTime())) return 'Invalid Date'
  const iso = date.toISOString() // 2024-01-02T03:04:05.123Z
  const ms = iso.slice(20, 23)
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === '000' ? '' : `.${ms}000`}+00:00`
}

/** Characters Python's `repr` escapes: controls, format characters, separators, non-space blanks. */
const NON_PRINTABLE = /[\\\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/gu
const NAMED_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
}

/** Quote a string as Python's `repr` does: single quotes unless it has `'` and no `"`. */
function quote(text: string): string {
  const q = text.includes("'") && !text.includes('"') ? '"' : "'"
  const body = text.replace(NON_PRINTABLE, (c) => {
    if (c === ' ') return c
    const named = NAMED_ESCAPES[c]
    if (named) return named
    const code = c.codePointAt(0)!
    if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`
    if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`
    return `\\U${code.toString(16).padStart(8, '0')}`
  })
  return q + (q === "'" ? body.replaceAll("'", "\\'") : body) + q
}

/** Throw Jinja2's UndefinedError if a value is undefined (arithmetic and ordering need values). */
export function requireDefined(value: unknown): void {
  if (isUndefined(value)) throw new UndefinedError(undefinedHint(value))
}

/** Booleans count as 0 and 1 (Python's `bool` is an `int`); `undefined` if not a number. */
export function asNumber(value: unknown): number | bigint | undefined {
  if (typeof value === 'number' || typeof value === 'bigint') return value
  return typeof value === 'boolean' ? Number(value) : undefined
}
