/**
 * Hashing parameters: OWASP defaults, the minimums a configuration must meet, and the sanity
 * bounds that apply both to configuration and to parameters read back from stored hashes (so a
 * corrupted or planted hash cannot make one verification allocate gigabytes or run for minutes).
 */
import { PlinthError } from '../../http/index.ts'

export type PasswordAlgorithm = 'argon2id' | 'scrypt'

/** Argon2id cost parameters, named as in `@node-rs/argon2`. */
export interface Argon2Parameters {
  /** Memory in KiB (`m=`). OWASP: 19456 (19 MiB). */
  memoryCost: number
  /** Passes over memory (`t=`). OWASP: 2. */
  timeCost: number
  /** Lanes (`p=`). OWASP: 1. */
  parallelism: number
}

/** scrypt cost parameters, named as in `node:crypto`'s `scrypt` options. */
export interface ScryptParameters {
  /** CPU/memory cost N, a power of two (`ln=` stores its log2). OWASP: 2^17. */
  cost: number
  /** Block size r. OWASP: 8. */
  blockSize: number
  /** Parallelization p. OWASP: 1. */
  parallelization: number
}

export const ARGON2_DEFAULTS: Readonly<Argon2Parameters> = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
})
export const SCRYPT_DEFAULTS: Readonly<ScryptParameters> = Object.freeze({
  cost: 2 ** 17,
  blockSize: 8,
  parallelization: 1,
})

/** Bytes of random salt per hash, and of derived key. */
export const SALT_BYTES = 16
export const KEY_BYTES = 32
/** Default cap on a password's UTF-8 length; longer ones are refused before any hashing. */
export const DEFAULT_MAX_PASSWORD_BYTES = 4096
const MAX_PASSWORD_BYTES_LIMIT = 65_536

/** Largest memory one verification may use, for both algorithms (1 GiB). */
export const MAX_KDF_MEMORY_BYTES = 2 ** 30
export const ARGON2_LIMITS = { maxTimeCost: 64, maxParallelism: 255 }
export const SCRYPT_LIMITS = { maxBlockSize: 64, maxParallelization: 64 }
/** Django 6.0 uses 1,200,000; anything far above is a corrupted or hostile value. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000

/**
 * OWASP Password Storage Cheat Sheet: these rows are equally strong. A configuration passes when
 * it is at least as strong as one row in every component.
 */
const ARGON2_OWASP_ROWS: ReadonlyArray<readonly [memoryKiB: number, time: number]> = [
  [47_104, 1],
  [19_456, 2],
  [12_288, 3],
  [9_216, 4],
  [7_168, 5],
]
const SCRYPT_OWASP_ROWS: ReadonlyArray<readonly [cost: number, r: number, p: number]> = [
  [2 ** 17, 8, 1],
  [2 ** 16, 8, 2],
  [2 ** 15, 8, 3],
  [2 ** 14, 8, 5],
  [2 ** 13, 8, 10],
]

const isInt = (value: unknown, min: number, max: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max

/** True when Argon2 parameters are in range (memory at least 8 KiB per lane, at most 1 GiB). */
export function argon2InRange(p: Argon2Parameters): boolean {
  return (
    isInt(p.parallelism, 1, ARGON2_LIMITS.maxParallelism) &&
    isInt(p.timeCost, 1, ARGON2_LIMITS.maxTimeCost) &&
    isInt(p.memoryCost, 8 * p.parallelism, MAX_KDF_MEMORY_BYTES / 1024)
  )
}

/** True when scrypt parameters are in range (N a power of two, 128·N·r at most 1 GiB). */
export function scryptInRange(p: ScryptParameters): boolean {
  return (
    isInt(p.cost, 2, 2 ** 30) &&
    (p.cost & (p.cost - 1)) === 0 &&
    isInt(p.blockSize, 1, SCRYPT_LIMITS.maxBlockSize) &&
    isInt(p.parallelization, 1, SCRYPT_LIMITS.maxParallelization) &&
    scryptMemory(p) <= MAX_KDF_MEMORY_BYTES
  )
}

/**
 * Bytes OpenSSL reserves for scrypt: 128·r·(N + 2) for V plus 128·r·p for B. Node's default
 * `maxmem` (32 MiB) refuses OWASP's N=2^17, r=8 (128 MiB), so callers pass this as `maxmem`.
 */
export function scryptMemory(p: ScryptParameters): number {
  return 128 * p.blockSize * (p.cost + 2 + p.parallelization)
}

export interface ResolvedParameters {
  argon2: Argon2Parameters
  scrypt: ScryptParameters
  maxLength: number
}

/**
 * Merges options over the defaults and validates them. Throws `PLINTH_AUTH_PASSWORD_PARAMETERS`
 * for values out of range and `PLINTH_AUTH_WEAK_PASSWORD_PARAMETERS` for values below OWASP's
 * minimum (unless `allowWeak`, meant for tests).
 */
export function resolveParameters(options: {
  argon2?: Partial<Argon2Parameters> | undefined
  scrypt?: Partial<ScryptParameters> | undefined
  maxLength?: number | undefined
  allowWeak?: boolean | undefined
}): ResolvedParameters {
  const argon2 = { ...ARGON2_DEFAULTS, ...options.argon2 }
  const scrypt = { ...SCRYPT_DEFAULTS, ...options.scrypt }
  const maxLength = options.maxLength ?? DEFAULT_MAX_PASSWORD_BYTES
  if (!argon2InRange(argon2))
    throw invalid(
      `argon2 parameters ${describeArgon2(argon2)} are out of range: memoryCost is in KiB ` +
        `(8·parallelism to 1048576), timeCost 1 to ${ARGON2_LIMITS.maxTimeCost}, parallelism 1 ` +
        `to ${ARGON2_LIMITS.maxParallelism}, all integers.`,
    )
  if (!scryptInRange(scrypt))
    throw invalid(
      `scrypt parameters ${describeScrypt(scrypt)} are out of range: cost must be a power of ` +
        `two, blockSize 1 to ${SCRYPT_LIMITS.maxBlockSize}, parallelization 1 to ` +
        `${SCRYPT_LIMITS.maxParallelization}, and 128·cost·blockSize at most 1 GiB.`,
    )
  if (!isInt(maxLength, 1, MAX_PASSWORD_BYTES_LIMIT))
    throw invalid(
      `maxLength must be an integer from 1 to ${MAX_PASSWORD_BYTES_LIMIT} (bytes of UTF-8), ` +
        `got ${String(maxLength)}. The default is ${DEFAULT_MAX_PASSWORD_BYTES}.`,
    )
  if (!options.allowWeak) {
    const { memoryCost: m, timeCost: t } = argon2
    if (!ARGON2_OWASP_ROWS.some(([m0, t0]) => m >= m0 && t >= t0))
      throw weak(`argon2 ${describeArgon2(argon2)}`, 'memoryCost 19456, timeCost 2, parallelism 1')
    const { cost: n, blockSize: r, parallelization: p } = scrypt
    if (!SCRYPT_OWASP_ROWS.some(([n0, r0, p0]) => n >= n0 && r >= r0 && p >= p0))
      throw weak(`scrypt ${describeScrypt(scrypt)}`, 'cost 2 ** 17, blockSize 8, parallelization 1')
  }
  return { argon2, scrypt, maxLength }
}

function describeArgon2(p: Argon2Parameters): string {
  return `m=${p.memoryCost},t=${p.timeCost},p=${p.parallelism}`
}

function describeScrypt(p: ScryptParameters): string {
  return `N=${p.cost},r=${p.blockSize},p=${p.parallelization}`
}

function invalid(message: string): PlinthError {
  return new PlinthError('PLINTH_AUTH_PASSWORD_PARAMETERS', message)
}

function weak(what: string, minimum: string): PlinthError {
  return new PlinthError(
    'PLINTH_AUTH_WEAK_PASSWORD_PARAMETERS',
    `Password hashing parameters ${what} are weaker than the OWASP Password Storage Cheat Sheet ` +
      `minimum (${minimum}, or an equivalent row). Raise them, or pass ` +
      '`allowWeakParameters: true` in tests only.',
  )
}
