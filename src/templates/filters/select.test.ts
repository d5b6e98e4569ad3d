/**
 * `map`, `select`/`reject`, `selectattr`/`rejectattr`, and `default`, `attr`, `pprint`, checked
 * against Jinja2 3.1's outputs, dispatching to the built-in filters and tests by name.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SafeString } from '../runtime/markup.ts'
import { Undefined } from '../runtime/undefined.ts'
import { run } from './test-context.ts'

const missing = new Undefined("'x' is undefined")
const users = [
  { name: 'bob', age: 30, email: null, tags: ['x'], addr: { city: 'b' } },
  { name: 'Alice', age: 25, email: 'a@x.org', tags: [], addr: { city: 'A' } },
  { username: 'carl', age: 30, email: null, tags: ['z'], addr: { city: 'c' } },
]
const names = (list: unknown) => (list as Array<{ age: number }>).map((u) => u.age)

describe('map', () => {
  it('looks up an attribute, with a default for missing ones', () => {
    assert.deepEqual(run('map', users, [], { attribute: 'addr.city' }), ['b', 'A', 'c'])
    assert.deepEqual(run('map', users, [], { attribute: 'name', default: 'Anonymous' }), [
      'bob',
      'Alice',
      'Anonymous',
    ])
    const looked = run('map', users, [], { attribute: 'name' }) as unknown[]
    assert.ok(looked[2] instanceof Undefined)
  })

  it('applies a filter with positional and keyword arguments', () => {
    assert.deepEqual(run('map', ['Abc', 'DEF'], ['lower']), ['abc', 'def'])
    assert.deepEqual(
      run('map', ['abcdef', 'ghijkl'], ['truncate', 4, true], { end: '!', leeway: 0 }),
      ['abc!', 'ghi!'],
    )
    assert.deepEqual(run('map', [missing, null, 'x'], ['default', 'D']), ['D', null, 'x'])
  })

  it('maps undefined and empty values to nothing', () => {
    assert.deepEqual(run('map', missing, ['upper']), [])
    assert.deepEqual(run('map', [], ['upper']), [])
  })

  it('refuses a call without a filter, a non-string name, and stray keywords', () => {
    const code = 'PLINTH_TEMPLATE_FILTER_ARGUMENT'
    assert.throws(() => run('map', ['a']), { code })
    assert.throws(() => run('map', ['a'], [5]), { code })
    assert.throws(() => run('map', users, [], { attribute: 'name', bogus: 1 }), {
      code,
      message: /bogus/,
    })
    assert.throws(() => run('map', ['a'], ['nope']), /no filter named nope/)
  })
})

describe('select and reject', () => {
  const numbers = [1, 2, 3, 4, 5, 6]

  it("reproduce Jinja2's documented examples", () => {
    assert.deepEqual(run('select', numbers, ['odd']), [1, 3, 5])
    assert.deepEqual(run('reject', numbers, ['odd']), [2, 4, 6])
    assert.deepEqual(run('select', numbers, ['divisibleby', 3]), [3, 6])
    assert.deepEqual(run('select', numbers, ['lessthan', 4]), [1, 2, 3])
    assert.deepEqual(run('select', ['a', 'mystring'], ['equalto', 'mystring']), ['mystring'])
  })

  it('use truthiness without a test, and operator tests', () => {
    assert.deepEqual(run('select', [0, 1, null, '', 'x', []]), [1, 'x'])
    assert.deepEqual(run('reject', [0, 1, null, '', 'x']), [0, null, ''])
    assert.deepEqual(run('select', numbers, ['>', 4]), [5, 6])
    assert.deepEqual(run('select', numbers, ['in', [1, 2, 7]]), [1, 2])
    assert.deepEqual(run('select', missing, ['odd']), [])
  })

  it('refuse unknown tests and non-string names', () => {
    assert.throws(() => run('select', numbers, ['bogus']), /no test named bogus/)
    assert.throws(() => run('select', numbers, [5]), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
  })
})

describe('selectattr and rejectattr', () => {
  it("reproduce Jinja2's documented examples", () => {
    assert.deepEqual(names(run('selectattr', users, ['tags'])), [30, 30])
    assert.deepEqual(names(run('selectattr', users, ['email', 'none'])), [30, 30])
    assert.deepEqual(names(run('rejectattr', users, ['email', 'none'])), [25])
  })

  it('pass test arguments and read dotted paths', () => {
    assert.deepEqual(names(run('selectattr', users, ['age', 'equalto', 25])), [25])
    assert.deepEqual(names(run('rejectattr', users, ['addr.city', 'upper'])), [30, 30])
    assert.deepEqual(names(run('selectattr', users, ['name', 'undefined'])), [30])
  })

  it('need the attribute name', () => {
    assert.throws(() => run('selectattr', users), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
  })
})

describe('default and d', () => {
  it('replace undefined values only, unless boolean is true', () => {
    for (const name of ['default', 'd']) {
      assert.equal(run(name, missing), '')
      assert.equal(run(name, missing, ['x']), 'x')
      assert.equal(run(name, undefined, ['x']), 'x')
      assert.equal(run(name, '', ['x']), '')
      assert.equal(run(name, null, ['x']), null)
      assert.equal(run(name, false, ['x']), false)
      assert.equal(run(name, '', ['the string was empty', true]), 'the string was empty')
      assert.equal(run(name, 0, [], { default_value: 'z', boolean: true }), 'z')
      assert.equal(run(name, 'v', ['x', true]), 'v')
    }
  })
})

describe('attr', () => {
  it('looks up an attribute with the engine rules', () => {
    assert.equal(run('attr', { a: 1 }, ['a']), 1)
    assert.ok(run('attr', { a: 1 }, ['b']) instanceof Undefined)
    class User {
      get name() {
        return 'ann'
      }
    }
    assert.equal(run('attr', new User(), ['name']), 'ann')
  })

  it('never reaches the host', () => {
    for (const name of ['constructor', '__proto__', 'prototype']) {
      assert.ok(run('attr', {}, [name]) instanceof Undefined, name)
      assert.ok(run('attr', 'text', [name]) instanceof Undefined, name)
    }
  })
})

describe('pprint', () => {
  it('prints short values as repr, dict keys sorted', () => {
    assert.equal(run('pprint', { b: 1, a: [1, 2] }), "{'a': [1, 2], 'b': 1}")
    assert.equal(run('pprint', 'short'), "'short'")
    assert.equal(run('pprint', null), 'None')
    assert.equal(run('pprint', new SafeString('<b>')), "Markup('<b>')")
    assert.equal(
      run(
        'pprint',
        new Map<unknown, unknown>([
          ['b', 1],
          [1, 'a'],
        ]),
      ),
      "{1: 'a', 'b': 1}",
    )
  })

  it('breaks long values over lines as pprint does', () => {
    const list = Array.from({ length: 30 }, (_, i) => i)
    assert.equal(run('pprint', list), `[${list.join(',\n ')}]`)
    const dict = Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`k${i}`, `value number ${i}`]))
    assert.equal(
      run('pprint', dict),
      "{'k0': 'value number 0',\n 'k1': 'value number 1',\n 'k2': 'value number 2',\n" +
        " 'k3': 'value number 3',\n 'k4': 'value number 4'}",
    )
    assert.equal(
      run('pprint', 'long string '.repeat(10)),
      "('long string long string long string long string long string long string long '\n" +
        " 'string long string long string long string ')",
    )
    assert.equal(
      run('pprint', ['long string '.repeat(8), { z: 1, a: [1, { q: 'x'.repeat(70) }] }]),
      "['long string long string long string long string long string long string long '\n" +
        " 'string long string ',\n" +
        " {'a': [1,\n" +
        `        {'q': '${'x'.repeat(70)}'}],\n` +
        "  'z': 1}]",
    )
  })

  it('stops at self-references', () => {
    const loop: unknown[] = [1]
    loop.push(loop)
    assert.match(run('pprint', loop) as string, /^\[1, <Recursion on list/)
  })
})
