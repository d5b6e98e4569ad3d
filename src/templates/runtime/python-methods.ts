/**
 * The Python methods Jinja2 templates call on built-in values: `name.upper()`,
 * `'{} of {}'.format(a, b)`, `d.items()`, `xs.index(x)`. They are part of the template language,
 * not JavaScript methods: `access.ts` offers them when a string, mapping or list has no own
 * property of that name, and JavaScript's own methods (`'x'.constructor`, `[].map`) stay out of
 * reach. Nothing here mutates its value (no `append`, `update`, `pop`).
 *
 * Semantics are Python's, positions in code points: `split()` splits on whitespace runs,
 * `strip('x')` takes a set of characters, `find` returns -1, `index` raises. On trusted markup
 * (`SafeString`, Jinja2's `Markup`) string results stay trusted and inserted text (a replacement,
 * joined items, format arguments) is escaped, as MarkupSafe 3 does. Keyword arguments arrive as a trailing `kwargs()` object (see `values.ts`);
 * only `format`, `split` and `rsplit` accept them.
 */
import { escapeHtml, SafeString } from './markup.ts'
import {
  equals,
  type FieldLookup,
  formatString,
  isMapping,
  isString,
  pyType,
  repr,
  splitArgs,
  strText,
  toList,
  typeError,
  valueError,
} from './values.ts'

type Kw = Record<string, unknown>
type StrMethod = (s: string, args: unknown[], kw: Kw, lookup: FieldLookup) => unknown

/** Python's whitespace (`str.isspace`), for `strip()` and `split()` without arguments. */
const WS =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const WORDS = new RegExp(`[^${WS}]+`, 'g')
const LEADING_WS = new RegExp(`^[${WS}]+`)
const TRAILING_WS = new RegExp(`[${WS}]+$`)
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python breaks lines at \x1c-\x1e too.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/

function str(value: unknown, what: string): string {
  if (isString(value)) return strText(value)
  throw typeError(`${what} must be str, not ${pyType(value)}`)
}

function int(value: unknown, what: string, fallback: number): number {
  if (value === undefined || value === null) return fallback
  if (typeof value === 'boolean' || typeof value === 'bigint') return Number(value)
  if (typeof value === 'number' && Number.isInteger(value)) return value
  throw typeError(`${what} must be an integer, not ${pyType(value)}`)
}

/** Python slice bounds `[start:end]` over `length` items, clamped. */
function bounds(length: number, start: unknown, end: unknown): [number, number] {
  const clamp = (i: number) => (i < 0 ? Math.max(0, i + length) : Math.min(i, length))
  return [clamp(int(start, 'start', 0)), clamp(int(end, 'end', length))]
}

/** The part of `s` between code point positions, and where it starts (in code points). */
function window(s: string, start: unknown, end: unknown): [string, number, boolean] {
  const chars = [...s]
  const [a, b] = bounds(chars.length, start, end)
  const startRaw = int(start, 'start', 0)
  return [chars.slice(a, b).join(''), a, startRaw > chars.length || a > b]
}

function find(s: string, args: unknown[], fromRight: boolean): number {
  const needle = str(args[0], 'substring')
  const [part, offset, empty] = window(s, args[1], args[2])
  if (empty) return -1
  const i = fromRight ? part.lastIndexOf(needle) : part.indexOf(needle)
  return i < 0 ? -1 : offset + [...part.slice(0, i)].length
}

function stripper(mode: 'both' | 'left' | 'right'): StrMethod {
  return (s, [chars]) => {
    if (chars === undefined || chars === null) {
      const left = mode === 'right' ? s : s.replace(LEADING_WS, '')
      return mode === 'left' ? left : left.replace(TRAILING_WS, '')
    }
    const set = new Set(str(chars, 'strip arg'))
    const cps = [...s]
    let a = 0
    let b = cps.length
    if (mode !== 'right') while (a < b && set.has(cps[a]!)) a++
    if (mode !== 'left') while (b > a && set.has(cps[b - 1]!)) b--
    return cps.slice(a, b).join('')
  }
}

function splitter(fromRight: boolean): StrMethod {
  return (s, args, kw) => {
    const sep = args[0] ?? kw.sep
    const max = int(args[1] ?? kw.maxsplit, 'maxsplit', -1)
    if (sep === undefined || sep === null) {
      const words = [...s.matchAll(WORDS)]
      if (max < 0 || words.length <= max + 1) return words.map((m) => m[0])
      if (!fromRight) {
        // The rest keeps its trailing whitespace, as in Python.
        return [...words.slice(0, max).map((m) => m[0]), s.slice(words[max]!.index)]
      }
      const cut = words[words.length - max - 1]!
      const head = s.slice(0, cut.index + cut[0].length)
      return [head, ...words.slice(words.length - max).map((m) => m[0])]
    }
    const text = str(sep, 'separator')
    if (text === '') throw valueError('empty separator')
    const parts = s.split(text)
    if (max < 0 || parts.length <= max + 1) return parts
    if (!fromRight) return [...parts.slice(0, max), parts.slice(max).join(text)]
    return [parts.slice(0, parts.length - max).join(text), ...parts.slice(parts.length - max)]
  }
}

function justify(where: 'center' | 'left' | 'right'): StrMethod {
  return (s, [width, fill = ' ']) => {
    const w = int(width, 'width', 0)
    const f = str(fill, 'fill character')
    if ([...f].length !== 1)
      throw typeError('The fill character must be exactly one character long')
    const missing = w - [...s].length
    if (missing <= 0) return s
    // Python puts the odd padding character on the left when the width is odd.
    const left =
      where === 'left' ? 0 : where === 'right' ? missing : (missing >> 1) + (missing & w & 1)
    return f.repeat(left) + s + f.repeat(missing - left)
  }
}

function affix(atEnd: boolean): StrMethod {
  return (s, [wanted, start, end]) => {
    const [part, , empty] = window(s, start, end)
    const options = Array.isArray(wanted) ? wanted : [wanted]
    const what = `${atEnd ? 'endswith' : 'startswith'} first arg`
    const texts = options.map((o) => str(o, `${what} (or each item of a tuple)`))
    if (empty) return false
    return texts.some((t) => (atEnd ? part.endsWith(t) : part.startsWith(t)))
  }
}

const UPPER = /[\p{Uppercase}\p{Lt}]/u
const LOWER = /[\p{Lowercase}\p{Lt}]/u

const capitalizeWord = (w: string) => {
  const first = w.codePointAt(0)!
  const size = first > 0xffff ? 2 : 1
  return w.slice(0, size).toUpperCase() + w.slice(size).toLowerCase()
}

const STR: Record<string, StrMethod> = {
  __proto__: null as never,
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  casefold: (s) => s.toLowerCase(),
  swapcase: (s) => [...s].map((c) => (UPPER.test(c) ? c.toLowerCase() : c.toUpperCase())).join(''),
  strip: stripper('both'),
  lstrip: stripper('left'),
  rstrip: stripper('right'),
  split: splitter(false),
  rsplit: splitter(true),
  splitlines: (s, [keepends]) => {
    const lines: string[] = []
    let rest = s
    for (let m = LINE_BREAK.exec(rest); m; m = LINE_BREAK.exec(rest)) {
      lines.push(rest.slice(0, keepends ? m.index + m[0].length : m.index))
      rest = rest.slice(m.index + m[0].length)
    }
    if (rest !== '') lines.push(rest)
    return lines
  },
  startswith: affix(false),
  endswith: affix(true),
  replace: (s, [old, by, count]) => {
    const from = str(old, 'replace() argument 1')
    const to = str(by, 'replace() argument 2')
    const n = int(count, 'count', -1)
    if (from === '') {
      // Python inserts the replacement before every character and at the end, `count` times.
      let out = ''
      let left = n
      for (const c of s) {
        if (left !== 0) {
          out += to
          left--
        }
        out += c
      }
      return left !== 0 ? out + to : out
    }
    const parts = s.split(from)
    if (n < 0 || parts.length <= n + 1) return parts.join(to)
    return parts.slice(0, n + 1).join(to) + from + parts.slice(n + 1).join(from)
  },
  title: (s) => s.replace(/\p{Cased}+/gu, capitalizeWord),
  capitalize: (s) => (s === '' ? s : capitalizeWord(s)),
  count: (s, [sub, start, end]) => {
    const needle = str(sub, 'count() argument 1')
    const [part, , empty] = window(s, start, end)
    if (empty) return 0
    return needle === '' ? [...part].length + 1 : part.split(needle).length - 1
  },
  find: (s, args) => find(s, args, false),
  rfind: (s, args) => find(s, args, true),
  index: (s, args) => {
    const i = find(s, args, false)
    if (i < 0) throw valueError('substring not found (use find() to get -1 instead)')
    return i
  },
  join: (s, [items]) =>
    toList(items)
      .map((item, i) => {
        if (isString(item)) return strText(item)
        throw typeError(`sequence item ${i}: expected str instance, ${pyType(item)} found`)
      })
      .join(s),
  format: (s, args, kw, lookup) => formatString(s, args, kw, lookup),
  center: justify('center'),
  ljust: justify('left'),
  rjust: justify('right'),
  zfill: (s, [width]) => {
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : ''
    return sign + s.slice(sign.length).padStart(int(width, 'width', 0) - sign.length, '0')
  },
  isdigit: (s) => /^\p{Nd}+$/u.test(s),
  isdecimal: (s) => /^\p{Nd}+$/u.test(s),
  isnumeric: (s) => /^\p{N}+$/u.test(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  isalnum: (s) => /^[\p{L}\p{N}]+$/u.test(s),
  isspace: (s) => s !== '' && s.replace(LEADING_WS, '') === '',
  isupper: (s) => /\p{Uppercase}/u.test(s) && !LOWER.test(s),
  islower: (s) => /\p{Lowercase}/u.test(s) && !UPPER.test(s),
}

/** String methods whose `Markup` versions return markup (MarkupSafe 3). */
const MARKUP_WRAPPED = new Set(
  'upper lower casefold swapcase strip lstrip rstrip replace title capitalize center ljust rjust zfill'.split(
    ' ',
  ),
)
/** Of those, the ones that escape an argument (the replacement or fill text), by position. */
const MARKUP_ESCAPED_ARG: Record<string, number> = { replace: 1, center: 1, ljust: 1, rjust: 1 }
const MARKUP_LISTS = new Set(['split', 'rsplit', 'splitlines'])
const KEYWORDS = new Set(['format', 'split', 'rsplit'])

const escapeArg = (v: unknown) =>
  v instanceof SafeString ? v.value : typeof v === 'string' ? escapeHtml(v) : v

function stringMethod(self: string | SafeString, name: string, lookup: FieldLookup) {
  const method = STR[name]
  if (!method) return undefined
  return (...all: unknown[]) => {
    const [args, kw] = splitArgs(all)
    if (!KEYWORDS.has(name) && Object.keys(kw).length > 0)
      throw typeError(`${name}() takes no keyword arguments`)
    if (typeof self === 'string') return method(self, args, kw, lookup)
    const text = self.value
    if (MARKUP_WRAPPED.has(name)) {
      const at = MARKUP_ESCAPED_ARG[name]
      const escaped = at === undefined ? args : args.map((a, i) => (i === at ? escapeArg(a) : a))
      return new SafeString(method(text, escaped, kw, lookup) as string)
    }
    if (MARKUP_LISTS.has(name))
      return (method(text, args, kw, lookup) as string[]).map((part) => new SafeString(part))
    if (name === 'join') {
      const items = toList(args[0]).map(escapeArg)
      return new SafeString(method(text, [items], kw, lookup) as string)
    }
    if (name === 'format') return new SafeString(formatString(text, args, kw, lookup, escapeHtml))
    return method(text, args, kw, lookup)
  }
}

function noKeywords(name: string, fn: (...args: unknown[]) => unknown) {
  return (...all: unknown[]) => {
    const [args, kw] = splitArgs(all)
    if (Object.keys(kw).length > 0) throw typeError(`${name}() takes no keyword arguments`)
    return fn(...args)
  }
}

function mappingMethod(self: Record<string, unknown> | Map<unknown, unknown>, name: string) {
  const isMap = self instanceof Map
  switch (name) {
    case 'items':
      return noKeywords(name, () => (isMap ? [...self] : Object.entries(self)))
    case 'keys':
      return noKeywords(name, () => (isMap ? [...self.keys()] : Object.keys(self)))
    case 'values':
      return noKeywords(name, () => (isMap ? [...self.values()] : Object.values(self)))
    case 'get':
      return noKeywords(name, (key, fallback = null) => {
        if (isMap) return self.has(key) ? self.get(key) : fallback
        const k = isString(key) ? strText(key) : typeof key === 'number' ? String(key) : undefined
        return k !== undefined && Object.hasOwn(self, k) ? self[k] : fallback
      })
  }
  return undefined
}

function listMethod(self: unknown[], name: string) {
  if (name === 'count') return noKeywords(name, (x) => self.filter((v) => equals(v, x)).length)
  if (name !== 'index') return undefined
  return noKeywords(name, (x, start, end) => {
    const [a, b] = bounds(self.length, start, end)
    for (let i = a; i < b; i++) if (equals(self[i], x)) return i
    throw valueError(`${repr(x)} is not in list (test with 'in' first)`)
  })
}

/**
 * The Python method `name` of a string, `SafeString`, mapping or list, bound to it, or
 * `undefined` when that kind of value has no such method. `lookup` resolves `{0.attr}` and
 * `{0[key]}` in `str.format` with the engine's safe access rules.
 */
export function pyMethod(
  self: unknown,
  name: string,
  lookup: FieldLookup,
): ((...args: unknown[]) => unknown) | undefined {
  if (isString(self)) return stringMethod(self, name, lookup)
  if (Array.isArray(self)) return listMethod(self, name)
  if (isMapping(self)) return mappingMethod(self, name)
  return undefined
}
