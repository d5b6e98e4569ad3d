/**
 * Route patterns: `/products/:id`, `/files/*path`, `/static/*`.
 *
 * A parameter always spans a whole segment. Mixed segments such as `/:a-:b` are rejected at
 * registration: they are what turns path-to-regexp routers into ReDoS targets (CVE-2024-45296), and
 * a segment matcher never needs backtracking regexes.
 */
import { PlinthError } from '../http/errors.ts'

/** One parsed segment of a pattern. */
export type PatternSegment =
  | { kind: 'static'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'wildcard'; name: string }

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Parse and validate a route pattern. */
export function parsePattern(pattern: string): PatternSegment[] {
  const fail = (reason: string): never => {
    throw new PlinthError(
      'PLINTH_ROUTING_INVALID_PATTERN',
      `Route pattern ${JSON.stringify(pattern)} is invalid: ${reason}`,
    )
  }
  if (typeof pattern !== 'string' || !pattern.startsWith('/')) fail('it must start with "/".')
  if (/[?#\s\\]/.test(pattern)) fail('it may not contain "?", "#", "\\" or whitespace.')
  const raw = pattern.split('/').slice(1)
  const segments: PatternSegment[] = []
  const names = new Set<string>()
  raw.forEach((segment, index) => {
    if (segment === '' && index !== raw.length - 1) fail('it contains an empty segment ("//").')
    if (segment === '.' || segment === '..') fail('it contains a "." or ".." segment.')
    if (segment.startsWith(':')) {
      const name = segment.slice(1)
      if (!PARAM_NAME.test(name)) {
        fail(
          `parameter ${JSON.stringify(segment)} must be ":" followed by a name (letters, digits, "_"), spanning the whole segment.`,
        )
      }
      if (names.has(name)) fail(`parameter ":${name}" appears twice.`)
      names.add(name)
      segments.push({ kind: 'param', name })
    } else if (segment.startsWith('*')) {
      const name = segment.slice(1) || '*'
      if (name !== '*' && !PARAM_NAME.test(name))
        fail(`wildcard ${JSON.stringify(segment)} must be "*" or "*name".`)
      if (index !== raw.length - 1) fail('a wildcard must be the last segment.')
      if (names.has(name)) fail(`parameter "${name}" appears twice.`)
      names.add(name)
      segments.push({ kind: 'wildcard', name })
    } else {
      if (segment.includes(':') || segment.includes('*')) {
        fail(
          `segment ${JSON.stringify(segment)} mixes text and a parameter; parameters must span a whole segment.`,
        )
      }
      segments.push({ kind: 'static', value: segment })
    }
  })
  return segments
}

/** True when the pattern has no parameters (matched by a single map lookup). */
export function isStaticPattern(segments: PatternSegment[]): boolean {
  return segments.every((s) => s.kind === 'static')
}

/** Names of the pattern's parameters, in path order. */
export function paramNames(segments: PatternSegment[]): string[] {
  return segments.flatMap((s) => (s.kind === 'static' ? [] : [s.name]))
}

/** `/users/:id/files/*path` → `/users/{id}/files/{path}` (OpenAPI path template). */
export function toOpenApiPath(segments: PatternSegment[]): string {
  return `/${segments.map((s) => (s.kind === 'static' ? s.value : `{${s.name === '*' ? 'wildcard' : s.name}}`)).join('/')}`
}
