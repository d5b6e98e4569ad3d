/**
 * `generateOpenApi(app, options)`: the app's route table as an OpenAPI 3.1.0 document.
 *
 * Documented: every route with a method OpenAPI can describe, except `hidden` ones. Left out:
 * routes registered with `app.all()` (a catch-all answers "every other method", which OpenAPI
 * cannot express without inventing operations nobody wrote), non-standard methods (`PROPFIND`), and
 * the automatic HEAD/OPTIONS answers (they are not routes).
 */
import type { App, RouteInfo } from '../app/index.ts'
import { type PatternSegment, parsePattern, toOpenApiPath } from '../routing/index.ts'
import { buildOperation } from './operation.ts'
import { assignOperationIds, pascalCase } from './operation-ids.ts'
import { checkDocumentOptions } from './options.ts'
import { SchemaRegistry } from './schema-registry.ts'
import { assertKnownSchemes } from './security.ts'
import type {
  OpenApiDocument,
  OpenApiMethod,
  OpenApiOptions,
  OpenApiTag,
  PathItemObject,
} from './types.ts'

const OPENAPI_METHODS = new Set([
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
])

/**
 * Build the OpenAPI 3.1.0 document of an app. Compiles the app (registration closes), so call it
 * once everything is registered; the `openapi()` plugin does this on the first request.
 *
 * @example
 * const doc = generateOpenApi(app, { title: 'Catalog API', version: '1.0.0' })
 * await writeFile('openapi.json', JSON.stringify(doc, null, 2))
 */
export function generateOpenApi(app: App, options: OpenApiOptions): OpenApiDocument {
  checkDocumentOptions(options)
  const routes = app
    .routes()
    .filter(
      (route) => route.options.hidden !== true && OPENAPI_METHODS.has(route.method.toLowerCase()),
    )
  const ids = assignOperationIds(routes)
  const registry = new SchemaRegistry()
  const templates = new PathTemplates()
  const paths: Record<string, PathItemObject> = {}
  for (const route of routes) {
    const segments = parsePattern(route.path)
    const template = templates.for(segments)
    const operationId = ids.get(route)!
    paths[template.path] ??= {}
    paths[template.path]![route.method.toLowerCase() as OpenApiMethod] = buildOperation(route, {
      registry,
      operationId,
      context: pascalCase(operationId),
      segments,
      templateNames: template.names,
      securitySchemes: options.securitySchemes,
    })
  }

  // Built key by key so the JSON reads in the conventional order (info, servers, tags, paths...).
  const document = { openapi: '3.1.0', info: infoOf(options) } as OpenApiDocument
  if (options.servers !== undefined) document.servers = options.servers
  const tags = tagList(options.tags, routes)
  if (tags !== undefined) document.tags = tags
  if (options.security !== undefined) {
    assertKnownSchemes(options.security, options.securitySchemes, 'The document-level security')
    document.security = options.security
  }
  document.paths = paths
  const schemas = registry.components()
  if (schemas !== undefined || options.securitySchemes !== undefined) {
    document.components = {}
    if (schemas !== undefined) document.components.schemas = schemas
    if (options.securitySchemes !== undefined)
      document.components.securitySchemes = options.securitySchemes
  }
  if (options.externalDocs !== undefined) document.externalDocs = options.externalDocs
  return document
}

function infoOf(options: OpenApiOptions): OpenApiDocument['info'] {
  const info: OpenApiDocument['info'] = { title: options.title, version: options.version }
  for (const key of ['summary', 'description', 'termsOfService', 'contact', 'license'] as const) {
    if (options[key] !== undefined) (info as unknown as Record<string, unknown>)[key] = options[key]
  }
  return info
}

/** Declared tags first (their order is the docs UI's order), then tags only routes mention. */
function tagList(
  declared: readonly OpenApiTag[] | undefined,
  routes: readonly RouteInfo[],
): OpenApiTag[] | undefined {
  const tags = [...(declared ?? [])]
  const known = new Set(tags.map((tag) => tag.name))
  for (const route of routes) {
    for (const name of route.tags) {
      if (known.has(name)) continue
      known.add(name)
      tags.push({ name })
    }
  }
  return tags.length > 0 ? tags : undefined
}

/**
 * OpenAPI forbids two templates that differ only in parameter names (`/users/{id}` and
 * `/users/{name}`) and cannot tell `:param` from `*wildcard`, while Plinth allows `GET /users/:id`
 * next to `DELETE /users/:name`. Routes of one shape therefore share the first route's template,
 * and their path parameters are documented under its names (only positions matter in a URL).
 */
class PathTemplates {
  readonly #byShape = new Map<string, { path: string; names: string[] }>()

  for(segments: readonly PatternSegment[]): { path: string; names: string[] } {
    const shape = segments.map((s) => (s.kind === 'static' ? `/${s.value}` : '/{}')).join('')
    let template = this.#byShape.get(shape)
    if (template === undefined) {
      const names = segments.flatMap((s) =>
        s.kind === 'static' ? [] : [s.name === '*' ? 'wildcard' : s.name],
      )
      template = { path: toOpenApiPath([...segments]), names }
      this.#byShape.set(shape, template)
    }
    return template
  }
}
