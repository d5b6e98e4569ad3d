/**
 * One route → one OpenAPI operation: parameters, request body, responses and security.
 *
 * Request parts are documented from the schemas' input side (what clients send, before defaults and
 * transforms) and responses from the output side (what the serializer writes).
 */
import {
  BODY_KIND_MEDIA_TYPES,
  bodyKinds,
  type ResponseDoc,
  type RouteInfo,
  type RouteOptions,
} from '../app/index.ts'
import { statusText } from '../http/index.ts'
import type { PatternSegment } from '../routing/index.ts'
import { isStandardSchema, type StandardSchemaV1 } from '../validation/index.ts'
import { ERROR_SCHEMA, VALIDATION_ERROR_SCHEMA } from './error-schemas.ts'
import { namedParameters, pathParameters } from './parameters.ts'
import type { SchemaRegistry } from './schema-registry.ts'
import { operationSecurity } from './security.ts'
import type {
  OperationObject,
  ParameterObject,
  RequestBodyObject,
  ResponseObject,
  SecurityScheme,
} from './types.ts'

/** The media type each body kind is read from (as in `app/route.ts`). */

/** Statuses that never carry a body. */
const EMPTY_STATUSES = new Set([204, 205, 304])

/** What building an operation needs besides the route. */
export interface OperationSettings {
  registry: SchemaRegistry
  operationId: string
  /** Base for names of components the route's schemas produce (`CreateUser` → `CreateUserBody`). */
  context: string
  segments: readonly PatternSegment[]
  templateNames: readonly string[]
  securitySchemes: Record<string, SecurityScheme> | undefined
}

/** Build the operation object for one documented route. */
export function buildOperation(route: RouteInfo, settings: OperationSettings): OperationObject {
  const { options } = route
  const { registry, context } = settings
  const operation: Partial<OperationObject> = {}
  if (route.tags.length > 0) operation.tags = [...route.tags]
  if (options.summary !== undefined) operation.summary = options.summary
  if (options.description !== undefined) operation.description = options.description
  operation.operationId = settings.operationId
  if (options.deprecated === true) operation.deprecated = true
  const security = operationSecurity(route, settings.securitySchemes)
  if (security !== undefined) operation.security = security

  const parameters: ParameterObject[] = [
    ...pathParameters(settings.segments, settings.templateNames, options.params, registry, context),
    ...(options.query ? namedParameters('query', options.query, registry, context) : []),
    ...(options.headers ? namedParameters('header', options.headers, registry, context) : []),
    ...(options.cookies ? namedParameters('cookie', options.cookies, registry, context) : []),
  ]
  if (parameters.length > 0) operation.parameters = parameters
  if (options.body !== undefined)
    operation.requestBody = requestBody(options, options.body, registry, context)
  operation.responses = responses(options, registry, context)
  return operation as OperationObject
}

function requestBody(
  options: RouteOptions,
  body: StandardSchemaV1,
  registry: SchemaRegistry,
  context: string,
): RequestBodyObject {
  const kinds = bodyKinds(options)
  const schema = registry.fromStandard(body, { io: 'input', context: `${context}Body` })
  const content: RequestBodyObject['content'] = {}
  for (const kind of kinds) {
    const mediaType = BODY_KIND_MEDIA_TYPES[kind]
    if (mediaType === undefined) continue
    // Raw bytes have no useful JSON Schema; OpenAPI 3.1 documents them with no schema at all.
    content[mediaType] = kind === 'bytes' && Object.keys(schema).length === 0 ? {} : { schema }
  }
  return { required: !acceptsUndefined(body), content }
}

/**
 * A request without a body reaches the schema as `undefined` (see `readBodyInput`), so the body is
 * optional exactly when the schema accepts `undefined`. Asking the validator is the only reliable
 * test: Zod's JSON Schema for `z.object({...}).optional()` is the same as for the object.
 */
function acceptsUndefined(schema: StandardSchemaV1): boolean {
  try {
    const result = schema['~standard'].validate(undefined)
    if (typeof (result as Promise<unknown>).then === 'function') {
      ;(result as Promise<unknown>).then(undefined, () => {})
      return false
    }
    return (result as StandardSchemaV1.Result<unknown>).issues === undefined
  } catch {
    return false
  }
}

function responses(
  options: RouteOptions,
  registry: SchemaRegistry,
  context: string,
): Record<string, ResponseObject> {
  const success = options.status ?? 200
  const documented = options.responses ?? {}
  const result: Record<string, ResponseObject> = {}
  result[success] = successResponse(options, success, toDoc(documented[success]), registry, context)
  for (const [key, entry] of Object.entries(documented)) {
    const status = Number(key)
    if (status === success) continue
    result[status] = documentedResponse(
      status,
      toDoc(entry)!,
      registry,
      `${context}Response${status}`,
    )
  }
  const validatesInput =
    options.params ?? options.query ?? options.headers ?? options.cookies ?? options.body
  if (validatesInput !== undefined && result[422] === undefined) {
    result[422] = {
      description: 'Validation Error',
      content: {
        'application/json': { schema: registry.define('ValidationError', VALIDATION_ERROR_SCHEMA) },
      },
    }
  }
  return result
}

function successResponse(
  options: RouteOptions,
  status: number,
  doc: ResponseDoc | undefined,
  registry: SchemaRegistry,
  context: string,
): ResponseObject {
  if (EMPTY_STATUSES.has(status)) return { description: doc?.description ?? statusText(status) }
  const schema = options.response ?? doc?.schema
  if (schema !== undefined) {
    return {
      description: doc?.description ?? 'Successful response',
      content: {
        [doc?.contentType ?? 'application/json']: {
          schema: registry.fromStandard(schema, { io: 'output', context: `${context}Response` }),
        },
      },
    }
  }
  if (doc !== undefined) return documentedResponse(status, doc, registry, `${context}Response`)
  return { description: 'Successful response' }
}

function documentedResponse(
  status: number,
  doc: ResponseDoc,
  registry: SchemaRegistry,
  context: string,
): ResponseObject {
  const description = doc.description ?? statusText(status)
  if (EMPTY_STATUSES.has(status)) return { description }
  if (doc.schema !== undefined) {
    const schema = registry.fromStandard(doc.schema, { io: 'output', context })
    return { description, content: { [doc.contentType ?? 'application/json']: { schema } } }
  }
  if (doc.contentType !== undefined) return { description, content: { [doc.contentType]: {} } }
  // Without a schema of its own, an error status answers with Plinth's default error body.
  if (status >= 400) {
    return {
      description,
      content: { 'application/json': { schema: registry.define('Error', ERROR_SCHEMA) } },
    }
  }
  return { description }
}

function toDoc(entry: StandardSchemaV1 | ResponseDoc | undefined): ResponseDoc | undefined {
  if (entry === undefined) return undefined
  return isStandardSchema(entry) ? { schema: entry } : entry
}
