/**
 * Python's printf-style `%` formatting, for the `format` filter (`"%s, %05.1f"|format(a, b)`).
 *
 * Jinja2's `format` is `str % args`, so templates written for it use Python's conversions
 * (`%s %r %a %d %i %u %o %x %X %e %E %f %F %g %G %c %%`), flags (`- + space # 0`), `*` widths
 * and `%(name)s` keys, with Python's errors when the arguments do not fit. Numbers are rounded
 * the Python way (half to even on the exact value, see decimal.ts).
 */
import { TemplateError } from '../errors.ts'
import { exponentSuffix, fixedDigits, scientificDigits } from './decimal.ts'

/** How to turn values into text; `escape` is set when the format string is markup. */
export interface FormatHooks {
  str(value: unknown): string
  repr(value: unknown): string
  /** Escape a converted argument (Jinja2's `Markup.__mod__`); absent for plain strings. */
  escape?: ((value: unknown, text: string) => string) | undefined
}

interface Spec {
  key: string | undefined
  flags: string
  width: number | undefined
  precision: number | undefined
  type: string
}

function fail(message: string): never {
  throw new TemplateError('PLINTH_TEMPLATE_FILTER_ARGUMENT', `format: ${message}`)
}

/**
 * Format `fmt % values`. `values` is a list of positional arguments, or a mapping (a `Map` or
 * plain object) for `%(key)s` formats.
 *
 * @example percentFormat('%s has %d items', ['cart', 3], hooks) // 'cart has 3 items'
 */
export function percentFormat(
  fmt: string,
  values: readonly unknown[] | Map<unknown, unknown> | Record<string, unknown>,
  hooks: FormatHooks,
): string {
  const mapping = Array.isArray(values)
    ? undefined
    : (values as Map<unknown, unknown> | Record<string, unknown>)
  const positional: readonly unknown[] = mapping === undefined ? (values as unknown[]) : [mapping]
  let next = 0
  const take = (): unknown => {
    if (next >= positional.length) fail('not enough arguments for format string')
    return positional[next++]
  }
  let out = ''
  let i = 0
  while (i < fmt.length) {
    const at = fmt.indexOf('%', i)
    if (at === -1) {
      out += fmt.slice(i)
      break
    }
    out += fmt.slice(i, at)
    const { spec, end } = parseSpec(fmt, at + 1)
    i = end
    if (spec.type === '%') {
      out += '%'
      continue
    }
    if (spec.width === -1) spec.width = starArgument(take())
    if (spec.precision === -1) spec.precision = starArgument(take())
    let value: unknown
    if (spec.key !== undefined) {
      if (mapping === undefined) fail('format requires a mapping (pass keyword arguments)')
      value = lookup(mapping, spec.key)
    } else {
      value = take()
    }
    out += convert(spec, value, hooks)
  }
  if (mapping === undefined && next < positional.length) {
    fail('not all arguments converted during string formatting')
  }
  return out
}

function lookup(mapping: Map<unknown, unknown> | Record<string, unknown>, key: string): unknown {
  if (mapping instanceof Map) {
    if (!mapping.has(key)) fail(`no value for key '${key}'`)
    return mapping.get(key)
  }
  if (!Object.hasOwn(mapping, key)) fail(`no value for key '${key}'`)
  return mapping[key]
}

function starArgument(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail('* wants int')
  return value
}

function parseSpec(fmt: string, start: number): { spec: Spec; end: number } {
  let i = start
  let key: string | undefined
  if (fmt[i] === '(') {
    let depth = 1
    let j = i + 1
    while (j < fmt.length && depth > 0) {
      if (fmt[j] === '(') depth++
      else if (fmt[j] === ')') depth--
      j++
    }
    if (depth > 0) fail('incomplete format key')
    key = fmt.slice(i + 1, j - 1)
    i = j
  }
  let flags = ''
  while (i < fmt.length && '-+ #0'.includes(fmt[i]!)) flags += fmt[i++]
  const readNumber = (): number | undefined => {
    if (fmt[i] === '*') {
      i++
      return -1
    }
    const digits = /^\d+/.exec(fmt.slice(i))?.[0]
    if (digits === undefined) return undefined
    i += digits.length
    return Number(digits)
  }
  const width = readNumber()
  let precision: number | undefined
  if (fmt[i] === '.') {
    i++
    precision = readNumber() ?? 0
  }
  while (i < fmt.length && 'hlL'.includes(fmt[i]!)) i++
  if (i >= fmt.length) fail('incomplete format')
  const type = fmt[i]!
  if (!'sradiuoxXeEfFgGc%'.includes(type)) {
    const code = type.charCodeAt(0).toString(16)
    fail(`unsupported format character '${type}' (0x${code}) at index ${i}`)
  }
  return { spec: { key, flags, width, precision, type }, end: i + 1 }
}

function convert(spec: Spec, value: unknown, hooks: FormatHooks): string {
  const { type, flags, precision } = spec
  // Markup formats escape str() of non-markup values and every repr() (Markup.__mod__).
  const escapeText = (text: string) =>
    hooks.escape ? hooks.escape(type === 's' ? value : text, text) : text
  switch (type) {
    case 's':
    case 'r':
    case 'a': {
      let text = type === 's' ? hooks.str(value) : hooks.repr(value)
      if (type === 'a') text = asciiOnly(text)
      if (precision !== undefined) text = Array.from(text).slice(0, precision).join('')
      return pad(escapeText(text), spec)
    }
    case 'c':
      return pad(escapeText(character(value)), spec)
    case 'd':
    case 'i':
    case 'u':
      return number(spec, integerDigits(realNumber(value, type), 10, precision))
    case 'o':
    case 'x':
    case 'X': {
      const n = integer(value, type)
      const base = type === 'o' ? 8 : 16
      let digits = integerDigits(n, base, precision)
      if (type === 'X') digits = digits.toUpperCase()
      const prefix = flags.includes('#') ? `0${type}` : ''
      return number(spec, digits, n < 0, prefix)
    }
    default:
      return number(spec, floatDigits(realNumber(value, type), type, flags, precision))
  }
}

function realNumber(value: unknown, type: string): number {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  if ('diu'.includes(type))
    fail(`%${type} format: a real number is required, not ${typeName(value)}`)
  return fail(`must be real number, not ${typeName(value)}`)
}

function integer(value: unknown, type: string): number {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number' && Number.isInteger(value)) return value
  return fail(`%${type} format: an integer is required, not ${typeName(value)}`)
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType'
  if (typeof value === 'string') return 'str'
  if (typeof value === 'number') return 'float'
  if (Array.isArray(value)) return 'list'
  return typeof value === 'object' ? 'dict' : typeof value
}

/** Digits of an integer (truncating floats, as `int()` does), `-` in front when negative. */
function integerDigits(n: number, base: number, precision?: number): string {
  if (!Number.isFinite(n)) fail(`cannot convert float ${n > 0 ? 'infinity' : 'NaN'} to integer`)
  const whole = BigInt(Math.trunc(n))
  const negative = whole < 0n
  let digits = (negative ? -whole : whole).toString(base)
  if (precision !== undefined) digits = digits.padStart(precision, '0')
  return negative ? `-${digits}` : digits
}

function floatDigits(x: number, type: string, flags: string, precision = 6): string {
  const upper = type === type.toUpperCase()
  const sign = x < 0 || Object.is(x, -0) ? '-' : ''
  if (!Number.isFinite(x)) {
    const word = Number.isNaN(x) ? 'nan' : 'inf'
    return (Number.isNaN(x) ? '' : sign) + (upper ? word.toUpperCase() : word)
  }
  const magnitude = Math.abs(x)
  const alternate = flags.includes('#')
  const lower = type.toLowerCase()
  if (lower === 'f')
    return sign + fixedDigits(magnitude, precision) + (alternate && precision === 0 ? '.' : '')
  if (lower === 'e') return sign + exponential(magnitude, precision, upper, alternate)
  // %g: exponential when the exponent is < -4 or >= precision, trailing zeros removed.
  const p = precision === 0 ? 1 : precision
  const { exponent } = scientificDigits(magnitude, p - 1)
  let text = exponential(magnitude, p - 1, upper, alternate)
  if (exponent >= -4 && exponent < p) {
    text = fixedDigits(magnitude, p - 1 - exponent)
    // '%#g' keeps the decimal point even with no decimals left ('724.').
    if (alternate && !text.includes('.')) text += '.'
  }
  if (!alternate) text = text.replace(/(\.\d*?)0+(?=$|[eE])/, '$1').replace(/\.(?=$|[eE])/, '')
  return sign + text
}

function exponential(magnitude: number, precision: number, upper: boolean, alternate: boolean) {
  const { digits, exponent } = scientificDigits(magnitude, precision)
  const mantissa = digits.length > 1 || alternate ? `${digits[0]}.${digits.slice(1)}` : digits
  return mantissa + exponentSuffix(exponent, upper)
}

/** Apply sign flags, the `0` flag and the width to a number's text (`-` included if negative). */
function number(spec: Spec, text: string, negative = text.startsWith('-'), prefix = ''): string {
  const body = text.startsWith('-') ? text.slice(1) : text
  let sign = negative ? '-' : ''
  if (!negative && spec.flags.includes('+')) sign = '+'
  else if (!negative && spec.flags.includes(' ')) sign = ' '
  const head = sign + prefix
  const width = spec.width ?? 0
  if (spec.flags.includes('0') && !spec.flags.includes('-')) {
    return head + body.padStart(width - head.length, '0')
  }
  return pad(head + body, spec)
}

function pad(text: string, spec: Spec): string {
  const width = spec.width ?? 0
  const missing = width - Array.from(text).length
  if (missing <= 0) return text
  return spec.flags.includes('-') ? text + ' '.repeat(missing) : ' '.repeat(missing) + text
}

function character(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value < 0 || value > 0x10ffff) fail('%c arg not in range(0x110000)')
    return String.fromCodePoint(value)
  }
  if (typeof value === 'string' && Array.from(value).length === 1) return value
  return fail('%c requires an int or a unicode character')
}

/** Python's `ascii()`: non-ASCII characters as `\xhh`, `\uhhhh` or `\Uhhhhhhhh`. */
function asciiOnly(text: string): string {
  let out = ''
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (code < 0x80) out += char
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += `\\U${code.toString(16).padStart(8, '0')}`
  }
  return out
}
