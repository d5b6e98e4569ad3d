/**
 * The token models (module `auth_tokens`, shipped with migrations in `./migrations/`): refresh
 * tokens and API keys. Both store only a SHA-256 digest of the secret, so a leaked table or
 * backup holds nothing that authenticates; the plaintext is shown to its owner once.
 *
 * Both reference the built-in `User` (the `auth` module): they are for apps that use it.
 */
import { defineModel, field, type Row } from '../../orm/index.ts'
import { User } from '../models.ts'

/**
 * One refresh token. Tokens rotate: each refresh marks the presented token used and issues a
 * successor in the same `family`; presenting a used token again means it was stolen (or the
 * client is broken), so the whole family is revoked (OAuth 2.0 Security BCP §4.14).
 */
export const RefreshToken = defineModel(
  'RefreshToken',
  {
    /** SHA-256 hex digest of the token (the token itself is never stored). */
    tokenHash: field.string({ maxLength: 64, unique: true }),
    /** Every token rotated from one login shares its family. */
    family: field.uuid({ index: true }),
    user: field.foreignKey(() => User, { onDelete: 'cascade', relatedName: 'refreshTokens' }),
    /** Scopes granted to the login; refreshing may narrow them, never widen them. */
    scopes: field.json<string[]>({ default: () => [] }),
    /** Digest of the user's password hash when the family began: a password change ends it. */
    passwordDigest: field.string({ maxLength: 64 }),
    expiresAt: field.datetime({ index: true }),
    /** Set when the token was exchanged for its successor. */
    usedAt: field.datetime({ null: true }),
    revokedAt: field.datetime({ null: true }),
    createdAt: field.datetime({ autoNowAdd: true }),
    /** The token this one was exchanged for. */
    replacedBy: field.foreignKey('self', {
      onDelete: 'setNull',
      null: true,
      relatedName: 'predecessors',
    }),
  },
  { module: 'auth_tokens', table: 'plinth_auth_refresh_token' },
)

/** An API key: a long-lived credential with its own scopes, created and revoked by its owner. */
export const ApiKey = defineModel(
  'ApiKey',
  {
    /** What the owner called it ("CI deploy", "reporting script"). */
    name: field.string({ maxLength: 100 }),
    /** The key's first characters after `plk_`, shown in lists so owners can tell keys apart. */
    prefix: field.string({ maxLength: 8, index: true }),
    /** SHA-256 hex digest of the whole key. */
    keyHash: field.string({ maxLength: 64, unique: true }),
    user: field.foreignKey(() => User, { onDelete: 'cascade', relatedName: 'apiKeys' }),
    scopes: field.json<string[]>({ default: () => [] }),
    createdAt: field.datetime({ autoNowAdd: true }),
    expiresAt: field.datetime({ null: true }),
    /** Updated at most once a minute, so a busy key does not write on every request. */
    lastUsedAt: field.datetime({ null: true }),
    revokedAt: field.datetime({ null: true }),
  },
  { module: 'auth_tokens', table: 'plinth_auth_api_key', ordering: ['-createdAt'] },
)

export type RefreshTokenRow = Row<typeof RefreshToken>
export type ApiKeyRow = Row<typeof ApiKey>
