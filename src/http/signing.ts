/**
 * HMAC signing with key rotation, for signed cookies (and later sessions and tokens).
 *
 * The newest key signs; every key verifies, so keys can be rotated by prepending a new one and
 * dropping the oldest later. The MAC covers a `context` string (the cookie name) so a value signed
 * for one cookie cannot be replayed as another. Comparison is constant-time on fixed-length digests.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { PlinthError } from './errors.ts'

const MIN_KEY_LENGTH = 32

/** Signs and verifies strings with a list of secret keys (newest first). */
export class Signer {
  readonly #keys: string[]

  /**
   * @example
   * const signer = new Signer([process.env.SECRET_KEY!, process.env.OLD_SECRET_KEY!])
   * const token = signer.sign('42', 'user_id')
   * signer.unsign(token, 'user_id') // '42'
   */
  constructor(keys: string | readonly string[]) {
    const list = typeof keys === 'string' ? [keys] : [...keys]
    if (list.length === 0) {
      throw new PlinthError(
        'PLINTH_CONFIG_SECRET_KEY',
        'At least one secret key is required for signing.',
      )
    }
    for (const key of list) {
      if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH) {
        throw new PlinthError(
          'PLINTH_CONFIG_SECRET_KEY',
          `Secret keys must be strings of at least ${MIN_KEY_LENGTH} characters; generate one with ` +
            `\`node -e "console.log(crypto.randomBytes(32).toString('base64url'))"\`.`,
        )
      }
    }
    this.#keys = list
  }

  /** `value.signature` (base64url HMAC-SHA256 over context and value). */
  sign(value: string, context = ''): string {
    return `${value}.${mac(this.#keys[0]!, context, value)}`
  }

  /** The original value when some key verifies the signature, otherwise `null`. */
  unsign(signed: string, context = ''): string | null {
    const dot = signed.lastIndexOf('.')
    if (dot === -1) return null
    const value = signed.slice(0, dot)
    const given = Buffer.from(signed.slice(dot + 1), 'base64url')
    if (given.length !== 32) return null
    let ok = false
    for (const key of this.#keys) {
      // Check every key so timing does not reveal which one matched.
      if (timingSafeEqual(given, Buffer.from(mac(key, context, value), 'base64url'))) ok = true
    }
    return ok ? value : null
  }

  /** True when `signed` verifies only with an older key and should be re-signed. */
  needsRotation(signed: string, context = ''): boolean {
    const dot = signed.lastIndexOf('.')
    if (dot === -1) return false
    return signed.slice(dot + 1) !== mac(this.#keys[0]!, context, signed.slice(0, dot))
  }
}

function mac(key: string, context: string, value: string): string {
  return createHmac('sha256', key).update(context).update('\0').update(value).digest('base64url')
}
