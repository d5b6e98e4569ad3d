import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { markSafe } from './runtime/markup.ts'
import type { EvalContext } from './runtime/types.ts'
import { Undefined, UndefinedError } from './runtime/undefined.ts'
import { TemplateValueError } from './runtime/values.ts'
import { builtinTests } from './tests.ts'

const ctx = {
  autoescape: true,
  hasFilter: (name: string) => name === 'upper',
  hasTest: (name: string) => name === 'odd',
} as unknown as EvalContext
const bare = { autoescape: true } as unknown as EvalContext
const undef = new Undefined("'x' is undefined")

/** Run the test `name` on `value` with arguments, as `value is name(args)` does. */
function is(name: string, value: unknown, ...args: unknown[]): boolean {
  const test = builtinTests[name]
  assert.ok(test, `test ${name} exists`)
  return test.fn(ctx, value, ...args)
}

describe('built-in tests', () => {
  it('registers every Jinja2 test name and alias', () => {
    const names = [
      'boolean',
      'callable',
      'defined',
      'divisibleby',
      'eq',
      'equalto',
      '==',
      'ne',
      '!=',
      'lt',
      'lessthan',
      '<',
      'le',
      '<=',
      'gt',
      'greaterthan',
      '>',
      'ge',
      '>=',
      'escaped',
      'even',
      'odd',
      'false',
      'true',
      'filter',
      'test',
      'float',
      'in',
      'integer',
      'iterable',
      'lower',
      'upper',
      'mapping',
      'none',
      'number',
      'sameas',
      'sequence',
      'string',
      'undefined',
    ]
    assert.deepEqual(Object.keys(builtinTests).sort(), [...names].sort())
    assert.deepEqual(builtinTests.divisibleby!.params, ['num'])
    assert.deepEqual(builtinTests.in!.params, ['seq'])
    assert.deepEqual(builtinTests.eq!.params, ['other'])
  })

  it('defined and undefined: only an Undefined is undefined', () => {
    assert.equal(is('defined', null), true)
    assert.equal(is('defined', 0), true)
    assert.equal(is('defined', undef), false)
    assert.equal(is('defined', undefined), false)
    assert.equal(is('undefined', undef), true)
    assert.equal(is('undefined', ''), false)
    assert.equal(is('none', null), true)
    assert.equal(is('none', undef), false)
    assert.equal(is('none', undefined), false)
  })

  it('boolean, true and false accept only booleans', () => {
    assert.equal(is('boolean', true), true)
    assert.equal(is('boolean', 1), false)
    assert.equal(is('true', true), true)
    assert.equal(is('true', 1), false)
    assert.equal(is('false', false), true)
    assert.equal(is('false', 0), false)
  })

  it('number includes booleans as in Jinja2; integer excludes them; float is non-integral', () => {
    assert.deepEqual(
      [1, 1.5, 2n, true, '1', null].map((v) => is('number', v)),
      [true, true, true, true, false, false],
    )
    assert.deepEqual(
      [1, 1.0, 2n, true, 1.5].map((v) => is('integer', v)),
      [true, true, true, false, false],
    )
    assert.deepEqual(
      [1.5, Number.NaN, 1, true, '1.5'].map((v) => is('float', v)),
      [true, true, false, false, false],
    )
  })

  it('string, mapping, iterable, sequence, callable and escaped', () => {
    assert.equal(is('string', 'a'), true)
    assert.equal(is('string', markSafe('a')), true)
    assert.equal(is('string', 1), false)
    assert.deepEqual(
      [{}, new Map(), [], 'a', null].map((v) => is('mapping', v)),
      [true, true, false, false, false],
    )
    assert.deepEqual(
      ['a', [], {}, new Set(), undef, 1, null].map((v) => is('iterable', v)),
      [true, true, true, true, true, false, false],
    )
    assert.deepEqual(
      ['a', [], {}, new Map(), undef, new Uint8Array(2), new Set([1]), 1, null].map((v) =>
        is('sequence', v),
      ),
      [true, true, true, true, true, true, false, false, false],
    )
    assert.equal(
      is('callable', () => 1),
      true,
    )
    assert.equal(is('callable', undef), true)
    assert.equal(is('callable', 'f'), false)
    assert.equal(is('escaped', markSafe('<b>')), true)
    assert.equal(is('escaped', '<b>'), false)
  })

  it('odd, even and divisibleby use Python modulo', () => {
    assert.deepEqual(
      [1, 2, -3, 0, true].map((v) => is('odd', v)),
      [true, false, true, false, true],
    )
    assert.deepEqual(
      [1, 2, -4, 0, 2.0].map((v) => is('even', v)),
      [false, true, true, true, true],
    )
    assert.equal(is('odd', 3.0), true)
    assert.equal(is('odd', 3.5), false)
    assert.equal(is('divisibleby', 9, 3), true)
    assert.equal(is('divisibleby', -9, 3), true)
    assert.equal(is('divisibleby', 10, 3), false)
    assert.throws(
      () => is('divisibleby', 9, 0),
      (e) => e instanceof TemplateValueError && e.code === 'PLINTH_TEMPLATE_ZERO_DIVISION',
    )
    assert.throws(() => is('odd', undef), UndefinedError)
    assert.throws(
      () => is('even', 'x'),
      (e) => e instanceof TemplateValueError && e.code === 'PLINTH_TEMPLATE_TYPE',
    )
  })

  it('comparisons follow Python semantics', () => {
    assert.equal(is('eq', 1, 1.0), true)
    assert.equal(is('==', true, 1), true)
    assert.equal(is('equalto', [1], [1]), true)
    assert.equal(is('ne', 'a', 'b'), true)
    assert.equal(is('!=', undef, undef), false)
    assert.equal(is('lt', 1, 2), true)
    assert.equal(is('lessthan', 'b', 'a'), false)
    assert.equal(is('<=', 2, 2), true)
    assert.equal(is('gt', 3, 2), true)
    assert.equal(is('greaterthan', [1, 2], [1]), true)
    assert.equal(is('>=', 1, 2), false)
    assert.equal(is('ge', Number.NaN, 1), false)
    assert.throws(
      () => is('lt', 1, 'a'),
      (e) =>
        e instanceof TemplateValueError &&
        /'<' not supported between instances of 'int' and 'str'/.test(e.message),
    )
    assert.throws(() => is('gt', undef, 1), UndefinedError)
  })

  it('in checks membership', () => {
    assert.equal(is('in', 2, [1, 2]), true)
    assert.equal(is('in', 'a', 'cat'), true)
    assert.equal(is('in', 'k', { k: 1 }), true)
    assert.equal(is('in', 'k', undef), false)
    assert.throws(
      () => is('in', 1, 5),
      (e) => e instanceof TemplateValueError && e.code === 'PLINTH_TEMPLATE_TYPE',
    )
  })

  it('lower and upper look at the text of the value', () => {
    assert.deepEqual(
      ['abc', 'abc1', 'aBc', '123', ''].map((v) => is('lower', v)),
      [true, true, false, false, false],
    )
    assert.deepEqual(
      ['ABC', 'AB1', 'AbC', '123'].map((v) => is('upper', v)),
      [true, true, false, false],
    )
    assert.equal(is('lower', null), false)
    assert.equal(is('upper', markSafe('<B>')), true)
  })

  it('sameas is identity', () => {
    const xs = [1]
    assert.equal(is('sameas', xs, xs), true)
    assert.equal(is('sameas', [1], [1]), false)
    assert.equal(is('sameas', false, false), true)
    assert.equal(is('sameas', 0, false), false)
    assert.equal(is('sameas', null, null), true)
    assert.equal(is('sameas', Number.NaN, Number.NaN), true)
  })

  it('filter and test ask the environment', () => {
    assert.equal(is('filter', 'upper'), true)
    assert.equal(is('filter', 'nope'), false)
    assert.equal(is('filter', 5), false)
    assert.equal(is('test', 'odd'), true)
    assert.equal(is('test', markSafe('odd')), true)
    assert.equal(is('test', 'upper'), false)
    assert.equal(builtinTests.filter!.fn(bare, 'upper'), false)
    assert.equal(builtinTests.test!.fn(bare, 'odd'), false)
  })
})
