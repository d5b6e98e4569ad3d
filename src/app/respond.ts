/**
 * From a handler's result to bytes on the wire: plain values become JSON (through the route's
 * compiled serializer when it declares a response schema), `Reply`s are written by kind, and the
 * headers set on `ctx` are merged under the reply's own.
 */
import type { OutgoingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import { HttpError } from '../http/errors.ts'
import { Reply } from '../http/reply.ts'
import { JSON_CONTENT_TYPE, writeBody, writeEmpty, writeFile, writeStream } from '../http/send.ts'
import { runSchema, toValidationIssues } from '../validation/index.ts'
import type { Context } from './context.ts'

/** Normalise any handler/middleware result into a `Reply` (used when middleware needs one). */
export function toReply(ctx: Context, value: unknown, status?: number): Reply {
  if (value instanceof Reply) return value
  if (value === undefined) return new Reply('empty', ctx._status || 204)
  if (value instanceof Uint8Array) {
    const reply = new Reply('bytes', status ?? (ctx._status || ctx.route?.status || 200))
    reply.body = value
    reply.headers['content-type'] = 'application/octet-stream'
    return reply
  }
  if (value instanceof Readable) {
    const reply = new Reply('stream', status ?? (ctx._status || ctx.route?.status || 200))
    reply.stream = value
    reply.headers['content-type'] = 'application/octet-stream'
    return reply
  }
  const reply = new Reply('json', status ?? (ctx._status || ctx.route?.status || 200))
  reply.data = value
  return reply
}

function mergeHeaders(ctx: Context, own: Record<string, string | string[]>): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {}
  const defaults = ctx.app.defaultHeaders
  if (defaults !== undefined) for (const key in defaults) headers[key] = defaults[key]
  const base = ctx._resHeaders
  if (base !== undefined) for (const key in base) headers[key] = base[key]
  for (const key in own) {
    const value = own[key]!
    if (key === 'set-cookie' && headers[key] !== undefined)
      headers[key] = (headers[key] as string[]).concat(value)
    else headers[key] = value
  }
  return headers
}

/** The reply's own headers when nothing else adds any (no copy on the hot path), else a merge. */
function headersFor(ctx: Context, reply: Reply): OutgoingHttpHeaders {
  return ctx._resHeaders === undefined && ctx.app.defaultHeaders === undefined
    ? (reply.headers as OutgoingHttpHeaders)
    : mergeHeaders(ctx, reply.headers)
}

function serialize(ctx: Context, status: number, data: unknown): string {
  const serializer = ctx.route?.serializerFor(status)
  return (serializer === undefined ? JSON.stringify(data) : serializer(data)) ?? 'null'
}

/** In debug mode (or with `validateResponses`), check a JSON body against the declared schema. */
async function checkResponse(ctx: Context, status: number, data: unknown): Promise<void> {
  const schema = ctx.route?.responseSchemaFor(status)
  if (schema === undefined) return
  const result = await runSchema(schema, data)
  if (result.issues) {
    throw new HttpError(
      500,
      `Response validation failed for ${ctx.method} ${ctx.route!.path} (status ${status}).`,
      {
        code: 'response_validation_error',
        details: toValidationIssues('response', result.issues),
        expose: ctx.app.debug,
      },
    )
  }
}

/**
 * Write a result. Returns a promise only for work that continues after this tick (streams, files,
 * response validation); plain JSON is written synchronously.
 */
export function writeResult(ctx: Context, value: unknown, validate: boolean): void | Promise<void> {
  // Plain objects and arrays (the common case) go straight to JSON without the instanceof chain.
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value)
    if (proto === Object.prototype || proto === Array.prototype || proto === null) {
      return writePlainJson(ctx, value, validate)
    }
  }
  if (value instanceof Reply) return writeReply(ctx, value, validate)
  if (value === undefined) {
    // The handler wrote to ctx.res itself.
    if (ctx.res.headersSent || ctx.res.writableEnded) return
    return writeReply(ctx, new Reply('empty', ctx._status || 204), validate)
  }
  if (value instanceof Uint8Array || value instanceof Readable) {
    return writeReply(ctx, toReply(ctx, value), validate)
  }
  return writePlainJson(ctx, value, validate)
}

function writePlainJson(ctx: Context, value: unknown, validate: boolean): void | Promise<void> {
  const status = ctx._status || (ctx.route === null ? 200 : ctx.route.status)
  if (validate && ctx.route?.responseSchemaFor(status)) {
    return checkResponse(ctx, status, value).then(() => writeJson(ctx, status, value, undefined))
  }
  writeJson(ctx, status, value, undefined)
}

function writeJson(
  ctx: Context,
  status: number,
  data: unknown,
  own: Record<string, string | string[]> | undefined,
): void {
  const body = serialize(ctx, status, data)
  let headers: OutgoingHttpHeaders
  if (own === undefined && ctx._resHeaders === undefined) {
    const defaults = ctx.app.defaultHeaders
    headers =
      defaults === undefined
        ? { 'content-type': JSON_CONTENT_TYPE }
        : { ...defaults, 'content-type': JSON_CONTENT_TYPE }
  } else {
    headers = mergeHeaders(ctx, own ?? {})
    headers['content-type'] ??= JSON_CONTENT_TYPE
  }
  writeBody(ctx.res, status, headers, body)
}

/** Write a `Reply` of any kind. */
export function writeReply(ctx: Context, reply: Reply, validate: boolean): void | Promise<void> {
  switch (reply.kind) {
    case 'json':
      if (validate && ctx.route?.responseSchemaFor(reply.status)) {
        return checkResponse(ctx, reply.status, reply.data).then(() =>
          writeJson(ctx, reply.status, reply.data, reply.headers),
        )
      }
      return writeJson(ctx, reply.status, reply.data, reply.headers)
    case 'bytes':
      return writeBody(ctx.res, reply.status, headersFor(ctx, reply), reply.body ?? '')
    case 'empty':
      return writeEmpty(ctx.res, reply.status, headersFor(ctx, reply))
    case 'stream':
      return writeStream(ctx.res, reply, mergeHeaders(ctx, reply.headers))
    case 'file':
      return writeFile(ctx.req, ctx.res, reply, mergeHeaders(ctx, reply.headers))
  }
}
