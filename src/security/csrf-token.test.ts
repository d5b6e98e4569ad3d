/**
 * CSRF secrets and masked tokens (security catalogue E12): every mask differs, every masked token
 * unmasks to its secret, and hostile tokens and cookies (wrong length, garbage, non-strings) are
 * "no match" without an exception.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  CSRF_SECRET_BYTES,
  csrfTokenMatches,
  decodeCsrfSecret,
  encodeCsrfSecret,
  maskCsrfSecret,
  newCsrfSecret,
  unmaskCsrfToken,
} from './csrf-token.ts'

describe('CSRF secrets', () => {
  it('are 32 random bytes, 43 base64url characters in the cookie', () => {
    const a = newCsrfSecret()
    const b = newCsrfSecret()
    assert.equal(a.length, CSRF_SECRET_BYTES)
    assert.notDeepEqual(a, b)
    const encoded = encodeCsrfSecret(a)
    assert.match(encoded, /^[A-Za-z0-9_-]{43}$/)
    assert.deepEqual(decodeCsrfSecret(encoded), a)
  })

  it('treat a cookie that is not one of ours as no cookie', () => {
    const good = encodeCsrfSecret(newCsrfSecret())
    for (const bad of [
      undefined,
      null,
      42,
      '',
      good.slice(0, -1),
      `${good}A`,
      `${good.slice(0, -1)}=`,
      `${good.slice(0, -1)}+`,
      `${good.slice(0, -1)}/`,
      'x'.repeat(10_000),
      '\u0000'.repeat(43),
      'é'.repeat(43),
    ]) {
      assert.equal(decodeCsrfSecret(bad), null, JSON.stringify(bad))
    }
  })
})

describe('masked tokens', () => {
  it('differ on every call and all unmask to the secret', () => {
    const secret = newCsrfSecret()
    const tokens = Array.from({ length: 20 }, () => maskCsrfSecret(secret))
    assert.equal(new Set(tokens).size, 20)
    for (const token of tokens) {
      assert.match(token, /^[A-Za-z0-9_-]{86}$/)
      assert.deepEqual(unmaskCsrfToken(token), secret)
      assert.equal(csrfTokenMatches(token, secret), true)
      // The secret never appears in the token as such (BREACH).
      assert.equal(Buffer.from(token, 'base64url').includes(secret), false)
    }
  })

  it('do not match another secret', () => {
    const mine = newCsrfSecret()
    const theirs = newCsrfSecret()
    assert.equal(csrfTokenMatches(maskCsrfSecret(theirs), mine), false)
  })

  it('refuse forged, cut, padded and non-base64 tokens without throwing', () => {
    const secret = newCsrfSecret()
    const token = maskCsrfSecret(secret)
    const flipped = Buffer.from(token, 'base64url')
    flipped[40]! ^= 1
    const hostile: unknown[] = [
      undefined,
      null,
      0,
      ['a'],
      { token },
      '',
      token.slice(0, 85),
      token.slice(0, 43),
      `${token}A`,
      `${token}=`,
      token.replace(/.$/, '='),
      token.replace(/^./, '+'),
      token.replace(/^./, '.'),
      `${token.slice(0, 42)} ${token.slice(43)}`,
      flipped.toString('base64url'),
      encodeCsrfSecret(secret), // the bare secret is not a token
      '*'.repeat(86),
      'A'.repeat(86),
      'é'.repeat(86),
      'A'.repeat(100_000),
    ]
    for (const candidate of hostile) {
      assert.equal(csrfTokenMatches(candidate, secret), false, String(candidate).slice(0, 90))
    }
  })

  it('never match a secret of the wrong length', () => {
    const secret = newCsrfSecret()
    assert.equal(csrfTokenMatches(maskCsrfSecret(secret), secret.subarray(0, 16)), false)
  })
})
