/** Helpers shared by the auth flows: finding the `Auth`, field issues, password checks. */
import type { Context, RequestLocation } from '../../app/index.ts'
import { PlinthError } from '../../http/index.ts'
import type { ValidationIssue } from '../../validation/index.ts'
import { type AnyUserModel, Auth } from '../auth.ts'
import { authOf } from '../guards.ts'
import { type PasswordValidator, validatePassword } from '../passwords/index.ts'
import { LoginThrottle } from './throttle.ts'

/** What the flows accept: a request (the `Auth` installed on it) or the `Auth` itself. */
export type AuthSource = Context<any> | Auth<any>

/** The `Auth` of a source, and the request when there is one. */
export function resolveSource(source: AuthSource): {
  auth: Auth<AnyUserModel>
  ctx?: Context<any>
} {
  if (source instanceof Auth) return { auth: source as Auth<AnyUserModel> }
  if (source === null || typeof source !== 'object' || !('state' in source))
    throw new PlinthError(
      'PLINTH_AUTH_FLOW_CONFIG',
      'Pass the request context (with app.use(auth.middleware) installed) or the Auth object from createAuth().',
    )
  return { auth: authOf(source), ctx: source }
}

/** The request of a source, or a config error naming the flow option that needs one. */
export function requireContext(source: AuthSource, what: string): Context<any> {
  const { ctx } = resolveSource(source)
  if (ctx === undefined)
    throw new PlinthError(
      'PLINTH_AUTH_FLOW_CONFIG',
      `${what} needs the request: pass ctx (not the Auth object) as the first argument.`,
    )
  return ctx
}

const throttles = new WeakMap<object, LoginThrottle>()

/**
 * The throttle a flow uses: the one passed, else one in-process throttle per `Auth` with the
 * default limits (so login, password change and reset share one count per account).
 */
export function throttleFor(
  auth: Auth<AnyUserModel>,
  given: LoginThrottle | false | undefined,
): LoginThrottle | undefined {
  if (given === false) return undefined
  // The app-wide setting (`createAuth({ throttle })`) applies when a call names none.
  given ??= auth.throttle
  if (given === false) return undefined
  if (given !== undefined) {
    if (!(given instanceof LoginThrottle))
      throw new PlinthError(
        'PLINTH_AUTH_FLOW_CONFIG',
        'The throttle option takes loginThrottle(…) or false.',
      )
    return given
  }
  let found = throttles.get(auth)
  if (found === undefined) {
    found = new LoginThrottle()
    throttles.set(auth, found)
  }
  return found
}

/** One field problem in the `ValidationError` shape (`details` of a 422). */
export function fieldIssue(
  field: string,
  message: string,
  code: string,
): ValidationIssue<RequestLocation> {
  return { location: 'body', path: [field], message, code }
}

/** Text from a form or JSON value: strings as they are, anything else `undefined`. */
export function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/**
 * Problems with a new password, as issues on `field`: over the hasher's cap (checked first, so a
 * megabyte-long password costs nothing more), then the validators.
 */
export function newPasswordIssues(
  auth: Auth<AnyUserModel>,
  password: unknown,
  user: object,
  field: string,
  validators: readonly PasswordValidator[] | undefined,
): ValidationIssue<RequestLocation>[] {
  if (typeof password !== 'string' || password === '')
    return [fieldIssue(field, 'Enter a password.', 'required')]
  const max = auth.passwords.maxLength
  if (password.length > max || Buffer.byteLength(password, 'utf8') > max)
    return [
      fieldIssue(
        field,
        `This password is too long. It must be at most ${max} bytes long.`,
        'password_too_long',
      ),
    ]
  return validatePassword(password, { user, ...(validators ? { validators } : {}) }).map((p) =>
    fieldIssue(field, p.message, p.code),
  )
}

/** Issues for a confirmation field that differs from the password (only when one was sent). */
export function confirmationIssues(
  password: unknown,
  confirmation: unknown,
  field: string,
): ValidationIssue<RequestLocation>[] {
  if (confirmation === undefined || confirmation === password) return []
  return [fieldIssue(field, "The two password fields didn't match.", 'password_mismatch')]
}
