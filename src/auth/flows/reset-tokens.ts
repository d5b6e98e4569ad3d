/**
 * Password reset tokens (Django's `PasswordResetTokenGenerator`): an HMAC over the user's id,
 * current password hash, last login, email and the time the token was made. Nothing is stored:
 *
 * - setting a password changes the hash, so a token works once;
 * - logging in changes the last login, so a token stops working once the owner has logged in;
 * - changing the email changes it too, and a token older than `maxAgeMs` is refused.
 *
 * The token is `<seconds since the epoch, base 36>.<HMAC-SHA256, base64url>`; the MAC is made
 * with the app's secret keys (newest signs, all verify, so rotating keys keeps fresh links
 * working) and compared in constant time.
 */
import { PlinthError, Signer } from '../../http/index.ts'
import type { UserRow } from '../models.ts'

/** Django's `PASSWORD_RESET_TIMEOUT`: three days. */
export const DEFAULT_RESET_TOKEN_MAX_AGE_MS = 3 * 24 * 60 * 60_000

const CONTEXT = 'plinth.auth.password-reset'
const TOKEN = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/

/** Options of {@link passwordResetTokens}. */
export interface PasswordResetTokenOptions {
  /** The secret key(s), newest first (each at least 32 characters), or a `Signer`. */
  secret: string | readonly string[] | Signer
  /** How long a token is valid. Default 3 days. */
  maxAgeMs?: number
  /** Clock in ms since the epoch (default `Date.now`); tests inject one. */
  now?: () => number
}

/** Makes and checks password reset tokens. Create with {@link passwordResetTokens}. */
export class PasswordResetTokens {
  readonly maxAgeMs: number
  readonly #signer: Signer
  readonly #now: () => number

  constructor(options: PasswordResetTokenOptions) {
    const secret = options.secret
    this.#signer = secret instanceof Signer ? secret : new Signer(secret)
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_RESET_TOKEN_MAX_AGE_MS
    if (typeof this.maxAgeMs !== 'number' || !Number.isFinite(this.maxAgeMs) || this.maxAgeMs <= 0)
      throw new PlinthError(
        'PLINTH_AUTH_FLOW_CONFIG',
        `passwordResetTokens({ maxAgeMs }) must be a positive number of milliseconds, got ${String(options.maxAgeMs)}.`,
      )
    this.#now = options.now ?? Date.now
  }

  /** A token for `user`, valid until it is used, the user logs in, or `maxAgeMs` passes. */
  make(user: UserRow): string {
    const issuedAt = Math.floor(this.#now() / 1000)
    return `${issuedAt.toString(36)}.${this.#mac(user, issuedAt)}`
  }

  /** Whether `token` is a valid, unexpired token for `user` (never throws on junk). */
  check(user: UserRow, token: unknown): boolean {
    if (typeof token !== 'string') return false
    const match = TOKEN.exec(token)
    if (match === null) return false
    const issuedAt = Number.parseInt(match[1]!, 36)
    const age = Math.floor(this.#now() / 1000) - issuedAt
    if (age * 1000 > this.maxAgeMs) return false
    // The signer recomputes the MAC with every key and compares in constant time.
    return this.#signer.unsign(`${stateOf(user, issuedAt)}.${match[2]}`, CONTEXT) !== null
  }

  #mac(user: UserRow, issuedAt: number): string {
    const signed = this.#signer.sign(stateOf(user, issuedAt), CONTEXT)
    return signed.slice(signed.lastIndexOf('.') + 1)
  }
}

/** What the token is bound to. Last login in whole seconds: databases keep different precisions. */
function stateOf(user: UserRow, issuedAt: number): string {
  const lastLogin =
    user.lastLogin == null ? '' : Math.floor(new Date(user.lastLogin as Date).getTime() / 1000)
  return JSON.stringify([
    String(user.id),
    String(user.password),
    lastLogin,
    String(user.email ?? ''),
    issuedAt,
  ])
}

/**
 * Create a reset token generator.
 *
 * @example
 * const tokens = passwordResetTokens({ secret: process.env.SECRET_KEY! })
 * const token = tokens.make(user)
 * tokens.check(user, token) // true, until the password changes or the user logs in
 */
export function passwordResetTokens(options: PasswordResetTokenOptions): PasswordResetTokens {
  return new PasswordResetTokens(options)
}

/**
 * The user id as it travels in a reset link (base64url of its text form).
 *
 * @example
 * encodeUid(42) // 'NDI'
 */
export function encodeUid(id: unknown): string {
  return Buffer.from(String(id), 'utf8').toString('base64url')
}

/** The user id text from {@link encodeUid}'s form, or `null` when it is not one. */
export function decodeUid(uid: unknown): string | null {
  if (typeof uid !== 'string' || uid === '' || uid.length > 100 || !/^[A-Za-z0-9_-]+$/.test(uid))
    return null
  const text = Buffer.from(uid, 'base64url').toString('utf8')
  // Only a canonical encoding is accepted, so one id has exactly one link form.
  return encodeUid(text) === uid ? text : null
}
