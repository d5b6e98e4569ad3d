/**
 * URL reversal: build a path from a route pattern and parameter values, percent-encoding each
 * value so `{ name: 'a/b c' }` cannot change the path's structure.
 */
import { PlinthError } from '../http/errors.ts'
import { parsePattern } from './pattern.ts'

/** Values accepted for path parameters. */
export type UrlParams = Record<string, string | number | bigint>

/** Query values appended by `url()`; arrays repeat the key. */
export type UrlQuery = Record<
  string,
  string | number | boolean | ReadonlyArray<string | number | boolean> | undefined
>

/** Compile a pattern into a function that fills in its parameters. */
export function compileUrlBuilder(
  pattern: string,
  routeName: string,
): (params?: UrlParams, query?: UrlQuery) => string {
  const segments = parsePattern(pattern)
  const names = new Set(segments.flatMap((s) => (s.kind === 'static' ? [] : [s.name])))
  return (params = {}, query) => {
    for (const key of Object.keys(params)) {
      if (!names.has(key)) {
        throw new PlinthError(
          'PLINTH_ROUTING_UNKNOWN_PARAM',
          `Route "${routeName}" (${pattern}) has no parameter "${key}"; its parameters are: ${[...names].join(', ') || 'none'}.`,
        )
      }
    }
    let path = ''
    for (const segment of segments) {
      if (segment.kind === 'static') {
        path += `/${encodeURI(segment.value)}`
        continue
      }
      const value = params[segment.name]
      if (value === undefined || value === '') {
        throw new PlinthError(
          'PLINTH_ROUTING_MISSING_PARAM',
          `Route "${routeName}" (${pattern}) needs a value for "${segment.name}".`,
        )
      }
      const text = String(value)
      path += `/${segment.kind === 'wildcard' ? text.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(text)}`
    }
    return path + queryString(query)
  }
}

function queryString(query: UrlQuery | undefined): string {
  if (query === undefined) return ''
  const parts: string[] = []
  for (const key of Object.keys(query)) {
    const value = query[key]
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(item))}`)
    }
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`
}
