/**
 * Social login with OpenID Connect: authorization code flow with PKCE, state and nonce, checked
 * by openid-client; identities linked to users through the `SocialAccount` model (module
 * `auth_oidc`). Guide: docs/auth.md, "Social login".
 *
 * @example
 * const google = oidcProvider({
 *   name: 'google',
 *   issuer: 'https://accounts.google.com',
 *   clientId: process.env.GOOGLE_CLIENT_ID!,
 *   clientSecret: process.env.GOOGLE_CLIENT_SECRET!,
 *   redirectUri: 'https://shop.example/auth/callback/google',
 * })
 * app.include(oidcLogin(auth, { providers: [google] }), { prefix: '/auth' })
 */
export { type OidcErrorCode, OidcLoginError } from './errors.ts'
export {
  DEFAULT_FLOW_TIMEOUT_MS,
  FLOWS_SESSION_KEY,
  MAX_PENDING_FLOWS,
  type PendingFlow,
} from './flow.ts'
export type { OidcIdentity } from './identity.ts'
export type { OidcLoginContext, OidcLoginHook } from './linking.ts'
export { type OidcLoginOptions, oidcLogin } from './login.ts'
export { SocialAccount, type SocialAccountRow, socialAccountFields } from './models.ts'
export { oidcModule } from './module.ts'
export {
  OidcProvider,
  type OidcProviderOptions,
  oidcProvider,
  type TokenEndpointAuthMethod,
} from './provider.ts'
