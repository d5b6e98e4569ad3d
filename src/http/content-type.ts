/**
 * Strict `Content-Type` parsing (RFC 9110 §8.3.1).
 *
 * One parse, one canonical value: the essence (`type/subtype`, lower-cased) that comes out of here
 * is what picks the body parser *and* what the route's accepted types are compared against, so a
 * value like `application/json\tfoo` or `application/json garbage` can never be parsed as JSON while
 * skipping validation (the Fastify CVE-2025-32442 / CVE-2026-25223 / CVE-2026-3419 class).
 */

/** A parsed media type. */
export interface MediaType {
  /** Lower-cased `type/subtype`, e.g. `application/json`. */
  essence: string
  /** Parameters with lower-cased names; values as sent (quoted strings unquoted). */
  params: Record<string, string>
}

// RFC 9110 token characters: !#$%&'*+-.^_`|~ DIGIT ALPHA
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const cache = new Map<string, MediaType | null>()
const CACHE_LIMIT = 256

/**
 * Parse a `Content-Type` header value. Returns `null` when the value is not a valid media type,
 * which callers answer with 415.
 *
 * @example
 * parseMediaType('Application/JSON; charset=UTF-8') // { essence: 'application/json', params: { charset: 'UTF-8' } }
 * parseMediaType('application/json garbage')        // null
 */
export function parseMediaType(value: string): MediaType | null {
  const hit = cache.get(value)
  if (hit !== undefined) return hit
  const parsed = parseUncached(value)
  if (cache.size < CACHE_LIMIT) cache.set(value, parsed)
  return parsed
}

function parseUncached(value: string): MediaType | null {
  if (value.length > 1024) return null
  const semi = value.indexOf(';')
  const head = (semi === -1 ? value : value.slice(0, semi)).trim()
  const slash = head.indexOf('/')
  if (slash <= 0) return null
  const type = head.slice(0, slash)
  const subtype = head.slice(slash + 1)
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return null
  const params: Record<string, string> = Object.create(null)
  if (semi !== -1 && !parseParams(value, semi, params)) return null
  return { essence: `${type}/${subtype}`.toLowerCase(), params }
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09
}

/** Parses `*( OWS ";" OWS [ name=value ] )` starting at the first `;`. */
function parseParams(value: string, start: number, out: Record<string, string>): boolean {
  let i = start
  const n = value.length
  while (i < n) {
    // at a ';'
    i++
    while (i < n && isOws(value.charCodeAt(i))) i++
    if (i >= n) return true
    if (value.charCodeAt(i) === 0x3b) continue // empty parameter ";;"
    const eq = value.indexOf('=', i)
    if (eq === -1) return false
    const name = value.slice(i, eq)
    if (!TOKEN.test(name)) return false
    i = eq + 1
    let paramValue: string
    if (value.charCodeAt(i) === 0x22) {
      // quoted-string with quoted-pair escapes
      let result = ''
      i++
      let closed = false
      while (i < n) {
        const c = value.charCodeAt(i)
        if (c === 0x5c) {
          if (i + 1 >= n) return false
          result += value[i + 1]
          i += 2
          continue
        }
        if (c === 0x22) {
          closed = true
          i++
          break
        }
        if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false
        result += value[i]
        i++
      }
      if (!closed) return false
      paramValue = result
    } else {
      let end = i
      while (end < n && value.charCodeAt(end) !== 0x3b && !isOws(value.charCodeAt(end))) end++
      paramValue = value.slice(i, end)
      if (!TOKEN.test(paramValue)) return false
      i = end
    }
    const lower = name.toLowerCase()
    if (!(lower in out)) out[lower] = paramValue
    while (i < n && isOws(value.charCodeAt(i))) i++
    if (i < n && value.charCodeAt(i) !== 0x3b) return false
  }
  return true
}

/** True for `application/json` and any `+json` structured-syntax type (`application/problem+json`). */
export function isJsonMediaType(essence: string): boolean {
  return essence === 'application/json' || essence.endsWith('+json')
}
