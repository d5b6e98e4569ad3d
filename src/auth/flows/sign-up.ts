/**
 * Sign-up (Django's `UserCreationForm`): validate the user name with the model's own rules,
 * refuse one that is taken (case-insensitively), check the password with the validators, create
 * the user, and optionally log them in. Every problem is reported at once, per field, as a 422
 * `ValidationError` whose `details` are `{ location: 'body', path: [field], message, code }`.
 */
import type { RequestLocation } from '../../app/index.ts'
import { ValidationError } from '../../app/index.ts'
import { PlinthError } from '../../http/index.ts'
import { lookup, ModelValidationError, UniqueViolationError } from '../../orm/index.ts'
import type { ValidationIssue } from '../../validation/index.ts'
import type { AnyUserModel, Auth } from '../auth.ts'
import type { UserRow } from '../models.ts'
import type { PasswordValidator } from '../passwords/index.ts'
import {
  type AuthSource,
  confirmationIssues,
  fieldIssue,
  newPasswordIssues,
  requireContext,
  resolveSource,
  textOf,
} from './shared.ts'

/** What a sign-up form sends. Keys other than these and `options.fields` are ignored. */
export interface SignUpInput {
  username?: unknown
  email?: unknown
  password?: unknown
  /** The password typed again; checked when present. */
  passwordConfirm?: unknown
  [field: string]: unknown
}

/** Options of {@link signUp}. */
export interface SignUpOptions {
  /** Log the new user in (needs the request as first argument). Default false. */
  login?: boolean
  /**
   * Other user fields taken from the input, e.g. `['firstName', 'lastName']` (the default, when
   * the model has them). Privileged fields (`isStaff`, `isSuperuser`, `isActive`, permissions,
   * groups, the password hash, dates) can never be listed: a form must not grant them.
   */
  fields?: readonly string[]
  /** Require an email address. Default: only when `createAuth({ loginField: 'email' })`. */
  requireEmail?: boolean
  /** Password validators. Default: `defaultPasswordValidators`. */
  validators?: readonly PasswordValidator[]
}

const PROTECTED = new Set([
  'id',
  'username',
  'email',
  'password',
  'passwordConfirm',
  'isActive',
  'isStaff',
  'isSuperuser',
  'lastLogin',
  'dateJoined',
  'groups',
  'userPermissions',
])

/** NFKC, like Django's `normalize_username`: look-alike compatibility forms become one name. */
function normalizeUsername(value: string): string {
  return value.normalize('NFKC')
}

/** Django's `normalize_email`: the domain is lower-cased, the local part kept. */
export function normalizeEmail(value: string): string {
  const trimmed = value.trim()
  const at = trimmed.lastIndexOf('@')
  return at === -1 ? trimmed : trimmed.slice(0, at) + trimmed.slice(at).toLowerCase()
}

function extraFields(auth: Auth<AnyUserModel>, options: SignUpOptions): string[] {
  const has = (name: string) => auth.userModel.meta.fields.has(name)
  const fields = options.fields ?? ['firstName', 'lastName'].filter(has)
  for (const name of fields) {
    if (PROTECTED.has(name) || !has(name))
      throw new PlinthError(
        'PLINTH_AUTH_FLOW_CONFIG',
        `signUp({ fields }) cannot take ${JSON.stringify(name)}: ${PROTECTED.has(name) ? 'it is set by the sign-up itself or grants privileges' : `${auth.userModel.name} has no such field`}.`,
      )
  }
  return [...fields]
}

/** The model's own rules (validators, lengths, formats) for the values a sign-up sets. */
function modelIssues(
  auth: Auth<AnyUserModel>,
  values: Record<string, unknown>,
): ValidationIssue<RequestLocation>[] {
  const row = (
    auth.userModel.objects as unknown as { build(v: object): { validate(): void } }
  ).build({
    ...values,
    password: '!',
  })
  try {
    row.validate()
    return []
  } catch (error) {
    if (!(error instanceof ModelValidationError)) throw error
    return error.issues.filter(
      (i) => i.path[0] !== 'password',
    ) as ValidationIssue<RequestLocation>[]
  }
}

/**
 * Create an account from a sign-up form. Throws a 422 `ValidationError` listing every problem
 * (user name invalid or taken, email missing or taken, passwords not matching or too weak).
 *
 * @example
 * app.post('/signup', async (ctx) => {
 *   const form = await ctx.form()
 *   await signUp(ctx, { username: form.username, email: form.email, password: form.password,
 *     passwordConfirm: form.passwordConfirm }, { login: true })
 *   return redirect('/account', 303)
 * })
 */
export async function signUp(
  source: AuthSource,
  input: SignUpInput,
  options: SignUpOptions = {},
): Promise<UserRow> {
  const { auth } = resolveSource(source)
  const ctx = options.login ? requireContext(source, 'signUp({ login: true })') : undefined
  const fields = extraFields(auth, options)
  const hasEmail = auth.userModel.meta.fields.has('email')
  const requireEmail = options.requireEmail ?? auth.loginField === 'email'
  const issues: ValidationIssue<RequestLocation>[] = []

  const rawUsername = textOf(input.username)
  const username = rawUsername === undefined ? '' : normalizeUsername(rawUsername)
  const rawEmail = hasEmail ? textOf(input.email) : undefined
  const email = rawEmail === undefined ? '' : normalizeEmail(rawEmail)
  const values: Record<string, unknown> = { username }
  if (hasEmail) values.email = email
  for (const name of fields) if (input[name] !== undefined) values[name] = input[name]

  if (username === '') issues.push(fieldIssue('username', 'Enter a user name.', 'required'))
  if (input.email !== undefined && hasEmail && rawEmail === undefined)
    issues.push(fieldIssue('email', 'Enter a valid email address.', 'invalid_type'))
  else if (requireEmail && email === '')
    issues.push(fieldIssue('email', 'Enter an email address.', 'required'))
  issues.push(
    ...modelIssues(auth, values).filter((i) => !(i.path[0] === 'username' && username === '')),
  )

  // Uniqueness is only worth a query for a value that passed every other check.
  const valid = (field: string) => !issues.some((i) => i.path[0] === field)
  if (
    username !== '' &&
    valid('username') &&
    (await auth.findUser({ username: lookup.iexact(username) }))
  )
    issues.push(
      fieldIssue('username', 'A user with that user name already exists.', 'username_taken'),
    )
  if (email !== '' && valid('email') && (await auth.findUser({ email: lookup.iexact(email) })))
    issues.push(
      fieldIssue('email', 'A user with that email address already exists.', 'email_taken'),
    )

  issues.push(...newPasswordIssues(auth, input.password, values, 'password', options.validators))
  issues.push(...confirmationIssues(input.password, input.passwordConfirm, 'passwordConfirm'))
  if (issues.length > 0) throw new ValidationError(issues, 'The sign-up form has errors.')

  let user: UserRow
  try {
    user = await auth.createUser({ ...values, username, password: input.password as string })
  } catch (error) {
    // Two sign-ups for one name at the same moment: the database's unique index decides.
    if (!(error instanceof UniqueViolationError)) throw error
    const onEmail = error.fields.includes('email') && !error.fields.includes('username')
    throw new ValidationError(
      [
        onEmail
          ? fieldIssue('email', 'A user with that email address already exists.', 'email_taken')
          : fieldIssue('username', 'A user with that user name already exists.', 'username_taken'),
      ],
      'The sign-up form has errors.',
    )
  }
  if (ctx !== undefined) await auth.login(ctx, user)
  return user
}
