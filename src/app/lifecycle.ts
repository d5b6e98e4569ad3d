/**
 * The request lifecycle, in one place. Read this file first.
 *
 *   request ─▶ Context ─▶ route (match path + method)
 *                          │
 *                          ▼
 *            app middleware & hooks ─▶ router middleware ─▶ route middleware
 *                          │
 *                          ▼
 *            validate params/query/headers/cookies ─▶ dependencies ─▶ read + validate body ─▶ handler
 *                          │
 *                          ▼ (value | Reply | thrown error → error reply)
 *            write response ─▶ log ─▶ cleanup (dependency scope, temp files)
 *
 * Synchronous handlers stay synchronous: a route without middleware, dependencies or schemas runs
 * its handler and writes the JSON in the same tick, with no promise allocated.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Reply } from '../http/reply.ts'
import { Context, type ContextHost } from './context.ts'
import { renderDefaultError } from './errors.ts'
import { writeResult } from './respond.ts'

/** What the lifecycle needs from the app. */
export interface Runtime {
  readonly host: ContextHost
  readonly logRequests: boolean
  readonly validateResponses: boolean
  /** Match the route and run its entry (or the 404/405/OPTIONS fallback). */
  dispatch(ctx: Context): unknown
  /** Turn an error into a reply using the error handlers in scope for `ctx.route`. */
  errorReply(ctx: Context, error: unknown): Reply | Promise<Reply>
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise
}

/** Handle one request from start to finish. Never throws. */
export function handleRequest(runtime: Runtime, req: IncomingMessage, res: ServerResponse): void {
  const ctx = new Context(runtime.host, req, res)
  if (runtime.logRequests) ctx.startTime = performance.now()
  let result: unknown
  try {
    result = runtime.dispatch(ctx)
  } catch (error) {
    result = errorReply(runtime, ctx, error)
  }
  if (isPromise(result)) {
    result.then(
      (value) => respond(runtime, ctx, value),
      (error) => respond(runtime, ctx, errorReply(runtime, ctx, error)),
    )
  } else {
    respond(runtime, ctx, result)
  }
}

/** The error reply, with a last-resort fallback so even a hostile thrown value cannot escape. */
function errorReply(runtime: Runtime, ctx: Context, error: unknown): unknown {
  try {
    return runtime.errorReply(ctx, error)
  } catch (failure) {
    ctx.log.error({ err: failure }, 'error rendering failed')
    return renderDefaultError(ctx, new Error('Error rendering failed'), false)
  }
}

/** Write the result (awaiting an error reply if needed), then log and clean up. */
function respond(runtime: Runtime, ctx: Context, result: unknown): void {
  if (isPromise(result)) {
    result.then(
      (value) => respond(runtime, ctx, value),
      (error) => respond(runtime, ctx, errorReply(runtime, ctx, error)),
    )
    return
  }
  let pending: void | Promise<void>
  try {
    pending = writeResult(ctx, result, runtime.validateResponses)
  } catch (error) {
    pending = writeFailure(runtime, ctx, error)
  }
  if (isPromise(pending)) {
    pending.then(
      () => finish(runtime, ctx),
      (error) =>
        Promise.resolve(writeFailure(runtime, ctx, error)).then(() => finish(runtime, ctx)),
    )
  } else {
    finish(runtime, ctx)
  }
}

/** A failure while writing (serialization, missing file, broken stream). */
async function writeFailure(runtime: Runtime, ctx: Context, error: unknown): Promise<void> {
  if (ctx.res.headersSent) {
    // Too late for an error response: cut the connection so the client sees a truncated body.
    ctx.log.error({ err: error }, 'response failed after headers were sent')
    ctx.res.destroy()
    return
  }
  // Headers set on ctx may be what failed (a CR/LF in a value): the error answer goes without them.
  ctx._resHeaders = undefined
  try {
    const reply = await errorReply(runtime, ctx, error)
    await writeResult(ctx, reply, false)
  } catch (failure) {
    ctx.log.error({ err: failure }, 'error response failed')
    try {
      await writeResult(ctx, renderDefaultError(ctx, failure, false), false)
    } catch {
      ctx.res.destroy()
    }
  }
}

/** After the response: request log line, dependency cleanup, temp files. */
function finish(runtime: Runtime, ctx: Context): void {
  if (runtime.logRequests) {
    ctx.log.info(
      {
        method: ctx.method,
        url: ctx.req.url,
        status: ctx.res.statusCode,
        ms: Math.round((performance.now() - ctx.startTime) * 100) / 100,
      },
      'request completed',
    )
  }
  if (ctx._scope === undefined && ctx._cleanups === undefined) return
  void cleanup(ctx)
}

async function cleanup(ctx: Context): Promise<void> {
  try {
    await ctx._scope?.dispose()
  } catch (error) {
    ctx.log.error({ err: error }, 'dependency cleanup failed')
  }
  for (const fn of ctx._cleanups ?? []) {
    try {
      await fn()
    } catch (error) {
      ctx.log.error({ err: error }, 'cleanup failed')
    }
  }
}
