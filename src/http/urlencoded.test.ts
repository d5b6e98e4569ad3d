import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeComponent, parseUrlEncoded, TooManyFieldsError } from './urlencoded.ts'

describe('parseUrlEncoded', () => {
  it('decodes + and percent escapes and turns repeated keys into arrays', () => {
    const parsed = parseUrlEncoded(
      'q=red+shoes&tag=a&tag=b&tag=c&empty=&flag&caf%C3%A9=%E2%9C%93',
      1000,
    )
    assert.deepEqual(
      { ...parsed },
      { q: 'red shoes', tag: ['a', 'b', 'c'], empty: '', flag: '', café: '✓' },
    )
  })

  it('returns a null-prototype record where __proto__ is an ordinary key', () => {
    const parsed = parseUrlEncoded('__proto__[isAdmin]=1&__proto__=x&constructor=y', 1000)
    assert.equal(Object.getPrototypeOf(parsed), null)
    // biome-ignore lint/suspicious/noProto: an own "__proto__" key on a null-prototype object is what is tested
    assert.equal(parsed.__proto__, 'x')
    assert.equal(parsed['__proto__[isAdmin]'], '1')
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined)
  })

  it('keeps nested-looking keys flat (no qs-style expansion)', () => {
    const parsed = parseUrlEncoded('a[b][c][d][e][f][g]=1&a[999999999]=2', 1000)
    assert.deepEqual(Object.keys(parsed), ['a[b][c][d][e][f][g]', 'a[999999999]'])
  })

  it('keeps malformed percent escapes literally instead of failing', () => {
    assert.deepEqual(
      { ...parseUrlEncoded('a=%zz&b=100%&c=%E2%9C', 10) },
      { a: '%zz', b: '100%', c: '\ufffd' },
    )
  })

  it('allows exactly the limit and throws past it', () => {
    const at = Array.from({ length: 1000 }, (_, i) => `k${i}=v`).join('&')
    assert.equal(Object.keys(parseUrlEncoded(at, 1000)).length, 1000)
    assert.throws(() => parseUrlEncoded(`${at}&one=more`, 1000), TooManyFieldsError)
  })

  it('counts repeated keys against the limit (a[]= flood)', () => {
    assert.throws(() => parseUrlEncoded('a[]=1&'.repeat(5000), 1000), TooManyFieldsError)
  })

  it('ignores empty pairs', () => {
    assert.deepEqual({ ...parseUrlEncoded('&&a=1&&', 1) }, { a: '1' })
  })
})

describe('decodeComponent', () => {
  it('returns plain strings untouched', () => {
    assert.equal(decodeComponent('plain'), 'plain')
    assert.equal(decodeComponent('a+b%20c'), 'a b c')
  })
})
