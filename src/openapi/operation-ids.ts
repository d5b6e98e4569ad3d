/**
 * Unique `operationId`s: the route's own `operationId`, else its (namespaced) name, else one
 * derived from method and path. Code generators turn these into function names, so they must be
 * unique and stable; a clash between two ids the user chose is a mistake worth stopping for, a
 * clash between derived ones is resolved by numbering.
 */
import type { RouteInfo } from '../app/index.ts'
import { PlinthError } from '../http/index.ts'
import { parsePattern } from '../routing/index.ts'

/**
 * Assign an `operationId` to each documented route.
 *
 * A route registered for several methods at once (`app.route(['GET', 'POST'], ...)`) shares its
 * options, so an explicit id or a name is suffixed with the method (`search_get`, `search_post`).
 *
 * @example
 * assignOperationIds(app.routes().filter((r) => !r.options.hidden))
 * // Map { <GET /users/:id> => 'getUsersById', <POST /users> => 'users_create', ... }
 */
export function assignOperationIds(routes: readonly RouteInfo[]): Map<RouteInfo, string> {
  const ids = new Map<RouteInfo, string>()
  const taken = new Map<string, RouteInfo>()
  // Methods registered together share one options object (and path): count them per definition.
  const methodsPerDefinition = new Map<RouteInfo['options'], Map<string, number>>()
  for (const route of routes) {
    const byPath = methodsPerDefinition.get(route.options) ?? new Map<string, number>()
    byPath.set(route.path, (byPath.get(route.path) ?? 0) + 1)
    methodsPerDefinition.set(route.options, byPath)
  }
  const sharedDefinition = (route: RouteInfo) =>
    methodsPerDefinition.get(route.options)!.get(route.path)! > 1

  for (const route of routes) {
    const explicit = route.options.operationId
    if (explicit === undefined) continue
    if (typeof explicit !== 'string' || explicit === '') {
      throw new PlinthError(
        'PLINTH_OPENAPI_INVALID_OPERATION_ID',
        `${route.method} ${route.path}: operationId must be a non-empty string.`,
      )
    }
    const id = sharedDefinition(route) ? `${explicit}_${route.method.toLowerCase()}` : explicit
    const owner = taken.get(id)
    if (owner !== undefined) {
      throw new PlinthError(
        'PLINTH_OPENAPI_DUPLICATE_OPERATION_ID',
        `operationId "${explicit}" is used by both ${owner.method} ${owner.path} and ${route.method} ${route.path}; operationIds must be unique, rename one of them.`,
      )
    }
    taken.set(id, route)
    ids.set(route, id)
  }

  for (const route of routes) {
    if (ids.has(route)) continue
    let base =
      route.name === undefined
        ? idFromMethodAndPath(route.method, route.path)
        : route.name.replace(/:/g, '_')
    if (route.name !== undefined && sharedDefinition(route))
      base += `_${route.method.toLowerCase()}`
    let id = base
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`
    taken.set(id, route)
    ids.set(route, id)
  }
  return ids
}

/**
 * `GET /api/products/:id` → `getApiProductsById`; `GET /` → `getRoot`.
 *
 * @example
 * idFromMethodAndPath('DELETE', '/files/*path') // 'deleteFilesByPath'
 */
export function idFromMethodAndPath(method: string, path: string): string {
  const parts = parsePattern(path).flatMap((segment) =>
    segment.kind === 'static'
      ? words(segment.value)
      : ['By', ...words(segment.name === '*' ? 'wildcard' : segment.name)],
  )
  return method.toLowerCase() + (parts.length === 0 ? 'Root' : parts.map(capitalize).join(''))
}

/**
 * A name usable as a component name: `api_product-detail` → `ApiProductDetail`.
 *
 * @example
 * pascalCase('users_create') // 'UsersCreate'
 */
export function pascalCase(text: string): string {
  const result = words(text).map(capitalize).join('')
  return result === '' ? 'Operation' : result
}

function words(text: string): string[] {
  return text.split(/[^A-Za-z0-9]+/).filter((word) => word !== '')
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1)
}
