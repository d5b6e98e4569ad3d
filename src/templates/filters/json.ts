/**
 * Python's `json.dumps(value, sort_keys=True, indent=…)`, for the `tojson` filter.
 *
 * Jinja2's `tojson` serializes with Python's defaults plus sorted keys, then makes the text safe
 * to drop into HTML and `<script>` (see html.ts). Python's output differs from
 * `JSON.stringify`: `", "` and `": "` separators, keys sorted, non-ASCII escaped as `\uXXXX`,
 * `NaN`/`Infinity` allowed, and values it cannot represent are an error rather than skipped.
 * `Date`s and other objects with a `toJSON` method serialize as `toJSON()` returns, which is what
 * JavaScript code handing them in expects.
 */
import { SafeString } from '../runtime/markup.ts'
import {
  compare,
  isMapping,
  isUndefined,
  numberStr,
  pyType,
  typeError,
  valueError,
} from '../runtime/values.ts'

/** Python's `json.dumps` string escaping with `ensure_ascii=True`. */
export function jsonString(text: string): string {
  let out = '"'
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) out += '\\"'
    else if (c === 0x5c) out += '\\\\'
    else if (c >= 0x20 && c < 0x7f) out += text[i]
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c === 0x09) out += '\\t'
    else if (c === 0x08) out += '\\b'
    else if (c === 0x0c) out += '\\f'
    else out += `\\u${c.toString(16).padStart(4, '0')}`
  }
  return `${out}"`
}

function jsonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Number.POSITIVE_INFINITY) return 'Infinity'
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity'
  return numberStr(n)
}

/** A mapping key as JSON object keys must be: strings; numbers, booleans and None converted. */
function jsonKey(key: unknown): string {
  if (typeof key === 'string') return key
  if (key instanceof SafeString) return key.value
  if (typeof key === 'number') return jsonNumber(key)
  if (typeof key === 'bigint') return String(key)
  if (typeof key === 'boolean') return key ? 'true' : 'false'
  if (key === null) return 'null'
  throw typeError(`tojson: keys must be str, int, float, bool or None, not ${pyType(key)}.`)
}

/**
 * Serialize as Python's `json.dumps(value, sort_keys=True, indent=indent)`.
 *
 * @param indent spaces (or the string) to indent nested levels with; `undefined` for one line
 */
export function dumps(value: unknown, indent?: string): string {
  return encode(value, indent, 0, new Set())
}

function encode(
  value: unknown,
  indent: string | undefined,
  depth: number,
  seen: Set<object>,
): string {
  if (value === null) return 'null'
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (typeof value === 'string') return jsonString(value)
  if (typeof value === 'number') return jsonNumber(value)
  if (typeof value === 'bigint') return String(value)
  if (value instanceof SafeString) return jsonString(value.value)
  if (isUndefined(value)) {
    throw typeError(
      'tojson: an undefined value is not JSON serializable; give it a value or use |default(none).',
    )
  }
  if (typeof value !== 'object') {
    throw typeError(`tojson: object of type ${pyType(value)} is not JSON serializable.`)
  }
  if (seen.has(value)) throw valueError('tojson: circular reference detected.')
  const toJSON = (value as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function' && !Array.isArray(value) && !isMapping(value)) {
    return encode(toJSON.call(value), indent, depth, seen)
  }
  seen.add(value)
  try {
    if (Array.isArray(value) || value instanceof Set) {
      const items = [...value].map((item) => encode(item, indent, depth + 1, seen))
      return wrap('[', items, ']', indent, depth)
    }
    if (isMapping(value)) {
      const pairs: Array<[unknown, unknown]> =
        value instanceof Map ? [...value] : Object.entries(value)
      pairs.sort((a, b) => compare(a[0], b[0]))
      const items = pairs.map(
        ([k, v]) => `${jsonString(jsonKey(k))}: ${encode(v, indent, depth + 1, seen)}`,
      )
      return wrap('{', items, '}', indent, depth)
    }
  } finally {
    seen.delete(value)
  }
  throw typeError(
    `tojson: object of type ${pyType(value)} is not JSON serializable; pass a plain object, ` +
      'an array, or give the class a toJSON() method.',
  )
}

function wrap(
  open: string,
  items: string[],
  close: string,
  indent: string | undefined,
  depth: number,
) {
  if (items.length === 0) return open + close
  if (indent === undefined) return open + items.join(', ') + close
  const inner = `\n${indent.repeat(depth + 1)}`
  return `${open}${inner}${items.join(`,${inner}`)}\n${indent.repeat(depth)}${close}`
}
