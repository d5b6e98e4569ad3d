import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidPathError, parseRequestTarget } from './request-path.ts'

describe('parseRequestTarget', () => {
  it('splits path and query and decodes the path once', () => {
    assert.deepEqual(parseRequestTarget('/caf%C3%A9/menu?x=%20'), {
      path: '/café/menu',
      query: 'x=%20',
    })
    assert.deepEqual(parseRequestTarget('/'), { path: '/', query: '' })
  })

  for (const target of [
    'http://evil.example/admin',
    '*',
    '/admin%2Fsecret.txt',
    '/admin%2fsecret.txt',
    '/admin%5Csecret.txt',
    '/some%00thing.txt',
    '/some%99thing.txt',
    '/%',
    '//admin/secret.txt',
    '/admin//secret.txt',
    '/admin/./secret.txt',
    '/admin/x/../secret.txt',
    '/static/%2e%2e/x',
    '/static/.%2e/x',
    '/admin\\secret',
    '/..',
  ]) {
    it(`refuses ${JSON.stringify(target)}`, () => {
      assert.throws(() => parseRequestTarget(target), InvalidPathError)
    })
  }

  it('accepts dots inside names', () => {
    assert.equal(parseRequestTarget('/static/do..ts.txt').path, '/static/do..ts.txt')
    assert.equal(parseRequestTarget('/.well-known/security.txt').path, '/.well-known/security.txt')
  })
})
