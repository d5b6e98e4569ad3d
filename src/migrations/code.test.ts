import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { F, lookup, not, or } from '../orm/index.ts'
import { exists } from '../orm/query/expressions.ts'
import { isSerializable, toCode } from './code.ts'

describe('toCode', () => {
  it('writes literals, arrays and objects as TypeScript', () => {
    assert.equal(toCode("it's \\ \n"), "'it\\'s \\\\ \\n'")
    assert.equal(toCode(12.5), '12.5')
    assert.equal(toCode(-0), '0')
    assert.equal(toCode(10n), '10n')
    assert.equal(toCode(null), 'null')
    assert.equal(
      toCode(new Date('2024-01-02T03:04:05.000Z')),
      "new Date('2024-01-02T03:04:05.000Z')",
    )
    assert.equal(
      toCode({ a: [1, 'b'], 'not-id': true, skip: undefined }),
      "{ a: [1, 'b'], 'not-id': true }",
    )
  })

  it('writes lookups, conditions and field references', () => {
    assert.equal(toCode(lookup.gte(0)), 'lookup.gte(0)')
    assert.equal(toCode(lookup.range('1', '9')), "lookup.range('1', '9')")
    assert.equal(toCode(lookup.isnull()), 'lookup.isnull()')
    assert.equal(toCode(lookup.isnull(false)), 'lookup.isnull(false)')
    assert.equal(toCode(lookup.year(2020)), 'lookup.year(2020)')
    assert.equal(toCode(lookup.year(lookup.gte(2020))), 'lookup.year(lookup.gte(2020))')
    assert.equal(
      toCode(or({ stock: 0 }, not({ price: lookup.gt('10') }))),
      "or({ stock: 0 }, not({ price: lookup.gt('10') }))",
    )
    assert.equal(toCode({ price: F('cost') }), "{ price: F('cost') }")
  })

  it('refuses what a migration file cannot hold, saying what to do', () => {
    for (const value of [() => 1, new Map(), Number.NaN, Symbol('x'), exists({} as never)]) {
      assert.throws(
        () => toCode(value),
        (e: Error & { code?: string }) => e.code === 'PLINTH_MIGRATIONS_UNSERIALIZABLE',
      )
      assert.equal(isSerializable(value), false)
    }
  })
})
