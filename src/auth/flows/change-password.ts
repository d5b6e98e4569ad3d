/**
 * Password change for the logged-in user (Django's `PasswordChangeView`): the old password is
 * verified (wrong guesses count against the account's login throttle, so a borrowed session
 * cannot be used to brute-force the password), the new one validated and set. The session that
 * made the change stays logged in under a new id (Django's `update_session_auth_hash`); every
 * other session of the user stops being valid, because it remembers the old password's digest.
 */
import type { Context } from '../../app/index.ts'
import { ValidationError } from '../../app/index.ts'
import { getSession } from '../../sessions/index.ts'
import { SESSION_USER_HASH, SESSION_USER_ID } from '../authenticators.ts'
import { LoginRequiredError } from '../errors.ts'
import { authOf, getAuthentication } from '../guards.ts'
import type { UserRow } from '../models.ts'
import type { PasswordValidator } from '../passwords/index.ts'
import { confirmationIssues, fieldIssue, newPasswordIssues, textOf, throttleFor } from './shared.ts'
import type { LoginThrottle } from './throttle.ts'

/** What a password change form sends. */
export interface ChangePasswordInput {
  oldPassword?: unknown
  newPassword?: unknown
  /** The new password typed again; checked when present. */
  newPasswordConfirm?: unknown
}

/** Options of {@link changePassword}. */
export interface ChangePasswordOptions {
  /** Counts wrong old passwords. Default: the `Auth`'s in-process throttle; `false` for none. */
  throttle?: LoginThrottle | false
  /** Password validators. Default: `defaultPasswordValidators`. */
  validators?: readonly PasswordValidator[]
}

/**
 * Keep this request's session logged in after `user`'s password changed: the session id is
 * rotated and the stored password digest updated. Sessions of other users are left alone.
 *
 * @example
 * await auth.setPassword(user, newPassword)
 * await updateSessionAuthHash(ctx, user)
 */
export async function updateSessionAuthHash(ctx: Context<any>, user: UserRow): Promise<void> {
  const session = await getSession(ctx)
  if (session.get(SESSION_USER_ID) !== user.id) return
  await session.rotate()
  session.set(SESSION_USER_HASH, authOf(ctx).sessionHash(user))
}

/**
 * Change the logged-in user's password. Anonymous: 401 `login_required`. A wrong old password or
 * a refused new one: 422 `ValidationError` with the field (`oldPassword`, `newPassword`,
 * `newPasswordConfirm`). Too many wrong old passwords: 429 `login_throttled`.
 *
 * @example
 * app.post('/password', async (ctx) => {
 *   const form = await ctx.form()
 *   await changePassword(ctx, { oldPassword: form.oldPassword, newPassword: form.newPassword,
 *     newPasswordConfirm: form.newPasswordConfirm })
 *   return redirect('/account', 303)
 * })
 */
export async function changePassword(
  ctx: Context<any>,
  input: ChangePasswordInput,
  options: ChangePasswordOptions = {},
): Promise<UserRow> {
  const auth = authOf(ctx)
  const authentication = await getAuthentication(ctx)
  if (authentication === null) throw new LoginRequiredError()
  const user = authentication.user
  const throttle = throttleFor(auth, options.throttle)
  const oldPassword = textOf(input.oldPassword) ?? ''
  const verify = async () =>
    (await auth.passwords.verify(oldPassword, String(user.password))).ok ? user : null
  const verified = throttle
    ? await throttle.run(ctx, String(user[auth.loginField] ?? ''), verify)
    : await verify()
  if (verified === null)
    throw new ValidationError(
      [
        fieldIssue(
          'oldPassword',
          'Your old password was entered incorrectly. Please enter it again.',
          'password_incorrect',
        ),
      ],
      'The password change form has errors.',
    )
  const issues = [
    ...newPasswordIssues(auth, input.newPassword, user, 'newPassword', options.validators),
    ...confirmationIssues(input.newPassword, input.newPasswordConfirm, 'newPasswordConfirm'),
  ]
  if (issues.length > 0) throw new ValidationError(issues, 'The password change form has errors.')
  await auth.setPassword(user, input.newPassword as string)
  if (authentication.method === 'session') await updateSessionAuthHash(ctx, user)
  return user
}
