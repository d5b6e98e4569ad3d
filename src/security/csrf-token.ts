/**
 * The CSRF secret and its masked tokens (Django's scheme).
 *
 * Each client gets a random 32-byte secret in a cookie. A page never shows the secret itself: it
 * shows `base64url(mask ‖ secret XOR mask)` with a fresh random mask per call, so the token differs
 * on every render and a compressed HTTPS response cannot leak it byte by byte (BREACH). Checking a
 * token unmasks it and compares the secrets in constant time. Anything malformed is simply "no
 * match": parsing never throws on client input.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'

/** Bytes of entropy in a client's CSRF secret. */
export const CSRF_SECRET_BYTES = 32

// base64url without padding: 32 bytes → 43 characters, 64 bytes (mask + masked) → 86.
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{86}$/

/** A new random secret. */
export function newCsrfSecret(): Buffer {
  return randomBytes(CSRF_SECRET_BYTES)
}

/** The cookie form of a secret. */
export function encodeCsrfSecret(secret: Buffer): string {
  return secret.toString('base64url')
}

/**
 * The secret in a cookie value, or `null` when the value is missing or not one we issued
 * (wrong length, foreign characters): a bad cookie counts as no cookie.
 */
export function decodeCsrfSecret(value: unknown): Buffer | null {
  if (typeof value !== 'string' || !SECRET_SHAPE.test(value)) return null
  const secret = Buffer.from(value, 'base64url')
  return secret.length === CSRF_SECRET_BYTES ? secret : null
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** A fresh masked token for `secret`: a different string on every call, all of them valid. */
export function maskCsrfSecret(secret: Buffer): string {
  const mask = randomBytes(CSRF_SECRET_BYTES)
  return Buffer.concat([mask, xor(secret, mask)]).toString('base64url')
}

/** The secret inside a masked token, or `null` when the token is not one (any junk, any length). */
export function unmaskCsrfToken(token: unknown): Buffer | null {
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null
  const bytes = Buffer.from(token, 'base64url')
  if (bytes.length !== 2 * CSRF_SECRET_BYTES) return null
  return xor(bytes.subarray(CSRF_SECRET_BYTES), bytes.subarray(0, CSRF_SECRET_BYTES))
}

/**
 * Whether `token` was masked from `secret`. The secrets are compared with `timingSafeEqual`
 * (equal lengths are guaranteed by the shape checks), so the time taken says nothing about how
 * much of a forged token was right.
 *
 * @example
 * const secret = newCsrfSecret()
 * csrfTokenMatches(maskCsrfSecret(secret), secret) // true
 * csrfTokenMatches('forged', secret) // false
 */
export function csrfTokenMatches(token: unknown, secret: Buffer): boolean {
  const candidate = unmaskCsrfToken(token)
  if (candidate === null || secret.length !== CSRF_SECRET_BYTES) return false
  return timingSafeEqual(candidate, secret)
}
