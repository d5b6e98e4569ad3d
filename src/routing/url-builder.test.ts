import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compileUrlBuilder } from './url-builder.ts'

describe('compileUrlBuilder', () => {
  it('fills parameters and percent-encodes each value', () => {
    const build = compileUrlBuilder('/products/:id/:slug', 'product')
    assert.equal(build({ id: 3, slug: 'a b/c?d' }), '/products/3/a%20b%2Fc%3Fd')
  })

  it('keeps slashes of wildcard values but encodes their segments', () => {
    const build = compileUrlBuilder('/files/*path', 'files')
    assert.equal(build({ path: 'docs/a b.pdf' }), '/files/docs/a%20b.pdf')
  })

  it('appends query values, repeating keys for arrays and skipping undefined', () => {
    const build = compileUrlBuilder('/search', 'search')
    assert.equal(
      build({}, { q: 'red shoes', tag: ['a', 'b'], page: undefined }),
      '/search?q=red%20shoes&tag=a&tag=b',
    )
  })

  it('throws a clear error for missing or unknown parameters', () => {
    const build = compileUrlBuilder('/products/:id', 'product')
    assert.throws(() => build({}), { code: 'PLINTH_ROUTING_MISSING_PARAM' })
    assert.throws(() => build({ id: 1, extra: 2 }), { code: 'PLINTH_ROUTING_UNKNOWN_PARAM' })
  })
})
