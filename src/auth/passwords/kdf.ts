/**
 * The key-derivation functions behind the hasher, behind one small interface so tests can count
 * calls (to prove that an over-long password or a dummy verification does or does not hash).
 *
 * Argon2 comes from `@node-rs/argon2`, loaded lazily: the module must load on platforms without
 * a prebuilt binary, where the hasher falls back to scrypt from `node:crypto`.
 */
import { pbkdf2, scrypt } from 'node:crypto'
import type { Argon2Variant } from './formats.ts'
import { type Argon2Parameters, type ScryptParameters, scryptMemory } from './params.ts'

/** The part of `@node-rs/argon2` Plinth uses (inject another binding with the same shape). */
export interface Argon2Binding {
  hashRaw(
    password: Uint8Array,
    options: {
      salt: Uint8Array
      memoryCost: number
      timeCost: number
      parallelism: number
      outputLen: number
      /** 0 argon2d, 1 argon2i, 2 argon2id. */
      algorithm: 0 | 1 | 2
      /** 0 for version 0x10 (16), 1 for 0x13 (19). */
      version: 0 | 1
    },
  ): Promise<Buffer>
}

/** Loads the Argon2 binding; rejects (or throws) when the platform has none. */
export type Argon2Loader = () => Promise<Argon2Binding>

export const loadNodeRsArgon2: Argon2Loader = async () => {
  const binding: Argon2Binding = await import('@node-rs/argon2')
  return binding
}

export interface Argon2Derivation extends Argon2Parameters {
  variant: Argon2Variant
  version: 16 | 19
  outputLength: number
}

export interface KeyDerivation {
  argon2(
    binding: Argon2Binding,
    password: Buffer,
    salt: Buffer,
    params: Argon2Derivation,
  ): Promise<Buffer>
  scrypt(
    password: Buffer,
    salt: Buffer,
    params: ScryptParameters,
    outputLength: number,
  ): Promise<Buffer>
  pbkdf2(
    password: Buffer,
    salt: Buffer,
    iterations: number,
    digest: 'sha256' | 'sha1',
    outputLength: number,
  ): Promise<Buffer>
}

const VARIANT_CODES = { argon2d: 0, argon2i: 1, argon2id: 2 } as const

/** The real implementations; all asynchronous, so hashing runs on the libuv thread pool. */
export const nodeKeyDerivation: KeyDerivation = {
  argon2: (binding, password, salt, params) =>
    binding.hashRaw(password, {
      salt,
      memoryCost: params.memoryCost,
      timeCost: params.timeCost,
      parallelism: params.parallelism,
      outputLen: params.outputLength,
      algorithm: VARIANT_CODES[params.variant],
      version: params.version === 19 ? 1 : 0,
    }),
  scrypt: (password, salt, params, outputLength) =>
    new Promise((resolve, reject) => {
      const options = {
        N: params.cost,
        r: params.blockSize,
        p: params.parallelization,
        maxmem: scryptMemory(params),
      }
      scrypt(password, salt, outputLength, options, (error, key) =>
        error ? reject(error) : resolve(key),
      )
    }),
  pbkdf2: (password, salt, iterations, digest, outputLength) =>
    new Promise((resolve, reject) => {
      pbkdf2(password, salt, iterations, outputLength, digest, (error, key) =>
        error ? reject(error) : resolve(key),
      )
    }),
}
