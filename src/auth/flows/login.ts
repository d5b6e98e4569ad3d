/**
 * Login with a password, throttled (Django's `LoginView` plus what django-axes adds): the
 * throttle is consulted before the password is verified, the answer to a wrong password is the
 * same for unknown users, wrong passwords and inactive accounts, and a success logs the user in
 * on a fresh session.
 */
import type { Context } from '../../app/index.ts'
import { HttpError } from '../../http/index.ts'
import { authOf } from '../guards.ts'
import type { UserRow } from '../models.ts'
import { textOf, throttleFor } from './shared.ts'
import type { LoginThrottle } from './throttle.ts'

/** What a login form sends. */
export interface LoginCredentials {
  /** The login name: the user name, or the email with `createAuth({ loginField: 'email' })`. */
  username?: unknown
  password?: unknown
}

/** Options of {@link attemptLogin}. */
export interface AttemptLoginOptions {
  /** Default: one in-process `loginThrottle()` per `Auth`; `false` turns throttling off. */
  throttle?: LoginThrottle | false
  /** Log the user in on the session (default true); `false` only checks the credentials. */
  login?: boolean
}

/** Wrong credentials: 400 `invalid_credentials`, one message for every cause. */
export class InvalidCredentialsError extends HttpError {
  constructor(loginField: 'username' | 'email') {
    super(400, `Wrong ${loginField === 'email' ? 'email address' : 'user name'} or password.`, {
      code: 'invalid_credentials',
    })
    this.name = 'InvalidCredentialsError'
  }
}

/**
 * Check a login form and log the user in. Over a throttle limit: 429 `login_throttled` with
 * `Retry-After`, even when the password is right. Wrong credentials: 400 `invalid_credentials`.
 *
 * @example
 * app.post('/login', async (ctx) => {
 *   const form = await ctx.form()
 *   await attemptLogin(ctx, { username: form.username, password: form.password })
 *   return redirect('/account', 303)
 * })
 */
export async function attemptLogin(
  ctx: Context<any>,
  credentials: LoginCredentials,
  options: AttemptLoginOptions = {},
): Promise<UserRow> {
  const auth = authOf(ctx)
  const username = textOf(credentials.username) ?? ''
  const password = textOf(credentials.password) ?? ''
  const throttle = throttleFor(auth, options.throttle)
  const verify = () => auth.authenticate({ username, password })
  const user = throttle ? await throttle.run(ctx, username, verify) : await verify()
  if (user === null) throw new InvalidCredentialsError(auth.loginField)
  if (options.login !== false) await auth.login(ctx, user)
  return user
}
