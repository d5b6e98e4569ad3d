/**
 * Scopes: what a token or API key may do on its owner's behalf (RFC 6749 §3.3). `requireScopes()`
 * checks them for JWT and API-key requests alike; a session (a person in a browser) has no
 * scopes, which means the user's full rights, so scope guards let sessions through.
 */
import { type Context, type Guard, guard, type SecurityRequirement } from '../../app/index.ts'
import { HttpError, PlinthError } from '../../http/index.ts'
import { LoginRequiredError } from '../errors.ts'
import { getAuthentication } from '../guards.ts'
import type { UserRow } from '../models.ts'

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/
const MAX_SCOPES = 64

/** True for a well-formed scope name (`items:read`, `admin`). */
export function isScope(value: unknown): value is string {
  return typeof value === 'string' && SCOPE_TOKEN.test(value)
}

/** Parse a space-separated `scope` parameter or claim; `undefined` for malformed input. */
export function parseScope(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return []
  if (typeof value !== 'string' || value.length > 4096) return undefined
  const scopes = value.split(' ').filter((s) => s !== '')
  if (scopes.length > MAX_SCOPES || !scopes.every(isScope)) return undefined
  return [...new Set(scopes)]
}

/** Check a scope list given in code; throws `PLINTH_AUTH_TOKENS_SCOPE` naming `where`. */
export function checkScopes(scopes: unknown, where: string): string[] {
  if (!Array.isArray(scopes) || scopes.length > MAX_SCOPES || !scopes.every(isScope)) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_SCOPE',
      `${where} takes a list of scope names (printable ASCII without spaces, quotes or backslashes, e.g. 'items:read'), got ${JSON.stringify(scopes)}.`,
    )
  }
  return [...new Set(scopes as string[])]
}

/** Thrown for a 401 that needs a Bearer challenge (RFC 6750 §3). */
class BearerLoginRequiredError extends LoginRequiredError {
  constructor(challenge: string) {
    super({ headers: { 'www-authenticate': challenge } })
  }
}

/** Options of {@link requireScopes} given as its first argument. */
export interface RequireScopesOptions {
  /**
   * The OpenAPI security schemes the route is documented with (alternatives). Default
   * `['oauth2']`: declare it with `securitySchemes: { oauth2: oauth2PasswordScheme(…) }`.
   */
  schemes?: readonly string[]
}

/**
 * Refuse requests whose token lacks any of `scopes`: anonymous → 401 (with a `Bearer`
 * challenge), a token or API key without every scope → 403 `insufficient_scope`. Sessions have
 * the user's full rights and pass. With no scopes it only requires an authenticated request.
 * Its value is the user; in OpenAPI the route shows the lock of the `oauth2` scheme (or
 * `schemes`) with these scopes, so Swagger UI's "Authorize" applies to it.
 *
 * @example
 * app.get('/items', { deps: { user: requireScopes('items:read') } }, (ctx) => listItems(ctx.deps.user))
 * app.delete('/items/:id', { deps: { user: requireScopes({ schemes: ['oauth2', 'apiKey'] }, 'items:write') } }, remove)
 */
export function requireScopes(
  ...args: [RequireScopesOptions, ...string[]] | string[]
): Guard<UserRow> {
  const options: RequireScopesOptions =
    typeof args[0] === 'object' && args[0] !== null ? (args.shift() as RequireScopesOptions) : {}
  const scopes = checkScopes(args, 'requireScopes()')
  const schemes = options.schemes ?? ['oauth2']
  if (
    !Array.isArray(schemes) ||
    schemes.length === 0 ||
    schemes.some((s) => typeof s !== 'string' || s === '')
  ) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_SCOPE',
      `requireScopes({ schemes }) must list OpenAPI security scheme names, e.g. ['oauth2', 'apiKey'], got ${JSON.stringify(schemes)}.`,
    )
  }
  const security: SecurityRequirement[] = schemes.map((scheme) => ({ [scheme]: [...scopes] }))
  return guard({
    name: `requireScopes(${scopes.join(', ')})`,
    meta: { security },
    resolve: async (ctx: Context) => {
      const authentication = await getAuthentication(ctx)
      if (authentication === null) throw new BearerLoginRequiredError(bearerChallenge(scopes))
      const granted = authentication.scopes
      if (granted === undefined) return authentication.user
      const missing = scopes.filter((scope) => !granted.includes(scope))
      if (missing.length > 0) {
        throw new HttpError(
          403,
          `This token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`,
          {
            code: 'insufficient_scope',
            details: { required: scopes, missing },
            headers: { 'www-authenticate': bearerChallenge(scopes, 'insufficient_scope') },
          },
        )
      }
      return authentication.user
    },
  })
}

/** A `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3). Values are scope tokens: no quotes. */
export function bearerChallenge(
  scopes: readonly string[],
  error?: string,
  description?: string,
): string {
  const parts = ['Bearer realm="api"']
  if (error !== undefined) parts.push(`error="${error}"`)
  if (description !== undefined) parts.push(`error_description="${description}"`)
  if (scopes.length > 0) parts.push(`scope="${scopes.join(' ')}"`)
  return parts.join(', ')
}
