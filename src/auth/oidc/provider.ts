/**
 * `oidcProvider()`: one OpenID Connect provider the app trusts for login (Google, the company's
 * Keycloak, …). The provider's metadata is discovered lazily, once, with openid-client, which
 * then performs and checks every protocol step (PKCE, state, nonce, ID token signature, `iss`,
 * `aud`, `exp`).
 */
import * as client from 'openid-client'
import { PlinthError } from '../../http/index.ts'

/** How the app authenticates to the provider's token endpoint. */
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none'

/** Options of {@link oidcProvider}. */
export interface OidcProviderOptions {
  /** Short name used in URLs and stored links: `/login/<name>`. Lower-case letters, digits, `-`, `_`. */
  name: string
  /** Display name for login buttons (default: the name). */
  label?: string
  /** The issuer identifier; its `/.well-known/openid-configuration` is fetched on first use. */
  issuer: URL | string
  clientId: string
  /** The client secret. Leave out for a public client (PKCE only). */
  clientSecret?: string
  /** Scopes asked for. Default `['openid', 'email', 'profile']`; must include `openid`. */
  scopes?: readonly string[]
  /**
   * The absolute callback URL registered at the provider: `<origin><prefix>/callback/<name>`.
   * Never derived from the request's `Host`, which the client controls.
   */
  redirectUri: URL | string
  /** Default `client_secret_basic` with a secret, `none` without. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod
  /**
   * Link a first login to an existing local account whose email matches, when the provider says
   * `email_verified: true`. Default `false`: see the security guide (account takeover).
   */
  linkByVerifiedEmail?: boolean
  /** Also fetch the UserInfo endpoint for claims the ID token lacks (default `true` when the provider has one). */
  userInfo?: boolean
  /** Extra authorization request parameters, e.g. `{ prompt: 'select_account' }`. */
  authorizationParams?: Readonly<Record<string, string>>
  /** Pin the ID token signature algorithm (default: what the provider advertises, else RS256). */
  idTokenSigningAlg?: string
  /**
   * Verify the ID token's signature with the provider's published keys (default `true`). OpenID
   * Connect lets a client rely on TLS to the token endpoint instead; checking the signature as
   * well costs one cached key-set fetch and does not depend on that channel.
   */
  verifyIdTokenSignature?: boolean
  /**
   * Allow plain-HTTP requests to the provider. For a provider running on your machine in tests or
   * development only: over HTTP the ID token and client secret can be read and changed in transit.
   */
  allowInsecureRequests?: boolean
  /** Timeout of each request to the provider, in seconds (default 10). */
  timeoutSeconds?: number
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,49}$/
/** Parameters Plinth sets itself; a provider's `authorizationParams` may not override them. */
const RESERVED_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'request',
  'request_uri',
])

function configError(name: unknown, message: string): PlinthError {
  return new PlinthError(
    'PLINTH_AUTH_OIDC_CONFIG',
    `oidcProvider(${JSON.stringify(name)}): ${message}`,
  )
}

function toUrl(name: string, what: string, value: unknown): URL {
  try {
    if (!(value instanceof URL) && typeof value !== 'string') throw new TypeError()
    const url = new URL(value)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError()
    return url
  } catch {
    throw configError(
      name,
      `${what} must be an absolute http(s) URL, got ${JSON.stringify(String(value))}.`,
    )
  }
}

/** A configured OpenID provider. Create with {@link oidcProvider}. */
export class OidcProvider {
  readonly name: string
  readonly label: string
  readonly issuer: URL
  readonly clientId: string
  readonly scopes: readonly string[]
  readonly redirectUri: URL
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod
  readonly linkByVerifiedEmail: boolean
  readonly userInfo: boolean
  readonly authorizationParams: Readonly<Record<string, string>>
  readonly allowInsecureRequests: boolean
  // Private so that logging the provider object never prints the secret.
  readonly #clientSecret: string | undefined
  readonly #idTokenSigningAlg: string | undefined
  readonly #verifySignature: boolean
  readonly #timeoutSeconds: number
  #configuration: Promise<client.Configuration> | undefined

  constructor(options: OidcProviderOptions) {
    const name = options?.name
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw configError(
        name,
        'name must be 1–50 lower-case letters, digits, "-" or "_", starting with a letter or digit.',
      )
    }
    this.name = name
    this.label = options.label ?? name
    this.allowInsecureRequests = options.allowInsecureRequests === true
    this.issuer = toUrl(name, 'issuer', options.issuer)
    if (this.issuer.protocol !== 'https:' && !this.allowInsecureRequests) {
      throw configError(
        name,
        `issuer ${this.issuer.href} is not HTTPS. Only for a provider on your own machine (tests, development) set allowInsecureRequests: true.`,
      )
    }
    this.redirectUri = toUrl(name, 'redirectUri', options.redirectUri)
    if (this.redirectUri.search || this.redirectUri.hash) {
      throw configError(name, 'redirectUri must not have a query string or fragment.')
    }
    if (!this.redirectUri.pathname.endsWith(`/callback/${name}`)) {
      throw configError(
        name,
        `redirectUri must end with "/callback/${name}" (the route oidcLogin() serves), got ${this.redirectUri.pathname}.`,
      )
    }
    if (typeof options.clientId !== 'string' || options.clientId === '') {
      throw configError(name, 'clientId is required.')
    }
    this.clientId = options.clientId
    if (
      options.clientSecret !== undefined &&
      (typeof options.clientSecret !== 'string' || options.clientSecret === '')
    ) {
      throw configError(
        name,
        'clientSecret must be a non-empty string (or left out for a public client).',
      )
    }
    this.#clientSecret = options.clientSecret
    this.scopes = [...(options.scopes ?? ['openid', 'email', 'profile'])]
    if (
      !this.scopes.includes('openid') ||
      this.scopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))
    ) {
      throw configError(
        name,
        `scopes must be scope tokens and include "openid", got ${JSON.stringify(options.scopes)}.`,
      )
    }
    this.tokenEndpointAuthMethod =
      options.tokenEndpointAuthMethod ??
      (this.#clientSecret === undefined ? 'none' : 'client_secret_basic')
    if (
      !['client_secret_basic', 'client_secret_post', 'none'].includes(this.tokenEndpointAuthMethod)
    ) {
      throw configError(
        name,
        `tokenEndpointAuthMethod ${JSON.stringify(this.tokenEndpointAuthMethod)} is not supported.`,
      )
    }
    if ((this.tokenEndpointAuthMethod === 'none') !== (this.#clientSecret === undefined)) {
      throw configError(
        name,
        'a clientSecret goes with client_secret_basic/post, and none with a public client.',
      )
    }
    const params = { ...options.authorizationParams }
    for (const key of Object.keys(params)) {
      if (RESERVED_PARAMS.has(key))
        throw configError(name, `authorizationParams may not set "${key}": Plinth sets it.`)
    }
    this.authorizationParams = params
    this.linkByVerifiedEmail = options.linkByVerifiedEmail === true
    this.userInfo = options.userInfo ?? true
    this.#idTokenSigningAlg = options.idTokenSigningAlg
    this.#verifySignature = options.verifyIdTokenSignature ?? true
    this.#timeoutSeconds = options.timeoutSeconds ?? 10
    if (!(this.#timeoutSeconds > 0 && this.#timeoutSeconds <= 300)) {
      throw configError(name, 'timeoutSeconds must be between 0 and 300.')
    }
  }

  /**
   * The discovered openid-client configuration (fetched once; a failed discovery is retried on
   * the next call). Call it at startup to fail early when the provider is unreachable.
   */
  configuration(): Promise<client.Configuration> {
    this.#configuration ??= this.#discover().catch((error: unknown) => {
      this.#configuration = undefined
      throw error
    })
    return this.#configuration
  }

  async #discover(): Promise<client.Configuration> {
    const metadata: Partial<client.ClientMetadata> = {
      token_endpoint_auth_method: this.tokenEndpointAuthMethod,
    }
    if (this.#clientSecret !== undefined) metadata.client_secret = this.#clientSecret
    if (this.#idTokenSigningAlg !== undefined)
      metadata.id_token_signed_response_alg = this.#idTokenSigningAlg
    const auth =
      this.tokenEndpointAuthMethod === 'none'
        ? client.None()
        : this.tokenEndpointAuthMethod === 'client_secret_post'
          ? client.ClientSecretPost(this.#clientSecret)
          : client.ClientSecretBasic(this.#clientSecret)
    const execute: Array<(config: client.Configuration) => void> = []
    if (this.#verifySignature) execute.push(client.enableNonRepudiationChecks)
    // Only ever for a provider explicitly marked local (see allowInsecureRequests).
    if (this.allowInsecureRequests) execute.push(client.allowInsecureRequests)
    return client.discovery(this.issuer, this.clientId, metadata, auth, {
      timeout: this.#timeoutSeconds,
      execute,
    })
  }
}

/**
 * Configure an OpenID Connect provider for {@link oidcLogin}.
 *
 * @example
 * const google = oidcProvider({
 *   name: 'google',
 *   issuer: 'https://accounts.google.com',
 *   clientId: process.env.GOOGLE_CLIENT_ID!,
 *   clientSecret: process.env.GOOGLE_CLIENT_SECRET!,
 *   redirectUri: 'https://shop.example/auth/callback/google',
 * })
 */
export function oidcProvider(options: OidcProviderOptions): OidcProvider {
  return new OidcProvider(options)
}
