/**
 * Route declaration types: what `app.get(path, options, handler)` accepts and how the handler's
 * `ctx` is typed from the path string and the declared schemas.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { DependencyMap, ResolvedDependencies } from '../di/index.ts'
import type { Reply } from '../http/reply.ts'
import type { UrlEncodedRecord } from '../http/urlencoded.ts'
import type { PathParams } from '../routing/index.ts'
import type { InferInput, InferOutput, StandardSchemaV1 } from '../validation/index.ts'
import type { Context } from './context.ts'
import type { Limits } from './limits.ts'

/** Body formats a route can accept. `json` is the default when a `body` schema is declared. */
export type BodyKind = 'json' | 'form' | 'multipart' | 'text' | 'bytes'

/** Documentation (and optional schema) for one response status. */
export interface ResponseDoc {
  description?: string
  schema?: StandardSchemaV1
  /** Defaults to `application/json` when a schema is given. */
  contentType?: string
}

/** OpenAPI security requirement, e.g. `{ bearerAuth: [] }`. */
export type SecurityRequirement = Record<string, string[]>

/** Everything a route can declare besides its handler. */
export interface RouteOptions {
  /** Validates (and coerces) path parameters; without it they are strings typed from the path. */
  params?: StandardSchemaV1
  /** Validates the query string (repeated keys arrive as arrays; numbers/booleans are coerced). */
  query?: StandardSchemaV1
  /** Validates request headers (lower-case names). */
  headers?: StandardSchemaV1
  /** Validates cookies. */
  cookies?: StandardSchemaV1
  /** Validates the body; the route then refuses other content types with 415. */
  body?: StandardSchemaV1
  /** Body formats accepted with `body`; default `'json'`. */
  consumes?: BodyKind | readonly BodyKind[]
  /** Schema of the success response: checked in development, used to serialize (only declared fields are sent). */
  response?: StandardSchemaV1
  /** Other documented responses by status (errors, redirects, alternative successes). */
  responses?: { [status: number]: StandardSchemaV1 | ResponseDoc }
  /** Status for plain returned values (default 200; e.g. 201 for creation). */
  status?: number
  /** Dependencies resolved before the handler runs, available as `ctx.deps`. */
  deps?: DependencyMap
  /** Middleware for this route only (runs inside app and router middleware). */
  middleware?: readonly Middleware[]
  /** Name for URL reversal (`app.url(name, params)`); routers prefix it with their namespace. */
  name?: string
  summary?: string
  description?: string
  tags?: readonly string[]
  operationId?: string
  deprecated?: boolean
  security?: readonly SecurityRequirement[]
  /** Leave the route out of the OpenAPI document. */
  hidden?: boolean
  /** Per-route overrides of the app's body limits (e.g. a larger `fileSize` for an upload route). */
  limits?: Partial<Limits>
}

/** Parsed query values when no schema is declared. */
export type QueryRecord = UrlEncodedRecord

type SchemaOr<O, K extends string, Fallback> = O extends {
  [P in K]: infer S extends StandardSchemaV1
}
  ? InferOutput<S>
  : Fallback

/** What `ctx` carries for a route, derived from its path and options. */
export interface RouteInputs {
  params: unknown
  query: unknown
  headers: unknown
  cookies: unknown
  body: unknown
  deps: unknown
}

/** The typed inputs of a route declared with `path` and `options`. */
export interface InputsOf<Path extends string, O> extends RouteInputs {
  params: SchemaOr<O, 'params', PathParams<Path>>
  query: SchemaOr<O, 'query', QueryRecord>
  headers: SchemaOr<O, 'headers', IncomingHttpHeaders>
  cookies: SchemaOr<O, 'cookies', Record<string, string>>
  body: SchemaOr<O, 'body', undefined>
  deps: O extends { deps: infer D extends DependencyMap } ? ResolvedDependencies<D> : {}
}

/** Inputs when nothing is declared (middleware and hooks see these). */
export type AnyInputs = InputsOf<string, {}>

/** What a handler may return: a plain value (sent as JSON), a `Reply`, or a promise of either. */
export type HandlerResult<O> = O extends { response: infer S extends StandardSchemaV1 }
  ? InferInput<S> | Reply | Promise<InferInput<S> | Reply>
  : unknown

/** A route handler. */
export type Handler<I extends RouteInputs = AnyInputs, R = unknown> = (ctx: Context<I>) => R

/** Continue with the rest of the chain; resolves to the reply it produced (errors become error replies). */
export type Next = () => Promise<Reply>

/**
 * Onion middleware. Return `next()`'s reply (possibly changed), or return a response of your own
 * without calling `next()` to short-circuit.
 *
 * @example
 * const timing: Middleware = async (ctx, next) => {
 *   const start = performance.now()
 *   const reply = await next()
 *   return reply.header('server-timing', `app;dur=${performance.now() - start}`)
 * }
 */
export type Middleware = (ctx: Context<AnyInputs>, next: Next) => unknown

/** Runs before middleware and handler for each request in its scope; return a response to answer early. */
export type RequestHook = (ctx: Context<AnyInputs>) => unknown
/** Runs after the reply is decided (errors included), before it is written; may change it or return a replacement `Reply`. */
export type ResponseHook = (ctx: Context<AnyInputs>, reply: Reply) => unknown
/** Observes every error thrown in its scope before it becomes an error response (logging, reporting). */
export type ErrorHook = (ctx: Context<AnyInputs>, error: unknown) => void | Promise<void>
/** Startup and shutdown hooks (app only). */
export type LifespanHook = () => void | Promise<void>

/** Hook names and their function types. */
export interface HookMap {
  request: RequestHook
  response: ResponseHook
  error: ErrorHook
  startup: LifespanHook
  shutdown: LifespanHook
}

/** Turns a matched error into a response (a plain value is sent as JSON with the error's status). */
export type ErrorHandler<E = any> = (error: E, ctx: Context<AnyInputs>) => unknown

/** What error handlers are registered for: an error class or a status code. */
export type ErrorMatcher = (abstract new (...args: any[]) => unknown) | number

/** One entry of the route table (`app.routes()`, `plinth routes`, OpenAPI). */
export interface RouteInfo {
  method: string
  path: string
  name: string | undefined
  options: RouteOptions
  /** Tags inherited from routers plus the route's own. */
  tags: string[]
  /** Security requirements declared by the route and its dependencies. */
  security: SecurityRequirement[]
  handlerName: string
}
