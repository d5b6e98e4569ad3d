/**
 * The shipped common-passwords list: generated from @zxcvbn-ts/language-common (20,000 most
 * frequent, lower-case), loaded once from the gzipped file next to the code.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { commonPasswords } from './common-passwords.ts'

describe('commonPasswords', () => {
  it('contains the usual suspects and not a random string', () => {
    const list = commonPasswords()
    for (const password of [
      'password',
      '123456',
      'qwerty',
      '12345678',
      'letmein',
      'iloveyou',
      'dragon',
    ])
      assert.ok(list.has(password), password)
    assert.equal(list.has(randomBytes(12).toString('base64url')), false)
    assert.equal(list.has(''), false)
  })

  it('holds 20,000 distinct lower-case entries, one per line', () => {
    const list = commonPasswords()
    assert.equal(list.size, 20_000)
    for (const password of list) {
      assert.equal(password, password.toLowerCase())
      assert.equal(password, password.trim())
    }
    const text = gunzipSync(
      readFileSync(new URL('./common-passwords.txt.gz', import.meta.url)),
    ).toString('utf8')
    assert.equal(text.split('\n').length, 20_001) // trailing newline
    assert.equal(text.split('\n')[0], '123456') // most frequent first
  })

  it('is loaded once and then cached', () => {
    assert.equal(commonPasswords(), commonPasswords())
  })
})
