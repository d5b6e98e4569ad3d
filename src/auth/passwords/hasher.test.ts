/**
 * Password hashing (security catalogue F1, F2, F7): Argon2id and scrypt round trips in PHC
 * strings with OWASP parameters, parameters validated at creation, rehash detection when the
 * parameters or algorithm change, and hostile stored strings answered with `ok: false`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as argon2 from '@node-rs/argon2'
import { HttpError, PlinthError } from '../../http/index.ts'
import { parsePasswordHash } from './formats.ts'
import { createPasswordHasher, PasswordTooLongError } from './hasher.ts'

/** Weak parameters so most tests run in milliseconds; the defaults are tested on their own. */
const FAST = {
  allowWeakParameters: true,
  argon2: { memoryCost: 256, timeCost: 1 },
  scrypt: { cost: 1024 },
} as const

const PHC_B64 = '[A-Za-z0-9+/]'

describe('createPasswordHasher() with the defaults', () => {
  it('hashes with Argon2id at OWASP parameters in a PHC string and verifies', async () => {
    const passwords = createPasswordHasher()
    const stored = await passwords.hash('correct horse battery staple')
    assert.match(
      stored,
      new RegExp(`^\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$${PHC_B64}{22}\\$${PHC_B64}{43}$`),
    )
    const parsed = parsePasswordHash(stored)
    assert.ok(parsed?.kind === 'argon2')
    assert.ok(parsed.memoryCost >= 19_456 && parsed.timeCost >= 2 && parsed.parallelism >= 1)
    assert.equal(parsed.salt.length, 16)
    assert.equal(parsed.hash.length, 32)
    assert.deepEqual(await passwords.verify('correct horse battery staple', stored), {
      ok: true,
      needsRehash: false,
    })
    assert.deepEqual(await passwords.verify('correct horse battery stapler', stored), {
      ok: false,
      needsRehash: false,
    })
    assert.deepEqual(await passwords.verify('', stored), { ok: false, needsRehash: false })
    assert.equal(await passwords.needsRehash(stored), false)
  })

  it('salts every hash, so the same password never gives the same string', async () => {
    const passwords = createPasswordHasher(FAST)
    const [a, b] = await Promise.all([passwords.hash('same'), passwords.hash('same')])
    assert.notEqual(a, b)
    assert.notEqual(
      parsePasswordHash(a)?.salt.toString('hex'),
      parsePasswordHash(b)?.salt.toString('hex'),
    )
  })

  it('writes strings @node-rs/argon2 verifies, and verifies the strings it writes', async () => {
    const passwords = createPasswordHasher()
    assert.equal(await argon2.verify(await passwords.hash('pässwörd'), 'pässwörd'), true)
    const theirs = await argon2.hash('pässwörd') // its defaults are OWASP's too
    assert.deepEqual(await passwords.verify('pässwörd', theirs), { ok: true, needsRehash: false })
    assert.equal((await passwords.verify('passwörd', theirs)).ok, false)
  })

  it('hashes with scrypt N=2^17, r=8, p=1 (maxmem raised) when asked', async () => {
    const passwords = createPasswordHasher({ algorithm: 'scrypt' })
    const stored = await passwords.hash('correct horse battery staple')
    assert.match(
      stored,
      new RegExp(`^\\$scrypt\\$ln=17,r=8,p=1\\$${PHC_B64}{22}\\$${PHC_B64}{43}$`),
    )
    const parsed = parsePasswordHash(stored)
    assert.ok(parsed?.kind === 'scrypt')
    assert.deepEqual([parsed.cost, parsed.blockSize, parsed.parallelization], [2 ** 17, 8, 1])
    assert.deepEqual(await passwords.verify('correct horse battery staple', stored), {
      ok: true,
      needsRehash: false,
    })
    assert.equal((await passwords.verify('Correct horse battery staple', stored)).ok, false)
  })

  it('verifies a scrypt PHC string computed by Python hashlib (ln=10) and asks for a rehash', async () => {
    const python =
      '$scrypt$ln=10,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$ZEBCzLptWM7dhpNJDU2HbQ945ovKHmVEozHkePPbSqw'
    const passwords = createPasswordHasher({ algorithm: 'scrypt' })
    assert.deepEqual(await passwords.verify('password', python), { ok: true, needsRehash: true })
    assert.equal((await passwords.verify('passw0rd', python)).ok, false)
  })
})

describe('round trips with any input', () => {
  for (const algorithm of ['argon2id', 'scrypt'] as const) {
    it(`${algorithm}: unicode, empty, spaces and NUL passwords verify exactly`, async () => {
      const passwords = createPasswordHasher({ ...FAST, algorithm })
      for (const plain of ['', ' ', 'pässwörd 🔐', '密码密码', 'a\u0000b', 'e\u0301']) {
        const stored = await passwords.hash(plain)
        assert.equal((await passwords.verify(plain, stored)).ok, true, JSON.stringify(plain))
        assert.equal((await passwords.verify(`${plain}x`, stored)).ok, false)
      }
      // No normalisation: é precomposed and e + combining accent are different passwords.
      assert.equal((await passwords.verify('\u00e9', await passwords.hash('e\u0301'))).ok, false)
    })
  }

  it('refuses a non-string in hash() with a PlinthError', async () => {
    const passwords = createPasswordHasher(FAST)
    await assert.rejects(passwords.hash(42 as unknown as string), {
      code: 'PLINTH_AUTH_PASSWORD_NOT_STRING',
    })
  })

  it('answers ok: false for a non-string password in verify()', async () => {
    const passwords = createPasswordHasher(FAST)
    const stored = await passwords.hash('x')
    for (const plain of [null, undefined, 1, ['x'], { toString: () => 'x' }])
      assert.deepEqual(await passwords.verify(plain as unknown as string, stored), {
        ok: false,
        needsRehash: false,
      })
  })
})

describe('parameters are validated at creation', () => {
  const code = (c: string) => (error: unknown) => error instanceof PlinthError && error.code === c

  it('refuses parameters below the OWASP minimum', () => {
    const weak = code('PLINTH_AUTH_WEAK_PASSWORD_PARAMETERS')
    assert.throws(() => createPasswordHasher({ argon2: { memoryCost: 19_455 } }), weak)
    assert.throws(() => createPasswordHasher({ argon2: { timeCost: 1 } }), weak)
    assert.throws(() => createPasswordHasher({ scrypt: { cost: 2 ** 16 } }), weak)
    assert.throws(() => createPasswordHasher({ scrypt: { blockSize: 4 } }), weak)
    assert.throws(() => createPasswordHasher({ algorithm: 'scrypt', scrypt: { cost: 1024 } }), weak)
  })

  it('accepts the equivalent OWASP rows and stronger values', () => {
    createPasswordHasher({ argon2: { memoryCost: 47_104, timeCost: 1 } })
    createPasswordHasher({ argon2: { memoryCost: 7_168, timeCost: 5 } })
    createPasswordHasher({ argon2: { memoryCost: 65_536, timeCost: 3, parallelism: 4 } })
    createPasswordHasher({ scrypt: { cost: 2 ** 16, parallelization: 2 } })
    createPasswordHasher({ scrypt: { cost: 2 ** 18 } })
  })

  it('accepts weak parameters only with allowWeakParameters', () => {
    const passwords = createPasswordHasher({
      allowWeakParameters: true,
      argon2: { memoryCost: 64 },
    })
    assert.equal(passwords.maxLength, 4096)
  })

  it('refuses out-of-range values even with allowWeakParameters', () => {
    const bad = code('PLINTH_AUTH_PASSWORD_PARAMETERS')
    const cases = [
      { argon2: { memoryCost: 0 } },
      { argon2: { memoryCost: 19_456.5 } },
      { argon2: { timeCost: 0 } },
      { argon2: { parallelism: 0 } },
      { argon2: { parallelism: 256 } },
      { argon2: { memoryCost: 2 ** 21 } }, // 2 GiB
      { scrypt: { cost: 100_000 } }, // not a power of two
      { scrypt: { cost: 1 } },
      { scrypt: { cost: 2 ** 20, blockSize: 16 } }, // 2 GiB
      { scrypt: { parallelization: 0 } },
      { maxLength: 0 },
      { maxLength: 1.5 },
      { maxLength: 10_000_000 },
      { argon2: { memoryCost: '19456' as unknown as number } },
    ]
    for (const options of cases)
      assert.throws(
        () => createPasswordHasher({ ...options, allowWeakParameters: true }),
        bad,
        JSON.stringify(options),
      )
    assert.throws(() => createPasswordHasher({ algorithm: 'md5' as 'scrypt' }), bad)
  })
})

describe('rehash when the algorithm or parameters change (catalogue F2)', () => {
  it('verifies a hash made with weaker Argon2 parameters and asks for a rehash', async () => {
    const old = await createPasswordHasher(FAST).hash('s3cret-pass')
    const current = createPasswordHasher()
    assert.deepEqual(await current.verify('s3cret-pass', old), { ok: true, needsRehash: true })
    assert.deepEqual(await current.verify('wrong', old), { ok: false, needsRehash: false })
    assert.equal(await current.needsRehash(old), true)
    const fresh = await current.hash('s3cret-pass')
    assert.deepEqual(await current.verify('s3cret-pass', fresh), { ok: true, needsRehash: false })
  })

  it('asks for a rehash when only one parameter differs, in either direction', async () => {
    const base = { ...FAST, argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 } }
    const stored = await createPasswordHasher(base).hash('pw')
    for (const argon2 of [{ memoryCost: 512 }, { timeCost: 2 }, { parallelism: 2 }]) {
      const hasher = createPasswordHasher({ ...base, argon2: { ...base.argon2, ...argon2 } })
      assert.deepEqual(await hasher.verify('pw', stored), { ok: true, needsRehash: true })
    }
    const stronger = await createPasswordHasher({ ...base, argon2: { memoryCost: 512 } }).hash('pw')
    assert.equal((await createPasswordHasher(base).verify('pw', stronger)).needsRehash, true)
  })

  it('moves between algorithms: scrypt hashes under an Argon2 policy and back', async () => {
    const argonHasher = createPasswordHasher(FAST)
    const scryptHasher = createPasswordHasher({ ...FAST, algorithm: 'scrypt' })
    const fromScrypt = await scryptHasher.hash('pw')
    const fromArgon = await argonHasher.hash('pw')
    assert.deepEqual(await argonHasher.verify('pw', fromScrypt), { ok: true, needsRehash: true })
    assert.deepEqual(await scryptHasher.verify('pw', fromArgon), { ok: true, needsRehash: true })
    assert.equal(await scryptHasher.needsRehash(fromScrypt), false)
    const otherScrypt = createPasswordHasher({
      ...FAST,
      algorithm: 'scrypt',
      scrypt: { cost: 2048 },
    })
    assert.deepEqual(await otherScrypt.verify('pw', fromScrypt), { ok: true, needsRehash: true })
  })

  it('reports needsRehash for unreadable strings', async () => {
    const passwords = createPasswordHasher(FAST)
    assert.equal(await passwords.needsRehash('garbage'), true)
    assert.equal(await passwords.needsRehash(''), true)
  })
})

describe('hostile stored strings (never throw, answer ok: false)', () => {
  it('refuses malformed and out-of-range strings', async () => {
    const passwords = createPasswordHasher(FAST)
    const good = await passwords.hash('pw')
    const [, , , params, salt, hash] = good.split('$') as string[]
    // The last base64 character of a 32-byte hash carries 2 bits: a change below them decodes to
    // the same bytes, so only a strict decoder refuses it.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const sloppyHash = hash!.slice(0, -1) + alphabet[alphabet.indexOf(hash!.at(-1)!) | 1]
    assert.deepEqual(Buffer.from(sloppyHash, 'base64'), Buffer.from(hash!, 'base64'))
    const sloppy = `${good.slice(0, -hash!.length)}${sloppyHash}`
    const hostile: unknown[] = [
      '',
      '$',
      '$$$$$',
      'garbage',
      '!unusable-marker',
      '$argon2id$',
      `$argon2id$v=19$${params}$$`,
      `$argon2id$v=19$${params}$${salt}`,
      `$argon2id$v=19$${params}$${salt}$${hash}$extra`,
      `$argon2id$v=18$${params}$${salt}$${hash}`,
      `$argon2x$v=19$${params}$${salt}$${hash}`,
      `$argon2id$v=19$m=0256,t=1,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=99999999999,t=1,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=256,t=4294967295,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=256,t=1,p=0$${salt}$${hash}`,
      `$argon2id$v=19$t=1,m=256,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=256,t=1,p=1$${salt}!$${hash}`,
      `$argon2id$v=19$m=256,t=1,p=1$${salt}==$${hash}`,
      `$argon2id$v=19$m=256,t=1,p=1$${salt}$${hash?.slice(0, 10)}`,
      `$argon2id$v=19$m=256,t=1,p=1$c2FsdA$${hash}`, // 4-byte salt
      `$scrypt$ln=99,r=8,p=1$${salt}$${hash}`,
      `$scrypt$ln=30,r=8,p=1$${salt}$${hash}`, // 128 GiB
      `$scrypt$ln=10,r=8$${salt}$${hash}`,
      `$scrypt$ln=10,r=8,p=1$${salt}`,
      'pbkdf2_sha256$0$salt$AAAA',
      'pbkdf2_sha256$99999999999$salt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE=',
      'pbkdf2_sha256$1000$salt$not base64',
      'pbkdf2_sha256$1000$salt$ljleU4wBmTtz/MoG5YTwxpM0d7I=', // 20 bytes for sha256
      'pbkdf2_sha256$1000$$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE=',
      'md5$salt$5f4dcc3b5aa765d61d8327deb882cf99',
      'bcrypt$$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
      sloppy,
      `${good}\n`,
      ` ${good}`,
      'x'.repeat(100_000),
      `$argon2id$v=19$m=256,t=1,p=1$${'A'.repeat(5000)}$${hash}`,
      null,
      undefined,
      42,
      { toString: () => good },
    ]
    for (const stored of hostile) {
      const result = await passwords.verify('pw', stored as string)
      assert.deepEqual(result, { ok: false, needsRehash: false }, String(stored).slice(0, 80))
    }
    assert.equal((await passwords.verify('pw', good)).ok, true) // the template itself is valid
  })
})

describe('PasswordTooLongError', () => {
  it('is a 400 HttpError with a stable code', async () => {
    const passwords = createPasswordHasher(FAST)
    const error = await passwords.hash('x'.repeat(4097)).catch((e: unknown) => e)
    assert.ok(error instanceof PasswordTooLongError)
    assert.ok(error instanceof HttpError)
    assert.equal(error.status, 400)
    assert.equal(error.code, 'password_too_long')
    assert.equal(error.maxLength, 4096)
    assert.equal(error.message, 'Passwords may be at most 4096 bytes long.')
  })
})
