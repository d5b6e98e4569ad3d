/**
 * The hasher's guards, observed through a spy on the key-derivation functions (no timings):
 * the length cap refuses before any hashing (catalogue F3), `dummyVerify` really runs one
 * verification at the current parameters (F4), and a missing Argon2 binary falls back to scrypt
 * with one warning.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PlinthError } from '../../http/index.ts'
import { buildPasswordHasher, type PasswordHasherOptions, PasswordTooLongError } from './hasher.ts'
import { type KeyDerivation, loadNodeRsArgon2, nodeKeyDerivation } from './kdf.ts'

const FAST = {
  allowWeakParameters: true,
  argon2: { memoryCost: 256, timeCost: 1 },
  scrypt: { cost: 1024 },
} as const

function spied(options: PasswordHasherOptions = FAST) {
  const calls: Array<{ kdf: string; params: unknown }> = []
  const kdf: KeyDerivation = {
    argon2(binding, password, salt, params) {
      calls.push({ kdf: 'argon2', params })
      return nodeKeyDerivation.argon2(binding, password, salt, params)
    },
    scrypt(password, salt, params, length) {
      calls.push({ kdf: 'scrypt', params })
      return nodeKeyDerivation.scrypt(password, salt, params, length)
    },
    pbkdf2(password, salt, iterations, digest, length) {
      calls.push({ kdf: 'pbkdf2', params: { iterations, digest } })
      return nodeKeyDerivation.pbkdf2(password, salt, iterations, digest, length)
    },
  }
  return { passwords: buildPasswordHasher(options, kdf), calls }
}

describe('length cap (catalogue F3: a huge password must not cost a hash)', () => {
  it('hash() throws PasswordTooLongError before hashing a 1 MB password', async () => {
    const { passwords, calls } = spied()
    await assert.rejects(passwords.hash('x'.repeat(1024 * 1024)), PasswordTooLongError)
    await assert.rejects(passwords.hash('x'.repeat(4097)), PasswordTooLongError)
    assert.equal(calls.length, 0)
    await passwords.hash('x'.repeat(4096)) // exactly at the cap is fine
    assert.equal(calls.length, 1)
  })

  it('counts UTF-8 bytes, not characters', async () => {
    const { passwords, calls } = spied()
    await assert.rejects(passwords.hash('é'.repeat(2049)), PasswordTooLongError) // 4098 bytes
    await assert.rejects(passwords.hash('🔐'.repeat(1025)), PasswordTooLongError) // 4100 bytes
    assert.equal(calls.length, 0)
    await passwords.hash('é'.repeat(2048))
    assert.equal(calls.length, 1)
  })

  it('verify() answers ok: false at once, whatever the stored format', async () => {
    const { passwords, calls } = spied()
    const scrypt = spied({ ...FAST, algorithm: 'scrypt' })
    const stored = [
      await passwords.hash('pw'),
      await scrypt.passwords.hash('pw'),
      'pbkdf2_sha256$1000$seasalt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE=',
      'not a hash at all', // would otherwise cost a dummy verification
      null,
    ]
    calls.length = 0
    for (const hash of stored)
      assert.deepEqual(await passwords.verify('x'.repeat(1024 * 1024), hash), {
        ok: false,
        needsRehash: false,
      })
    await passwords.dummyVerify('x'.repeat(1024 * 1024))
    assert.deepEqual(calls, [])
  })

  it('honours a custom maxLength', async () => {
    const { passwords, calls } = spied({ ...FAST, maxLength: 16 })
    assert.equal(passwords.maxLength, 16)
    const stored = await passwords.hash('sixteen-bytes-ok')
    assert.equal((await passwords.verify('sixteen-bytes-ok', stored)).ok, true)
    const before = calls.length
    await assert.rejects(passwords.hash('seventeen-bytes!!'), { maxLength: 16 })
    assert.equal((await passwords.verify('seventeen-bytes!!', stored)).ok, false)
    assert.equal(calls.length, before)
  })
})

describe('dummyVerify (catalogue F4: unknown users cost one verification)', () => {
  it('runs a verification with the current Argon2 parameters, hashing the dummy only once', async () => {
    const { passwords, calls } = spied()
    await passwords.dummyVerify('guess-1')
    assert.equal(calls.length, 2) // the cached dummy hash, then the verification
    await passwords.dummyVerify('guess-2')
    await passwords.dummyVerify('')
    assert.equal(calls.length, 4)
    for (const call of calls) {
      assert.equal(call.kdf, 'argon2')
      assert.deepEqual(call.params, {
        memoryCost: 256,
        timeCost: 1,
        parallelism: 1,
        variant: 'argon2id',
        version: 19,
        outputLength: 32,
      })
    }
  })

  it('uses scrypt when scrypt is the algorithm', async () => {
    const { passwords, calls } = spied({ ...FAST, algorithm: 'scrypt' })
    await passwords.dummyVerify('guess')
    assert.deepEqual(
      calls.map((c) => c.kdf),
      ['scrypt', 'scrypt'],
    )
    assert.deepEqual(calls[1]!.params, { cost: 1024, blockSize: 8, parallelization: 1 })
  })

  it('costs the same work as a real verification', async () => {
    const { passwords, calls } = spied()
    const stored = await passwords.hash('pw')
    await passwords.dummyVerify('warm-up') // creates the cached dummy hash
    calls.length = 0
    await passwords.verify('wrong', stored)
    await passwords.dummyVerify('wrong')
    assert.equal(calls.length, 2)
    assert.deepEqual(calls[0], calls[1])
  })

  it('also runs after a failed check against an outdated hash (Django harden_runtime)', async () => {
    const { passwords, calls } = spied()
    const old = 'pbkdf2_sha1$1000$seasalt$ljleU4wBmTtz/MoG5YTwxpM0d7I='
    assert.deepEqual(await passwords.verify('wrong', old), { ok: false, needsRehash: false })
    assert.deepEqual(
      calls.map((c) => c.kdf),
      ['pbkdf2', 'argon2', 'argon2'], // the check, the cached dummy hash, the dummy verification
    )
    calls.length = 0
    assert.deepEqual(await passwords.verify('lètmein', old), { ok: true, needsRehash: true })
    assert.deepEqual(
      calls.map((c) => c.kdf),
      ['pbkdf2'], // success: the caller's rehash spends the current cost
    )
    const current = await passwords.hash('pw')
    calls.length = 0
    await passwords.verify('wrong', current)
    assert.deepEqual(
      calls.map((c) => c.kdf),
      ['argon2'], // a current hash costs one verification, nothing more
    )
  })

  it('runs for unusable or corrupt stored hashes too, so those accounts look alike', async () => {
    const { passwords, calls } = spied()
    for (const stored of ['!unusable', '', null, 'corrupt$hash'])
      assert.deepEqual(await passwords.verify('pw', stored), { ok: false, needsRehash: false })
    assert.equal(calls.length, 5) // one dummy hash, then one verification per attempt
  })
})

describe('fallback when @node-rs/argon2 cannot load', () => {
  const missing = async () => {
    throw new Error('Cannot find native binding for this platform')
  }

  it('hashes with scrypt and warns exactly once', async () => {
    const warnings: string[] = []
    const { passwords, calls } = spied({
      ...FAST,
      loadArgon2: missing,
      onWarning: (message) => warnings.push(message),
    })
    const stored = await passwords.hash('pw')
    assert.match(stored, /^\$scrypt\$ln=10,r=8,p=1\$/)
    assert.deepEqual(await passwords.verify('pw', stored), { ok: true, needsRehash: false })
    assert.equal((await passwords.verify('nope', stored)).ok, false)
    await passwords.dummyVerify('x')
    await passwords.hash('again')
    assert.equal(warnings.length, 1)
    assert.match(warnings[0]!, /could not load @node-rs\/argon2 \(Cannot find native binding/)
    assert.match(warnings[0]!, /use scrypt \(N=1024, r=8, p=1\)/)
    assert.ok(calls.every((c) => c.kdf === 'scrypt'))
  })

  it('treats a binding without hashRaw as missing', async () => {
    const warnings: string[] = []
    const { passwords } = spied({
      ...FAST,
      loadArgon2: async () => ({}) as never,
      onWarning: (message) => warnings.push(message),
    })
    assert.match(await passwords.hash('pw'), /^\$scrypt\$/)
    assert.equal(warnings.length, 1)
  })

  it('refuses to check existing Argon2 hashes without the binding (PlinthError, not "wrong password")', async () => {
    const argonHash = await spied().passwords.hash('pw')
    const { passwords } = spied({ ...FAST, loadArgon2: missing, onWarning: () => {} })
    await assert.rejects(
      passwords.verify('pw', argonHash),
      (error) => error instanceof PlinthError && error.code === 'PLINTH_AUTH_ARGON2_UNAVAILABLE',
    )
  })

  it('does not load Argon2 at all when scrypt is chosen and no Argon2 hash is met', async () => {
    let loads = 0
    const warnings: string[] = []
    const { passwords } = spied({
      ...FAST,
      algorithm: 'scrypt',
      loadArgon2: async () => {
        loads++
        return loadNodeRsArgon2()
      },
      onWarning: (message) => warnings.push(message),
    })
    const stored = await passwords.hash('pw')
    await passwords.verify('pw', stored)
    await passwords.dummyVerify('pw')
    assert.equal(loads, 0)
    assert.deepEqual(warnings, [])
  })

  it('uses an injected binding, loaded once', async () => {
    let loads = 0
    const { passwords, calls } = spied({
      ...FAST,
      loadArgon2: async () => {
        loads++
        return loadNodeRsArgon2()
      },
    })
    const stored = await passwords.hash('pw')
    assert.match(stored, /^\$argon2id\$/)
    assert.equal((await passwords.verify('pw', stored)).ok, true)
    assert.equal(loads, 1)
    assert.ok(calls.every((c) => c.kdf === 'argon2'))
  })
})
