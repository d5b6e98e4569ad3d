/**
 * The request part of the debug pages: the request line, route, query parameters, headers and
 * cookies, with credentials masked. Debug pages get screenshotted, pasted into issues and shown on
 * shared screens, so anything that looks like a secret is replaced by `********`.
 */
import { inspect } from 'node:util'
import { parseCookies } from '../http/cookies.ts'
import type { Context } from './context.ts'
import { type Cell, escapeHtml, keyValueTable } from './debug-layout.ts'

/** What a masked value is shown as. */
export const MASK = '********'

const SENSITIVE_NAME = /pass|secret|token|key|session|csrf|auth/i
/** Headers whose whole value is a credential whatever it looks like (cookies are listed apart). */
const SENSITIVE_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
])
/** Headers carrying a URL whose query string may hold tokens (e.g. a password-reset link). */
const URL_HEADERS = new Set(['referer', 'origin', 'location'])
const MAX_VALUE_CHARS = 2000

/** True for header, cookie, query or property names whose values must not be displayed. */
export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name)
}

/** True for header names (any case) whose values must not be displayed. */
export function isSensitiveHeader(name: string): boolean {
  const lower = name.toLowerCase()
  return SENSITIVE_HEADERS.has(lower) || isSensitiveName(lower)
}

/** A raw query string (without `?`) with the values of sensitive parameters masked. */
export function maskQueryString(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const rawName = eq === -1 ? pair : pair.slice(0, eq)
      return eq !== -1 && isSensitiveName(decodeQueryName(rawName)) ? `${rawName}=${MASK}` : pair
    })
    .join('&')
}

function decodeQueryName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    return raw
  }
}

/** A URL or request target with sensitive query parameters masked (the fragment is kept). */
export function maskUrl(url: string): string {
  const question = url.indexOf('?')
  if (question === -1) return url
  const hash = url.indexOf('#', question)
  const end = hash === -1 ? url.length : hash
  return url.slice(0, question + 1) + maskQueryString(url.slice(question + 1, end)) + url.slice(end)
}

/**
 * Request target as sent, with sensitive query parameters masked, and the values of sensitive path
 * parameters (`/reset/:token`) too.
 */
export function maskedRequestTarget(ctx: Context): string {
  let target = maskUrl(ctx.req.url ?? ctx.path)
  for (const [name, value] of pathParameters(ctx)) {
    if (typeof value !== 'string' || value === '' || !isSensitiveName(name)) continue
    for (const form of new Set([value, encodeURIComponent(value)])) {
      target = target.split(form).join(MASK)
    }
  }
  return target
}

/** Path parameters of the matched route (none when no route matched or they cannot be read). */
function pathParameters(ctx: Context): Array<[string, unknown]> {
  if (ctx.route === null) return []
  try {
    return Object.entries(ctx.params as Record<string, unknown>)
  } catch {
    return []
  }
}

/** Any value as display text: strings as they are, the rest through `util.inspect`, clipped. */
export function displayText(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : inspect(value, { depth: 3, breakLength: 100, sorted: false })
  return text.length > MAX_VALUE_CHARS
    ? `${text.slice(0, MAX_VALUE_CHARS)} … (${text.length} characters)`
    : text
}

const MASKED_CELL: Cell = { html: `<span class="masked" title="masked">${MASK}</span>` }

function valueCell(value: unknown, sensitive: boolean): Cell {
  if (sensitive) return MASKED_CELL
  return Array.isArray(value) ? value.map(displayText).join('\n') : displayText(value)
}

/** The request line, route and request id, as table rows for the page header. */
export function requestSummaryRows(ctx: Context): Array<readonly [string, Cell]> {
  const rows: Array<readonly [string, Cell]> = [
    ['Request', `${ctx.method} ${maskedRequestTarget(ctx)} HTTP/${ctx.req.httpVersion}`],
  ]
  const route = ctx.route
  rows.push([
    'Route',
    route === null
      ? { html: '<span class="empty">no route matched</span>' }
      : `${route.method} ${route.path}${route.name ? `  (name: ${route.name})` : ''}`,
  ])
  rows.push(['Request id', ctx.id])
  return rows
}

/** The request data sections: path parameters, query parameters, headers and cookies. */
export function requestSections(ctx: Context): string {
  return [
    section('Path parameters', pathParameterRows(ctx), 'No path parameters.'),
    section('Query parameters', queryRows(ctx), 'No query parameters.'),
    section('Headers', headerRows(ctx), 'No headers.'),
    section('Cookies', cookieRows(ctx), 'No cookies.'),
  ].join('')
}

function section(title: string, rows: Array<readonly [string, Cell]>, empty: string): string {
  return `<section><h2>${escapeHtml(title)}</h2>${keyValueTable(rows, empty)}</section>`
}

function pathParameterRows(ctx: Context): Array<readonly [string, Cell]> {
  return pathParameters(ctx).map(([name, value]) => [name, valueCell(value, isSensitiveName(name))])
}

function queryRows(ctx: Context): Array<readonly [string, Cell]> {
  let query: Record<string, string | string[]>
  try {
    query = ctx.parsedQuery()
  } catch (error) {
    // Too many parameters, say: the raw string (masked) is still worth showing.
    return [
      ['(unparsed)', maskQueryString(ctx.rawQuery)],
      ['(reason)', displayText((error as Error)?.message ?? error)],
    ]
  }
  return Object.keys(query).map((name) => [name, valueCell(query[name], isSensitiveName(name))])
}

function headerRows(ctx: Context): Array<readonly [string, Cell]> {
  const headers = ctx.req.headers
  return Object.keys(headers).map((name) => {
    const value = headers[name]
    if (isSensitiveHeader(name)) return [name, MASKED_CELL]
    if (URL_HEADERS.has(name) && typeof value === 'string') return [name, maskUrl(value)]
    return [name, valueCell(value, false)]
  })
}

function cookieRows(ctx: Context): Array<readonly [string, Cell]> {
  // Parsed from the header rather than `ctx.cookies`, which a route may have replaced with
  // validated (transformed) values.
  const cookies = parseCookies(ctx.req.headers.cookie)
  return Object.keys(cookies).map((name) => [name, valueCell(cookies[name], isSensitiveName(name))])
}
