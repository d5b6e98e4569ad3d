/**
 * Migrating from Django (catalogue F2): its PBKDF2, scrypt and Argon2 strings verify, always
 * with `needsRehash: true`, so the first successful login stores a current Argon2id hash.
 * Fixed vectors were computed with Python's hashlib, independently of this code.
 */
import assert from 'node:assert/strict'
import { pbkdf2Sync, randomInt } from 'node:crypto'
import { describe, it } from 'node:test'
import * as argon2 from '@node-rs/argon2'
import { parsePasswordHash } from './formats.ts'
import { createPasswordHasher } from './hasher.ts'

const SALT_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/** Django's `PBKDF2PasswordHasher.encode`: `pbkdf2_sha256$<iterations>$<salt>$<b64 hash>`. */
function djangoPbkdf2(password: string, iterations: number): string {
  const salt = Array.from({ length: 22 }, () => SALT_CHARS[randomInt(SALT_CHARS.length)]).join('')
  const hash = pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')
  return `pbkdf2_sha256$${iterations}$${salt}$${hash}`
}

describe('Django password hashes', () => {
  const passwords = createPasswordHasher()

  it('verifies a PBKDF2-SHA256 hash with 100,000 iterations and asks for a rehash', async () => {
    const stored = djangoPbkdf2('lètmein', 100_000)
    assert.match(stored, /^pbkdf2_sha256\$100000\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/]{43}=$/)
    assert.deepEqual(await passwords.verify('lètmein', stored), { ok: true, needsRehash: true })
    assert.deepEqual(await passwords.verify('letmein', stored), { ok: false, needsRehash: false })
    assert.equal(await passwords.needsRehash(stored), true)
  })

  it('verifies Python-computed vectors: PBKDF2-SHA256 (Django 6 default), PBKDF2-SHA1, scrypt', async () => {
    const vectors = [
      'pbkdf2_sha256$1200000$seasalt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE=',
      'pbkdf2_sha1$1000$seasalt$ljleU4wBmTtz/MoG5YTwxpM0d7I=',
      'scrypt$16384$seasalt$8$5$ECMIUp+LMxMSK8xB/IVyba+KYGTI7FTnet025q/1f/vBAVnnP3hdYqJuRi+mJn6ji6ze3Fbb7JEFPKGpuEf5vw==',
    ]
    for (const stored of vectors) {
      assert.deepEqual(await passwords.verify('lètmein', stored), { ok: true, needsRehash: true })
      assert.equal((await passwords.verify('lètmeiN', stored)).ok, false)
    }
  })

  it('verifies Django Argon2 strings (argon2$ prefix), with and without a version', async () => {
    const phc = await argon2.hash('lètmein', {
      algorithm: 1 /* argon2i, Django's old default */,
      version: 0 /* 0x10 */,
      memoryCost: 512,
      timeCost: 2,
      parallelism: 2,
      outputLen: 16,
    })
    assert.match(phc, /^\$argon2i\$v=16\$m=512,t=2,p=2\$/)
    const django = `argon2${phc}`
    const unversioned = django.replace('$v=16', '')
    for (const stored of [django, unversioned, phc]) {
      assert.deepEqual(await passwords.verify('lètmein', stored), { ok: true, needsRehash: true })
      assert.equal((await passwords.verify('letmein', stored)).ok, false)
    }
    assert.equal(parsePasswordHash(unversioned)?.kind, 'argon2')
  })

  it('asks to rehash an argon2id string with current parameters but a Django prefix', async () => {
    const phc = await passwords.hash('pw')
    assert.deepEqual(await passwords.verify('pw', `argon2${phc}`), { ok: true, needsRehash: true })
  })

  it('after the rehash, the new hash is current', async () => {
    const stored = djangoPbkdf2('pw', 1000)
    const { ok, needsRehash } = await passwords.verify('pw', stored)
    assert.ok(ok && needsRehash)
    const upgraded = await passwords.hash('pw')
    assert.match(upgraded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.deepEqual(await passwords.verify('pw', upgraded), { ok: true, needsRehash: false })
  })

  it('refuses bcrypt and other unsupported Django formats without throwing', async () => {
    for (const stored of [
      'bcrypt_sha256$$2b$12$LcrnRGIHG8dXQ2Gr1CRV4eZOZP7TG.Mz9ZCvc2ARNzSNc4qP3m2wG',
      'md5$seasalt$f5531bef9f3063392e9f91f8e2239eef',
      'unsalted_md5$$5f4dcc3b5aa765d61d8327deb882cf99',
      'sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8',
    ])
      assert.deepEqual(await passwords.verify('password', stored), {
        ok: false,
        needsRehash: false,
      })
  })
})
