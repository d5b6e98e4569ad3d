/** Errors of token authentication, each a 401 with the challenge RFC 6750 asks for. */
import { HttpError } from '../../http/index.ts'
import { bearerChallenge } from './scopes.ts'

/**
 * Codes of {@link TokenError}: `invalid_token` (bad signature, wrong algorithm, issuer, audience
 * or type, malformed, not yet valid, unknown or inactive user), `token_expired`,
 * `invalid_refresh_token`, `refresh_token_expired`, `refresh_token_revoked`,
 * `refresh_token_reused` (the family is revoked), `invalid_api_key`, `api_key_expired`,
 * `api_key_revoked`.
 */
export type TokenErrorCode =
  | 'invalid_token'
  | 'token_expired'
  | 'invalid_refresh_token'
  | 'refresh_token_expired'
  | 'refresh_token_revoked'
  | 'refresh_token_reused'
  | 'invalid_api_key'
  | 'api_key_expired'
  | 'api_key_revoked'

/**
 * A rejected access token, refresh token or API key: 401 with
 * `WWW-Authenticate: Bearer error="invalid_token"`. The message is fixed per code: it never
 * echoes the token or says which check an attacker's forgery failed beyond the code.
 */
export class TokenError extends HttpError {
  declare readonly code: TokenErrorCode
  constructor(code: TokenErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(401, message, {
      code,
      cause: options.cause,
      headers: { 'www-authenticate': bearerChallenge([], 'invalid_token', message) },
    })
    this.name = 'TokenError'
  }
}
