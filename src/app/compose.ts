/**
 * Onion composition of middleware around a route's pipeline.
 *
 * An error thrown anywhere inside becomes an error reply at the point where it is thrown, so every
 * middleware outside it still receives a `Reply` from `next()` and can add headers to it (CORS on a
 * 500 still works). The error itself is on `ctx.error`.
 */
import { PlinthError } from '../http/errors.ts'
import { Reply } from '../http/reply.ts'
import type { Context } from './context.ts'
import type { Middleware, RequestHook, ResponseHook } from './types.ts'

/** Turns an error into a reply (the route's error handlers, then the default rendering). */
export type ErrorToReply = (ctx: Context, error: unknown) => Reply | Promise<Reply>
/** Turns a handler's return value into a reply. */
export type ToReply = (ctx: Context, value: unknown) => Reply

/** A request-scoped entry point: the matched route's chain, or the fallback (404/405/OPTIONS). */
export type Entry = (ctx: Context) => unknown

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  )
}

/**
 * Wrap `terminal` in `middleware` (first = outermost). With no middleware the terminal is returned
 * unchanged, so a plain route pays nothing for this machinery.
 */
export function compose(
  middleware: readonly Middleware[],
  terminal: Entry,
  toReply: ToReply,
  errorToReply: ErrorToReply,
): Entry {
  if (middleware.length === 0) return terminal
  const n = middleware.length
  const run = async (ctx: Context, index: number): Promise<Reply> => {
    if (index === n) {
      try {
        return toReply(ctx, await terminal(ctx))
      } catch (error) {
        return errorToReply(ctx, error)
      }
    }
    let downstream: Promise<Reply> | undefined
    const next = () => {
      downstream ??= run(ctx, index + 1)
      return downstream
    }
    try {
      const result = await middleware[index]!(ctx, next)
      if (result !== undefined) return toReply(ctx, result)
      if (downstream !== undefined) return await downstream
      const name = middleware[index]!.name || `#${index}`
      throw new PlinthError(
        'PLINTH_MIDDLEWARE_NO_RESPONSE',
        `Middleware ${name} neither returned a response nor called next(); return next() to continue.`,
      )
    } catch (error) {
      return errorToReply(ctx, error)
    }
  }
  return (ctx) => run(ctx, 0)
}

/** A `request` hook as middleware: a returned value answers the request, `undefined` continues. */
export function requestHookMiddleware(hook: RequestHook): Middleware {
  const middleware: Middleware = (ctx, next) => {
    const result = hook(ctx)
    if (isThenable(result))
      return Promise.resolve(result).then((value) => (value === undefined ? next() : value))
    return result === undefined ? next() : result
  }
  Object.defineProperty(middleware, 'name', { value: `requestHook(${hook.name || 'anonymous'})` })
  return middleware
}

/** A `response` hook as middleware: sees every reply of its scope (errors included). */
export function responseHookMiddleware(hook: ResponseHook): Middleware {
  const middleware: Middleware = async (ctx, next) => {
    const reply = await next()
    const replaced = await hook(ctx, reply)
    return replaced instanceof Reply ? replaced : reply
  }
  Object.defineProperty(middleware, 'name', { value: `responseHook(${hook.name || 'anonymous'})` })
  return middleware
}
