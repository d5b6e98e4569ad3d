/**
 * Passwords: hashing (Argon2id, scrypt fallback, Django formats verified for migration) and
 * validation (Django's `AUTH_PASSWORD_VALIDATORS`). Re-exported by `plinth/auth`.
 */
export {
  createPasswordHasher,
  type PasswordHasher,
  type PasswordHasherOptions,
  PasswordTooLongError,
  type PasswordVerification,
} from './hasher.ts'
export type { Argon2Binding, Argon2Loader } from './kdf.ts'
export type { Argon2Parameters, PasswordAlgorithm, ScryptParameters } from './params.ts'
export { quickRatio } from './similarity.ts'
export { isPasswordUsable, unusablePassword } from './unusable.ts'
export {
  commonPassword,
  defaultPasswordValidators,
  maximumLength,
  minimumLength,
  numericPassword,
  type PasswordProblem,
  type PasswordUser,
  type PasswordValidator,
  passwordHelpTexts,
  type UserAttributeSimilarityOptions,
  userAttributeSimilarity,
  type ValidatePasswordOptions,
  validatePassword,
} from './validators.ts'
