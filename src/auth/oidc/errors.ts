/**
 * The errors a social login answers with. Every failure of the protocol is a 4xx with a stable
 * code (the details go to the log, never to the visitor); an unreachable provider is a 502.
 */
import * as client from 'openid-client'
import { HttpError } from '../../http/index.ts'

/** Codes of the errors `oidcLogin()` answers with (the `code` of the JSON error body). */
export type OidcErrorCode =
  | 'oidc_unknown_provider'
  | 'oidc_state_mismatch'
  | 'oidc_access_denied'
  | 'oidc_provider_error'
  | 'oidc_code_rejected'
  | 'oidc_nonce_mismatch'
  | 'oidc_id_token_invalid'
  | 'oidc_provider_unavailable'
  | 'oidc_account_linked_elsewhere'
  | 'oidc_email_in_use'
  | 'oidc_signup_closed'
  | 'oidc_login_refused'
  | 'oidc_user_inactive'

/** A failed social login (a 4xx, or 502 when the provider cannot be reached). */
export class OidcLoginError extends HttpError {
  declare readonly code: OidcErrorCode

  constructor(status: number, message: string, code: OidcErrorCode, cause?: unknown) {
    super(status, message, { code, cause, expose: true })
    this.name = 'OidcLoginError'
  }
}

/**
 * True when a failed ID token check saw a nonce other than `expected` (missing or different),
 * found in the claims openid-client attaches along the `cause` chain.
 */
function wrongNonce(error: unknown, expected: string | undefined): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const claims = (e.cause as { claims?: Record<string, unknown> } | undefined)?.claims
    if (claims !== undefined && typeof claims === 'object' && claims !== null)
      return claims.nonce !== expected
    e = e.cause
  }
  return false
}

/** Turn what openid-client threw during the code exchange into the answer for the visitor. */
export function exchangeError(
  error: unknown,
  provider: string,
  expectedNonce?: string,
): OidcLoginError {
  if (error instanceof OidcLoginError) return error
  if (error instanceof client.AuthorizationResponseError) {
    return error.error === 'access_denied'
      ? new OidcLoginError(
          400,
          `The sign-in with ${provider} was cancelled.`,
          'oidc_access_denied',
          error,
        )
      : new OidcLoginError(
          400,
          `${provider} refused the sign-in (${error.error}).`,
          'oidc_provider_error',
          error,
        )
  }
  if (error instanceof client.ResponseBodyError) {
    // invalid_grant: a used, expired or foreign code, or a PKCE verifier that does not match.
    return error.status >= 500
      ? new OidcLoginError(
          502,
          `${provider} is not answering properly; try again later.`,
          'oidc_provider_unavailable',
          error,
        )
      : new OidcLoginError(
          400,
          `${provider} did not accept the sign-in code; please sign in again.`,
          'oidc_code_rejected',
          error,
        )
  }
  if (error instanceof client.ClientError) {
    if (wrongNonce(error, expectedNonce)) {
      return new OidcLoginError(
        400,
        'The ID token was not issued for this sign-in (nonce mismatch).',
        'oidc_nonce_mismatch',
        error,
      )
    }
    if (
      error.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' ||
      error.code === 'OAUTH_RESPONSE_IS_NOT_JSON'
    ) {
      return new OidcLoginError(
        502,
        `${provider} is not answering properly; try again later.`,
        'oidc_provider_unavailable',
        error,
      )
    }
    return new OidcLoginError(
      400,
      `The sign-in answer from ${provider} could not be verified (ID token or response).`,
      'oidc_id_token_invalid',
      error,
    )
  }
  return unavailable(error, provider)
}

/** The provider could not be reached (network, timeout, bad discovery document). */
export function unavailable(error: unknown, provider: string): OidcLoginError {
  return new OidcLoginError(
    502,
    `${provider} cannot be reached; try again later.`,
    'oidc_provider_unavailable',
    error,
  )
}
