/**
 * Session tokens: what the browser holds, and the only form the store ever sees.
 *
 * The cookie carries 32 random bytes (256 bits, base64url). Stores are keyed by the SHA-256 of
 * that token, so a leaked store (a database dump, a Redis snapshot) holds no usable session: the
 * hash cannot be turned back into a cookie. A plain hash is enough (no salt, no HMAC) because the
 * token is uniformly random and far too long to guess or brute-force.
 */
import { hash, randomBytes } from 'node:crypto'

/** 32 bytes in base64url without padding: exactly 43 characters of `[A-Za-z0-9_-]`. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** A fresh, unguessable session token for the cookie. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Whether a cookie value could be a token Plinth issued. Anything else (wrong length, other
 * characters, 10 kB of junk) is ignored before it reaches the store.
 */
export function isSessionToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_SHAPE.test(value)
}

/** The store key of a token: its SHA-256 as 64 lower-case hex characters. */
export function sessionStoreId(token: string): string {
  // One-shot hash: half the cost of createHash() on this per-request path.
  return hash('sha256', token, 'hex')
}
