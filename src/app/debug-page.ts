/**
 * HTML error pages: a plain page for production, and for development (debug mode) a debug page for
 * server errors (the error, its causes, stack frames with source lines, request data) and a 404
 * page listing the routes that were tried.
 *
 * Every page is self-contained (inline CSS, no scripts, no external resources) and escapes every
 * value it shows; debug pages mask credentials in headers, cookies, query parameters and error
 * properties.
 */
import { STATUS_CODES } from 'node:http'
import type { Context } from './context.ts'
import { type Cell, escapeHtml, gridTable, htmlPage, keyValueTable } from './debug-layout.ts'
import {
  displayText,
  maskedRequestTarget,
  requestSections,
  requestSummaryRows,
} from './debug-request.ts'
import { errorSections, errorTypeName, raisedAt } from './debug-traceback.ts'

export { escapeHtml }

/**
 * The production error page: status, reason phrase, the (client-safe) message and the request id.
 * Nothing internal (no stack, no paths, no request data).
 *
 * @example
 * renderErrorPage({ status: 500, message: 'Internal Server Error', requestId: 'a1b2-7' })
 */
export function renderErrorPage(info: {
  status: number
  message: string
  requestId: string | undefined
}): string {
  const reason = STATUS_CODES[info.status] ?? 'Error'
  const message =
    info.message && info.message !== reason ? `<p>${escapeHtml(info.message)}</p>` : ''
  const requestId = info.requestId
    ? `<p class="request-id">Request id: <code>${escapeHtml(info.requestId)}</code></p>`
    : ''
  const body =
    `<main><p class="status">${escapeHtml(info.status)}</p>` +
    `<h1>${escapeHtml(reason)}</h1>${message}${requestId}</main>`
  return htmlPage(`${info.status} ${reason}`, body, 'plain')
}

/**
 * The development page for a failed request (debug mode only: it shows source code and request
 * data). Shows the error type and message, request line, route and request id; the stack frames
 * with source lines around application frames; the `cause` chain and `AggregateError` members;
 * then query parameters, headers and cookies with credentials masked.
 *
 * Never throws: if a part cannot be rendered (a hostile `error.stack` getter, say), a reduced
 * page says so.
 */
export function renderDebugPage(info: { error: unknown; ctx: Context }): string {
  try {
    return debugPage(info.error, info.ctx)
  } catch (failure) {
    return fallbackDebugPage(info.error, failure)
  }
}

function debugPage(thrown: unknown, ctx: Context): string {
  const type = thrown instanceof Error ? errorTypeName(thrown) : 'Non-error value thrown'
  const message = thrown instanceof Error ? String(thrown.message) : displayText(thrown)
  const location = raisedAt(thrown)
  const summary = keyValueTable(
    [
      ...(location === undefined ? [] : [['Raised at', location] as const]),
      ...requestSummaryRows(ctx),
      ['Node.js', `${process.version} (${process.platform}, pid ${process.pid})`],
      ['Time', new Date().toISOString()],
    ],
    '',
  )
  const header =
    `<header><h1>${escapeHtml(type)}</h1>` +
    `<p class="message">${escapeHtml(message)}</p>${summary}</header>`
  const errors = errorSections(thrown)
  const title = `${type}: ${message}`.slice(0, 200)
  return htmlPage(
    title,
    header + `<main>${errors}${requestSections(ctx)}</main>` + debugFooter('a generic error page'),
    'debug',
  )
}

function fallbackDebugPage(thrown: unknown, failure: unknown): string {
  const describe = (value: unknown) => {
    try {
      return value instanceof Error
        ? `${value.name}: ${value.message}\n${value.stack ?? ''}`
        : String(value)
    } catch {
      return '(unprintable value)'
    }
  }
  const body =
    `<header><h1>Server error</h1><p class="message">The debug page could not be rendered completely.</p></header>` +
    `<main><section><h2>Error</h2><pre class="block">${escapeHtml(describe(thrown))}</pre></section>` +
    `<section><h2>While rendering the debug page</h2><pre class="block">${escapeHtml(describe(failure))}</pre></section></main>`
  return htmlPage('Server error', body, 'debug')
}

/** A route as listed on the 404 debug page (`App#routes()` entries fit). */
export interface RouteSummary {
  method: string
  path: string
  name?: string | undefined
  handlerName?: string | undefined
}

/**
 * The development 404 page: the request, and the app's routes in the order they are tried, so a
 * typo in a URL or a missing registration is obvious. When a route did match (a handler threw a
 * 404 itself), it names that route and shows the error message.
 *
 * @example
 * renderNotFoundDebugPage({ ctx, routes: app.routes(), message: error.message })
 */
export function renderNotFoundDebugPage(info: {
  ctx: Context
  routes: readonly RouteSummary[]
  message?: string
}): string {
  const { ctx, routes } = info
  const target = maskedRequestTarget(ctx)
  const rows: Array<readonly [string, Cell]> = [
    ['Request', `${ctx.method} ${target}`],
    ...(ctx.route
      ? [
          [
            'Raised by',
            `${ctx.route.method} ${ctx.route.path}${ctx.route.name ? `  (name: ${ctx.route.name})` : ''}`,
          ] as const,
        ]
      : []),
    ['Request id', ctx.id],
  ]
  const message = info.message ? `<p class="message">${escapeHtml(info.message)}</p>` : ''
  const header = `<header><h1>Page not found <small>(404)</small></h1>${message}${keyValueTable(rows, '')}</header>`
  const table = gridTable(
    ['#', 'Method', 'Pattern', 'Name', 'Handler'],
    routes.map((route, i) => [
      String(i + 1),
      route.method,
      route.path,
      route.name ?? '',
      route.handlerName ?? '',
    ]),
    'This app has no routes yet.',
    ctx.route
      ? routes.findIndex((r) => r.method === ctx.route!.method && r.path === ctx.route!.path)
      : -1,
  )
  const path = target.split('?')[0]!
  const verdict = ctx.route
    ? `<p>The path matched the highlighted route, whose handler answered 404.</p>`
    : `<p>The current path, <code>${escapeHtml(path)}</code>, didn't match any of these.</p>`
  const main = `<main><section><h2>Routes</h2><p>Plinth tried these URL patterns, in this order:</p>${table}${verdict}</section></main>`
  return htmlPage(
    `Page not found: ${ctx.method} ${path}`,
    header + main + debugFooter('a plain 404 page'),
    'debug',
  )
}

function debugFooter(productionPage: string): string {
  return (
    `<footer>You're seeing this page because debug mode is on (<code>createApp({ debug: true })</code>). ` +
    `In production, ${escapeHtml(productionPage)} is shown instead.</footer>`
  )
}
