import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { JsonBodyError, parseJsonBody } from './json.ts'

describe('parseJsonBody', () => {
  it('parses valid JSON and strips a byte-order mark', () => {
    assert.deepEqual(parseJsonBody('\ufeff{"a":[1,{"b":null}]}', 64), { a: [1, { b: null }] })
  })

  for (const body of [
    '{"__proto__":{"isAdmin":true}}',
    '{"a":{"__proto__":{"x":1}}}',
    '[{"\\u005f_proto__":{}}]',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"a":[{"b":{"constructor":{"prototype":{}}}}]}',
  ]) {
    it(`rejects prototype poisoning in ${body}`, () => {
      assert.throws(() => parseJsonBody(body, 64), JsonBodyError)
    })
  }

  it('allows a "constructor" key that is not an object with a prototype', () => {
    assert.deepEqual(parseJsonBody('{"constructor":"ok","x":{"constructor":{"name":"n"}}}', 64), {
      constructor: 'ok',
      x: { constructor: { name: 'n' } },
    })
  })

  it('rejects nesting deeper than the limit and accepts exactly the limit', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
    assert.doesNotThrow(() => parseJsonBody(nested(64), 64))
    assert.throws(() => parseJsonBody(nested(65), 64), /deeper than the limit of 64/)
    assert.throws(() => parseJsonBody(nested(100_000), 64), JsonBodyError)
    assert.throws(
      () => parseJsonBody(`{"a":${'{"a":'.repeat(70)}1${'}'.repeat(70)}}`, 64),
      JsonBodyError,
    )
  })

  it('ignores brackets inside strings when measuring depth', () => {
    assert.deepEqual(parseJsonBody(JSON.stringify({ s: `${'['.repeat(200)}\\"` }), 2), {
      s: `${'['.repeat(200)}\\"`,
    })
  })

  it('explains malformed JSON without echoing the body', () => {
    try {
      parseJsonBody('{"secret":"hunter2", oops}', 64)
      assert.fail('expected an error')
    } catch (error) {
      assert.ok(error instanceof JsonBodyError)
      assert.match(error.reason, /^Malformed JSON: /)
      assert.doesNotMatch(error.reason, /hunter2/)
    }
  })

  it('rejects an empty body as malformed', () => {
    assert.throws(() => parseJsonBody('', 64), JsonBodyError)
  })
})
