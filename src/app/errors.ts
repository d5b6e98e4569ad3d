/**
 * From a thrown error to an error response.
 *
 * Lookup order: the route's innermost router first, then outward to the app. In each scope a
 * handler registered for the error's class (closest in the prototype chain) wins over one registered
 * for its status. With no handler, the default rendering answers JSON to API clients and an HTML
 * page to browsers; in debug mode 5xx answers carry the stack (the debug page for browsers), in
 * production they carry only a generic message and the request id. Errors of other modules
 * (the ORM's `NotFoundError`, `UniqueViolationError`…) are rendered from the status, code and
 * message they describe under `Symbol.for('plinth.http')`.
 */
import { inspect } from 'node:util'
import { HttpError, statusText } from '../http/errors.ts'
import { html, json, Reply } from '../http/reply.ts'
import { InvalidPathError } from '../routing/index.ts'
import type { ValidationIssue } from '../validation/index.ts'
import type { Context } from './context.ts'
import { renderDebugPage, renderErrorPage, renderNotFoundDebugPage } from './debug-page.ts'
import type { ErrorHandler, ErrorHook, ErrorMatcher } from './types.ts'

/** Where a request value failed validation. */
export type RequestLocation = 'path' | 'query' | 'header' | 'cookie' | 'body'

/** 422 listing every problem found in the request: `{ location, path, message, code }` each. */
export class ValidationError extends HttpError {
  readonly issues: ValidationIssue<RequestLocation>[]
  constructor(issues: ValidationIssue<RequestLocation>[], message = 'Request validation failed.') {
    super(422, message, { code: 'validation_error', details: issues })
    this.name = 'ValidationError'
    this.issues = issues
  }
}

/** Error handlers and hooks registered at one level (app or router). */
export interface ErrorScope {
  handlers: Array<{ matcher: ErrorMatcher; handler: ErrorHandler }>
  hooks: ErrorHook[]
}

/**
 * Errors from modules the app must not import (the ORM, later jobs or auth) say how they should be
 * answered under this registered symbol: a getter returning `{ status, code, message, details? }`.
 * The app reads it by duck typing, so neither side imports the other.
 */
const HTTP_DESCRIPTION = Symbol.for('plinth.http')

/** How a non-`HttpError` asks to be rendered (`Symbol.for('plinth.http')`). */
interface HttpDescription {
  status: number
  code: string
  message: string
  details?: unknown
}

/** The error's own HTTP description, when it has a well-formed one (4xx/5xx, string code and message). */
function describedAs(error: unknown): HttpDescription | undefined {
  if (error === null || typeof error !== 'object' || error instanceof HttpError) return undefined
  let found: unknown
  try {
    found = (error as { [HTTP_DESCRIPTION]?: unknown })[HTTP_DESCRIPTION]
  } catch {
    return undefined
  }
  if (found === null || typeof found !== 'object') return undefined
  const { status, code, message, details } = found as Record<string, unknown>
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)
    return undefined
  if (typeof code !== 'string' || typeof message !== 'string') return undefined
  return { status, code, message, ...(details === undefined ? {} : { details }) }
}

function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status
  if (error instanceof InvalidPathError) return 400
  return describedAs(error)?.status ?? 500
}

/**
 * The handler for an error: walking the error's class chain from the most specific class, a class
 * handler wins; when the walk reaches the generic `HttpError`/`Error` classes, a handler for the
 * error's status is preferred over handlers for those generic classes.
 */
function findHandler(scopes: readonly ErrorScope[], error: unknown): ErrorHandler | undefined {
  const status = statusOf(error)
  for (const scope of scopes) {
    if (scope.handlers.length === 0) continue
    const byStatus = scope.handlers.find((h) => h.matcher === status)?.handler
    let statusChecked = false
    let proto = error !== null && typeof error === 'object' ? Object.getPrototypeOf(error) : null
    while (proto !== null) {
      if (!statusChecked && (proto === HttpError.prototype || proto === Error.prototype)) {
        statusChecked = true
        if (byStatus) return byStatus
      }
      const match = scope.handlers.find(
        (h) => typeof h.matcher === 'function' && h.matcher.prototype === proto,
      )
      if (match) return match.handler
      proto = Object.getPrototypeOf(proto)
    }
    if (byStatus) return byStatus
  }
  return undefined
}

/** True when the client asked for HTML (a browser navigation), not JSON. */
export function wantsHtml(ctx: Context): boolean {
  const accept = ctx.req.headers.accept
  return accept?.includes('text/html') === true
}

/** Run a getter that may throw (hostile `toString`, `stack` or `message` accessors). */
function describe(read: () => unknown): string {
  try {
    return String(read())
  } catch {
    return '[unprintable]'
  }
}

/** A message for anything that was thrown: an Error's message, a string, or an inspected value. */
function describeError(error: unknown): string {
  if (error instanceof Error) return describe(() => error.message)
  if (typeof error === 'string') return error
  try {
    return inspect(error, { depth: 2, breakLength: Number.POSITIVE_INFINITY })
  } catch {
    return '[unprintable value]'
  }
}

/** The default error response. */
export function renderDefaultError(ctx: Context, error: unknown, debug: boolean): Reply {
  const status = statusOf(error)
  const http = error instanceof HttpError ? error : undefined
  // A described error chose its public message (a 503 "database busy" says nothing internal).
  const described = describedAs(error)
  const internal = status >= 500 && !(http?.expose ?? false) && described === undefined
  const code =
    http?.code ??
    described?.code ??
    (error instanceof InvalidPathError ? 'invalid_path' : 'internal_error')
  const message =
    described?.message ?? (internal && !debug ? statusText(status) : describeError(error))
  const details = http?.details ?? described?.details
  const headers = http?.headers
  if (wantsHtml(ctx)) {
    const page =
      debug && status >= 500
        ? renderDebugPage({ error, ctx })
        : debug && status === 404
          ? renderNotFoundDebugPage({ ctx, routes: ctx.app.routes(), message })
          : renderErrorPage({ status, message, requestId: status >= 500 ? ctx.id : undefined })
    return html(page, { status, ...(headers ? { headers } : {}) })
  }
  const body: Record<string, unknown> = { status, code, message }
  if (details !== undefined) body.details = details
  if (status >= 500) body.requestId = ctx.id
  if (debug && internal && error instanceof Error) {
    body.debug = {
      type: describe(() => error.name),
      stack: describe(() => error.stack ?? '')
        .split('\n')
        .map((line) => line.trim()),
    }
  }
  return json({ error: body }, { status, ...(headers ? { headers } : {}) })
}

/**
 * Build the error-to-reply function for a set of scopes (innermost first). Error hooks of every
 * scope observe the error first; a failing hook or handler is logged, never rethrown.
 */
export function errorReplier(
  scopes: readonly ErrorScope[],
  debug: boolean,
  toReply: (ctx: Context, value: unknown, status: number) => Reply,
) {
  const hooks = scopes.flatMap((s) => s.hooks)
  const report = (ctx: Context, error: unknown) => {
    const status = statusOf(error)
    if (status >= 500) ctx.log.error({ err: error }, 'request failed')
    else if (debug) {
      const code = error instanceof HttpError ? error.code : describedAs(error)?.code
      ctx.log.debug({ status, code, reason: describeError(error) }, 'request rejected')
    }
  }
  const render = (ctx: Context, error: unknown): Reply | Promise<Reply> => {
    const handler = findHandler(scopes, error)
    if (handler === undefined) return renderDefaultError(ctx, error, debug)
    try {
      const result = handler(error, ctx)
      const status = statusOf(error)
      if (result instanceof Promise) {
        return result.then(
          (value) => toReply(ctx, value, status),
          (failure) => {
            ctx.log.error({ err: failure }, 'error handler failed')
            return renderDefaultError(ctx, error, debug)
          },
        )
      }
      return toReply(ctx, result, status)
    } catch (failure) {
      ctx.log.error({ err: failure }, 'error handler failed')
      return renderDefaultError(ctx, error, debug)
    }
  }
  return (ctx: Context, error: unknown): Reply | Promise<Reply> => {
    ctx.error = error
    report(ctx, error)
    if (hooks.length === 0) return render(ctx, error)
    return (async () => {
      for (const hook of hooks) {
        try {
          await hook(ctx, error)
        } catch (failure) {
          ctx.log.error({ err: failure }, 'error hook failed')
        }
      }
      return render(ctx, error)
    })()
  }
}

export { Reply }
