/**
 * `quickRatio` against values printed by CPython's `difflib.SequenceMatcher(a=…, b=…).quick_ratio()`
 * (code points, multiplicity, empty strings), and the length shortcut that keeps huge inputs cheap.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { codePointLength, exceedsMaximumLengthRatio, quickRatio } from './similarity.ts'

describe('quickRatio', () => {
  it('matches Python difflib', () => {
    const python: Array<[string, string, number]> = [
      ['abcd', 'bcde', 0.75],
      ['lovelace1', 'lovelace', 0.9411764705882353],
      ['password', 'drowssap', 1],
      ['', '', 1],
      ['a', '', 0],
      ['émile123', 'émile', 0.7692307692307693],
      ['𝔸𝔹ab', '𝔸b', 0.6666666666666666], // astral characters count once
      ['aaaa', 'a', 0.4],
      ['hello world', 'world', 0.625],
    ]
    for (const [a, b, expected] of python) {
      assert.equal(quickRatio(a, b), expected, `${a} / ${b}`)
      assert.equal(quickRatio(b, a), expected, `${b} / ${a}`)
    }
  })

  it('is linear on long input', () => {
    const long = 'ab'.repeat(500_000)
    assert.equal(quickRatio(long, 'ab'), 4 / 1_000_002)
  })
})

describe('codePointLength and exceedsMaximumLengthRatio', () => {
  it('counts code points as Python does', () => {
    assert.equal(codePointLength('abc'), 3)
    assert.equal(codePointLength('🔐🔐'), 2)
    assert.equal(codePointLength('e\u0301'), 2)
    assert.equal(codePointLength(''), 0)
  })

  it('skips a value when the password is at least ten times longer (Django)', () => {
    assert.equal(exceedsMaximumLengthRatio(1000, 0.7, 5), true)
    assert.equal(exceedsMaximumLengthRatio(40, 0.7, 5), false)
    assert.equal(exceedsMaximumLengthRatio(50, 0.7, 5), true)
    assert.equal(exceedsMaximumLengthRatio(10, 0.7, 8), false)
  })
})
