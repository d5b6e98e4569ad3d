/**
 * Account flows as functions a route handler calls (Django's auth views without the HTML): sign
 * up, throttled login, password change, password reset by emailed single-use token.
 *
 * @example
 * app.post('/login', async (ctx) => {
 *   const form = await ctx.form()
 *   await attemptLogin(ctx, { username: form.username, password: form.password })
 *   return redirect('/account', 303)
 * })
 */
export {
  type ChangePasswordInput,
  type ChangePasswordOptions,
  changePassword,
  updateSessionAuthHash,
} from './change-password.ts'
export {
  type AttemptLoginOptions,
  attemptLogin,
  InvalidCredentialsError,
  type LoginCredentials,
} from './login.ts'
export {
  checkPasswordReset,
  InvalidResetTokenError,
  type RequestPasswordResetOptions,
  type ResetMailer,
  type ResetMailInfo,
  type ResetPasswordOptions,
  type ResetTokenSource,
  requestPasswordReset,
  resetPassword,
} from './password-reset.ts'
export {
  DEFAULT_RESET_TOKEN_MAX_AGE_MS,
  decodeUid,
  encodeUid,
  type PasswordResetTokenOptions,
  PasswordResetTokens,
  passwordResetTokens,
} from './reset-tokens.ts'
export type { AuthSource } from './shared.ts'
export { normalizeEmail, type SignUpInput, type SignUpOptions, signUp } from './sign-up.ts'
export {
  DEFAULT_LOGIN_THROTTLE,
  type LoginAttempt,
  LoginThrottle,
  LoginThrottledError,
  type LoginThrottleOptions,
  loginThrottle,
  normalizeLoginName,
  type ThrottleLimit,
} from './throttle.ts'
