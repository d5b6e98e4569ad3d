/**
 * Token auth for APIs: JWT access tokens with an explicit algorithm allow-list, refresh tokens
 * with rotation and reuse detection, the OAuth2 password flow (so Swagger UI's "Authorize"
 * works), API keys with scopes, and the `requireScopes()` guard. Re-exported by `plinth/auth`.
 *
 * @example
 * const tokens = jwtTokens({ algorithms: ['HS256'], key: process.env.JWT_SECRET!, issuer: 'https://shop.example', audience: 'shop-api' })
 * const auth = createAuth({ authenticators: [jwtAuthenticator(tokens), apiKeyAuthenticator(), sessionAuthenticator()] })
 * app.use(auth.middleware)
 * app.include(tokenRoutes(auth, tokens, { scopes: { 'items:read': 'Read items' } }), { prefix: '/auth' })
 * app.get('/items', { deps: { user: requireScopes('items:read') } }, () => listItems())
 */
export {
  type ApiKeyAuthenticatorOptions,
  apiKeyAuthenticator,
  type CreateApiKeyOptions,
  createApiKey,
  revokeApiKey,
} from './api-keys.ts'
export { bearerToken, jwtAuthenticator } from './authenticators.ts'
export type { Duration } from './duration.ts'
export { TokenError, type TokenErrorCode } from './errors.ts'
export {
  ACCESS_TOKEN_TYPE,
  type AccessTokenClaims,
  type IssueOptions,
  JwtTokens,
  type JwtTokensOptions,
  jwtTokens,
  type TokenPair,
} from './jwt.ts'
export type { AsymmetricKeyInput, JwtAlgorithm, JwtKey } from './keys.ts'
export { ApiKey, type ApiKeyRow, RefreshToken, type RefreshTokenRow } from './models.ts'
export { tokensModule } from './module.ts'
export {
  type ApiKeyHeaderScheme,
  apiKeyScheme,
  type OAuth2PasswordScheme,
  type OAuth2PasswordSchemeOptions,
  oauth2PasswordScheme,
} from './openapi.ts'
export {
  type GrantScopes,
  OAuthError,
  type OAuthErrorCode,
  type TokenRoutesOptions,
  tokenRoutes,
} from './routes.ts'
export { isScope, parseScope, type RequireScopesOptions, requireScopes } from './scopes.ts'
