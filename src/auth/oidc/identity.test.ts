import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { baseUsername, identityFrom, storedClaims, suffixedUsername } from './identity.ts'

const USERNAME = /^[\p{L}\p{N}.@+_-]+$/u

describe('identities', () => {
  it('trusts an email only when the provider says email_verified: true (or "true")', () => {
    const verified = (value: unknown) =>
      identityFrom('p', { sub: '1', email: 'a@b.example', email_verified: value }).emailVerified
    assert.equal(verified(true), true)
    assert.equal(verified('true'), true)
    for (const value of [false, 'false', 'yes', 1, undefined, null, {}])
      assert.equal(verified(value), false, String(value))
    assert.equal(
      identityFrom('p', { sub: '1', email_verified: true }).emailVerified,
      false,
      'no email, nothing verified',
    )
  })

  it('drops emails the user model would refuse', () => {
    for (const email of [
      'not an email',
      'a@b',
      '@b.example',
      `${'a'.repeat(250)}@b.example`,
      42,
      ['a@b.example'],
    ]) {
      assert.equal(identityFrom('p', { sub: '1', email }).email, null, String(email))
    }
  })

  it('derives usernames the user model accepts', () => {
    const name = (claims: Record<string, unknown>) =>
      baseUsername(identityFrom('p', { sub: '1', ...claims }))
    assert.equal(name({ preferred_username: 'ada' }), 'ada')
    assert.equal(name({ email: 'grace.hopper@navy.example' }), 'grace.hopper')
    assert.equal(name({ name: 'Ada Lovelace' }), 'AdaLovelace')
    assert.equal(name({}), 'user')
    assert.equal(
      name({ preferred_username: '<>"\'/\\ \u0000\u202e' }),
      'user',
      'nothing usable left',
    )
    assert.equal(
      name({ preferred_username: 'ＡＤＭＩＮ' }),
      'ADMIN',
      'NFKC folds full-width letters',
    )
    assert.equal(name({ preferred_username: 'zoë_ü' }), 'zoë_ü')
    const long = name({ preferred_username: 'x'.repeat(1000) })
    assert.equal(long.length, 142)
    for (const value of [long, suffixedUsername(long), suffixedUsername('ada')]) {
      assert.match(value, USERNAME)
      assert.ok(value.length <= 150)
    }
    assert.match(suffixedUsername('ada'), /^ada-[0-9a-f]{6}$/)
  })

  it('stores the person’s claims, not the protocol’s, within a size cap', () => {
    const claims = {
      sub: '1',
      iss: 'x',
      aud: 'y',
      nonce: 'n',
      at_hash: 'h',
      email: 'a@b.example',
      picture: 'https://p',
    }
    assert.deepEqual(storedClaims(claims), { sub: '1', email: 'a@b.example', picture: 'https://p' })
    const huge = storedClaims({ sub: '1', name: 'Ada', blob: 'x'.repeat(100_000) })
    assert.deepEqual(huge, { sub: '1', name: 'Ada' })
  })
})
