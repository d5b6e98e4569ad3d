import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paramNames, parsePattern, toOpenApiPath } from './pattern.ts'

describe('parsePattern', () => {
  it('parses static, param and wildcard segments', () => {
    assert.deepEqual(parsePattern('/files/:dir/*rest'), [
      { kind: 'static', value: 'files' },
      { kind: 'param', name: 'dir' },
      { kind: 'wildcard', name: 'rest' },
    ])
    assert.deepEqual(paramNames(parsePattern('/a/:x/b/*')), ['x', '*'])
  })

  it('renders OpenAPI path templates', () => {
    assert.equal(toOpenApiPath(parsePattern('/users/:id/files/*path')), '/users/{id}/files/{path}')
  })

  for (const [pattern, reason] of [
    ['users', 'must start with "/"'],
    ['/:a-:b', 'spanning the whole segment'],
    ['/file.:ext', 'mixes text and a parameter'],
    ['/a//b', 'empty segment'],
    ['/a/../b', '"." or ".."'],
    ['/*rest/more', 'wildcard must be the last segment'],
    ['/:id/:id', 'appears twice'],
    ['/:1st', 'must be ":" followed by a name'],
    ['/a?b', 'may not contain'],
  ] as const) {
    it(`rejects ${pattern} at registration (${reason})`, () => {
      assert.throws(
        () => parsePattern(pattern),
        (error: Error & { code?: string }) =>
          error.code === 'PLINTH_ROUTING_INVALID_PATTERN' && error.message.includes(reason),
      )
    })
  }
})
