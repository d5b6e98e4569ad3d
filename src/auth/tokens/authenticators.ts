/**
 * `jwtAuthenticator()`: authenticate API requests by `Authorization: Bearer <access token>`.
 * A request without a bearer token is left to the next authenticator (`null`); one with a bad,
 * expired or foreign token gets 401 — never silently treated as anonymous.
 */
import type { Context } from '../../app/index.ts'
import type { AnyUserModel, Auth } from '../auth.ts'
import type { Authentication, Authenticator } from '../authenticators.ts'
import type { UserRow } from '../models.ts'
import { TokenError } from './errors.ts'
import type { JwtTokens } from './jwt.ts'

/** The `<token>` of `Authorization: Bearer <token>` (RFC 6750 §2.1), `''` when empty, else `undefined`. */
export function bearerToken(ctx: Context): string | undefined {
  const header = ctx.req.headers.authorization
  if (typeof header !== 'string') return undefined
  const match = /^Bearer(?:[ ]+(.*))?$/i.exec(header.trim())
  if (match === null) return undefined
  return (match[1] ?? '').trim()
}

/** The `sub` claim as a key of the user model (numbers for integer ids), or `undefined`. */
export function userIdFromSubject(auth: Auth<AnyUserModel>, sub: string): unknown {
  const kind = auth.userModel.meta.pk.spec.kind
  if (kind === 'autoId' || kind === 'integer') {
    const id = /^[1-9]\d{0,15}$/.test(sub) ? Number(sub) : Number.NaN
    return Number.isSafeInteger(id) ? id : undefined
  }
  if (kind === 'bigAutoId' || kind === 'bigint')
    return /^[1-9]\d{0,18}$/.test(sub) ? BigInt(sub) : undefined
  return sub
}

/** Load an active user by id for a token; a missing or inactive user makes the token invalid. */
export async function activeUser(auth: Auth<AnyUserModel>, id: unknown): Promise<UserRow> {
  const user = id === undefined ? null : await auth.findUser({ id })
  if (user === null || !user.isActive) {
    throw new TokenError('invalid_token', 'The token does not belong to an active user.')
  }
  return user
}

/**
 * Authenticate `Authorization: Bearer <JWT>` requests with access tokens of `tokens`. The result
 * is `{ user, method: 'jwt', scopes }`. Bearer values that are API keys (`plk_…`) are left to
 * `apiKeyAuthenticator()` when it is installed. List it before `sessionAuthenticator()`, so a
 * request carrying both a bearer token and a session cookie is judged by its token. Authenticators are not dependencies: the OpenAPI lock comes from the
 * guard a route uses (`requireScopes(...)`, which documents the `oauth2` scheme).
 *
 * @example
 * const auth = createAuth({ authenticators: [jwtAuthenticator(tokens), sessionAuthenticator()] })
 * app.get('/me', { deps: { user: requireScopes() } }, (ctx) => ({ username: ctx.deps.user.username }))
 */
export function jwtAuthenticator(tokens: JwtTokens): Authenticator {
  return {
    name: 'jwt',
    async authenticate(ctx, auth): Promise<Authentication | null> {
      const token = bearerToken(ctx)
      if (token === undefined) return null
      // An API key is left to apiKeyAuthenticator() — only when one is installed: a bearer
      // request (exempt from CSRF) must never fall through to the session cookie.
      if (token.startsWith('plk_') && auth.authenticators.some((a) => a.name === 'apiKey'))
        return null
      const claims = await tokens.verifyAccessToken(token)
      const user = await activeUser(auth, userIdFromSubject(auth, claims.sub))
      return { user, method: 'jwt', scopes: claims.scopes }
    },
  }
}
