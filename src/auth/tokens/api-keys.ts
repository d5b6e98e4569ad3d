/**
 * API keys: long-lived credentials with scopes, for scripts and integrations. A key looks like
 * `plk_1a2b3c4d_<43 random characters>`; the `plk_` mark lets secret scanners and the bearer
 * authenticators recognise it, the 8-character prefix is shown in lists. Only a SHA-256 digest
 * of the whole key is stored and looked up, so checking a key compares no secret in JavaScript
 * (no timing leak) and a database dump authenticates nothing.
 */
import { randomBytes } from 'node:crypto'
import { PlinthError } from '../../http/index.ts'
import type { Auth } from '../auth.ts'
import type { Authentication, Authenticator } from '../authenticators.ts'
import { User, type UserRow } from '../models.ts'
import { activeUser, bearerToken } from './authenticators.ts'
import { TokenError } from './errors.ts'
import { ApiKey, type ApiKeyRow } from './models.ts'
import { tokenDigest } from './refresh.ts'
import { checkScopes } from './scopes.ts'

const API_KEY = /^plk_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$/
/** `lastUsedAt` is written at most this often per key. */
const TOUCH_INTERVAL_MS = 60_000

function apiKeys(auth: Auth<any>) {
  if (auth.userModel !== User) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_USER_MODEL',
      'API keys and refresh tokens reference the built-in User model; this Auth uses a custom userModel.',
    )
  }
  return auth.database ? ApiKey.objects.using(auth.database) : ApiKey.objects
}

/** Options of {@link createApiKey}. */
export interface CreateApiKeyOptions {
  /** What the owner calls the key (up to 100 characters). */
  name: string
  /** What the key may do (checked by `requireScopes`). */
  scopes: readonly string[]
  /** When the key stops working; default never. */
  expiresAt?: Date | null
}

/**
 * Create an API key for `user`. The plaintext `key` is returned only here: show it once, it
 * cannot be recovered (only its digest is stored).
 *
 * @example
 * const { key, apiKey } = await createApiKey(auth, user, { name: 'CI deploy', scopes: ['deploy'] })
 * // key: 'plk_1a2b3c4d_…' → send as `X-API-Key: <key>` or `Authorization: Bearer <key>`
 */
export async function createApiKey(
  auth: Auth<any>,
  user: UserRow,
  options: CreateApiKeyOptions,
): Promise<{ key: string; apiKey: ApiKeyRow }> {
  if (
    typeof options?.name !== 'string' ||
    options.name.trim() === '' ||
    options.name.length > 100
  ) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_CONFIG',
      'createApiKey({ name }) must be a non-empty string of at most 100 characters.',
    )
  }
  const scopes = checkScopes(options.scopes, 'createApiKey({ scopes })')
  const expiresAt = options.expiresAt ?? null
  if (expiresAt !== null && !(expiresAt instanceof Date && Number.isFinite(expiresAt.getTime()))) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_CONFIG',
      'createApiKey({ expiresAt }) must be a valid Date or null.',
    )
  }
  const prefix = randomBytes(4).toString('hex')
  const key = `plk_${prefix}_${randomBytes(32).toString('base64url')}`
  const apiKey = await apiKeys(auth).create({
    name: options.name,
    prefix,
    keyHash: tokenDigest(key),
    userId: user.id as number,
    scopes,
    expiresAt,
  })
  return { key, apiKey: apiKey as ApiKeyRow }
}

/** Revoke an API key (by row or id). Returns false when it was unknown or already revoked. */
export async function revokeApiKey(auth: Auth<any>, apiKey: ApiKeyRow | number): Promise<boolean> {
  const id = typeof apiKey === 'number' ? apiKey : apiKey.id
  return (
    (await apiKeys(auth).filter({ id, revokedAt: null }).update({ revokedAt: new Date() })) === 1
  )
}

/** Options of {@link apiKeyAuthenticator}. */
export interface ApiKeyAuthenticatorOptions {
  /** Request header carrying the key. Default `'x-api-key'`. */
  header?: string
  /** Also accept `Authorization: Bearer plk_…`. Default true. */
  bearer?: boolean
}

/**
 * Authenticate requests carrying an API key in `X-API-Key` (or `Authorization: Bearer plk_…`).
 * The result is `{ user, method: 'apiKey', scopes }`; unknown, revoked or expired keys and keys
 * of inactive users get 401. `lastUsedAt` is updated at most once a minute.
 *
 * @example
 * const auth = createAuth({ authenticators: [apiKeyAuthenticator(), jwtAuthenticator(tokens), sessionAuthenticator()] })
 * app.post('/deploys', { deps: { user: requireScopes({ schemes: ['apiKey'] }, 'deploy') } }, deploy)
 */
export function apiKeyAuthenticator(options: ApiKeyAuthenticatorOptions = {}): Authenticator {
  const header = (options.header ?? 'x-api-key').toLowerCase()
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(header) || header === 'authorization') {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_CONFIG',
      `apiKeyAuthenticator({ header }) must be a header name other than Authorization, got ${JSON.stringify(options.header)}.`,
    )
  }
  const acceptBearer = options.bearer ?? true
  return {
    name: 'apiKey',
    async authenticate(ctx, auth): Promise<Authentication | null> {
      let key = ctx.req.headers[header]
      if (key === undefined && acceptBearer) {
        const bearer = bearerToken(ctx)
        if (bearer?.startsWith('plk_')) key = bearer
      }
      if (key === undefined) return null
      const match = typeof key === 'string' ? API_KEY.exec(key.trim()) : null
      if (match === null) throw new TokenError('invalid_api_key', 'The API key is invalid.')
      const row = (await apiKeys(auth)
        .filter({ keyHash: tokenDigest(match[0]) })
        .first()) as ApiKeyRow | undefined
      if (row === undefined || row.prefix !== match[1]) {
        throw new TokenError('invalid_api_key', 'The API key is invalid.')
      }
      if (row.revokedAt !== null)
        throw new TokenError('api_key_revoked', 'The API key was revoked.')
      const now = Date.now()
      if (row.expiresAt !== null && row.expiresAt.getTime() <= now) {
        throw new TokenError('api_key_expired', 'The API key expired.')
      }
      const user = await activeUser(auth, row.userId).catch((error: unknown) => {
        if (error instanceof TokenError)
          throw new TokenError('invalid_api_key', 'The API key is invalid.')
        throw error
      })
      if (row.lastUsedAt === null || now - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
        await apiKeys(auth)
          .filter({ id: row.id })
          .update({ lastUsedAt: new Date(now) })
      }
      return { user, method: 'apiKey', scopes: [...row.scopes] }
    },
  }
}
