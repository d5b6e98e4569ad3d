/**
 * What Plinth reads from an OpenID identity: the subject, the email and whether the provider
 * vouches for it, a username for a new account, and the claims worth keeping.
 */
import { randomBytes } from 'node:crypto'

/** A person as an OpenID provider describes them, after the ID token was checked. */
export interface OidcIdentity {
  /** The provider's name (`oidcProvider({ name })`). */
  provider: string
  /** The provider's stable id for the person (`sub`). */
  subject: string
  /** The email the provider reported, or null (a valid address only). */
  email: string | null
  /** True only when the provider says `email_verified: true`. */
  emailVerified: boolean
  /** ID token claims, completed by UserInfo claims the ID token lacks. */
  claims: Readonly<Record<string, unknown>>
}

// The same rule the ORM's email field applies, so a new user's email always saves.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
/** Protocol claims: about the token, not the person; not stored with the link. */
const PROTOCOL_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'nonce',
  'azp',
  'at_hash',
  'c_hash',
  's_hash',
  'sid',
  'auth_time',
  'acr',
  'amr',
])
const MAX_STORED_CLAIMS = 16_384

/** Build the identity from checked claims (`sub` must already be a non-empty string). */
export function identityFrom(provider: string, claims: Record<string, unknown>): OidcIdentity {
  const email =
    typeof claims.email === 'string' && claims.email.length <= 254 && EMAIL.test(claims.email)
      ? claims.email
      : null
  // Some providers send the string "true"; anything else (absent, false, "yes") is unverified.
  const verified = claims.email_verified === true || claims.email_verified === 'true'
  return {
    provider,
    subject: String(claims.sub),
    email,
    emailVerified: email !== null && verified,
    claims,
  }
}

/** The claims stored with a link: the person's, capped in size. */
export function storedClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(claims))
    if (!PROTOCOL_CLAIMS.has(key)) kept[key] = value
  if (JSON.stringify(kept).length <= MAX_STORED_CLAIMS) return kept
  const small: Record<string, unknown> = {}
  for (const key of [
    'sub',
    'email',
    'email_verified',
    'name',
    'given_name',
    'family_name',
    'preferred_username',
  ]) {
    if (typeof kept[key] === 'string' || typeof kept[key] === 'boolean')
      small[key] = String(kept[key]).slice(0, 512)
  }
  return small
}

const MAX_USERNAME = 150
// What the user model accepts: letters, digits and @ . + - _.
const NOT_ALLOWED = /[^\p{L}\p{N}.@+_-]/gu

function clean(value: unknown, maxLength: number): string {
  if (typeof value !== 'string') return ''
  return value.normalize('NFKC').replace(NOT_ALLOWED, '').slice(0, maxLength)
}

/**
 * A username to try for a new account: `preferred_username`, else the email's local part, else
 * the name, else `user`, reduced to the characters usernames allow. Room is left for a suffix.
 */
export function baseUsername(identity: OidcIdentity): string {
  const claims = identity.claims
  const room = MAX_USERNAME - 8
  const candidates = [
    claims.preferred_username,
    identity.email?.split('@')[0],
    claims.nickname,
    claims.name,
  ]
  for (const candidate of candidates) {
    const name = clean(candidate, room)
    if (name !== '') return name
  }
  return 'user'
}

/** `base` with a random suffix (`ada-4f9c2e`), for when `base` is taken. */
export function suffixedUsername(base: string): string {
  return `${base.slice(0, MAX_USERNAME - 7)}-${randomBytes(3).toString('hex')}`
}
