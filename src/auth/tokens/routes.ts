/**
 * `tokenRoutes()`: the OAuth2 token endpoint of an API (RFC 6749 §4.3 password grant and §6
 * refresh) and token revocation (RFC 7009), as a `Router` to mount, e.g. under `/auth`.
 *
 * Errors follow RFC 6749 §5.2 — 400 `{ "error": "invalid_grant", "error_description": … }` —
 * instead of Plinth's `{ "error": { status, code, message } }`, because OAuth clients (Swagger
 * UI's "Authorize" among them) read `error` as a string. The extra `code` member says exactly
 * what went wrong (`invalid_credentials`, `refresh_token_reused`, …), as Plinth codes do
 * elsewhere. Token answers are `Cache-Control: no-store`.
 *
 * Both routes are exempt from CSRF: they read no cookie, so a forged cross-site post carries no
 * ambient credential (it would need the password or the refresh token itself).
 */
import { type Context, Router } from '../../app/index.ts'
import { HttpError, json, PlinthError, type Reply } from '../../http/index.ts'
import { csrfExempt } from '../../security/index.ts'
import type { Auth } from '../auth.ts'
import { throttleFor } from '../flows/shared.ts'
import type { LoginThrottle } from '../flows/throttle.ts'
import { User, type UserRow } from '../models.ts'
import { TokenError } from './errors.ts'
import type { JwtTokens, TokenPair } from './jwt.ts'
import { OAUTH_ERROR, REVOKE_REQUEST, TOKEN_REQUEST, TOKEN_RESPONSE } from './openapi.ts'
import { checkScopes, parseScope } from './scopes.ts'

/** RFC 6749 §5.2 error codes (and RFC 7009's `unsupported_token_type`). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'unsupported_token_type'

/** A token endpoint error: rendered as `{ error, error_description, code }` (RFC 6749 §5.2). */
export class OAuthError extends HttpError {
  readonly error: OAuthErrorCode
  constructor(error: OAuthErrorCode, message: string, code: string = error) {
    super(400, message, { code })
    this.name = 'OAuthError'
    this.error = error
  }
}

/** Decides which of the requested scopes a user gets (may narrow, must not add unknown ones). */
export type GrantScopes = (
  user: UserRow,
  requested: string[],
) => readonly string[] | Promise<readonly string[]>

/** Options of {@link tokenRoutes}. */
export interface TokenRoutesOptions {
  /**
   * The scopes clients may request (names, or names → descriptions as for
   * `oauth2PasswordScheme`). Unknown ones get 400 `invalid_scope`. Default none: tokens carry
   * no scopes, which `requireScopes()` without arguments still accepts.
   */
  scopes?: readonly string[] | Record<string, string>
  /** Scopes granted when the request names none. Default `[]`. */
  defaultScopes?: readonly string[]
  /** Narrow the requested scopes per user (say, `admin` only for staff). Default: all requested. */
  grantScopes?: GrantScopes
  /**
   * Login throttle for the password grant (per account and per address, shared with the login
   * form by default); `false` turns it off. Over the limit: 429 `login_throttled`.
   */
  throttle?: LoginThrottle | false
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

/** One form parameter: RFC 6749 §3.2 forbids repeating one (`invalid_request`). */
function param(form: Record<string, unknown>, name: string, required: true): string
function param(form: Record<string, unknown>, name: string, required?: false): string | undefined
function param(form: Record<string, unknown>, name: string, required = false): string | undefined {
  const value = Object.hasOwn(form, name) ? form[name] : undefined
  if (Array.isArray(value))
    throw new OAuthError('invalid_request', `The parameter ${name} is repeated.`)
  if (value !== undefined && typeof value !== 'string') {
    throw new OAuthError('invalid_request', `The parameter ${name} must be text.`)
  }
  if (required && (value === undefined || value === '')) {
    throw new OAuthError('invalid_request', `The parameter ${name} is required.`)
  }
  return value === '' ? undefined : (value as string | undefined)
}

function requestedScopes(form: Record<string, unknown>): string[] | undefined {
  const raw = param(form, 'scope')
  if (raw === undefined) return undefined
  const scopes = parseScope(raw)
  if (scopes === undefined)
    throw new OAuthError('invalid_scope', 'The scope parameter is malformed.')
  return scopes
}

function tokenAnswer(pair: TokenPair): Reply {
  return json(
    {
      access_token: pair.accessToken,
      token_type: 'bearer',
      expires_in: pair.expiresIn,
      refresh_token: pair.refreshToken,
      scope: pair.scopes.join(' '),
    },
    { headers: NO_STORE },
  )
}

/** Map the token service's 401s and 400s to RFC 6749 errors, keeping the precise code. */
function asOAuthError(error: unknown): unknown {
  if (error instanceof TokenError) return new OAuthError('invalid_grant', error.message, error.code)
  if (error instanceof HttpError && error.code === 'invalid_scope') {
    return new OAuthError('invalid_scope', error.message)
  }
  return error
}

/**
 * The token endpoint (`POST /token`, grants `password` and `refresh_token`) and revocation
 * (`POST /token/revoke`) for `tokens`, logging in through `auth`. Mount it and point
 * `oauth2PasswordScheme({ tokenUrl })` at it.
 *
 * @example
 * app.include(tokenRoutes(auth, tokens, { scopes: { 'items:read': 'Read items' } }), { prefix: '/auth' })
 * // POST /auth/token  grant_type=password&username=ada&password=…&scope=items:read
 * // → { access_token, token_type: 'bearer', expires_in: 900, refresh_token, scope: 'items:read' }
 */
export function tokenRoutes(
  auth: Auth<any>,
  tokens: JwtTokens,
  options: TokenRoutesOptions = {},
): Router {
  if (auth.userModel !== User) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_USER_MODEL',
      'tokenRoutes() stores refresh tokens for the built-in User model; this Auth uses a custom userModel.',
    )
  }
  const known = new Set(
    checkScopes(
      Array.isArray(options.scopes) ? options.scopes : Object.keys(options.scopes ?? {}),
      'tokenRoutes({ scopes })',
    ),
  )
  const defaults = checkScopes(options.defaultScopes ?? [], 'tokenRoutes({ defaultScopes })')
  const unknownDefault = defaults.find((scope) => !known.has(scope))
  if (unknownDefault !== undefined) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_SCOPE',
      `tokenRoutes({ defaultScopes }) names "${unknownDefault}", which is not in { scopes }.`,
    )
  }
  const throttle = throttleFor(auth, options.throttle)

  async function passwordGrant(
    ctx: Context<any>,
    form: Record<string, unknown>,
  ): Promise<TokenPair> {
    const username = param(form, 'username', true)
    const password = param(form, 'password', true)
    const requested = requestedScopes(form) ?? defaults
    const unknown = requested.filter((scope) => !known.has(scope))
    if (unknown.length > 0)
      throw new OAuthError('invalid_scope', `Unknown scope: ${unknown.join(', ')}.`)
    const verify = () => auth.authenticate({ username, password })
    const user = throttle ? await throttle.run(ctx, username, verify) : await verify()
    if (user === null)
      throw new OAuthError('invalid_grant', 'Wrong username or password.', 'invalid_credentials')
    const granted = options.grantScopes ? await options.grantScopes(user, requested) : requested
    const scopes = checkScopes([...granted], 'tokenRoutes({ grantScopes })')
    if (scopes.some((scope) => !known.has(scope))) {
      throw new PlinthError(
        'PLINTH_AUTH_TOKENS_SCOPE',
        'tokenRoutes({ grantScopes }) returned a scope that is not in { scopes }.',
      )
    }
    return tokens.issuePair(user, { scopes })
  }

  const router = new Router({ tags: ['auth'] })
  router.errorHandler(OAuthError, (error) =>
    json(
      {
        error: error.error,
        error_description: error.message,
        status: error.status,
        code: error.code,
        message: error.message,
      },
      { status: error.status, headers: NO_STORE },
    ),
  )
  router.post(
    '/token',
    {
      summary: 'Get an access token (OAuth2 password or refresh_token grant)',
      consumes: 'form',
      body: TOKEN_REQUEST,
      responses: {
        200: { description: 'Tokens', schema: TOKEN_RESPONSE },
        400: { description: 'RFC 6749 error', schema: OAUTH_ERROR },
      },
      security: [],
      middleware: [csrfExempt],
    },
    async (ctx) => {
      const form = ctx.body as Record<string, unknown>
      const grant = param(form, 'grant_type', true)
      try {
        if (grant === 'password') return tokenAnswer(await passwordGrant(ctx, form))
        if (grant === 'refresh_token') {
          const refreshToken = param(form, 'refresh_token', true)
          return tokenAnswer(await tokens.refresh(refreshToken, { scopes: requestedScopes(form) }))
        }
      } catch (error) {
        throw asOAuthError(error)
      }
      throw new OAuthError(
        'unsupported_grant_type',
        'grant_type must be password or refresh_token.',
      )
    },
  )
  router.post(
    '/token/revoke',
    {
      summary: 'Revoke a refresh token and every token of its login (RFC 7009)',
      consumes: 'form',
      body: REVOKE_REQUEST,
      responses: {
        200: { description: 'Revoked, or the token was not valid anyway' },
        400: { description: 'RFC 6749 error', schema: OAUTH_ERROR },
      },
      security: [],
      middleware: [csrfExempt],
    },
    async (ctx) => {
      const form = ctx.body as Record<string, unknown>
      const token = param(form, 'token', true)
      if (token.includes('.')) {
        // JWT access tokens are stateless: they stay valid until they expire (no denylist).
        throw new OAuthError(
          'unsupported_token_type',
          'Access tokens cannot be revoked; they expire on their own. Revoke the refresh token.',
        )
      }
      // RFC 7009 §2.2: unknown tokens get the same 200 answer.
      await tokens.revoke(token)
      return json({}, { headers: NO_STORE })
    },
  )
  return router
}
