/**
 * The JWT algorithm allow-list and the key it is used with, checked once at startup.
 *
 * Algorithm confusion (jsonwebtoken CVE-2022-23541) works when a verifier lets the token's header
 * pick how a key is used: an RSA public key PEM becomes an HMAC secret. Here the configuration
 * fixes both: one family of algorithms (HMAC or one asymmetric key type) and a typed `KeyObject`
 * (secret, public or private) that must fit every listed algorithm. `none` is never accepted.
 */
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  KeyObject,
} from 'node:crypto'
import { PlinthError } from '../../http/index.ts'

/** JWS algorithms Plinth signs and verifies with (never `none`). */
export type JwtAlgorithm =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'

/** An asymmetric key: a `KeyObject`, a JWK, or a PEM string. */
export type AsymmetricKeyInput = KeyObject | JsonWebKey | string

/**
 * The key: an HMAC secret (string, bytes, secret `KeyObject` or `oct` JWK) for `HS*`, or
 * `{ privateKey, publicKey }` for the asymmetric algorithms (either may be left out: without a
 * private key tokens can only be verified; the public key is derived from the private one).
 */
export type JwtKey =
  | string
  | Uint8Array
  | KeyObject
  | JsonWebKey
  | { privateKey?: AsymmetricKeyInput; publicKey?: AsymmetricKeyInput }

/** The checked algorithms and keys. */
export interface ResolvedKeys {
  algorithms: readonly JwtAlgorithm[]
  /** Used to sign (the first listed algorithm). */
  signAlgorithm: JwtAlgorithm
  /** `undefined` when only a public key was given. */
  signingKey: KeyObject | undefined
  verifyKey: KeyObject
}

/** Minimum HMAC secret length in bytes: the hash size (RFC 7518 §3.2). */
const HMAC_MIN_BYTES: Partial<Record<JwtAlgorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 }
const EC_CURVES: Partial<Record<JwtAlgorithm, string>> = {
  ES256: 'prime256v1',
  ES384: 'secp384r1',
  ES512: 'secp521r1',
}
const ALGORITHMS = new Set<string>([
  ...Object.keys(HMAC_MIN_BYTES),
  ...['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  ...Object.keys(EC_CURVES),
  'EdDSA',
  'Ed25519',
])

function keyError(message: string, cause?: unknown): PlinthError {
  return new PlinthError(
    'PLINTH_AUTH_TOKENS_KEY',
    message,
    cause === undefined ? undefined : { cause },
  )
}

/** Check `algorithms` (required, non-empty, known, one family). */
export function checkAlgorithms(algorithms: unknown): JwtAlgorithm[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_ALGORITHMS',
      "jwtTokens() needs an explicit algorithm allow-list, e.g. algorithms: ['HS256'] or ['EdDSA']: accepting whatever a token's header says is how 'alg: none' and key-confusion attacks work.",
    )
  }
  for (const algorithm of algorithms) {
    if (typeof algorithm === 'string' && algorithm.toLowerCase() === 'none') {
      throw new PlinthError(
        'PLINTH_AUTH_TOKENS_ALGORITHMS',
        "jwtTokens({ algorithms }) must not contain 'none': unsigned tokens can be forged by anyone.",
      )
    }
    if (typeof algorithm !== 'string' || !ALGORITHMS.has(algorithm)) {
      throw new PlinthError(
        'PLINTH_AUTH_TOKENS_ALGORITHMS',
        `jwtTokens({ algorithms }) has the unknown algorithm ${JSON.stringify(algorithm)}; use one of ${[...ALGORITHMS].join(', ')}.`,
      )
    }
  }
  const hmac = algorithms.filter((a: string) => a.startsWith('HS')).length
  if (hmac !== 0 && hmac !== algorithms.length) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_ALGORITHMS',
      `jwtTokens({ algorithms }) mixes HMAC and public-key algorithms (${algorithms.join(', ')}): one key cannot serve both, and allowing both is the algorithm-confusion attack. List one family.`,
    )
  }
  return [...new Set(algorithms as JwtAlgorithm[])]
}

function isJwk(value: unknown): value is JsonWebKey {
  return (
    value !== null && typeof value === 'object' && typeof (value as JsonWebKey).kty === 'string'
  )
}

function hmacKey(key: unknown): KeyObject {
  if (key instanceof KeyObject) {
    if (key.type !== 'secret') {
      throw keyError(
        `HS* algorithms need a secret key, got a ${key.type} KeyObject; use RS256/ES256/EdDSA with { publicKey, privateKey } for key pairs.`,
      )
    }
    return key
  }
  if (typeof key === 'string') {
    if (key.includes('-----BEGIN')) {
      throw keyError(
        'HS* algorithms need a random secret, not a PEM key: a public key used as an HMAC secret lets anyone who has it sign tokens.',
      )
    }
    return createSecretKey(Buffer.from(key, 'utf8'))
  }
  if (key instanceof Uint8Array) return createSecretKey(Buffer.from(key))
  if (isJwk(key) && key.kty === 'oct' && typeof key.k === 'string') {
    return createSecretKey(Buffer.from(key.k, 'base64url'))
  }
  throw keyError(
    'HS* algorithms need key: a secret string or bytes (at least 32 random bytes for HS256).',
  )
}

function asymmetricKey(input: AsymmetricKeyInput, kind: 'public' | 'private'): KeyObject {
  try {
    if (input instanceof KeyObject) {
      if (kind === 'public' && input.type === 'private') return createPublicKey(input)
      if (input.type !== kind)
        throw keyError(`{ ${kind}Key } must be a ${kind} key, got a ${input.type} KeyObject.`)
      return input
    }
    if (isJwk(input)) {
      return kind === 'private'
        ? createPrivateKey({ key: input, format: 'jwk' })
        : createPublicKey({ key: input, format: 'jwk' })
    }
    if (typeof input === 'string')
      return kind === 'private' ? createPrivateKey(input) : createPublicKey(input)
  } catch (error) {
    if (error instanceof PlinthError) throw error
    throw keyError(
      `jwtTokens({ key: { ${kind}Key } }) could not be read as a ${kind} key (PEM, JWK or KeyObject).`,
      error,
    )
  }
  throw keyError(`jwtTokens({ key: { ${kind}Key } }) must be a KeyObject, a JWK or a PEM string.`)
}

/** Why `key` cannot be used with `algorithm`, or `undefined` when it can. */
function mismatch(algorithm: JwtAlgorithm, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType
  const details = key.asymmetricKeyDetails
  if (algorithm.startsWith('RS') || algorithm.startsWith('PS')) {
    const types = algorithm.startsWith('PS') ? ['rsa', 'rsa-pss'] : ['rsa']
    if (!types.includes(String(type))) return `${algorithm} needs an RSA key, got ${type}`
    if ((details?.modulusLength ?? 0) < 2048)
      return `${algorithm} needs an RSA key of at least 2048 bits`
    return undefined
  }
  if (algorithm.startsWith('ES')) {
    if (type !== 'ec' || details?.namedCurve !== EC_CURVES[algorithm]) {
      return `${algorithm} needs an EC key on ${EC_CURVES[algorithm]}, got ${type}${details?.namedCurve ? ` on ${details.namedCurve}` : ''}`
    }
    return undefined
  }
  const types = algorithm === 'Ed25519' ? ['ed25519'] : ['ed25519', 'ed448']
  return types.includes(String(type)) ? undefined : `${algorithm} needs an Ed25519 key, got ${type}`
}

/** A JWK that names its own `alg` must name one of the allowed algorithms (RFC 7517 §4.4). */
function checkJwkAlg(input: unknown, algorithms: readonly JwtAlgorithm[]): void {
  if (isJwk(input) && input.alg !== undefined && !algorithms.includes(input.alg as JwtAlgorithm)) {
    throw keyError(
      `The JWK is for alg ${JSON.stringify(input.alg)}, which is not in jwtTokens({ algorithms: [${algorithms.join(', ')}] }).`,
    )
  }
}

/**
 * Resolve the configured key for the allow-list: HMAC secrets must be long enough, asymmetric
 * keys of the type every algorithm needs, and a given key pair must belong together.
 */
export function resolveKeys(algorithms: readonly JwtAlgorithm[], key: unknown): ResolvedKeys {
  const signAlgorithm = algorithms[0]!
  if (key === undefined || key === null) {
    throw keyError(`jwtTokens() needs a key for ${algorithms.join(', ')}.`)
  }
  if (signAlgorithm.startsWith('HS')) {
    checkJwkAlg(key, algorithms)
    const secret = hmacKey(key)
    const needed = Math.max(...algorithms.map((a) => HMAC_MIN_BYTES[a]!))
    if ((secret.symmetricKeySize ?? 0) < needed) {
      throw keyError(
        `The HMAC secret is ${secret.symmetricKeySize} bytes; ${algorithms.join(', ')} needs at least ${needed} random bytes (e.g. randomBytes(${needed}).toString('base64url')).`,
      )
    }
    return { algorithms, signAlgorithm, signingKey: secret, verifyKey: secret }
  }
  if (
    typeof key !== 'object' ||
    key instanceof Uint8Array ||
    key instanceof KeyObject ||
    isJwk(key) ||
    !('privateKey' in key || 'publicKey' in key)
  ) {
    throw keyError(
      `${signAlgorithm} needs key: { privateKey, publicKey } (KeyObject, JWK or PEM; either may be left out).`,
    )
  }
  const pair = key as { privateKey?: AsymmetricKeyInput; publicKey?: AsymmetricKeyInput }
  checkJwkAlg(pair.privateKey, algorithms)
  checkJwkAlg(pair.publicKey, algorithms)
  const signingKey =
    pair.privateKey === undefined ? undefined : asymmetricKey(pair.privateKey, 'private')
  const verifyKey =
    pair.publicKey !== undefined
      ? asymmetricKey(pair.publicKey, 'public')
      : signingKey !== undefined
        ? createPublicKey(signingKey)
        : undefined
  if (verifyKey === undefined)
    throw keyError('jwtTokens({ key }) needs a privateKey, a publicKey, or both.')
  if (signingKey !== undefined && pair.publicKey !== undefined) {
    const derived = createPublicKey(signingKey).export({ format: 'der', type: 'spki' })
    if (!derived.equals(verifyKey.export({ format: 'der', type: 'spki' }))) {
      throw keyError('jwtTokens({ key }): the publicKey does not belong to the privateKey.')
    }
  }
  for (const algorithm of algorithms) {
    const problem = mismatch(algorithm, verifyKey)
    if (problem !== undefined) throw keyError(`jwtTokens({ algorithms, key }): ${problem}.`)
  }
  return { algorithms, signAlgorithm, signingKey, verifyKey }
}
