/**
 * Python's `pprint.pformat`, for the `pprint` filter (a debugging aid in templates).
 *
 * Short values print as their `repr`; values wider than 80 columns are broken over lines the way
 * `pprint` breaks them (one item per line, nested values indented under their opening bracket,
 * long strings split at spaces into adjacent literals). Dict keys are sorted, as `pprint` sorts
 * them, so the output is stable whatever order the handler built the object in.
 */
import { compare, isMapping, pyType, repr } from '../runtime/values.ts'
import { pySplitlines } from './pystr.ts'

const WIDTH = 80

type Pairs = Array<[unknown, unknown]>

/** Python's `_safe_key` ordering: natural order, else by type name (never an error). */
function safeCompare(a: unknown, b: unknown): number {
  try {
    return compare(a, b)
  } catch {
    const ta = pyType(a)
    const tb = pyType(b)
    return ta < tb ? -1 : ta > tb ? 1 : 0
  }
}

function sortedItems(value: Map<unknown, unknown> | Record<string, unknown>): Pairs {
  const pairs: Pairs = value instanceof Map ? [...value] : Object.entries(value)
  return pairs.sort((a, b) => safeCompare(a[0], b[0]))
}

/** `repr` with dict keys sorted at every level (pprint's `_safe_repr`). */
function safeRepr(value: unknown, seen: Set<object>): string {
  if (Array.isArray(value) || value instanceof Set || isMapping(value)) {
    if (seen.has(value)) return `<Recursion on ${pyType(value)}>`
    seen.add(value)
    let out: string
    if (Array.isArray(value)) out = `[${value.map((v) => safeRepr(v, seen)).join(', ')}]`
    else if (value instanceof Set) {
      out = value.size === 0 ? 'set()' : `{${[...value].map((v) => safeRepr(v, seen)).join(', ')}}`
    } else {
      const items = sortedItems(value).map(([k, v]) => `${safeRepr(k, seen)}: ${safeRepr(v, seen)}`)
      out = `{${items.join(', ')}}`
    }
    seen.delete(value)
    return out
  }
  return repr(value)
}

/**
 * Pretty-print a value as Python's `pprint.pformat(value)` does.
 *
 * @example pformat({ b: 1, a: [1, 2] }) // "{'a': [1, 2], 'b': 1}"
 */
export function pformat(value: unknown): string {
  return format(value, 0, 0, 0, new Set())
}

function format(
  value: unknown,
  indent: number,
  allowance: number,
  level: number,
  seen: Set<object>,
): string {
  const rep = safeRepr(value, seen)
  if (rep.length <= WIDTH - indent - allowance) return rep
  if (typeof value === 'object' && value !== null && seen.has(value)) return rep
  const inner = level + 1
  if (typeof value === 'string') return formatString(value, indent, allowance, inner)
  if (Array.isArray(value) || value instanceof Set) {
    if (value instanceof Set && value.size === 0) return rep
    const items = value instanceof Set ? [...value].sort(safeCompare) : value
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}']
    seen.add(value)
    const body = formatItems(items, indent, allowance + 1, inner, seen)
    seen.delete(value)
    return open + body + close
  }
  if (isMapping(value)) {
    const items = sortedItems(value)
    if (items.length === 0) return rep
    seen.add(value)
    const body = formatDictItems(items, indent + 1, allowance + 1, inner, seen)
    seen.delete(value)
    return `{${body}}`
  }
  return rep
}

function formatItems(
  items: readonly unknown[],
  indent: number,
  allowance: number,
  level: number,
  seen: Set<object>,
) {
  const at = indent + 1
  return items
    .map((item, i) => format(item, at, i === items.length - 1 ? allowance : 1, level, seen))
    .join(`,\n${' '.repeat(at)}`)
}

function formatDictItems(
  items: Pairs,
  indent: number,
  allowance: number,
  level: number,
  seen: Set<object>,
) {
  return items
    .map(([key, item], i) => {
      const keyRep = safeRepr(key, seen)
      const last = i === items.length - 1
      return `${keyRep}: ${format(item, indent + keyRep.length + 2, last ? allowance : 1, level, seen)}`
    })
    .join(`,\n${' '.repeat(indent)}`)
}

/** A long string as adjacent literals split after whitespace, in parentheses at the top. */
function formatString(text: string, indent: number, allowance: number, level: number): string {
  const top = level === 1
  const at = top ? indent + 1 : indent
  const slack = top ? allowance + 1 : allowance
  const lines = splitlinesKeepEnds(text)
  const chunks: string[] = []
  let rep = ''
  lines.forEach((line, i) => {
    const lastLine = i === lines.length - 1
    rep = repr(line)
    if (rep.length <= WIDTH - at - (lastLine ? slack : 0)) {
      chunks.push(rep)
      return
    }
    const parts = line.match(/\S*\s*/gu)!.filter((part) => part !== '')
    let current = ''
    parts.forEach((part, j) => {
      const candidate = current + part
      const limit = WIDTH - at - (lastLine && j === parts.length - 1 ? slack : 0)
      if (repr(candidate).length > limit) {
        if (current) chunks.push(repr(current))
        current = part
      } else current = candidate
    })
    if (current) chunks.push(repr(current))
  })
  if (chunks.length === 1) return rep
  const body = chunks.join(`\n${' '.repeat(at)}`)
  return top ? `(${body})` : body
}

/** `s.splitlines(True)`: lines with their line breaks. */
function splitlinesKeepEnds(text: string): string[] {
  const lines = pySplitlines(text)
  const out: string[] = []
  let from = 0
  for (const line of lines) {
    let end = from + line.length
    if (text.startsWith('\r\n', end)) end += 2
    else if (end < text.length) end += 1
    out.push(text.slice(from, end))
    from = end
  }
  return out
}
