/**
 * Stored password hash formats: Plinth's own PHC strings (written and verified) and the legacy
 * formats a project may be migrating from (verified only, then re-hashed on login).
 *
 * - `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (PHC; also `argon2i`/`argon2d`, `v=16`)
 * - `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` (PHC, as passlib writes it)
 * - Django: `pbkdf2_sha256$<iterations>$<salt>$<b64 hash>`, `pbkdf2_sha1$…`,
 *   `argon2$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`, `scrypt$<N>$<salt>$<r>$<p>$<b64 hash>`
 *
 * Parsing never throws: anything else (including Django's unusable `!…` marker) is `null`.
 */
import { decodePaddedBase64, decodePhcBase64, encodePhcBase64 } from './encoding.ts'
import {
  type Argon2Parameters,
  argon2InRange,
  MAX_PBKDF2_ITERATIONS,
  type ScryptParameters,
  scryptInRange,
} from './params.ts'

export type Argon2Variant = 'argon2id' | 'argon2i' | 'argon2d'

export interface ParsedArgon2 extends Argon2Parameters {
  kind: 'argon2'
  variant: Argon2Variant
  /** 19 (0x13, current) or 16 (0x10). */
  version: 16 | 19
  /** `phc` for Plinth's own strings, `django` for Django's `argon2$…` prefix. */
  style: 'phc' | 'django'
  salt: Buffer
  hash: Buffer
}

export interface ParsedScrypt extends ScryptParameters {
  kind: 'scrypt'
  style: 'phc' | 'django'
  salt: Buffer
  hash: Buffer
}

export interface ParsedPbkdf2 {
  kind: 'pbkdf2'
  digest: 'sha256' | 'sha1'
  iterations: number
  salt: Buffer
  hash: Buffer
}

export type ParsedPasswordHash = ParsedArgon2 | ParsedScrypt | ParsedPbkdf2

/** Longest stored string considered; real ones are under 200 characters. */
const MAX_STORED_LENGTH = 1024
/** Decimal without leading zeros, as the PHC format requires. */
const DECIMAL = '(0|[1-9]\\d{0,9})'
const ARGON2_PARAMS = new RegExp(`^m=${DECIMAL},t=${DECIMAL},p=${DECIMAL}$`)
const SCRYPT_PARAMS = new RegExp(`^ln=${DECIMAL},r=${DECIMAL},p=${DECIMAL}$`)
const INTEGER = new RegExp(`^${DECIMAL}$`)
/** Django salts are alphanumeric strings used as UTF-8 bytes; refuse anything odd. */
const DJANGO_SALT = /^[A-Za-z0-9./+=_-]{1,128}$/
const VARIANTS: ReadonlySet<string> = new Set(['argon2id', 'argon2i', 'argon2d'])
const PBKDF2_DIGESTS = { pbkdf2_sha256: ['sha256', 32], pbkdf2_sha1: ['sha1', 20] } as const

/** Parses any supported stored hash, or returns null (never throws). */
export function parsePasswordHash(stored: string): ParsedPasswordHash | null {
  if (typeof stored !== 'string' || stored.length > MAX_STORED_LENGTH) return null
  const parts = stored.split('$')
  const head = parts[0]
  if (head === '') {
    if (parts[1] === 'scrypt') return parseScryptPhc(parts.slice(2))
    return parseArgon2(parts.slice(1), 'phc')
  }
  if (head === 'argon2') return parseArgon2(parts.slice(1), 'django')
  if (head === 'scrypt') return parseDjangoScrypt(parts.slice(1))
  if (head === 'pbkdf2_sha256' || head === 'pbkdf2_sha1') return parsePbkdf2(head, parts.slice(1))
  return null
}

/** `argon2id`, `v=19`?, `m=…,t=…,p=…`, salt, hash (the version may be absent: then 16). */
function parseArgon2(parts: string[], style: 'phc' | 'django'): ParsedArgon2 | null {
  const [variant, ...rest] = parts
  if (variant === undefined || !VARIANTS.has(variant)) return null
  let version: 16 | 19 = 16
  if (rest[0]?.startsWith('v=')) {
    const v = rest.shift()
    if (v !== 'v=19' && v !== 'v=16') return null
    version = v === 'v=19' ? 19 : 16
  }
  if (rest.length !== 3) return null
  const [params, saltText, hashText] = rest as [string, string, string]
  const match = ARGON2_PARAMS.exec(params)
  if (!match) return null
  const parsed: Argon2Parameters = {
    memoryCost: Number(match[1]),
    timeCost: Number(match[2]),
    parallelism: Number(match[3]),
  }
  const salt = decodePhcBase64(saltText)
  const hash = decodePhcBase64(hashText)
  if (!argon2InRange(parsed) || !salt || !hash) return null
  if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) return null
  return {
    kind: 'argon2',
    variant: variant as Argon2Variant,
    version,
    style,
    ...parsed,
    salt,
    hash,
  }
}

/** `ln=17,r=8,p=1`, salt, hash. */
function parseScryptPhc(parts: string[]): ParsedScrypt | null {
  if (parts.length !== 3) return null
  const [params, saltText, hashText] = parts as [string, string, string]
  const match = SCRYPT_PARAMS.exec(params)
  if (!match) return null
  const logCost = Number(match[1])
  if (logCost < 1 || logCost > 30) return null
  const parsed = {
    cost: 2 ** logCost,
    blockSize: Number(match[2]),
    parallelization: Number(match[3]),
  }
  return scryptResult(parsed, 'phc', decodePhcBase64(saltText), decodePhcBase64(hashText))
}

/** Django: `scrypt$<N>$<salt>$<r>$<p>$<b64 hash>` (its salt is used as text, not decoded). */
function parseDjangoScrypt(parts: string[]): ParsedScrypt | null {
  if (parts.length !== 5) return null
  const [n, saltText, r, p, hashText] = parts as [string, string, string, string, string]
  if (!INTEGER.test(n) || !INTEGER.test(r) || !INTEGER.test(p) || !DJANGO_SALT.test(saltText))
    return null
  const parsed = { cost: Number(n), blockSize: Number(r), parallelization: Number(p) }
  return scryptResult(parsed, 'django', Buffer.from(saltText), decodePaddedBase64(hashText))
}

function scryptResult(
  params: ScryptParameters,
  style: 'phc' | 'django',
  salt: Buffer | null,
  hash: Buffer | null,
): ParsedScrypt | null {
  if (!scryptInRange(params) || !salt || !hash) return null
  // Short salts still verify (then need a rehash): Django accepts any salt it was given.
  if (salt.length < 1 || salt.length > 128 || hash.length < 16 || hash.length > 128) return null
  return { kind: 'scrypt', style, ...params, salt, hash }
}

/** Django: `pbkdf2_sha256$<iterations>$<salt>$<b64 hash>`. */
function parsePbkdf2(head: keyof typeof PBKDF2_DIGESTS, parts: string[]): ParsedPbkdf2 | null {
  if (parts.length !== 3) return null
  const [iterationsText, saltText, hashText] = parts as [string, string, string]
  if (!INTEGER.test(iterationsText) || !DJANGO_SALT.test(saltText)) return null
  const iterations = Number(iterationsText)
  const [digest, length] = PBKDF2_DIGESTS[head]
  const hash = decodePaddedBase64(hashText)
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS || hash?.length !== length) return null
  return { kind: 'pbkdf2', digest, iterations, salt: Buffer.from(saltText), hash }
}

/** Plinth's Argon2id string, as `@node-rs/argon2` and the reference implementation write it. */
export function formatArgon2id(params: Argon2Parameters, salt: Buffer, hash: Buffer): string {
  const { memoryCost: m, timeCost: t, parallelism: p } = params
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${encodePhcBase64(salt)}$${encodePhcBase64(hash)}`
}

/** Plinth's scrypt string, with N stored as its log2 (`ln`) as passlib does. */
export function formatScrypt(params: ScryptParameters, salt: Buffer, hash: Buffer): string {
  const ln = Math.log2(params.cost)
  const { blockSize: r, parallelization: p } = params
  return `$scrypt$ln=${ln},r=${r},p=${p}$${encodePhcBase64(salt)}$${encodePhcBase64(hash)}`
}
