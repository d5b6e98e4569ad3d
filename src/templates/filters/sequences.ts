/**
 * Sequence filters: picking (`first`, `last`, `random`), shaping (`batch`, `slice`, `list`,
 * `reverse`, `items`), ordering (`sort`, `dictsort`, `unique`, `min`, `max`, `groupby`) and
 * folding (`join`, `sum`, `length`).
 *
 * Values are iterated as a Jinja2 `for` loop would (a string by characters, a mapping by keys,
 * Undefined as empty). Ordering uses Python's comparison, case-insensitive for strings unless
 * `case_sensitive=true`, and `attribute='a.b,c'` keys as Jinja2's attribute getters. Results are
 * arrays where Jinja2 returns generators, so they render as lists and can be indexed.
 */
import { SafeString } from '../runtime/markup.ts'
import { defineFilter } from '../runtime/types.ts'
import {
  add,
  compare,
  equals,
  isUndefined,
  length as pyLen,
  toList,
  toStr,
  truthy,
} from '../runtime/values.ts'
import {
  argumentError,
  attrGetter,
  compareKeys,
  escapedText,
  ignoreCase,
  intArg,
  mappingItems,
  multiAttrGetter,
  sameKind,
  textOf,
} from './util.ts'

export const length = defineFilter([], (_ctx, value) => pyLen(value))

export const list = defineFilter([], (_ctx, value) => [...toList(value)])

export const first = defineFilter([], (ctx, value) => {
  const items = toList(value)
  return items.length > 0 ? items[0] : ctx.undefined('No first item, sequence was empty.')
})

export const last = defineFilter([], (ctx, value) => {
  const items = toList(value)
  return items.length > 0
    ? items[items.length - 1]
    : ctx.undefined('No last item, sequence was empty.')
})

/** A random item (not for anything secret: it uses `Math.random`). */
export const random = defineFilter([], (ctx, value) => {
  const items = toList(value)
  if (items.length === 0) return ctx.undefined('No random item, sequence was empty.')
  return items[Math.floor(Math.random() * items.length)]
})

/** `items`: the `(key, value)` pairs of a mapping; nothing for Undefined. */
export const items = defineFilter([], (_ctx, value) =>
  isUndefined(value) ? [] : mappingItems('items', value),
)

/** `reverse`: a reversed string, or the items in reverse order. */
export const reverse = defineFilter([], (_ctx, value) => {
  if (typeof value === 'string' || value instanceof SafeString) {
    return sameKind(value, Array.from(textOf(value)).reverse().join(''))
  }
  return [...toList(value)].reverse()
})

/** `batch(linecount, fill_with)`: lists of `linecount` items, the last one filled if asked. */
export const batch = defineFilter(
  ['linecount', 'fill_with'],
  (_ctx, value, linecount, fillWith = null) => {
    const size = intArg('batch', 'linecount', linecount)
    if (size <= 0)
      throw argumentError('batch', `linecount must be a positive integer, got ${size}.`)
    const source = toList(value)
    const out: unknown[][] = []
    for (let i = 0; i < source.length; i += size) out.push(source.slice(i, i + size))
    const tail = out[out.length - 1]
    if (tail && fillWith !== null && fillWith !== undefined)
      while (tail.length < size) tail.push(fillWith)
    return out
  },
)

/** `slice(slices, fill_with)`: the items in `slices` columns, the earlier ones one longer. */
export const slice = defineFilter(
  ['slices', 'fill_with'],
  (_ctx, value, slices, fillWith = null) => {
    const count = intArg('slice', 'slices', slices)
    if (count <= 0) throw argumentError('slice', `slices must be a positive integer, got ${count}.`)
    const seq = toList(value)
    const perSlice = Math.floor(seq.length / count)
    const withExtra = seq.length % count
    const out: unknown[][] = []
    let offset = 0
    for (let n = 0; n < count; n++) {
      const start = offset + n * perSlice
      if (n < withExtra) offset += 1
      const part = seq.slice(start, offset + (n + 1) * perSlice)
      if (fillWith !== null && fillWith !== undefined && n >= withExtra) part.push(fillWith)
      out.push(part)
    }
    return out
  },
)

/**
 * `join(d='', attribute=None)`. With autoescaping, if the separator or any item is markup, the
 * other parts are escaped and the result is markup; otherwise the result is plain text.
 */
export const join = defineFilter(['d', 'attribute'], (ctx, value, d = '', attribute = null) => {
  let parts = toList(value)
  if (attribute !== null && attribute !== undefined) parts = parts.map(attrGetter(ctx, attribute))
  if (!ctx.autoescape) return parts.map(toStr).join(toStr(d))
  if (!(d instanceof SafeString) && !parts.some((part) => part instanceof SafeString)) {
    return parts.map(toStr).join(toStr(d))
  }
  return new SafeString(parts.map(escapedText).join(escapedText(d)))
})

/** `sum(attribute=None, start=0)`: Python's `sum` (numbers; lists when `start` is a list). */
export const sum = defineFilter(
  ['attribute', 'start'],
  (ctx, value, attribute = null, start = 0) => {
    let parts = toList(value)
    if (attribute !== null && attribute !== undefined) parts = parts.map(attrGetter(ctx, attribute))
    if (typeof start === 'string' || start instanceof SafeString) {
      throw argumentError('sum', "can't sum strings; use |join instead.")
    }
    return parts.reduce((total, part) => add(total, part), start)
  },
)

/** Sort with a key function; Python's sort is stable, and so is JavaScript's. */
function sortBy<T>(values: T[], key: (value: T) => unknown[], reverse: boolean): T[] {
  const keyed = values.map((value) => ({ value, key: key(value) }))
  keyed.sort((a, b) => (reverse ? compareKeys(b.key, a.key) : compareKeys(a.key, b.key)))
  return keyed.map((entry) => entry.value)
}

/** `sort(reverse, case_sensitive, attribute)`; `attribute` may list keys: `'age,name'`. */
export const sort = defineFilter(
  ['reverse', 'case_sensitive', 'attribute'],
  (ctx, value, reverse = false, caseSensitive = false, attribute = null) => {
    const key = multiAttrGetter(ctx, attribute, !truthy(caseSensitive))
    return sortBy([...toList(value)], key, truthy(reverse))
  },
)

/** `dictsort(case_sensitive, by='key', reverse)`: a mapping's `(key, value)` pairs, sorted. */
export const dictsort = defineFilter(
  ['case_sensitive', 'by', 'reverse'],
  (_ctx, value, caseSensitive = false, by = 'key', reverse = false) => {
    if (by !== 'key' && by !== 'value') {
      throw argumentError('dictsort', 'You can only sort by either "key" or "value".')
    }
    const at = by === 'key' ? 0 : 1
    const lower = !truthy(caseSensitive)
    const key = (pair: [unknown, unknown]) => [lower ? ignoreCase(pair[at]) : pair[at]]
    return sortBy(mappingItems('dictsort', value), key, truthy(reverse))
  },
)

/**
 * A hashable stand-in for a `unique` key: Python's set treats `1`, `1.0` and `True` as one value
 * and markup as its text. Lists and dicts (unhashable in Python) fall back to `equals`.
 */
function hashKey(key: unknown): unknown {
  if (typeof key === 'boolean') return key ? 1 : 0
  if (key instanceof SafeString) return key.value
  if (typeof key === 'bigint' && Number.isSafeInteger(Number(key))) return Number(key)
  if (Object.is(key, -0)) return 0
  return key
}

/** `unique(case_sensitive, attribute)`: items in first-seen order, duplicates left out. */
export const unique = defineFilter(
  ['case_sensitive', 'attribute'],
  (ctx, value, caseSensitive = false, attribute = null) => {
    const key = attrGetter(ctx, attribute, { lower: !truthy(caseSensitive) })
    const seen = new Set<unknown>()
    const seenObjects: unknown[] = []
    const out: unknown[] = []
    for (const item of toList(value)) {
      const k = hashKey(key(item))
      if (typeof k === 'object' && k !== null) {
        if (seenObjects.some((s) => equals(s, k))) continue
        seenObjects.push(k)
      } else {
        if (seen.has(k)) continue
        seen.add(k)
      }
      out.push(item)
    }
    return out
  },
)

function extreme(sign: 1 | -1) {
  return defineFilter(
    ['case_sensitive', 'attribute'],
    (ctx, value, caseSensitive = false, attribute = null) => {
      const values = toList(value)
      if (values.length === 0) return ctx.undefined('No aggregated item, sequence was empty.')
      const key = attrGetter(ctx, attribute, { lower: !truthy(caseSensitive) })
      let best = values[0]
      let bestKey = key(best)
      for (const item of values.slice(1)) {
        const k = key(item)
        // Python's max/min keep the first of equal items.
        if (sign * compare(k, bestKey, sign > 0 ? '>' : '<') > 0) {
          best = item
          bestKey = k
        }
      }
      return best
    },
  )
}

export const max = extreme(1)
export const min = extreme(-1)

/** A `groupby` result: unpacks as `(grouper, list)` and has `.grouper` and `.list`. */
function group(grouper: unknown, members: unknown[]): unknown[] {
  const pair: unknown[] = [grouper, members]
  Object.defineProperty(pair, 'grouper', { value: grouper, enumerable: false })
  Object.defineProperty(pair, 'list', { value: members, enumerable: false })
  return pair
}

/**
 * `groupby(attribute, default=None, case_sensitive=False)`: items sorted and grouped by an
 * attribute; each group is `(grouper, list)`, the grouper in the case of its first item.
 */
export const groupby = defineFilter(
  ['attribute', 'default', 'case_sensitive'],
  (ctx, value, attribute, fallback = null, caseSensitive = false) => {
    if (attribute === undefined || attribute === null) {
      throw argumentError('groupby', 'needs the attribute to group by: groupby("city").')
    }
    const lower = !truthy(caseSensitive)
    const key = attrGetter(ctx, attribute, { lower, default: fallback })
    const real = attrGetter(ctx, attribute, { default: fallback })
    const sorted = sortBy([...toList(value)], (item) => [key(item)], false)
    const out: unknown[] = []
    let current: unknown[] | undefined
    let currentKey: unknown
    for (const item of sorted) {
      const k = key(item)
      if (current && equals(k, currentKey)) current.push(item)
      else {
        current = [item]
        currentKey = k
        out.push(current)
      }
    }
    // The grouper is the first item's own value (its case, not the lower-cased key).
    return out.map((members) => group(real((members as unknown[])[0]), members as unknown[]))
  },
)
