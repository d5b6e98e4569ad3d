import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isJsonMediaType, parseMediaType } from './content-type.ts'

describe('parseMediaType', () => {
  it('lower-cases the essence and keeps parameters', () => {
    assert.deepEqual(parseMediaType('Application/JSON; Charset=UTF-8'), {
      essence: 'application/json',
      params: Object.assign(Object.create(null), { charset: 'UTF-8' }),
    })
  })

  it('accepts whitespace around ";" and quoted parameter values', () => {
    const parsed = parseMediaType('multipart/form-data ;  boundary="a;b\\"c"')
    assert.equal(parsed?.essence, 'multipart/form-data')
    assert.equal(parsed?.params.boundary, 'a;b"c')
  })

  it('keeps the first of repeated parameters', () => {
    assert.equal(
      parseMediaType('text/plain; charset=utf-8; charset=latin1')?.params.charset,
      'utf-8',
    )
  })

  // Fastify's invalid Content-Type corpus (test/content-type.test.js) plus CVE-2026-25223/3419 cases.
  for (const value of [
    'foo',
    'foo /bar',
    'foo/ bar',
    'foo; param=1',
    'foo/π; param=1',
    'application/json<script>alert(1)</script>',
    'application/json/extra/slashes',
    'application/json(garbage)',
    'application/json@evil',
    'application/json\u0000garbage',
    'application/json whatever',
    'application/    json whatever; foo=bar',
    'application/json\tfoo',
    'application/json garbage',
    'application/json; charset',
    'application/json; charset="utf-8',
    'application/json; charset=utf 8',
    '',
  ]) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      assert.equal(parseMediaType(value), null)
    })
  }

  it('does not leak a parameter out of a quoted value', () => {
    assert.deepEqual(
      { ...parseMediaType('text/plain; a="x; charset=latin1"')?.params },
      { a: 'x; charset=latin1' },
    )
  })
})

describe('isJsonMediaType', () => {
  it('recognises application/json and +json types only', () => {
    assert.equal(isJsonMediaType('application/json'), true)
    assert.equal(isJsonMediaType('application/problem+json'), true)
    assert.equal(isJsonMediaType('text/json'), false)
    assert.equal(isJsonMediaType('application/jsonx'), false)
  })
})
