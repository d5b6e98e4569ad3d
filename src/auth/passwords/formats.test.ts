/**
 * Stored-hash parsing: every field of the PHC and Django formats, strict base64 (Node's decoder
 * skips junk, ours must not), bounds on costs read back from storage, and constant-time compare
 * that answers false for unequal lengths instead of throwing (catalogue F7).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  constantTimeEqual,
  decodePaddedBase64,
  decodePhcBase64,
  encodePhcBase64,
} from './encoding.ts'
import { formatArgon2id, formatScrypt, parsePasswordHash } from './formats.ts'

const SALT = Buffer.from('0123456789abcdef')
const HASH = Buffer.alloc(32, 7)

describe('parsePasswordHash', () => {
  it('reads an Argon2id PHC string', () => {
    const stored = formatArgon2id({ memoryCost: 19_456, timeCost: 2, parallelism: 1 }, SALT, HASH)
    assert.equal(
      stored,
      '$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc',
    )
    assert.deepEqual(parsePasswordHash(stored), {
      kind: 'argon2',
      variant: 'argon2id',
      version: 19,
      style: 'phc',
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
      salt: SALT,
      hash: HASH,
    })
  })

  it('reads a scrypt PHC string, storing N as its log2', () => {
    const stored = formatScrypt({ cost: 2 ** 17, blockSize: 8, parallelization: 1 }, SALT, HASH)
    assert.match(stored, /^\$scrypt\$ln=17,r=8,p=1\$MDEyMzQ1Njc4OWFiY2RlZg\$/)
    assert.deepEqual(parsePasswordHash(stored), {
      kind: 'scrypt',
      style: 'phc',
      cost: 2 ** 17,
      blockSize: 8,
      parallelization: 1,
      salt: SALT,
      hash: HASH,
    })
  })

  it('reads Django PBKDF2, scrypt and Argon2 strings', () => {
    const pbkdf2 = parsePasswordHash(
      'pbkdf2_sha256$1200000$seasalt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE=',
    )
    assert.ok(pbkdf2?.kind === 'pbkdf2')
    assert.deepEqual(
      [pbkdf2.digest, pbkdf2.iterations, pbkdf2.salt.toString()],
      ['sha256', 1_200_000, 'seasalt'],
    )
    assert.equal(pbkdf2.hash.length, 32)
    const scrypt = parsePasswordHash(
      `scrypt$16384$seasalt$8$5$${Buffer.alloc(64).toString('base64')}`,
    )
    assert.ok(scrypt?.kind === 'scrypt')
    assert.deepEqual(
      [scrypt.style, scrypt.cost, scrypt.blockSize, scrypt.parallelization],
      ['django', 16_384, 8, 5],
    )
    const argon = parsePasswordHash(
      `argon2$argon2id$v=19$m=102400,t=2,p=8$${encodePhcBase64(SALT)}$${encodePhcBase64(HASH.subarray(0, 16))}`,
    )
    assert.ok(argon?.kind === 'argon2')
    assert.deepEqual(
      [argon.style, argon.memoryCost, argon.parallelism, argon.hash.length],
      ['django', 102_400, 8, 16],
    )
  })

  it('refuses strings that are almost right', () => {
    const salt = encodePhcBase64(SALT)
    const hash = encodePhcBase64(HASH)
    const bad = [
      `$argon2id$v=19$m=19456,t=2,p=1$${salt}$${hash}$`,
      `$argon2id$v=19$m=19456,t=2,p=1,x=1$${salt}$${hash}`,
      `$argon2id$v=19$m=19456,t=2,p=01$${salt}$${hash}`,
      `$argon2id$v=19$m=-1,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=1e4,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=16,t=2,p=4$${salt}$${hash}`, // less than 8 KiB per lane
      `$ARGON2ID$v=19$m=19456,t=2,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=19456,t=2,p=1$${salt}=$${hash}`, // padding is not PHC
      `$argon2id$v=19$m=19456,t=2,p=1$${salt.replace('M', '-')}$${hash}`, // base64url
      `$scrypt$ln=17,r=8,p=1$${salt}$${hash}$x`,
      `$scrypt$ln=0,r=8,p=1$${salt}$${hash}`,
      `$scrypt$ln=17,r=0,p=1$${salt}$${hash}`,
      `$scrypt$ln=17,r=65,p=1$${salt}$${hash}`,
      `$scrypt$n=131072,r=8,p=1$${salt}$${hash}`,
      `scrypt$16383$seasalt$8$5$${Buffer.alloc(64).toString('base64')}`, // N not a power of 2
      `scrypt$16384$sea salt$8$5$${Buffer.alloc(64).toString('base64')}`,
      'pbkdf2_sha512$1000$seasalt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE=',
      'pbkdf2_sha256$1e6$seasalt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE=',
      'pbkdf2_sha256$1000$seasalt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE',
      'pbkdf2_sha256$1000$seasalt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE==',
      'PBKDF2_SHA256$1000$seasalt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE=',
      '__proto__',
      'constructor$1$2$3',
    ]
    for (const stored of bad) assert.equal(parsePasswordHash(stored), null, stored)
  })
})

describe('strict base64', () => {
  it('round-trips canonical PHC base64 and refuses everything else', () => {
    for (const length of [0, 1, 2, 3, 16, 32, 33]) {
      const bytes = Buffer.alloc(length, 0xab)
      if (length === 0) continue
      assert.deepEqual(decodePhcBase64(encodePhcBase64(bytes)), bytes)
    }
    for (const text of ['', 'A', 'AA==', 'AB', 'A B', 'AA\n', 'AA-_', 'ÀÀ', 'AAA!'])
      assert.equal(decodePhcBase64(text), null, JSON.stringify(text))
    assert.deepEqual(decodePhcBase64('AA'), Buffer.from([0]))
  })

  it('decodes padded base64 only in its canonical form', () => {
    assert.deepEqual(decodePaddedBase64('AAE='), Buffer.from([0, 1]))
    for (const text of ['', 'AAE', 'AAF=', 'AA=E', 'AAE=\n', 'A===', 'AAE=AAE='])
      assert.equal(decodePaddedBase64(text), null, JSON.stringify(text))
  })
})

describe('constantTimeEqual', () => {
  it('compares contents, and answers false (not a throw) for different lengths', () => {
    const a = Buffer.from('0123456789abcdef')
    assert.equal(constantTimeEqual(a, Buffer.from('0123456789abcdef')), true)
    assert.equal(constantTimeEqual(a, Buffer.from('0123456789abcdeF')), false)
    assert.equal(constantTimeEqual(a, Buffer.from('0123456789abcde')), false)
    assert.equal(constantTimeEqual(a, Buffer.alloc(0)), false)
    assert.equal(constantTimeEqual(Buffer.alloc(0), Buffer.alloc(0)), true)
  })
})
