/**
 * Routing: pattern parsing, the route matcher and URL reversal.
 *
 * Knows nothing about requests or responses; imports only `http/errors`. Start with
 * `route-tree.ts` for matching and `request-path.ts` for how a request target becomes a path.
 */
export type { PathParams } from './path-params.ts'
export {
  isStaticPattern,
  type PatternSegment,
  paramNames,
  parsePattern,
  toOpenApiPath,
} from './pattern.ts'
export { InvalidPathError, parseRequestTarget, type RequestTarget } from './request-path.ts'
export { ANY_METHOD, paramsFactory, type RouteHit, RouteTree } from './route-tree.ts'
export { compileUrlBuilder, type UrlParams, type UrlQuery } from './url-builder.ts'
