/**
 * `application/x-www-form-urlencoded` parsing, used for query strings and form bodies.
 *
 * Flat by design (no `a[b][c]` nesting, the qs CVE family): repeated keys become arrays, the result
 * is a null-prototype object so `__proto__` is an ordinary key, and the number of pairs is capped
 * before any decoding work is done.
 */

/** Parsed pairs: one string per key, or an array when the key repeats. */
export type UrlEncodedRecord = Record<string, string | string[]>

/** Thrown when a string holds more pairs than allowed; the caller picks the status (400 or 413). */
export class TooManyFieldsError extends Error {
  readonly limit: number
  constructor(limit: number) {
    super(`More than ${limit} fields`)
    this.name = 'TooManyFieldsError'
    this.limit = limit
  }
}

/**
 * Parse `a=1&b=2&a=3` into `{ a: ['1', '3'], b: '2' }` (null prototype).
 *
 * @example
 * parseUrlEncoded('q=red+shoes&tag=a&tag=b', 1000) // { q: 'red shoes', tag: ['a', 'b'] }
 */
export function parseUrlEncoded(input: string, maxFields: number): UrlEncodedRecord {
  const out: UrlEncodedRecord = Object.create(null)
  if (input.length === 0) return out
  let count = 0
  let start = 0
  const n = input.length
  while (start <= n) {
    let end = input.indexOf('&', start)
    if (end === -1) end = n
    if (end > start) {
      if (++count > maxFields) throw new TooManyFieldsError(maxFields)
      const eq = input.indexOf('=', start)
      let key: string
      let value: string
      if (eq === -1 || eq > end) {
        key = decodeComponent(input.slice(start, end))
        value = ''
      } else {
        key = decodeComponent(input.slice(start, eq))
        value = decodeComponent(input.slice(eq + 1, end))
      }
      const existing = out[key]
      if (existing === undefined) out[key] = value
      else if (typeof existing === 'string') out[key] = [existing, value]
      else existing.push(value)
    }
    start = end + 1
  }
  return out
}

/**
 * Decode one form component: `+` is a space, `%XX` are UTF-8 bytes. Malformed escapes are kept
 * literally (as the WHATWG URL standard does) instead of failing the request.
 */
export function decodeComponent(s: string): string {
  let plus = s.indexOf('+')
  const percent = s.indexOf('%')
  if (plus === -1 && percent === -1) return s
  if (plus !== -1) {
    s = s.replace(/\+/g, ' ')
    plus = -1
  }
  if (percent === -1) return s
  try {
    return decodeURIComponent(s)
  } catch {
    return lenientPercentDecode(s)
  }
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x41 && code <= 0x46) return code - 0x37
  if (code >= 0x61 && code <= 0x66) return code - 0x57
  return -1
}

function lenientPercentDecode(s: string): string {
  const bytes = Buffer.from(s, 'utf8')
  const out = Buffer.allocUnsafe(bytes.length)
  let j = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b === 0x25 && i + 2 < bytes.length) {
      const hi = hexValue(bytes[i + 1]!)
      const lo = hexValue(bytes[i + 2]!)
      if (hi !== -1 && lo !== -1) {
        out[j++] = hi * 16 + lo
        i += 2
        continue
      }
    }
    out[j++] = b
  }
  return out.subarray(0, j).toString('utf8')
}
