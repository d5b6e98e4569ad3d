/** Unusable-password markers never verify, differ per call, and are told apart from hashes. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createPasswordHasher } from './hasher.ts'
import { isPasswordUsable, unusablePassword } from './unusable.ts'

describe('unusablePassword', () => {
  it('makes distinct markers that no password verifies against', async () => {
    const a = unusablePassword()
    const b = unusablePassword()
    assert.match(a, /^![A-Za-z0-9_-]{40}$/)
    assert.notEqual(a, b)
    const passwords = createPasswordHasher({
      allowWeakParameters: true,
      argon2: { memoryCost: 256, timeCost: 1 },
    })
    for (const guess of ['', '!', a, a.slice(1)])
      assert.deepEqual(await passwords.verify(guess, a), { ok: false, needsRehash: false })
  })

  it('is recognised by isPasswordUsable, unlike real hashes', async () => {
    assert.equal(isPasswordUsable(unusablePassword()), false)
    assert.equal(isPasswordUsable(''), false)
    assert.equal(isPasswordUsable(null), false)
    assert.equal(isPasswordUsable(undefined), false)
    const passwords = createPasswordHasher()
    assert.equal(isPasswordUsable(await passwords.hash('pw')), true)
    assert.equal(isPasswordUsable('pbkdf2_sha256$1000$salt$AAAA'), true)
  })
})
