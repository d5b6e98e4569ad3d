/**
 * Password hashing: Argon2id by default (scrypt when asked, or when `@node-rs/argon2` has no
 * binary for the platform), PHC strings, constant-time verification, rehash detection, a length
 * cap checked before any hashing and a dummy verification for unknown users.
 */
import { randomBytes } from 'node:crypto'
import { HttpError, PlinthError } from '../../http/index.ts'
import { constantTimeEqual } from './encoding.ts'
import {
  formatArgon2id,
  formatScrypt,
  type ParsedPasswordHash,
  parsePasswordHash,
} from './formats.ts'
import {
  type Argon2Binding,
  type Argon2Loader,
  type KeyDerivation,
  loadNodeRsArgon2,
  nodeKeyDerivation,
} from './kdf.ts'
import {
  type Argon2Parameters,
  KEY_BYTES,
  type PasswordAlgorithm,
  type ResolvedParameters,
  resolveParameters,
  SALT_BYTES,
  type ScryptParameters,
} from './params.ts'

/** Options of {@link createPasswordHasher}. Every field has an OWASP-based default. */
export interface PasswordHasherOptions {
  /** Algorithm for new hashes. Default `'argon2id'` (scrypt if Argon2 cannot load). */
  algorithm?: PasswordAlgorithm
  /** Default `{ memoryCost: 19456, timeCost: 2, parallelism: 1 }` (memory in KiB). */
  argon2?: Partial<Argon2Parameters>
  /** Default `{ cost: 2 ** 17, blockSize: 8, parallelization: 1 }`. */
  scrypt?: Partial<ScryptParameters>
  /** Longest accepted password in UTF-8 bytes; longer ones never reach a hash. Default 4096. */
  maxLength?: number
  /** Accept parameters below OWASP's minimum. Only for tests, where real costs are too slow. */
  allowWeakParameters?: boolean
  /** Loads the Argon2 binding. Default: `import('@node-rs/argon2')`. */
  loadArgon2?: Argon2Loader
  /** Receives the one warning sent when Argon2 cannot load. Default: `process.emitWarning`. */
  onWarning?: (message: string) => void
}

/** Result of {@link PasswordHasher.verify}. `needsRehash` is only ever true when `ok` is. */
export interface PasswordVerification {
  ok: boolean
  /** The hash is valid but in an older algorithm or parameters: store `hash(plain)` again. */
  needsRehash: boolean
}

/** What {@link createPasswordHasher} returns. */
export interface PasswordHasher {
  /** Hashes a password into a PHC string; throws {@link PasswordTooLongError} over `maxLength`. */
  hash(plain: string): Promise<string>
  /** Checks a password against a stored hash. Never throws for bad input: answers `ok: false`. */
  verify(plain: string, stored: string | null | undefined): Promise<PasswordVerification>
  /** Spends the time of one verification, for logins with an unknown username. */
  dummyVerify(plain: string): Promise<void>
  /** Whether a stored hash is not in the current algorithm and parameters (or is unreadable). */
  needsRehash(stored: string): Promise<boolean>
  /** The length cap in UTF-8 bytes. */
  readonly maxLength: number
}

/**
 * A password over the length cap, refused before hashing (hashing a megabyte-long password is a
 * cheap denial of service). A 400 with code `password_too_long` if it reaches a client.
 */
export class PasswordTooLongError extends HttpError {
  readonly maxLength: number
  constructor(maxLength: number) {
    super(400, `Passwords may be at most ${maxLength} bytes long.`, { code: 'password_too_long' })
    this.name = 'PasswordTooLongError'
    this.maxLength = maxLength
  }
}

const REJECTED: PasswordVerification = Object.freeze({ ok: false, needsRehash: false })

/**
 * Creates a password hasher. New hashes use Argon2id with OWASP's parameters; hashes in other
 * parameters, in scrypt, or in Django's formats still verify and report `needsRehash`.
 *
 * @example
 * const passwords = createPasswordHasher()
 * const stored = await passwords.hash('correct horse battery staple')
 * const { ok, needsRehash } = await passwords.verify('correct horse battery staple', stored)
 * if (ok && needsRehash) user.password = await passwords.hash('correct horse battery staple')
 */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  return buildPasswordHasher(options, nodeKeyDerivation)
}

/** {@link createPasswordHasher} with the key-derivation functions replaced (tests spy on them). */
export function buildPasswordHasher(
  options: PasswordHasherOptions,
  kdf: KeyDerivation,
): PasswordHasher {
  const configured = options.algorithm ?? 'argon2id'
  if (configured !== 'argon2id' && configured !== 'scrypt')
    throw new PlinthError(
      'PLINTH_AUTH_PASSWORD_PARAMETERS',
      `Unknown password algorithm ${JSON.stringify(configured)}: use 'argon2id' or 'scrypt'.`,
    )
  const params = resolveParameters({ ...options, allowWeak: options.allowWeakParameters })
  const argon2 = lazyArgon2(options.loadArgon2 ?? loadNodeRsArgon2)
  const warn = options.onWarning ?? emitFallbackWarning

  // Decided on first use: whether Argon2 loads is only known asynchronously.
  let algorithm: Promise<PasswordAlgorithm> | undefined
  const currentAlgorithm = () => {
    algorithm ??= (async () => {
      if (configured === 'scrypt') return 'scrypt'
      const loaded = await argon2()
      if (loaded.binding) return 'argon2id'
      warn(fallbackMessage(params.scrypt, loaded.error))
      return 'scrypt'
    })()
    return algorithm
  }

  const withinLength = (plain: unknown): plain is string =>
    typeof plain === 'string' &&
    // Each UTF-16 unit is at least one UTF-8 byte: skip counting bytes of a huge string.
    plain.length <= params.maxLength &&
    Buffer.byteLength(plain, 'utf8') <= params.maxLength

  async function derive(parsed: ParsedPasswordHash, password: Buffer): Promise<Buffer> {
    if (parsed.kind === 'scrypt') {
      const { cost, blockSize, parallelization } = parsed
      const stored = { cost, blockSize, parallelization }
      return kdf.scrypt(password, parsed.salt, stored, parsed.hash.length)
    }
    if (parsed.kind === 'pbkdf2')
      return kdf.pbkdf2(password, parsed.salt, parsed.iterations, parsed.digest, parsed.hash.length)
    const loaded = await argon2()
    if (!loaded.binding)
      throw new PlinthError(
        'PLINTH_AUTH_ARGON2_UNAVAILABLE',
        `A stored password hash uses ${parsed.variant} but @node-rs/argon2 could not be loaded, ` +
          'so it cannot be checked. Install @node-rs/argon2 for this platform.',
        { cause: loaded.error },
      )
    const { variant, version, memoryCost, timeCost, parallelism, hash } = parsed
    const derivation = { memoryCost, timeCost, parallelism, variant, version }
    return kdf.argon2(loaded.binding, password, parsed.salt, {
      ...derivation,
      outputLength: hash.length,
    })
  }

  async function check(plain: string, parsed: ParsedPasswordHash): Promise<boolean> {
    let derived: Buffer
    try {
      derived = await derive(parsed, Buffer.from(plain, 'utf8'))
    } catch (error) {
      if (error instanceof PlinthError) throw error
      return false // parameters the library refuses: as unusable as a malformed string
    }
    return constantTimeEqual(derived, parsed.hash)
  }

  async function hash(plain: string): Promise<string> {
    if (typeof plain !== 'string')
      throw new PlinthError(
        'PLINTH_AUTH_PASSWORD_NOT_STRING',
        `hash() expects the password as a string, got ${plain === null ? 'null' : typeof plain}.`,
      )
    if (!withinLength(plain)) throw new PasswordTooLongError(params.maxLength)
    const password = Buffer.from(plain, 'utf8')
    const salt = randomBytes(SALT_BYTES)
    if ((await currentAlgorithm()) === 'scrypt')
      return formatScrypt(
        params.scrypt,
        salt,
        await kdf.scrypt(password, salt, params.scrypt, KEY_BYTES),
      )
    const { binding } = await argon2()
    const key = await kdf.argon2(binding!, password, salt, {
      ...params.argon2,
      variant: 'argon2id',
      version: 19,
      outputLength: KEY_BYTES,
    })
    return formatArgon2id(params.argon2, salt, key)
  }

  // A hash of a random password, made once with the current parameters.
  let dummy: Promise<ParsedPasswordHash> | undefined
  async function runDummy(plain: string): Promise<void> {
    dummy ??= hash(randomBytes(24).toString('base64url')).then(
      (stored) => parsePasswordHash(stored)!,
      (error: unknown) => {
        dummy = undefined
        throw error
      },
    )
    await check(plain, await dummy)
  }

  return {
    maxLength: params.maxLength,
    hash,
    async verify(plain, stored) {
      // Too long: refused before hashing. The attacker chose the length, so no timing leaks.
      if (!withinLength(plain)) return REJECTED
      const parsed = typeof stored === 'string' ? parsePasswordHash(stored) : null
      if (!parsed) {
        // Unusable or corrupt hash: spend a verification so such accounts are not told apart.
        await runDummy(plain)
        return REJECTED
      }
      const ok = await check(plain, parsed)
      const outdated = isOutdated(parsed, await currentAlgorithm(), params)
      if (ok) return { ok, needsRehash: outdated }
      // Django's harden_runtime: a failure against an older (maybe cheaper) hash also spends a
      // current-cost verification, so response time does not reveal which accounts still have
      // one. A success is followed by the caller's rehash, which costs as much.
      if (outdated) await runDummy(plain)
      return REJECTED
    },
    async dummyVerify(plain) {
      if (withinLength(plain)) await runDummy(plain)
    },
    async needsRehash(stored) {
      const parsed = typeof stored === 'string' ? parsePasswordHash(stored) : null
      return !parsed || isOutdated(parsed, await currentAlgorithm(), params)
    },
  }
}

/** Django's `must_update`: another algorithm, other parameters, or a short salt or key. */
function isOutdated(
  parsed: ParsedPasswordHash,
  algorithm: PasswordAlgorithm,
  params: ResolvedParameters,
): boolean {
  if (parsed.salt.length < SALT_BYTES || parsed.hash.length < KEY_BYTES) return true
  if (algorithm === 'argon2id') {
    const want = params.argon2
    return !(
      parsed.kind === 'argon2' &&
      parsed.style === 'phc' &&
      parsed.variant === 'argon2id' &&
      parsed.version === 19 &&
      parsed.memoryCost === want.memoryCost &&
      parsed.timeCost === want.timeCost &&
      parsed.parallelism === want.parallelism
    )
  }
  const want = params.scrypt
  return !(
    parsed.kind === 'scrypt' &&
    parsed.style === 'phc' &&
    parsed.cost === want.cost &&
    parsed.blockSize === want.blockSize &&
    parsed.parallelization === want.parallelization
  )
}

type LoadedArgon2 =
  | { binding: Argon2Binding; error?: undefined }
  | { binding?: undefined; error: unknown }

/** Loads the binding once per hasher; a failure is remembered, not retried on every login. */
function lazyArgon2(loader: Argon2Loader): () => Promise<LoadedArgon2> {
  let loaded: Promise<LoadedArgon2> | undefined
  return () => {
    loaded ??= (async (): Promise<LoadedArgon2> => {
      try {
        const binding = await loader()
        if (typeof binding?.hashRaw === 'function') return { binding }
        return { error: new Error('the Argon2 binding has no hashRaw function') }
      } catch (error) {
        return { error }
      }
    })()
    return loaded
  }
}

function fallbackMessage(scrypt: ScryptParameters, error: unknown): string {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
  return (
    `Plinth could not load @node-rs/argon2 (${reason}); new password hashes use scrypt ` +
    `(N=${scrypt.cost}, r=${scrypt.blockSize}, p=${scrypt.parallelization}) instead. Install ` +
    "@node-rs/argon2 for this platform, or set `algorithm: 'scrypt'` to choose scrypt explicitly."
  )
}

let fallbackWarned = false
function emitFallbackWarning(message: string): void {
  if (fallbackWarned) return
  fallbackWarned = true
  process.emitWarning(message, { code: 'PLINTH_AUTH_ARGON2_UNAVAILABLE' })
}
