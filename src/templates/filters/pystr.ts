/**
 * Python `str` methods the filters need, with Python's rules rather than JavaScript's.
 *
 * Jinja2's filters are thin wrappers over `str.strip`, `str.center`, `str.splitlines`,
 * `str.replace`…, and templates see the differences: Python's whitespace set is larger than
 * `\s`, `splitlines` knows eight line boundaries, `'abc'.replace('', '-')` is `'-a-b-c-'`, and
 * lengths count code points, not UTF-16 units. Each function here reproduces one method.
 */

/** Characters for which Python's `str.isspace()` is true. */
const PY_SPACE =
  '\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006' +
  '\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000'

const SPACE_SET = new Set(PY_SPACE)
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`)
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python breaks lines at \x1c-\x1e too.
const LINE_BREAK = /\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/
const ASTRAL = /[\uD800-\uDFFF]/

/** Python's `str.isspace()` for one character. */
export function isPySpace(char: string): boolean {
  return SPACE_SET.has(char)
}

/** `len(s)`: the number of code points (JavaScript's `length` counts surrogate halves). */
export function cpLength(s: string): number {
  return ASTRAL.test(s) ? Array.from(s).length : s.length
}

/** `s[start:end]` in code points, with Python's negative indices. */
export function cpSlice(s: string, start: number, end?: number): string {
  if (!ASTRAL.test(s)) return s.slice(start, end)
  return Array.from(s).slice(start, end).join('')
}

/** `s.strip(chars)`, `s.lstrip(chars)`, `s.rstrip(chars)`; `chars` null strips whitespace. */
export function pyStrip(
  s: string,
  chars?: string | null,
  side: 'both' | 'left' | 'right' = 'both',
): string {
  const strip = chars == null ? SPACE_SET : new Set(chars)
  const cps = ASTRAL.test(s) ? Array.from(s) : s.split('')
  let start = 0
  let end = cps.length
  if (side !== 'right') while (start < end && strip.has(cps[start]!)) start++
  if (side !== 'left') while (end > start && strip.has(cps[end - 1]!)) end--
  return cps.slice(start, end).join('')
}

/** `s.split()`: runs of whitespace separate, and no empty strings at either end. */
export function pySplitWhitespace(s: string): string[] {
  return s.split(SPACE_RUN).filter((part) => part !== '')
}

/** `s.splitlines()`: every Python line boundary, no empty item after a final newline. */
export function pySplitlines(s: string): string[] {
  if (s === '') return []
  const lines = s.split(LINE_BREAK)
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** `s.center(width, fill)`, placing the odd extra space as CPython does. */
export function pyCenter(s: string, width: number, fill = ' '): string {
  const margin = width - cpLength(s)
  if (margin <= 0) return s
  // CPython: left = marg / 2 + (marg & width & 1).
  const left = Math.floor(margin / 2) + (margin & width & 1)
  return fill.repeat(left) + s + fill.repeat(margin - left)
}

/** `s.replace(old, new, count)`; a negative count replaces all, an empty `old` inserts. */
export function pyReplace(s: string, old: string, replacement: string, count = -1): string {
  if (count === 0) return s
  if (old === '') {
    const cps = Array.from(s)
    const limit = count < 0 ? cps.length + 1 : Math.min(count, cps.length + 1)
    let out = ''
    for (let i = 0; i < cps.length; i++) out += (i < limit ? replacement : '') + cps[i]
    return out + (limit > cps.length ? replacement : '')
  }
  if (count < 0) return s.split(old).join(replacement)
  let out = ''
  let from = 0
  for (let done = 0; done < count; done++) {
    const at = s.indexOf(old, from)
    if (at === -1) break
    out += s.slice(from, at) + replacement
    from = at + old.length
  }
  return out + s.slice(from)
}

/** The first code point of `s` and the rest. */
function splitFirst(s: string): [string, string] {
  const size = s.codePointAt(0)! > 0xffff ? 2 : 1
  return [s.slice(0, size), s.slice(size)]
}

/**
 * `s.capitalize()`: the first character in title case, the rest lower case. JavaScript has no
 * title case; an upper case that expands (`ß` → `SS`) keeps only its first letter upper (`Ss`).
 */
export function pyCapitalize(s: string): string {
  if (s === '') return s
  const [first, rest] = splitFirst(s)
  const upper = first.toUpperCase()
  const [head, tail] = splitFirst(upper)
  return head + tail.toLowerCase() + rest.toLowerCase()
}

/** `s[0].upper() + s[1:].lower()`, as Jinja2's `title` does for each word. */
export function upperFirst(s: string): string {
  if (s === '') return s
  const [first, rest] = splitFirst(s)
  return first.toUpperCase() + rest.toLowerCase()
}

/** `s.rsplit(sep, 1)[0]`: everything before the last `sep` (all of `s` when absent). */
export function beforeLast(s: string, sep: string): string {
  const at = s.lastIndexOf(sep)
  return at === -1 ? s : s.slice(0, at)
}
