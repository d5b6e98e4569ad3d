/**
 * Unusable passwords (Django's `set_unusable_password`): a marker stored in the password column
 * of accounts that log in another way (social login, invitations). It never verifies.
 */
import { randomBytes } from 'node:crypto'

const UNUSABLE_PREFIX = '!'

/**
 * A fresh unusable password marker: `!` and random characters, so the column still differs
 * between users and no hash format ever matches it.
 *
 * @example
 * await User.objects.create({ username: 'ada', password: unusablePassword() })
 */
export function unusablePassword(): string {
  return UNUSABLE_PREFIX + randomBytes(30).toString('base64url')
}

/**
 * Whether a stored value can be a password hash (not empty, not an unusable marker).
 *
 * @example
 * if (!isPasswordUsable(user.password)) return redirect('/login/social')
 */
export function isPasswordUsable(stored: string | null | undefined): boolean {
  return typeof stored === 'string' && stored !== '' && !stored.startsWith(UNUSABLE_PREFIX)
}
