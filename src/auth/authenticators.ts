/**
 * Authenticators: the ways a request can prove who sent it (Django REST framework's
 * authentication classes). `createAuth({ authenticators })` tries them in order; the first that
 * recognises the request decides. The session authenticator is the default; token
 * authenticators (JWT bearer, API keys) are added the same way.
 */
import type { Context } from '../app/index.ts'
import { getSession } from '../sessions/index.ts'
import type { AnyUserModel, Auth } from './auth.ts'
import type { UserRow } from './models.ts'

/** Who sent a request, and how they proved it. */
export interface Authentication {
  user: UserRow
  /** `'session'`, `'jwt'`, `'apiKey'`, … */
  method: string
  /** Scopes a token grants; `undefined` means the user's full rights (sessions). */
  scopes?: readonly string[]
}

/**
 * One way to authenticate. Return `null` when the request does not use this method (the next
 * authenticator is tried); throw an `HttpError(401)` when it does but the credentials are bad
 * (an expired token), so a bad token is never silently treated as anonymous.
 */
export interface Authenticator {
  readonly name: string
  authenticate(ctx: Context, auth: Auth<AnyUserModel>): Promise<Authentication | null>
}

/** Session keys the auth layer owns. */
export const SESSION_USER_ID = '_auth_user_id'
export const SESSION_USER_HASH = '_auth_user_hash'

/**
 * Authenticate with the session cookie (set by `login()`). The session also remembers a digest
 * of the user's password hash, so changing the password logs out every other session.
 *
 * @example
 * // Token authenticators first: a request carrying a bearer token is judged by it, not by a cookie.
 * createAuth({ authenticators: [jwtAuthenticator(tokens), sessionAuthenticator()] })
 */
export function sessionAuthenticator(): Authenticator {
  return {
    name: 'session',
    async authenticate(ctx, auth) {
      const session = await getSession(ctx)
      const id = session.get<number | string>(SESSION_USER_ID)
      if (id === undefined) return null
      const user = await auth.findUser({ id })
      const hash = session.get<string>(SESSION_USER_HASH)
      if (user === null || !user.isActive || hash !== auth.sessionHash(user)) {
        // A deleted, deactivated or re-passworded user: this session no longer means anyone.
        await session.destroy()
        return null
      }
      return { user, method: 'session' }
    },
  }
}
