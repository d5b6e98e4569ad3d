/**
 * Who may change the catalogue: a client with the API key (`X-API-Key`), or one with a bearer
 * access token carrying the scope `catalog:write` (from `POST /auth/token`, which is what the
 * "Authorize" button of /docs calls). Written as a dependency, so routes list it in `deps` and the
 * OpenAPI document shows both ways in (two alternative security requirements).
 *
 * A session cookie is never enough here: the JSON API is exempt from CSRF, so accepting cookies
 * would let any site post to it on a logged-in visitor's behalf.
 */
import { timingSafeEqual } from 'node:crypto'
import { dependency, HttpError } from 'plinth'
import { bearerToken, getAuthentication, requireScopes } from 'plinth/auth'

/** The scope a token needs to change the catalogue, with its description for /docs. */
export const WRITE_SCOPE = 'catalog:write'
export const SCOPES = { [WRITE_SCOPE]: 'Change the catalogue' }

/** Checks the scope for bearer requests: 403 `insufficient_scope` without it. */
const writeScope = requireScopes(WRITE_SCOPE)

export function catalogWriteGuard(expected: string) {
  const wanted = Buffer.from(expected)
  return dependency({
    name: 'catalogWrite',
    meta: { security: [{ apiKey: [] }, { oauth2: [WRITE_SCOPE] }] },
    resolve: async (ctx) => {
      const key = ctx.req.headers['x-api-key']
      if (key === undefined && bearerToken(ctx) !== undefined) {
        // 401 for a bad or expired token, 403 `insufficient_scope` for one without the scope.
        await ctx.use(writeScope)
        // Only the token itself counts, never a session cookie sent beside it (`createAuth`
        // lists the token authenticator first, so this holds; checked all the same).
        if ((await getAuthentication(ctx))?.method === 'jwt') return true as const
      }
      const given = Buffer.from(String(key ?? ''))
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
        throw new HttpError(
          401,
          'Send a valid X-API-Key header, or a bearer token with the scope catalog:write, to change the catalogue.',
          { code: 'invalid_api_key' },
        )
      }
      return true as const
    },
  })
}
