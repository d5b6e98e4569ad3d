/**
 * The shapes of the OpenAPI 3.1 document Plinth produces and of the options that describe it.
 *
 * The document types are deliberately loose where OpenAPI itself is open-ended (schemas are plain
 * JSON Schema 2020-12 objects), and precise where a typo would silently produce a broken document
 * (security schemes, info, servers).
 */
import type { SecurityRequirement } from '../app/index.ts'
import type { JsonSchema } from '../validation/index.ts'

export type { JsonSchema, SecurityRequirement }

/** Contact details shown in the docs. */
export interface OpenApiContact {
  name?: string
  url?: string
  email?: string
}

/** The API's license (`identifier` is an SPDX expression; give it or `url`, not both). */
export interface OpenApiLicense {
  name: string
  identifier?: string
  url?: string
}

/** A server the API is reachable at, e.g. `{ url: 'https://api.example.com' }`. */
export interface OpenApiServer {
  url: string
  description?: string
  variables?: Record<string, { default: string; enum?: string[]; description?: string }>
}

/** A link to documentation outside the generated document. */
export interface ExternalDocs {
  url: string
  description?: string
}

/** A top-level tag: routes are grouped by tag in the docs UI, in this order. */
export interface OpenApiTag {
  name: string
  description?: string
  externalDocs?: ExternalDocs
}

/** How clients authenticate; referenced by name from `security` requirements. */
export type SecurityScheme =
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; name: string; in: 'query' | 'header' | 'cookie'; description?: string }
  | { type: 'oauth2'; flows: Record<string, unknown>; description?: string }
  | { type: 'openIdConnect'; openIdConnectUrl: string; description?: string }
  | { type: 'mutualTLS'; description?: string }

/** The document's `info` block. */
export interface OpenApiInfo {
  /** The API's name (required). */
  title: string
  /** The API's version, e.g. `'1.4.0'` (required; not the OpenAPI version). */
  version: string
  summary?: string
  /** Markdown shown at the top of the docs. */
  description?: string
  termsOfService?: string
  contact?: OpenApiContact
  license?: OpenApiLicense
}

/** What `generateOpenApi` needs besides the app: the `info` block and document-wide settings. */
export interface OpenApiOptions extends OpenApiInfo {
  servers?: OpenApiServer[]
  /** Descriptions and order of tags; tags used by routes but not listed here are appended. */
  tags?: OpenApiTag[]
  /** `components.securitySchemes`: every scheme a route or dependency requires must be here. */
  securitySchemes?: Record<string, SecurityScheme>
  /** Default requirements for every operation that declares none (`security: []` opts a route out). */
  security?: SecurityRequirement[]
  externalDocs?: ExternalDocs
}

/** One parameter of an operation. */
export interface ParameterObject {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required: boolean
  schema: JsonSchema
  description?: string
  deprecated?: boolean
  style?: 'form' | 'simple'
  explode?: boolean
}

/** A request or response payload for one media type. */
export interface MediaTypeObject {
  schema?: JsonSchema
}

/** A documented request body. */
export interface RequestBodyObject {
  required: boolean
  content: Record<string, MediaTypeObject>
}

/** A documented response. */
export interface ResponseObject {
  description: string
  content?: Record<string, MediaTypeObject>
}

/** One operation (a method on a path). */
export interface OperationObject {
  operationId: string
  summary?: string
  description?: string
  tags?: string[]
  deprecated?: boolean
  parameters?: ParameterObject[]
  requestBody?: RequestBodyObject
  responses: Record<string, ResponseObject>
  security?: SecurityRequirement[]
}

/** The HTTP methods OpenAPI 3.1 can describe (lower case, as path item keys). */
export type OpenApiMethod =
  | 'get'
  | 'put'
  | 'post'
  | 'delete'
  | 'options'
  | 'head'
  | 'patch'
  | 'trace'

/** The operations on one path template. */
export type PathItemObject = Partial<Record<OpenApiMethod, OperationObject>>

/** A complete OpenAPI 3.1.0 document. */
export interface OpenApiDocument {
  openapi: '3.1.0'
  info: OpenApiInfo
  servers?: OpenApiServer[]
  paths: Record<string, PathItemObject>
  components?: {
    schemas?: Record<string, JsonSchema>
    securitySchemes?: Record<string, SecurityScheme>
  }
  security?: SecurityRequirement[]
  tags?: OpenApiTag[]
  externalDocs?: ExternalDocs
}
