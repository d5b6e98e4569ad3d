/**
 * Number filters: `abs`, `int`, `float`, `round`, `filesizeformat`.
 *
 * Conversions follow Python's `int()` and `float()` on strings (`'0x1A'|int(base=16)`,
 * `'1_000'|int`, `' 42.5 '|float`, `'42.23'|int` is 42), returning the default when Python
 * would raise, as Jinja2 does. `round` rounds the exact binary value half to even, like Python's
 * `round` (`2.5|round` is 2, `2.675|round(2)` is 2.67); JavaScript has one number type, so a
 * rounded whole number renders as `43`, not Python's `43.0`.
 */
import { SafeString } from '../runtime/markup.ts'
import { defineFilter } from '../runtime/types.ts'
import { UndefinedError } from '../runtime/undefined.ts'
import {
  isUndefined,
  pyType,
  toStr,
  truthy,
  typeError,
  undefinedHint,
  valueError,
} from '../runtime/values.ts'
import { fixedDigits, pyRound } from './decimal.ts'
import { pyStrip } from './pystr.ts'
import { argumentError, intArg } from './util.ts'

/** A number argument or value: numbers, booleans as 0/1; `undefined` for anything else. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'bigint') return Number(value)
  return undefined
}

const FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?$/
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i

/** Python's `float(str)`: `undefined` when Python would raise ValueError. */
export function parseFloatPy(text: string): number | undefined {
  const s = pyStrip(text)
  const special = SPECIAL.exec(s)
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return Number.NaN
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  }
  if (!FLOAT.test(s)) return undefined
  return Number(s.replaceAll('_', ''))
}

const PREFIXES: Record<string, number> = { b: 2, o: 8, x: 16 }

/** Python's `int(str, base)`: `undefined` when Python would raise ValueError. */
export function parseIntPy(text: string, base: number): number | undefined {
  if (base !== 0 && (base < 2 || base > 36)) return undefined
  let s = pyStrip(text)
  let sign = 1n
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1n
    s = s.slice(1)
  }
  let radix = base
  const prefix = /^0([box])/i.exec(s)
  if (prefix && (base === 0 || base === PREFIXES[prefix[1]!.toLowerCase()])) {
    radix = PREFIXES[prefix[1]!.toLowerCase()]!
    // A prefix may be followed by an underscore: 0x_ff.
    s = s.slice(2).replace(/^_/, '')
  } else if (base === 0) {
    // Base 0 reads decimals but refuses leading zeros (010 is ambiguous), as Python does.
    if (/^0+(?:_?0)*$/.test(s)) return 0
    if (s.startsWith('0')) return undefined
    radix = 10
  }
  if (!/^[0-9a-z](?:_?[0-9a-z])*$/i.test(s)) return undefined
  let result = 0n
  for (const char of s.replaceAll('_', '').toLowerCase()) {
    const digit = Number.parseInt(char, 36)
    if (digit >= radix) return undefined
    result = result * BigInt(radix) + BigInt(digit)
  }
  return Number(sign * result)
}

/** Converting an undefined value is an error in Jinja2 (`Undefined.__int__` raises). */
function mustBeDefined(value: unknown): void {
  if (isUndefined(value)) throw new UndefinedError(undefinedHint(value))
}

/** Python's `abs`: numbers (and booleans) only. */
export const abs = defineFilter([], (_ctx, value) => {
  if (typeof value === 'bigint') return value < 0n ? -value : value
  const n = numeric(value)
  if (n === undefined) throw typeError(`abs: bad operand type for abs(): '${pyType(value)}'.`)
  return Math.abs(n)
})

/**
 * `int(default=0, base=10)`: strings are parsed as Python's `int(s, base)` (prefixes `0b 0o 0x`
 * allowed for their base, any with base 0), then as a float that is truncated (`'42.9'` → 42).
 */
export const int = defineFilter(['default', 'base'], (_ctx, value, fallback = 0, base = 10) => {
  mustBeDefined(value)
  if (typeof value === 'string' || value instanceof SafeString) {
    const text = toStr(value)
    const parsed = parseIntPy(text, intArg('int', 'base', base))
    if (parsed !== undefined) return parsed
    const float = parseFloatPy(text)
    return float !== undefined && Number.isFinite(float) ? Math.trunc(float) : fallback
  }
  if (typeof value === 'bigint') return value
  const n = numeric(value)
  return n !== undefined && Number.isFinite(n) ? Math.trunc(n) : fallback
})

/** `float(default=0.0)`: numbers, booleans, and strings Python's `float()` accepts. */
export const float = defineFilter(['default'], (_ctx, value, fallback = 0) => {
  mustBeDefined(value)
  if (typeof value === 'string' || value instanceof SafeString) {
    return parseFloatPy(toStr(value)) ?? fallback
  }
  return numeric(value) ?? fallback
})

/** `round(precision=0, method='common')`: common rounds half to even; ceil and floor as named. */
export const round = defineFilter(
  ['precision', 'method'],
  (_ctx, value, precision = 0, method = 'common') => {
    if (method !== 'common' && method !== 'ceil' && method !== 'floor') {
      throw argumentError('round', `method must be common, ceil or floor, got ${toStr(method)}.`)
    }
    const digits = intArg('round', 'precision', precision)
    const x = numeric(value)
    if (x === undefined)
      throw typeError(`round: type ${pyType(value)} doesn't define __round__ method.`)
    if (method === 'common') return pyRound(x, digits)
    const scaled = x * 10 ** digits
    // math.ceil and math.floor return ints in Python: inf and nan cannot be converted.
    if (!Number.isFinite(scaled))
      throw valueError(`round: cannot ${method} ${toStr(x)} to an integer.`)
    return (method === 'ceil' ? Math.ceil(scaled) : Math.floor(scaled)) / 10 ** digits
  },
)

const DECIMAL = ['kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB']
const BINARY = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB']

/** `filesizeformat(binary=False)`: `13 kB`, `4.1 MB`, `102 Bytes`; binary uses KiB, MiB… */
export const filesizeformat = defineFilter(['binary'], (_ctx, value, binary = false) => {
  let bytes: number | undefined
  if (typeof value === 'string' || value instanceof SafeString) {
    bytes = parseFloatPy(toStr(value))
    if (bytes === undefined) {
      throw valueError(
        `filesizeformat: could not convert string to float: ${JSON.stringify(toStr(value))}.`,
      )
    }
  } else bytes = numeric(value)
  if (bytes === undefined) {
    throw typeError(`filesizeformat: expected a number of bytes, got ${pyType(value)}.`)
  }
  const isBinary = truthy(binary)
  const base = isBinary ? 1024 : 1000
  const prefixes = isBinary ? BINARY : DECIMAL
  if (bytes === 1) return '1 Byte'
  if (bytes < base) return `${Math.trunc(bytes)} Bytes`
  let unit = 0
  for (let i = 0; i < prefixes.length; i++) {
    unit = base ** (i + 2)
    if (bytes < unit || i === prefixes.length - 1) {
      return `${oneDecimal((base * bytes) / unit)} ${prefixes[i]}`
    }
  }
  return ''
})

/** Python's `f'{x:.1f}'`. */
function oneDecimal(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf'
  return (x < 0 ? '-' : '') + fixedDigits(Math.abs(x), 1)
}
