/**
 * Password validators, after Django's `AUTH_PASSWORD_VALIDATORS`: each one looks at a candidate
 * password (and the user it is for) and returns a user-facing problem or null.
 */
import { PlinthError } from '../../http/index.ts'
import { commonPasswords } from './common-passwords.ts'
import { DEFAULT_MAX_PASSWORD_BYTES } from './params.ts'
import { codePointLength, exceedsMaximumLengthRatio, quickRatio } from './similarity.ts'

/** One reason a password is refused: a stable `code` and a message to show the user. */
export interface PasswordProblem {
  code: string
  message: string
}

/** The user a password is for: any object with string attributes (a model instance is fine). */
export type PasswordUser = object

/** A password rule. Write your own with this shape; `help` is shown next to password fields. */
export interface PasswordValidator {
  readonly name: string
  readonly help: string
  validate(password: string, user?: PasswordUser): PasswordProblem | null
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    throw new PlinthError(
      'PLINTH_AUTH_PASSWORD_VALIDATOR_CONFIG',
      `${name} expects an integer of at least ${min}, got ${String(value)}.`,
    )
}

/**
 * Refuses passwords shorter than `length` characters (Unicode code points). Default 8.
 *
 * @example
 * validatePassword('short', { validators: [minimumLength(12)] })[0]?.code // 'password_too_short'
 */
export function minimumLength(length = 8): PasswordValidator {
  checkInteger('minimumLength()', length, 1)
  const rule = `at least ${plural(length, 'character')}`
  return {
    name: 'minimumLength',
    help: `Your password must contain ${rule}.`,
    validate: (password) =>
      codePointLength(password) < length
        ? {
            code: 'password_too_short',
            message: `This password is too short. It must contain ${rule}.`,
          }
        : null,
  }
}

/**
 * Refuses passwords over `bytes` bytes of UTF-8 (default 4096, the hasher's cap), so a sign-up
 * form shows a message instead of the hasher's 400.
 *
 * @example
 * validatePassword('x'.repeat(5000), { validators: [maximumLength()] })[0]?.code // 'password_too_long'
 */
export function maximumLength(bytes = DEFAULT_MAX_PASSWORD_BYTES): PasswordValidator {
  checkInteger('maximumLength()', bytes, 1)
  return {
    name: 'maximumLength',
    help: `Your password must be at most ${plural(bytes, 'byte')} long.`,
    validate: (password) =>
      password.length > bytes || Buffer.byteLength(password, 'utf8') > bytes
        ? {
            code: 'password_too_long',
            message: `This password is too long. It must be at most ${plural(bytes, 'byte')} long.`,
          }
        : null,
  }
}

/**
 * Refuses passwords found (case-insensitively, ignoring surrounding spaces) in a list: by default
 * the 20,000 most common passwords shipped with Plinth.
 *
 * @example
 * validatePassword('Password', { validators: [commonPassword()] })[0]?.message // 'This password is too common.'
 */
export function commonPassword(options: { passwords?: Iterable<string> } = {}): PasswordValidator {
  const custom = options.passwords
    ? new Set([...options.passwords].map((p) => p.trim().toLowerCase()))
    : undefined
  return {
    name: 'commonPassword',
    help: "Your password can't be a commonly used password.",
    validate: (password) =>
      (custom ?? commonPasswords()).has(password.trim().toLowerCase())
        ? { code: 'password_too_common', message: 'This password is too common.' }
        : null,
  }
}

/**
 * Refuses passwords made only of digits (any script's decimal digits, like Python's `isdigit`).
 *
 * @example
 * validatePassword('20240229', { validators: [numericPassword()] })[0]?.code // 'password_entirely_numeric'
 */
export function numericPassword(): PasswordValidator {
  return {
    name: 'numericPassword',
    help: "Your password can't be entirely numeric.",
    validate: (password) =>
      /^\p{Nd}+$/u.test(password)
        ? { code: 'password_entirely_numeric', message: 'This password is entirely numeric.' }
        : null,
  }
}

/** Options of {@link userAttributeSimilarity}. */
export interface UserAttributeSimilarityOptions {
  /** Attributes read from the user. Default `['username', 'email', 'firstName', 'lastName']`. */
  attributes?: readonly string[]
  /** Refuse at or above this quick ratio, from 0.1 to 1. Default 0.7 (Django's). */
  maxSimilarity?: number
  /** How attributes are named in messages. Default: camelCase split (`email` → email address). */
  labels?: Readonly<Record<string, string>>
}

const DEFAULT_LABELS: Readonly<Record<string, string>> = { email: 'email address' }
// Python's \W: anything but letters, digits (and marks) and underscore.
const NON_WORD = /[^\p{L}\p{M}\p{N}_]+/u

/**
 * Refuses passwords too similar to the user's own attributes, compared case-insensitively with
 * the whole value and with its parts split on non-word characters (`ada.lovelace@example.com` →
 * `ada`, `lovelace`, `example`, `com`).
 *
 * @example
 * const [problem] = validatePassword('lovelace1', { user: { email: 'ada.lovelace@example.com' } })
 * problem?.message // 'The password is too similar to the email address.'
 */
export function userAttributeSimilarity(
  options: UserAttributeSimilarityOptions = {},
): PasswordValidator {
  const attributes = options.attributes ?? ['username', 'email', 'firstName', 'lastName']
  const maxSimilarity = options.maxSimilarity ?? 0.7
  if (!(maxSimilarity >= 0.1 && maxSimilarity <= 1))
    throw new PlinthError(
      'PLINTH_AUTH_PASSWORD_VALIDATOR_CONFIG',
      `userAttributeSimilarity() maxSimilarity must be from 0.1 to 1, got ${String(maxSimilarity)}.`,
    )
  const labels = { ...DEFAULT_LABELS, ...options.labels }
  const labelOf = (name: string) =>
    labels[name] ??
    name
      .replace(/([a-z\d])([A-Z])/g, '$1 $2')
      .replace(/_/g, ' ')
      .toLowerCase()
  return {
    name: 'userAttributeSimilarity',
    help: "Your password can't be too similar to your other personal information.",
    validate(password, user) {
      if (!user) return null
      const lowered = password.toLowerCase()
      const passwordLength = codePointLength(lowered)
      for (const name of attributes) {
        const value: unknown = Reflect.get(user, name)
        if (typeof value !== 'string' || value === '') continue
        const whole = value.toLowerCase()
        for (const part of [...whole.split(NON_WORD), whole]) {
          if (part === '') continue
          if (exceedsMaximumLengthRatio(passwordLength, maxSimilarity, codePointLength(part)))
            continue
          if (quickRatio(lowered, part) >= maxSimilarity)
            return {
              code: 'password_too_similar',
              message: `The password is too similar to the ${labelOf(name)}.`,
            }
        }
      }
      return null
    },
  }
}

/** Django's default set, plus the length cap: similarity, 8 characters, 4096 bytes, common, numeric. */
export const defaultPasswordValidators: readonly PasswordValidator[] = Object.freeze([
  userAttributeSimilarity(),
  minimumLength(),
  maximumLength(),
  commonPassword(),
  numericPassword(),
])

/** Options of {@link validatePassword}. */
export interface ValidatePasswordOptions {
  /** The account the password is for (needed by `userAttributeSimilarity`). */
  user?: PasswordUser | null | undefined
  /** Default {@link defaultPasswordValidators}. */
  validators?: readonly PasswordValidator[]
}

/**
 * Runs every validator and returns all problems (an empty array when the password is fine).
 *
 * @example
 * validatePassword('12345678') // [{ code: 'password_too_common', … }, { code: 'password_entirely_numeric', … }]
 * validatePassword('ada-lovelace', { user: { username: 'ada_lovelace' } })[0]?.code // 'password_too_similar'
 */
export function validatePassword(
  password: string,
  options: ValidatePasswordOptions = {},
): PasswordProblem[] {
  if (typeof password !== 'string')
    return [{ code: 'password_invalid', message: 'Enter a valid password.' }]
  const user = options.user ?? undefined
  const problems: PasswordProblem[] = []
  for (const validator of options.validators ?? defaultPasswordValidators) {
    const problem = validator.validate(password, user)
    if (problem) problems.push(problem)
  }
  return problems
}

/**
 * The help sentences of a validator list, to show next to a new-password field.
 *
 * @example
 * passwordHelpTexts() // ["Your password can't be too similar to …", 'Your password must contain at least 8 characters.', …]
 */
export function passwordHelpTexts(
  validators: readonly PasswordValidator[] = defaultPasswordValidators,
): string[] {
  return validators.map((validator) => validator.help)
}
