/**
 * Python's two string-formatting languages, for templates written against Jinja2:
 * `'%s scored %.1f' % (name, score)` (the `%` operator, `printf` here) and
 * `'{} scored {:.1f}'.format(name, score)` (`formatString`).
 *
 * Both take an optional escaping function: trusted markup (`SafeString`) formats its arguments escaped, as
 * Jinja2's `Markup` does, so `markSafe('<b>%s</b>') % user_input` stays safe.
 */
import { SafeString } from './markup.ts'
import {
  isMapping,
  isString,
  pyType,
  repr,
  strText,
  toStr,
  typeError,
  valueError,
} from './value-kinds.ts'
import { type FormatSpec, formatNumber, pad, parseSpec } from './value-numbers.ts'

/** Escapes the text of an argument (for `SafeString` formats); identity for plain strings. */
export type Escape = ((text: string) => string) | undefined

/** One `%` conversion: `%(name)-08.3f`. */
const CONVERSION = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?([\s\S])?/gu

/**
 * Python's `fmt % args`. `args` is an array (a tuple), a mapping (for `%(name)s`, or a single
 * value), or any other single value.
 */
export function printf(fmt: string, args: unknown, escapeArg?: Escape): string {
  const positional = Array.isArray(args) ? args : [args]
  const mapping = isMapping(args) ? args : undefined
  let next = 0
  let usedMapping = false
  const take = (): unknown => {
    if (next >= positional.length) throw typeError('not enough arguments for format string')
    return positional[next++]
  }
  const out = fmt.replace(CONVERSION, (whole, name, flags, width, precision, type, offset) => {
    if (type === undefined) throw valueError('incomplete format: a % at the end needs a type')
    if (type === '%' && whole === '%%') return '%'
    let value: unknown
    if (name !== undefined) {
      if (!mapping) throw typeError('format requires a mapping: use % {"key": value}')
      usedMapping = true
      value = mapping instanceof Map ? mapping.get(name) : mapping[name]
      if (value === undefined && !(mapping instanceof Map ? mapping.has(name) : name in mapping))
        throw valueError(`no key '${name}' in the mapping for %(${name})${type}`)
    }
    const spec: FormatSpec = {
      fill: flags.includes('0') && !flags.includes('-') ? '0' : ' ',
      align: flags.includes('-') ? '<' : flags.includes('0') ? '=' : '>',
      sign: flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '-',
      alt: flags.includes('#'),
      zero: false,
      width: width === '*' ? Number(take()) : Number(width ?? 0),
      grouping: '',
      precision:
        precision === '*'
          ? Number(take())
          : precision === undefined
            ? undefined
            : Number(precision || 0),
      type,
    }
    if (name === undefined) value = take()
    if (!'sraciduxXoeEfFgG'.includes(type)) {
      const code = type.codePointAt(0)!.toString(16)
      const at = (offset as number) + whole.length - 1
      throw valueError(`unsupported format character '${type}' (0x${code}) at index ${at}`)
    }
    return convert(value, spec, escapeArg)
  })
  if (next < positional.length && !usedMapping && !mapping)
    throw typeError('not all arguments converted during string formatting')
  return out
}

function convert(value: unknown, spec: FormatSpec, escapeArg: Escape): string {
  const { type } = spec
  if (type === 's' || type === 'r' || type === 'a') {
    let text = type === 's' ? toStr(value) : repr(value)
    if (escapeArg && !(value instanceof SafeString)) text = escapeArg(text)
    if (spec.precision !== undefined) text = [...text].slice(0, spec.precision).join('')
    return pad(text, { ...spec, fill: ' ', align: spec.align === '<' ? '<' : '>' }, '>')
  }
  if (type === 'c') {
    if (isString(value) && [...strText(value)].length === 1) return pad(strText(value), spec, '>')
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw typeError(`%c requires an int or a single character, not ${pyType(value)}`)
    return formatNumber(value, spec)
  }
  const numeric = typeof value === 'boolean' ? Number(value) : value
  if (typeof numeric !== 'number' && typeof numeric !== 'bigint') {
    if ('eEfFgG'.includes(type)) throw typeError(`must be real number, not ${pyType(value)}`)
    const what = 'xXo'.includes(type) ? 'an integer' : 'a real number'
    throw typeError(`%${type} format: ${what} is required, not ${pyType(value)}`)
  }
  if ('diu'.includes(type)) {
    const n = toIntegral(numeric)
    const digits = formatNumber(n, { ...spec, type: 'd', precision: undefined })
    if (spec.precision === undefined) return digits
    return formatNumber(n, { ...spec, type: 'd', width: 0 }).replace(/\d+/, (d) =>
      d.padStart(spec.precision!, '0'),
    )
  }
  if ('xXo'.includes(type)) {
    if (typeof numeric === 'number' && !Number.isInteger(numeric))
      throw typeError(`%${type} format: an integer is required, not float`)
    return formatNumber(numeric, spec)
  }
  return formatNumber(Number(numeric), spec)
}

function toIntegral(n: number | bigint): number | bigint {
  if (typeof n === 'bigint') return n
  if (Number.isNaN(n)) throw valueError('cannot convert float NaN to integer')
  if (!Number.isFinite(n)) throw valueError('cannot convert float infinity to integer')
  return Math.trunc(n)
}

/**
 * Python's `format(value, spec)`: numbers by the mini-language, strings aligned and truncated,
 * booleans as `True`/`False` with an empty spec (as ints otherwise), anything else only with an
 * empty spec (its `str()`).
 */
export function formatValue(value: unknown, specText: string): string {
  if (specText === '') return toStr(value)
  const spec = parseSpec(specText)
  if (isString(value)) {
    if (spec.type !== '' && spec.type !== 's')
      throw valueError(`Unknown format code '${spec.type}' for object of type 'str'`)
    if (spec.sign !== '-' || spec.align === '=')
      throw valueError('Sign and "=" alignment are not allowed in string format specifier')
    const chars = [...strText(value)]
    const text =
      spec.precision === undefined ? chars.join('') : chars.slice(0, spec.precision).join('')
    return pad(text, spec, '<')
  }
  const numeric = typeof value === 'boolean' ? Number(value) : value
  if (typeof numeric === 'number' || typeof numeric === 'bigint') {
    if (spec.type === 's')
      throw valueError(`Unknown format code 's' for object of type '${pyType(value)}'`)
    return formatNumber(numeric, spec)
  }
  throw typeError(`unsupported format string passed to ${pyType(value)}.__format__`)
}

/** Looks up `{0.name}` (`attr` true) and `{0[key]}` in a format field, with the engine's rules. */
export type FieldLookup = (obj: unknown, key: string | number, attr: boolean) => unknown

/**
 * Python's `fmt.format(*args, **kwargs)`: `{}` `{0}` `{name}`, `{0.attr}` `{0[key]}`, `!r`/`!s`
 * conversions, format specs with nested fields (`{:{width}}`), `{{` and `}}` for braces.
 */
export function formatString(
  fmt: string,
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
  lookup: FieldLookup,
  escapeArg?: Escape,
): string {
  const state = { auto: 0, manual: false, automatic: false }
  const field = (body: string): string => {
    const m = /^([^.[!:]*)((?:\.[^.[!:]+|\[[^\]]*\])*)(?:!([rsa]))?(?::([\s\S]*))?$/u.exec(body)
    if (!m) throw valueError(`bad format field '{${body}}'`)
    const [, first = '', chain = '', conversion, rawSpec = ''] = m
    let value: unknown
    if (first === '' || /^\d+$/.test(first)) {
      if (first === '') {
        if (state.manual)
          throw valueError(
            'cannot switch from manual field specification to automatic field numbering',
          )
        state.automatic = true
      } else if (state.automatic) {
        throw valueError(
          'cannot switch from automatic field numbering to manual field specification',
        )
      } else state.manual = true
      const index = first === '' ? state.auto++ : Number(first)
      if (index >= args.length)
        throw valueError(`Replacement index ${index} out of range for positional args tuple`)
      value = args[index]
    } else {
      if (!Object.hasOwn(kwargs, first))
        throw valueError(`no keyword argument '${first}' for format`)
      value = kwargs[first]
    }
    for (const part of chain.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
      const key = part.slice(1, part[0] === '.' ? undefined : -1)
      value = lookup(
        value,
        part[0] === '[' && /^\d+$/.test(key) ? Number(key) : key,
        part[0] === '.',
      )
    }
    if (conversion) value = conversion === 's' ? toStr(value) : repr(value)
    const text = formatValue(value, expand(rawSpec))
    return escapeArg && !(value instanceof SafeString) ? escapeArg(text) : text
  }
  const expand = (text: string): string => {
    let out = ''
    let i = 0
    while (i < text.length) {
      const c = text[i]!
      if ((c === '{' || c === '}') && text[i + 1] === c) {
        out += c
        i += 2
      } else if (c === '}') {
        throw valueError("Single '}' encountered in format string (write '}}' for a brace)")
      } else if (c === '{') {
        let depth = 1
        let j = i + 1
        for (; j < text.length && depth > 0; j++)
          depth += text[j] === '{' ? 1 : text[j] === '}' ? -1 : 0
        if (depth > 0)
          throw valueError("Single '{' encountered in format string (write '{{' for a brace)")
        out += field(text.slice(i + 1, j - 1))
        i = j
      } else {
        out += c
        i++
      }
    }
    return out
  }
  return expand(fmt)
}
