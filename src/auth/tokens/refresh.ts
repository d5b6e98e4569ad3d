/**
 * Refresh tokens with rotation and reuse detection (OAuth 2.0 Security BCP §4.14, RFC 9700):
 * opaque random tokens (32 bytes), stored as SHA-256 digests. Each exchange marks the token used
 * with an atomic compare-and-set and issues its successor in the same family; a used token
 * presented again — the thief's copy or the victim's, whichever comes second — revokes the family.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { HttpError, PlinthError } from '../../http/index.ts'
import { type Database, lookup } from '../../orm/index.ts'
import { User, type UserRow } from '../models.ts'
import { TokenError } from './errors.ts'
import { RefreshToken, type RefreshTokenRow } from './models.ts'
import { checkScopes } from './scopes.ts'

/** SHA-256 hex digest of a secret token. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** Ties a refresh token family to the password it was obtained with. */
function passwordDigest(user: UserRow): string {
  if (typeof user?.password !== 'string') {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_USER',
      'Refresh tokens are issued for a full user row (with its password hash), e.g. the one auth.authenticate() returns.',
    )
  }
  return createHash('sha256').update('plinth.auth.refresh\0').update(user.password).digest('hex')
}

/** Refresh tokens are base64url; anything else is refused before touching the database. */
const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/

/** The refresh-token store behind `JwtTokens`. */
export class RefreshTokens {
  readonly #database: Database | undefined
  readonly #ttlSeconds: number

  constructor(database: Database | undefined, ttlSeconds: number) {
    this.#database = database
    this.#ttlSeconds = ttlSeconds
  }

  #tokens() {
    return this.#database ? RefreshToken.objects.using(this.#database) : RefreshToken.objects
  }

  /** Store a new token (of `family`, or a new one) and return it with its row. */
  async create(
    user: UserRow,
    scopes: readonly string[],
    family: string | undefined,
    digest = passwordDigest(user),
  ): Promise<{ token: string; row: RefreshTokenRow }> {
    const token = randomBytes(32).toString('base64url')
    const row = await this.#tokens().create({
      tokenHash: tokenDigest(token),
      family: family ?? randomUUID(),
      userId: user.id as number,
      scopes: [...scopes],
      passwordDigest: digest,
      expiresAt: new Date(Date.now() + this.#ttlSeconds * 1000),
    })
    return { token, row: row as RefreshTokenRow }
  }

  async #find(token: string): Promise<RefreshTokenRow | undefined> {
    if (typeof token !== 'string' || !REFRESH_TOKEN.test(token)) return undefined
    return (await this.#tokens()
      .filter({ tokenHash: tokenDigest(token) })
      .first()) as RefreshTokenRow | undefined
  }

  async #revokeFamily(family: string): Promise<number> {
    return this.#tokens().filter({ family, revokedAt: null }).update({ revokedAt: new Date() })
  }

  /** Exchange `token` for its successor; see `JwtTokens.refresh`. */
  async rotate(
    token: string,
    requested: readonly string[] | undefined,
  ): Promise<{ user: UserRow; scopes: string[]; token: string }> {
    const row = await this.#find(token)
    if (row === undefined)
      throw new TokenError('invalid_refresh_token', 'The refresh token is invalid.')
    // A used token is a reuse even once its family is revoked: concurrent losers of one exchange
    // then all get the same answer, whichever of them revoked the family first.
    if (row.usedAt !== null) return this.#reused(row)
    if (row.revokedAt !== null)
      throw new TokenError('refresh_token_revoked', 'The refresh token was revoked.')
    if (row.expiresAt.getTime() <= Date.now()) {
      throw new TokenError('refresh_token_expired', 'The refresh token expired.')
    }
    const scopes = narrow(row.scopes, requested)
    const users = this.#database ? User.objects.using(this.#database) : User.objects
    const user = (await users.filter({ id: row.userId }).first()) as UserRow | undefined
    if (user === undefined || !user.isActive || passwordDigest(user) !== row.passwordDigest) {
      // The account is gone, disabled or re-passworded: nothing of this login stays usable.
      // Checked before the claim, so the token is revoked but never counts as used.
      await this.#revokeFamily(row.family)
      throw new TokenError('invalid_refresh_token', 'The refresh token is invalid.')
    }
    // Compare-and-set: of two concurrent exchanges of one token exactly one wins; the other is a reuse.
    const claimed = await this.#tokens()
      .filter({ id: row.id, usedAt: null, revokedAt: null })
      .update({ usedAt: new Date() })
    if (claimed !== 1) return this.#reused(row)
    const next = await this.create(user, scopes, row.family, row.passwordDigest)
    await this.#tokens().filter({ id: row.id }).update({ replacedById: next.row.id })
    // A concurrent reuse may have revoked the family between our claim and the insert above,
    // without seeing the new row: it must not survive that.
    const current = (await this.#tokens().filter({ id: row.id }).first()) as
      | RefreshTokenRow
      | undefined
    if (current === undefined || current.revokedAt !== null) return this.#reused(row)
    return { user, scopes, token: next.token }
  }

  async #reused(row: RefreshTokenRow): Promise<never> {
    await this.#revokeFamily(row.family)
    throw new TokenError(
      'refresh_token_reused',
      'The refresh token was already used; every token of this login is revoked. Log in again.',
    )
  }

  /** Revoke the family of `token`; false when the token is unknown. */
  async revokeFamilyOf(token: string): Promise<boolean> {
    const row = await this.#find(token)
    if (row === undefined) return false
    await this.#revokeFamily(row.family)
    return true
  }

  async revokeAllForUser(user: UserRow): Promise<number> {
    return this.#tokens()
      .filter({ userId: user.id as number, revokedAt: null })
      .update({ revokedAt: new Date() })
  }

  async clearExpired(): Promise<number> {
    return this.#tokens()
      .filter({ expiresAt: lookup.lte(new Date()) })
      .delete()
  }
}

/** The granted scopes, narrowed to `requested` when given (RFC 6749 §6: never widened). */
function narrow(granted: readonly string[], requested: readonly string[] | undefined): string[] {
  if (requested === undefined) return [...granted]
  const scopes = checkScopes(requested, 'refresh({ scopes })')
  const extra = scopes.filter((scope) => !granted.includes(scope))
  if (extra.length > 0) {
    throw new HttpError(400, `The refresh token does not grant ${extra.join(', ')}.`, {
      code: 'invalid_scope',
      details: { granted },
    })
  }
  return scopes
}
