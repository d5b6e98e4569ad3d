/**
 * Password reset by email (Django's `PasswordResetView` / `PasswordResetConfirmView`).
 *
 * Asking for a reset answers the same whatever the address: nothing tells whether an account
 * exists. Mail goes only to active accounts with a usable password whose stored address matches
 * the one typed (compared after Unicode case folding, as Django does since CVE-2019-19844), and
 * always to the *stored* address, never to the typed one. The link carries the user id and a
 * token from {@link PasswordResetTokens}; the reset itself sets the password with a
 * compare-and-set on the old hash, so even two simultaneous uses of one link succeed only once.
 */
import { ValidationError } from '../../app/index.ts'
import { HttpError, PlinthError, type Signer } from '../../http/index.ts'
import { lookup, QueryError } from '../../orm/index.ts'
import type { AnyUserModel, Auth } from '../auth.ts'
import type { UserRow } from '../models.ts'
import { isPasswordUsable, type PasswordValidator } from '../passwords/index.ts'
import { decodeUid, encodeUid, PasswordResetTokens } from './reset-tokens.ts'
import {
  type AuthSource,
  confirmationIssues,
  newPasswordIssues,
  requireContext,
  resolveSource,
  textOf,
  throttleFor,
} from './shared.ts'
import type { LoginThrottle } from './throttle.ts'

/** What {@link requestPasswordReset} needs of a mailer (a `Mailer` from `plinth/mail` fits). */
export interface ResetMailer {
  send(message: { to: string; subject: string; text: string; html?: string }): Promise<unknown>
}

/** The parts of a reset mail, for a custom message. */
export interface ResetMailInfo {
  user: UserRow
  /** The link to put in the mail: `resetUrl(token, uid)`. */
  url: string
  token: string
  uid: string
}

/** Where reset tokens get their key: `tokens`, else `secret`, else the request's app `secretKey`. */
export interface ResetTokenSource {
  /** A configured generator (its key and lifetime). */
  tokens?: PasswordResetTokens
  /** The secret key(s) or a `Signer`; default the app's (`createApp({ secretKey })`). */
  secret?: string | readonly string[] | Signer
  /** Token lifetime when no `tokens` is given. Default 3 days. */
  maxAgeMs?: number
}

/** Options of {@link requestPasswordReset}. */
export interface RequestPasswordResetOptions extends ResetTokenSource {
  /** The address typed into the form. */
  email: unknown
  mailer: ResetMailer
  /**
   * The absolute link to the page that sets the new password, e.g.
   * `https://shop.example/reset/${uid}/${token}`. Build it from configuration, never from the
   * request's `Host` header (an attacker could have the link point to their own site).
   */
  resetUrl: (token: string, uid: string) => string
  /** Builds the mail. Default: a short plain-text message with the link. */
  message?: (info: ResetMailInfo) => { subject: string; text: string; html?: string }
}

/** Options of {@link resetPassword}. */
export interface ResetPasswordOptions extends ResetTokenSource {
  uid: unknown
  token: unknown
  newPassword: unknown
  /** The new password typed again; checked when present. */
  newPasswordConfirm?: unknown
  /** Password validators. Default: `defaultPasswordValidators`. */
  validators?: readonly PasswordValidator[]
  /** Log the user in afterwards (needs the request as first argument). Default false, like Django. */
  login?: boolean
  /** The login throttle whose account counter a successful reset clears (default: the `Auth`'s). */
  throttle?: LoginThrottle | false
}

const MAX_EMAIL_LENGTH = 254

/** The reset token generator for a call: given, or built from a secret or the app's key. */
function tokensFor(source: AuthSource, options: ResetTokenSource): PasswordResetTokens {
  if (options.tokens !== undefined) return options.tokens
  const { ctx } = resolveSource(source)
  const secret = options.secret ?? ctx?.app.signer
  if (secret === undefined)
    throw new PlinthError(
      'PLINTH_AUTH_FLOW_CONFIG',
      'Password reset tokens need a secret key: set createApp({ secretKey }) and pass ctx, or pass { secret } or { tokens: passwordResetTokens(…) }.',
    )
  return new PasswordResetTokens({
    secret,
    ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
  })
}

/** Unicode-aware case-insensitive form (Django's `_unicode_ci_compare`: NFKC + case folding). */
function foldEmail(value: string): string {
  return value.normalize('NFKC').toLowerCase().normalize('NFKC')
}

function defaultMessage({ user, url }: ResetMailInfo): { subject: string; text: string } {
  return {
    subject: 'Password reset',
    text:
      `You asked for a password reset for the account "${String(user.username)}".\n\n` +
      `Choose a new password here:\n${url}\n\n` +
      'If you did not ask for it, ignore this message: your password stays as it is.\n',
  }
}

/** The users a reset mail goes to: active, usable password, the same address after folding. */
async function usersWithEmail(auth: Auth<AnyUserModel>, email: string): Promise<UserRow[]> {
  const wanted = foldEmail(email)
  const candidates = (await auth
    .users()
    .filter({ email: lookup.iexact(email), isActive: true } as never)
    .all()) as unknown as UserRow[]
  return candidates.filter(
    (user) => isPasswordUsable(user.password as string) && foldEmail(String(user.email)) === wanted,
  )
}

/**
 * Send a reset link to the accounts with this email address, if any. Resolves the same way
 * whether or not one exists: answer the form with the same page either way.
 *
 * @example
 * app.post('/password-reset', async (ctx) => {
 *   const form = await ctx.form()
 *   await requestPasswordReset(ctx, { email: form.email, mailer,
 *     resetUrl: (token, uid) => `https://shop.example/reset/${uid}/${token}` })
 *   return redirect('/password-reset/sent', 303)
 * })
 */
export async function requestPasswordReset(
  source: AuthSource,
  options: RequestPasswordResetOptions,
): Promise<void> {
  const { auth } = resolveSource(source)
  if (typeof options.mailer?.send !== 'function' || typeof options.resetUrl !== 'function')
    throw new PlinthError(
      'PLINTH_AUTH_FLOW_CONFIG',
      'requestPasswordReset() needs { mailer: createMailer(…), resetUrl: (token, uid) => url }.',
    )
  const tokens = tokensFor(source, options)
  const email = textOf(options.email)?.trim() ?? ''
  if (email === '' || email.length > MAX_EMAIL_LENGTH || !auth.userModel.meta.fields.has('email'))
    return
  const message = options.message ?? defaultMessage
  for (const user of await usersWithEmail(auth, email)) {
    const token = tokens.make(user)
    const uid = encodeUid(user.id)
    const mail = message({ user, url: options.resetUrl(token, uid), token, uid })
    await options.mailer.send({ ...mail, to: String(user.email) })
  }
}

/** The reset link is unusable: 400 `invalid_reset_token` (bad, used, expired or someone else's). */
export class InvalidResetTokenError extends HttpError {
  constructor() {
    super(
      400,
      'The password reset link is invalid, has expired or has already been used. Ask for a new one.',
      {
        code: 'invalid_reset_token',
      },
    )
    this.name = 'InvalidResetTokenError'
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The primary key value a uid names, typed for the user model's key; `null` when it cannot be one. */
function primaryKeyOf(auth: Auth<AnyUserModel>, text: string | null): string | number | null {
  if (text === null) return null
  switch (auth.userModel.meta.pk.spec.kind) {
    case 'autoId':
    case 'integer':
      return /^\d{1,15}$/.test(text) ? Number(text) : null
    case 'bigAutoId':
    case 'bigint':
      return /^\d{1,19}$/.test(text) ? text : null
    case 'uuidId':
    case 'uuid':
      return UUID.test(text) ? text : null
    default:
      return text
  }
}

/**
 * The user a reset link is for, or `null` when the link is not valid (yet to show the form or
 * an "invalid link" page). Serve that page with `Referrer-Policy: no-referrer`: the token is in
 * its URL.
 *
 * @example
 * app.get('/reset/:uid/:token', async (ctx) => {
 *   const user = await checkPasswordReset(ctx, { uid: ctx.params.uid, token: ctx.params.token })
 *   return render(ctx, user ? 'reset-form.html' : 'reset-invalid.html')
 * })
 */
export async function checkPasswordReset(
  source: AuthSource,
  options: ResetTokenSource & { uid: unknown; token: unknown },
): Promise<UserRow | null> {
  const { auth } = resolveSource(source)
  const tokens = tokensFor(source, options)
  const id = primaryKeyOf(auth, decodeUid(options.uid))
  if (id === null || typeof options.token !== 'string') return null
  let user: UserRow | null
  try {
    user = await auth.findUser({ id })
  } catch (error) {
    // An id of the wrong type for the primary key (`abc` for an integer id) is just a bad link.
    if (error instanceof QueryError) return null
    throw error
  }
  if (user === null || !user.isActive || !isPasswordUsable(user.password as string)) return null
  return tokens.check(user, options.token) ? user : null
}

/**
 * Set a new password from a reset link. A bad, expired, used or foreign token: 400
 * `invalid_reset_token` (checked before the password); a refused password: 422 `ValidationError`.
 * Afterwards the token no longer works, nor do the user's sessions.
 *
 * @example
 * app.post('/reset/:uid/:token', async (ctx) => {
 *   const form = await ctx.form()
 *   await resetPassword(ctx, { uid: ctx.params.uid, token: ctx.params.token,
 *     newPassword: form.newPassword, newPasswordConfirm: form.newPasswordConfirm })
 *   return redirect('/login', 303)
 * })
 */
export async function resetPassword(
  source: AuthSource,
  options: ResetPasswordOptions,
): Promise<UserRow> {
  const { auth } = resolveSource(source)
  const ctx = options.login ? requireContext(source, 'resetPassword({ login: true })') : undefined
  const user = await checkPasswordReset(source, options)
  if (user === null) throw new InvalidResetTokenError()
  const issues = [
    ...newPasswordIssues(auth, options.newPassword, user, 'newPassword', options.validators),
    ...confirmationIssues(options.newPassword, options.newPasswordConfirm, 'newPasswordConfirm'),
  ]
  if (issues.length > 0) throw new ValidationError(issues, 'The new password was refused.')
  const hash = await auth.passwords.hash(options.newPassword as string)
  // Compare-and-set on the old hash: of two requests racing with one token, one wins.
  const changed = await auth
    .users()
    .filter({ id: user.id, password: user.password } as never)
    .update({ password: hash } as never)
  if (changed !== 1) throw new InvalidResetTokenError()
  user.password = hash
  await throttleFor(auth, options.throttle)?.resetAccount(String(user[auth.loginField] ?? ''))
  if (ctx !== undefined) await auth.login(ctx, user)
  return user
}
