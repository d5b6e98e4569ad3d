/**
 * Byte encodings used by stored password hashes, decoded strictly: Node's `Buffer.from(s,
 * 'base64')` silently skips bad characters, so every decoder here re-encodes and compares to
 * refuse anything that is not the one canonical spelling.
 */
import { timingSafeEqual } from 'node:crypto'

const UNPADDED_BASE64 = /^[A-Za-z0-9+/]+$/
const PADDED_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** PHC strings use standard base64 without `=` padding. */
export function encodePhcBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '')
}

/** Decodes PHC base64 (no padding); null unless `text` is the canonical encoding of its bytes. */
export function decodePhcBase64(text: string): Buffer | null {
  if (!UNPADDED_BASE64.test(text) || text.length % 4 === 1) return null
  const bytes = Buffer.from(text, 'base64')
  return encodePhcBase64(bytes) === text ? bytes : null
}

/** Decodes padded base64 (Django's `b64encode`); null unless canonical. */
export function decodePaddedBase64(text: string): Buffer | null {
  if (text === '' || !PADDED_BASE64.test(text)) return null
  const bytes = Buffer.from(text, 'base64')
  return bytes.toString('base64') === text ? bytes : null
}

/**
 * Compares two digests in constant time. `timingSafeEqual` throws on a length mismatch, so that
 * case answers false first (the lengths come from the stored hash, not from the attacker).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}
