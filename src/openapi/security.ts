/**
 * Security requirements of operations: the route's own `security`, those its dependencies declare
 * in `meta.security` (both gathered into `RouteInfo.security`), and the document default.
 *
 * Every scheme a requirement names must be declared in `securitySchemes`; OpenAPI tools reject a
 * document that references an undeclared one, so it is reported here with the fix.
 */
import type { RouteInfo } from '../app/index.ts'
import { PlinthError } from '../http/index.ts'
import { stableStringify } from './json-schema-walk.ts'
import type { SecurityRequirement, SecurityScheme } from './types.ts'

/**
 * The `security` of one operation, or `undefined` to inherit the document default. A route that
 * sets `security: []` itself (and whose dependencies add none) is documented as public.
 */
export function operationSecurity(
  route: RouteInfo,
  schemes: Record<string, SecurityScheme> | undefined,
): SecurityRequirement[] | undefined {
  const seen = new Set<string>()
  const requirements: SecurityRequirement[] = []
  for (const requirement of route.security) {
    const key = stableStringify(requirement)
    if (seen.has(key)) continue
    seen.add(key)
    requirements.push(requirement)
  }
  assertKnownSchemes(requirements, schemes, `${route.method} ${route.path}`)
  if (requirements.length > 0) return requirements
  return route.options.security === undefined ? undefined : []
}

/** Throw when a requirement names a scheme missing from `securitySchemes`. */
export function assertKnownSchemes(
  requirements: readonly SecurityRequirement[],
  schemes: Record<string, SecurityScheme> | undefined,
  where: string,
): void {
  for (const requirement of requirements) {
    for (const name of Object.keys(requirement)) {
      if (schemes !== undefined && Object.hasOwn(schemes, name)) continue
      const declared = Object.keys(schemes ?? {})
      throw new PlinthError(
        'PLINTH_OPENAPI_UNKNOWN_SECURITY_SCHEME',
        `${where} requires the security scheme "${name}", which is not declared; add it to the OpenAPI options, e.g. securitySchemes: { ${name}: { type: 'http', scheme: 'bearer' } }${declared.length > 0 ? ` (declared: ${declared.join(', ')})` : ''}.`,
      )
    }
  }
}
