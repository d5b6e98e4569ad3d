/**
 * `jwtTokens()`: short-lived JWT access tokens (RFC 9068 profile, signed with `jose`) plus opaque
 * refresh tokens that rotate, stored hashed in the database (see `refresh.ts`).
 *
 * Verification never lets the token choose: the algorithm must be in the configured allow-list
 * and fit the configured key; `exp`, `nbf`, `iat`, `iss`, `aud` and the `typ` header are checked;
 * `jku`, `x5u`, `jwk` and `kid` headers are ignored (the key comes from configuration only).
 */
import { type KeyObject, randomUUID, type webcrypto } from 'node:crypto'
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import { PlinthError } from '../../http/index.ts'
import type { Database } from '../../orm/index.ts'
import type { UserRow } from '../models.ts'
import { type Duration, durationSeconds } from './duration.ts'
import { TokenError } from './errors.ts'
import {
  checkAlgorithms,
  type JwtAlgorithm,
  type JwtKey,
  type ResolvedKeys,
  resolveKeys,
} from './keys.ts'
import { RefreshTokens } from './refresh.ts'
import { checkScopes, parseScope } from './scopes.ts'

/** Options of {@link jwtTokens}. */

const HMAC_HASHES: Record<string, string> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' }
export interface JwtTokensOptions {
  /** Explicit allow-list, one family: `['HS256']`, `['EdDSA']`, `['RS256', 'PS256']`… The first signs. */
  algorithms: readonly JwtAlgorithm[]
  /** HMAC secret (≥ 32 bytes for HS256) or `{ privateKey, publicKey }` (KeyObject, JWK or PEM). */
  key: JwtKey
  /** `iss` of issued tokens; verification requires it. */
  issuer: string
  /** `aud` of issued tokens; verification requires one of them. */
  audience: string | readonly string[]
  /** Access token lifetime. Default `'15m'`. */
  accessTtl?: Duration
  /** Refresh token lifetime (each rotation starts a new one). Default `'14d'`. */
  refreshTtl?: Duration
  /** Clock skew tolerated for `exp`, `nbf` and `iat`. Default `30` (seconds). */
  leeway?: Duration
  /** Database of refresh tokens. Default: the models' default (`db.scope()`). */
  database?: Database
}

/** A verified access token's claims. */
export interface AccessTokenClaims {
  /** The user id, as a string. */
  sub: string
  scopes: string[]
  jti: string
  iss: string
  aud: string | string[]
  iat: number
  exp: number
  [claim: string]: unknown
}

/** What `issuePair` and `refresh` return (camelCase; the token endpoint renders RFC 6749 names). */
export interface TokenPair {
  accessToken: string
  refreshToken: string
  /** Seconds until the access token expires. */
  expiresIn: number
  tokenType: 'Bearer'
  scopes: string[]
}

/** Options of {@link JwtTokens.issueAccessToken}. */
export interface IssueOptions {
  scopes?: readonly string[]
  /** Extra claims (not the registered ones Plinth sets). */
  claims?: Record<string, unknown>
}

/** The access token `typ` header (RFC 9068 §2.1): a refresh or ID token cannot pass as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt'
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope'])
/** Longer tokens are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192

/** Access and refresh tokens for one API. Create with {@link jwtTokens}. */
export class JwtTokens {
  readonly algorithms: readonly JwtAlgorithm[]
  readonly issuer: string
  readonly audience: string | readonly string[]
  readonly accessTtl: number
  readonly refreshTtl: number
  readonly leeway: number
  readonly database: Database | undefined
  readonly #keys: ResolvedKeys
  readonly #refresh: RefreshTokens
  readonly #hmacKeys = new Map<string, webcrypto.CryptoKey>()

  constructor(options: JwtTokensOptions) {
    if (options === null || typeof options !== 'object') {
      throw new PlinthError(
        'PLINTH_AUTH_TOKENS_CONFIG',
        'jwtTokens() takes an options object: { algorithms, key, issuer, audience }.',
      )
    }
    this.algorithms = checkAlgorithms(options.algorithms)
    this.#keys = resolveKeys(this.algorithms, options.key)
    if (typeof options.issuer !== 'string' || options.issuer === '') {
      throw new PlinthError(
        'PLINTH_AUTH_TOKENS_CONFIG',
        "jwtTokens({ issuer }) is required, e.g. issuer: 'https://api.example.com'.",
      )
    }
    const audiences = typeof options.audience === 'string' ? [options.audience] : options.audience
    if (
      !Array.isArray(audiences) ||
      audiences.length === 0 ||
      audiences.some((a) => typeof a !== 'string' || a === '')
    ) {
      throw new PlinthError(
        'PLINTH_AUTH_TOKENS_CONFIG',
        "jwtTokens({ audience }) is required: a string or a list of strings, e.g. audience: 'shop-api'.",
      )
    }
    this.issuer = options.issuer
    this.audience = typeof options.audience === 'string' ? options.audience : [...audiences]
    this.accessTtl = durationSeconds(options.accessTtl ?? '15m', 'accessTtl')
    this.refreshTtl = durationSeconds(options.refreshTtl ?? '14d', 'refreshTtl')
    this.leeway = durationSeconds(options.leeway ?? 30, 'leeway', { allowZero: true })
    this.database = options.database
    this.#refresh = new RefreshTokens(this.database, this.refreshTtl)
  }

  /**
   * Sign an access token for `user` (`sub` = the user id) with a unique `jti`.
   *
   * @example
   * const token = await tokens.issueAccessToken(user, { scopes: ['items:read'] })
   */
  async issueAccessToken(user: UserRow, options: IssueOptions = {}): Promise<string> {
    const key = this.#keys.signingKey
    if (key === undefined) {
      throw new PlinthError(
        'PLINTH_AUTH_TOKENS_KEY',
        'jwtTokens({ key }) has no privateKey, so it can verify tokens but not issue them.',
      )
    }
    const scopes = checkScopes(options.scopes ?? [], 'issueAccessToken({ scopes })')
    const extra = options.claims ?? {}
    for (const name of Object.keys(extra)) {
      if (RESERVED_CLAIMS.has(name)) {
        throw new PlinthError(
          'PLINTH_AUTH_TOKENS_CONFIG',
          `issueAccessToken({ claims }) must not set "${name}": Plinth sets the registered claims.`,
        )
      }
    }
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ ...extra, ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}) })
      .setProtectedHeader({ alg: this.#keys.signAlgorithm, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.issuer)
      .setAudience(this.audience as string | string[])
      .setSubject(subjectOf(user))
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + this.accessTtl)
      .sign(this.#usable(key, this.#keys.signAlgorithm))
  }

  /**
   * An HMAC secret as a `CryptoKey` for `alg`, made once: given a `KeyObject`, jose exports and
   * re-imports it on every call (a third of a verification). Asymmetric keys jose caches itself.
   */
  #usable(key: KeyObject, alg: string): KeyObject | webcrypto.CryptoKey {
    const hash = HMAC_HASHES[alg]
    if (key.type !== 'secret' || hash === undefined) return key
    let found = this.#hmacKeys.get(alg)
    if (found === undefined) {
      found = key.toCryptoKey({ name: 'HMAC', hash }, false, ['sign', 'verify'])
      this.#hmacKeys.set(alg, found)
    }
    return found
  }

  /**
   * Verify an access token and return its claims; throws {@link TokenError} (401
   * `token_expired` or `invalid_token`) for anything else.
   */
  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new TokenError('invalid_token', 'The access token is malformed.')
    }
    let payload: Record<string, unknown>
    try {
      // The key is always ours, chosen by the (allow-listed) alg alone: jku/x5u/jwk/kid headers
      // are never used.
      const verifyKey = this.#keys.verifyKey
      ;({ payload } = await jwtVerify(token, (header) => this.#usable(verifyKey, header.alg), {
        algorithms: [...this.algorithms],
        issuer: this.issuer,
        audience: this.audience as string | string[],
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: this.leeway,
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      }))
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new TokenError('token_expired', 'The access token expired.', { cause: error })
      }
      throw new TokenError('invalid_token', 'The access token is invalid.', { cause: error })
    }
    const { sub, jti, iat } = payload
    const scopes = parseScope(payload.scope)
    if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string' || scopes === undefined) {
      throw new TokenError('invalid_token', 'The access token is invalid.')
    }
    // jose checks iat only against maxTokenAge; a token "issued" in the future is forged or from a broken clock.
    if (typeof iat !== 'number' || iat > Date.now() / 1000 + this.leeway) {
      throw new TokenError('invalid_token', 'The access token is invalid.')
    }
    return { ...payload, scopes } as AccessTokenClaims
  }

  /**
   * Issue an access token and a new refresh token (a new family) for `user`.
   *
   * @example
   * const pair = await tokens.issuePair(user, { scopes: ['items:read'] })
   */
  async issuePair(user: UserRow, options: { scopes?: readonly string[] } = {}): Promise<TokenPair> {
    const scopes = checkScopes(options.scopes ?? [], 'issuePair({ scopes })')
    const refreshToken = await this.#refresh.create(user, scopes, undefined)
    return this.#pair(user, scopes, refreshToken.token)
  }

  /**
   * Exchange a refresh token for a new pair. The presented token is marked used; presenting a
   * used token again revokes its whole family (401 `refresh_token_reused`). Expired, revoked or
   * unknown tokens, and users who are gone, inactive or changed their password, get 401.
   * `scopes` may narrow the granted scopes, never widen them (400 `invalid_scope`).
   */
  async refresh(
    refreshToken: string,
    options: { scopes?: readonly string[] } = {},
  ): Promise<TokenPair> {
    const { user, scopes, token } = await this.#refresh.rotate(refreshToken, options.scopes)
    return this.#pair(user, scopes, token)
  }

  /** Revoke the refresh token's family (a logout). Returns false for an unknown token. */
  revoke(refreshToken: string): Promise<boolean> {
    return this.#refresh.revokeFamilyOf(refreshToken)
  }

  /** Revoke every refresh token of `user` (log out everywhere). Returns the number revoked. */
  revokeAllForUser(user: UserRow): Promise<number> {
    return this.#refresh.revokeAllForUser(user)
  }

  /** Delete refresh tokens past their expiry (run it daily). Returns the number deleted. */
  clearExpired(): Promise<number> {
    return this.#refresh.clearExpired()
  }

  async #pair(user: UserRow, scopes: string[], refreshToken: string): Promise<TokenPair> {
    return {
      accessToken: await this.issueAccessToken(user, { scopes }),
      refreshToken,
      expiresIn: this.accessTtl,
      tokenType: 'Bearer',
      scopes,
    }
  }
}

/** The `sub` claim of a user: the id as a string. */
export function subjectOf(user: UserRow): string {
  const id = user?.id as unknown
  if ((typeof id !== 'number' && typeof id !== 'string' && typeof id !== 'bigint') || id === '') {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_USER',
      'Tokens are issued for saved users: the user has no id.',
    )
  }
  return String(id)
}

/**
 * Create the token service for an API. Its configuration is checked here, so a missing or
 * unsafe setting (no algorithm list, `none`, a short secret, a key that does not fit the
 * algorithms) stops the app at startup with a `PlinthError`.
 *
 * @example
 * const tokens = jwtTokens({
 *   algorithms: ['HS256'],
 *   key: process.env.JWT_SECRET!, // at least 32 random bytes
 *   issuer: 'https://shop.example',
 *   audience: 'shop-api',
 * })
 * const auth = createAuth({ authenticators: [jwtAuthenticator(tokens), sessionAuthenticator()] })
 */
export function jwtTokens(options: JwtTokensOptions): JwtTokens {
  return new JwtTokens(options)
}
