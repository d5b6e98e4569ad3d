/**
 * A compiled route: its pattern, limits, serializers, error scopes and the pipeline that runs for
 * it (dependencies → input validation → handler), built once at startup.
 */
import { type DependencyMap, DependencyScope } from '../di/index.ts'
import { bufferEncodingFor } from '../http/body.ts'
import { HttpError, PlinthError } from '../http/errors.ts'
import type { Reply } from '../http/reply.ts'
import { paramsFactory } from '../routing/index.ts'
import {
  compileCoercer,
  compileSerializer,
  runSchema,
  type Serializer,
  type StandardSchemaV1,
  toJsonSchema,
  toValidationIssues,
  type ValidationIssue,
} from '../validation/index.ts'
import { BODY_KIND_ACCEPTS, BODY_KIND_MEDIA_TYPES, bodyKinds } from './body-kinds.ts'
import type { Entry } from './compose.ts'
import type { Context } from './context.ts'
import { type RequestLocation, ValidationError } from './errors.ts'
import type { Limits } from './limits.ts'
import type { BodyKind, Handler, RouteInfo, RouteOptions } from './types.ts'

/** A route after flattening routers and compiling its schemas. */
export interface CompiledRoute {
  readonly method: string
  /** Full pattern including router prefixes. */
  readonly path: string
  readonly name: string | undefined
  readonly options: RouteOptions
  readonly limits: Limits
  /** Status for plain returned values. */
  readonly status: number
  readonly makeParams: (values: string[]) => Record<string, string>
  /** JSON serializer for a status, when a schema is declared for it. */
  serializerFor(status: number): Serializer | undefined
  /** Schema to check responses of a status against (debug / `validateResponses`). */
  responseSchemaFor(status: number): StandardSchemaV1 | undefined
  /** Middleware chain + pipeline. */
  readonly entry: Entry
  /** Error to reply with the error handlers in scope for this route. */
  readonly errorReply: (ctx: Context, error: unknown) => Reply | Promise<Reply>
  readonly info: RouteInfo
}

interface InputPlan {
  location: RequestLocation
  schema: StandardSchemaV1
  read: (ctx: Context) => unknown
  coerce: ((input: Record<string, unknown>) => Record<string, unknown>) | undefined
  assign: (ctx: Context, value: unknown) => void
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise
}

function inputPlans(options: RouteOptions): InputPlan[] {
  const plans: InputPlan[] = []
  const add = (
    location: RequestLocation,
    schema: StandardSchemaV1 | undefined,
    read: InputPlan['read'],
    assign: InputPlan['assign'],
  ) => {
    if (schema === undefined) return
    plans.push({
      location,
      schema,
      read,
      assign,
      coerce: compileCoercer(toJsonSchema(schema, 'input')),
    })
  }
  add(
    'path',
    options.params,
    (ctx) => ctx.params,
    (ctx, v) => {
      ctx._params = v
    },
  )
  add(
    'query',
    options.query,
    (ctx) => ctx.parsedQuery(),
    (ctx, v) => {
      ctx._query = v
    },
  )
  add(
    'header',
    options.headers,
    (ctx) => ctx.req.headers,
    (ctx, v) => {
      ctx._headers = v
    },
  )
  add(
    'cookie',
    options.cookies,
    (ctx) => ctx.cookies,
    (ctx, v) => {
      ctx._cookies = v
    },
  )
  return plans
}

/** Read the body in the first accepted format that matches the request's content type. */
async function readBodyInput(ctx: Context, kinds: readonly BodyKind[]): Promise<unknown> {
  const header = ctx.req.headers['content-type']
  const length = ctx.req.headers['content-length']
  if (header === undefined) {
    const empty =
      length === undefined
        ? ctx.req.headers['transfer-encoding'] === undefined
        : Number(length) === 0
    if (empty) return undefined
  }
  const type = ctx.contentType
  const kind = type === null ? undefined : kinds.find((k) => BODY_KIND_ACCEPTS[k](type.essence))
  if (kind === undefined) {
    const expected = kinds.map((k) => (k === 'bytes' ? 'any type' : BODY_KIND_MEDIA_TYPES[k]))
    throw new HttpError(
      415,
      `Unsupported Content-Type; this route accepts ${expected.join(' or ')}.`,
      {
        code: 'unsupported_media_type',
      },
    )
  }
  switch (kind) {
    case 'json':
      return ctx.json()
    case 'form':
    case 'multipart':
      return ctx.form()
    case 'text':
      return (await ctx.bytes()).toString(bufferEncodingFor(type!.params.charset))
    case 'bytes':
      return ctx.bytes()
  }
}

function collect(
  issues: ValidationIssue<RequestLocation>[],
  plan: { location: RequestLocation },
  result: StandardSchemaV1.Result<unknown>,
  assign: (value: unknown) => void,
): void {
  if (result.issues) issues.push(...toValidationIssues(plan.location, result.issues))
  else assign(result.value)
}

/**
 * Build the pipeline for a route: validate path, query, headers and cookies; resolve dependencies;
 * read and validate the body; call the handler. All issues are reported together in one 422,
 * except that a route with dependencies reports input issues before its dependencies run (and
 * never reads the body of a request its guards would refuse).
 *
 * A route without dependencies or schemas gets its handler back unchanged: no async wrapper, no
 * allocation.
 */
export function compilePipeline(options: RouteOptions, handler: Handler<any>): Entry {
  const plans = inputPlans(options)
  const deps: DependencyMap | undefined =
    options.deps && Object.keys(options.deps).length > 0 ? options.deps : undefined
  const body = options.body
  if (plans.length === 0 && deps === undefined && body === undefined) return handler as Entry
  const kinds = bodyKinds(options)
  const bodyCoerce =
    body !== undefined && kinds.some((k) => k === 'form' || k === 'multipart')
      ? compileCoercer(toJsonSchema(body, 'input'))
      : undefined
  return async (ctx: Context) => {
    const issues: ValidationIssue<RequestLocation>[] = []
    for (const plan of plans) {
      let input = plan.read(ctx)
      if (plan.coerce && input !== null && typeof input === 'object')
        input = plan.coerce(input as Record<string, unknown>)
      let result = runSchema(plan.schema, input)
      if (isPromise(result)) result = await result
      collect(issues, plan, result, (value) => plan.assign(ctx, value))
    }
    if (deps !== undefined) {
      // Dependencies (guards such as "logged in") see validated inputs, and run before the body
      // is read so an unauthorised request never gets its body parsed.
      if (issues.length > 0) throw new ValidationError(issues)
      ctx._scope ??= new DependencyScope<Context<any>>(ctx, ctx.app.dependencyOverrides)
      ctx._deps = await ctx._scope.resolveAll(deps)
    }
    if (body !== undefined) {
      let input = await readBodyInput(ctx, kinds)
      if (bodyCoerce && input !== null && typeof input === 'object' && !Array.isArray(input)) {
        input = bodyCoerce(input as Record<string, unknown>)
      }
      let result = runSchema(body, input)
      if (isPromise(result)) result = await result
      collect(issues, { location: 'body' }, result, (value) => {
        ctx._body = value
      })
    }
    if (issues.length > 0) throw new ValidationError(issues)
    return handler(ctx)
  }
}

/** Per-status serializers and schemas from `response` / `responses`. */
export function compileResponses(options: RouteOptions, successStatus: number) {
  const schemas = new Map<number, StandardSchemaV1>()
  if (options.response) schemas.set(successStatus, options.response)
  for (const [status, entry] of Object.entries(options.responses ?? {})) {
    const code = Number(status)
    if (!Number.isInteger(code) || code < 100 || code > 599) {
      throw new PlinthError(
        'PLINTH_ROUTE_INVALID_RESPONSES',
        `Response status "${status}" is not a valid HTTP status.`,
      )
    }
    const schema = '~standard' in entry ? (entry as StandardSchemaV1) : entry.schema
    if (schema && !schemas.has(code)) schemas.set(code, schema)
  }
  const serializers = new Map<number, Serializer>()
  for (const [status, schema] of schemas) {
    const jsonSchema = toJsonSchema(schema, 'output')
    if (jsonSchema) serializers.set(status, compileSerializer(jsonSchema))
  }
  return {
    serializerFor: (status: number) => serializers.get(status),
    responseSchemaFor: (status: number) => schemas.get(status),
  }
}

export { paramsFactory }
