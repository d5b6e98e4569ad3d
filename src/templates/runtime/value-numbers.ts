/**
 * Python's number formatting, shared by the `%` operator, `str.format` and filters (`round`,
 * `filesizeformat`, `format`): exact decimal digits of a double, and the format-spec mini-language
 * (`[[fill]align][sign][#][0][width][,|_][.precision][type]`).
 *
 * Digits are computed exactly from the binary value with ties to even, as Python does, because
 * JavaScript's `toFixed` rounds exact ties away from zero (`(2.5).toFixed(0)` is `'3'`, Python's
 * `'%.0f' % 2.5` is `'2'`).
 */
import { numberStr, valueError } from './value-kinds.ts'

const view = new DataView(new ArrayBuffer(8))

/** `x * 10**k` rounded to an integer, ties to even, computed exactly (`x` finite and ≥ 0). */
function scaled(x: number, k: number): bigint {
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  const bits = (hi >>> 20) & 0x7ff
  let num = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4))
  if (bits !== 0) num |= 1n << 52n
  const exp = (bits === 0 ? 1 : bits) - 1075 // x = num * 2**exp
  let den = 1n
  if (exp >= 0) num <<= BigInt(exp)
  else den <<= BigInt(-exp)
  if (k >= 0) num *= 10n ** BigInt(k)
  else den *= 10n ** BigInt(-k)
  const q = num / den
  const twice = (num - q * den) * 2n
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q
}

/** `|x|` with `digits` decimals, correctly rounded (Python's `'%.2f' % x` without the sign). */
export function fixedDigits(x: number, digits: number): string {
  const text = scaled(Math.abs(x), digits)
    .toString()
    .padStart(digits + 1, '0')
  return digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`
}

/** `|x|` as `digits + 1` significant digits and a decimal exponent (`1234.5, 2` → `123`, 3). */
function sciDigits(x: number, digits: number): [string, number] {
  const abs = Math.abs(x)
  if (abs === 0) return ['0'.repeat(digits + 1), 0]
  let exp = Number(abs.toExponential(digits).split('e')[1])
  for (;;) {
    const q = scaled(abs, digits - exp).toString()
    if (q.length > digits + 1) exp += 1
    else if (q.length < digits + 1) exp -= 1
    else return [q, exp]
  }
}

function expText(mantissa: string, exp: number, upper: boolean): string {
  const e = `${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  return mantissa + e
}

function sciText(x: number, digits: number, alt: boolean, upper: boolean): string {
  const [d, exp] = sciDigits(x, digits)
  const point = digits > 0 || alt ? '.' : ''
  return expText(`${d[0]}${point}${d.slice(1)}`, exp, upper)
}

/** Drop trailing zeros of a fraction (`1.500` → `1.5`, `2.000e+03` → `2e+03`). */
function stripZeros(text: string): string {
  const e = text.search(/[eE]/)
  const mantissa = e < 0 ? text : text.slice(0, e)
  if (!mantissa.includes('.')) return text
  return mantissa.replace(/\.?0+$/, '') + (e < 0 ? '' : text.slice(e))
}

/** Python's general format (`%g`): fixed or exponent form by magnitude; `repr` keeps `.0`. */
function generalText(x: number, precision: number, alt: boolean, upper: boolean, repr = false) {
  const p = precision === 0 ? 1 : precision
  const [, exp] = sciDigits(x, p - 1)
  const limit = repr ? p - 1 : p
  if (exp >= -4 && exp < limit) {
    const text = fixedDigits(x, p - 1 - exp)
    if (alt) return text.includes('.') ? text : `${text}.`
    const stripped = stripZeros(text)
    return repr && !stripped.includes('.') ? `${stripped}.0` : stripped
  }
  const text = sciText(x, p - 1, alt, upper)
  return alt ? text : stripZeros(text)
}

/** A parsed format spec. */
export interface FormatSpec {
  fill: string
  /** `'<'`, `'>'`, `'^'`, `'='`, or `''` for the type's default. */
  align: string
  /** `'-'` (default), `'+'` or `' '`. */
  sign: string
  alt: boolean
  zero: boolean
  width: number
  grouping: string
  precision: number | undefined
  type: string
}

const SPEC =
  /^(?:([\s\S])?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/u

/** Parse a format spec (the part after `:` in `'{:>8.2f}'`); a bad spec is a ValueError. */
export function parseSpec(spec: string): FormatSpec {
  const m = SPEC.exec(spec)
  if (!m) throw valueError(`Invalid format specifier '${spec}' (see Python's format mini-language)`)
  return {
    fill: m[1] ?? (m[5] && !m[2] ? '0' : ' '),
    align: m[2] ?? (m[5] ? '=' : ''),
    sign: m[3] ?? '-',
    alt: Boolean(m[4]),
    zero: Boolean(m[5]),
    width: m[6] ? Number(m[6]) : 0,
    grouping: m[7] ?? '',
    precision: m[8] === undefined ? undefined : Number(m[8]),
    type: m[9] ?? '',
  }
}

const INT_BASES: Record<string, [number, string]> = {
  b: [2, '0b'],
  o: [8, '0o'],
  x: [16, '0x'],
  X: [16, '0X'],
}

/**
 * Format a number by a spec's type, precision, sign, grouping and padding. Integral types
 * (`d x X o b c`) need an integral value (the caller truncates for `%d`); `''` prints an integer
 * as an int and anything else like Python's `str(float)`.
 */
export function formatNumber(value: number | bigint, spec: FormatSpec): string {
  const { type, alt } = spec
  const upper = type === 'E' || type === 'F' || type === 'G' || type === 'X'
  const negative = value < 0
  let prefix = ''
  let body: string
  const isInt = typeof value === 'bigint' || Number.isInteger(value)
  if (type === 'c') {
    return pad(String.fromCodePoint(Number(value)), spec, '>')
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    body = Number.isNaN(value) ? 'nan' : 'inf'
    if (upper) body = body.toUpperCase()
  } else if (type in INT_BASES || type === 'd' || type === 'n' || (type === '' && isInt)) {
    if (!isInt) throw valueError(`Unknown format code '${type}' for object of type 'float'`)
    const [base, p] = INT_BASES[type] ?? [10, '']
    const abs = typeof value === 'bigint' ? (value < 0n ? -value : value) : Math.abs(value)
    body = abs.toString(base)
    if (upper) body = body.toUpperCase()
    if (alt) prefix = p
    if (type === '' && spec.precision !== undefined)
      body = generalText(Number(value), spec.precision, alt, false, true)
  } else {
    const x = Math.abs(Number(value))
    const precision = spec.precision ?? 6
    if (type === 'f' || type === 'F') body = fixedDigits(x, precision)
    else if (type === 'e' || type === 'E') body = sciText(x, precision, alt, upper)
    else if (type === '%') body = `${fixedDigits(x * 100, precision)}%`
    else if (type === '' && spec.precision === undefined) body = numberStr(x)
    else body = generalText(x, precision, alt, upper, type === '')
    if (alt && (type === 'f' || type === 'F' || type === '%') && precision === 0)
      body = body.replace(/^\d+/, '$&.')
  }
  if (spec.grouping) body = group(body, spec.grouping, type in INT_BASES ? 4 : 3)
  const sign = negative ? '-' : spec.sign === '-' ? '' : spec.sign
  return pad(body, spec, '>', sign + prefix)
}

/** Insert thousands separators into the integer part. */
function group(body: string, sep: string, size: number): string {
  const m = /^[0-9a-fA-F]+/.exec(body)
  if (!m) return body
  const digits = m[0]
  let out = ''
  for (let i = digits.length; i > 0; i -= size)
    out = digits.slice(Math.max(0, i - size), i) + (out ? sep + out : '')
  return out + body.slice(digits.length)
}

/**
 * Pad `body` (after `prefix`: sign and `0x`) to the spec's width with its fill and alignment;
 * `'='` pads between the prefix and the digits (`-0042`).
 */
export function pad(body: string, spec: FormatSpec, defaultAlign: string, prefix = ''): string {
  const length = [...body].length + prefix.length
  const missing = spec.width - length
  if (missing <= 0) return prefix + body
  const align = spec.align || defaultAlign
  const fill = spec.fill
  if (align === '=') return prefix + fill.repeat(missing) + body
  if (align === '<') return prefix + body + fill.repeat(missing)
  if (align === '^') {
    const left = Math.floor(missing / 2)
    return fill.repeat(left) + prefix + body + fill.repeat(missing - left)
  }
  return fill.repeat(missing) + prefix + body
}
