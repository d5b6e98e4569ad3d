import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { markSafe, SafeString } from './markup.ts'
import { Undefined, UndefinedError } from './undefined.ts'
import {
  compare,
  contains,
  equals,
  isFloat,
  isInteger,
  isIterable,
  isKwargs,
  isMapping,
  isNumber,
  isSequence,
  isString,
  KWARGS,
  kwargs,
  length,
  objectTypeRepr,
  pyType,
  repr,
  splitArgs,
  TemplateValueError,
  toList,
  toStr,
  truthy,
} from './values.ts'

const undef = new Undefined("'x' is undefined")
class User {
  name = 'ada'
}
class Loud {
  toString() {
    return 'LOUD'
  }
}

function typeErr(message: RegExp) {
  return (e: unknown) =>
    e instanceof TemplateValueError && e.code === 'PLINTH_TEMPLATE_TYPE' && message.test(e.message)
}

describe('kinds', () => {
  it('tells strings, numbers, mappings, sequences and iterables apart', () => {
    assert.equal(isString('a'), true)
    assert.equal(isString(markSafe('a')), true)
    assert.equal(isString(1), false)
    assert.deepEqual([1, 1n, 1.5, true, '1'].map(isNumber), [true, true, true, false, false])
    assert.deepEqual([1, 1n, 1.0, 1.5, true].map(isInteger), [true, true, true, false, false])
    assert.deepEqual([1.5, Number.NaN, Number.POSITIVE_INFINITY, 1].map(isFloat), [
      true,
      true,
      true,
      false,
    ])
    assert.deepEqual(
      [{}, Object.create(null), new Map(), [], new User(), 'a', null].map(isMapping),
      [true, true, true, false, false, false, false],
    )
    assert.deepEqual([[], new Set([1]), 'ab', {}, new Map(), undef, 1].map(isSequence), [
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ])
    assert.deepEqual(
      ['a', [], {}, new Set(), undef, undefined, 1, null, new User()].map(isIterable),
      [true, true, true, true, true, true, false, false, false],
    )
  })

  it('names Python types for messages', () => {
    const values = ['a', 1, 1.5, 2n, true, null, undefined, undef, [], {}, new Map(), new Set()]
    assert.deepEqual(values.map(pyType), [
      'str',
      'int',
      'float',
      'int',
      'bool',
      'NoneType',
      'Undefined',
      'Undefined',
      'list',
      'dict',
      'dict',
      'set',
    ])
    assert.equal(pyType(markSafe('x')), 'Markup')
    assert.equal(pyType(new Date()), 'datetime')
    assert.equal(pyType(new User()), 'User')
    assert.equal(
      pyType(() => 1),
      'function',
    )
    assert.equal(objectTypeRepr(null), 'None')
    assert.equal(objectTypeRepr({}), 'dict object')
  })
})

describe('truthy', () => {
  it('follows Python truthiness', () => {
    const falsy = [
      false,
      null,
      undefined,
      undef,
      0,
      Number.NaN,
      '',
      0n,
      [],
      {},
      new Map(),
      new Set(),
      markSafe(''),
    ]
    for (const v of falsy) assert.equal(truthy(v), false, `${String(v)} is falsy`)
    const truthyValues = [
      true,
      1,
      -1,
      'a',
      ' ',
      [0],
      { a: 0 },
      new Map([[1, 1]]),
      new Set([0]),
      new User(),
      () => 0,
    ]
    for (const v of truthyValues) assert.equal(truthy(v), true)
  })
})

describe('toStr', () => {
  it('prints Python scalars', () => {
    assert.equal(toStr(true), 'True')
    assert.equal(toStr(false), 'False')
    assert.equal(toStr(null), 'None')
    assert.equal(toStr(undefined), '')
    assert.equal(toStr(undef), '')
    assert.equal(toStr(3), '3')
    assert.equal(toStr(-0), '0')
    assert.equal(toStr(2.5), '2.5')
    assert.equal(toStr(0.1 + 0.2), '0.30000000000000004')
    assert.equal(toStr(1e-5), '1e-05')
    assert.equal(toStr(1.5e-7), '1.5e-07')
    assert.equal(toStr(1e21), '1e+21')
    assert.equal(toStr(1e20), '100000000000000000000')
    assert.equal(toStr(Number.POSITIVE_INFINITY), 'inf')
    assert.equal(toStr(Number.NEGATIVE_INFINITY), '-inf')
    assert.equal(toStr(Number.NaN), 'nan')
    assert.equal(toStr(12345678901234567890n), '12345678901234567890')
    assert.equal(toStr(markSafe('<b>')), '<b>')
  })

  it('prints lists, dicts and sets as Python does', () => {
    assert.equal(toStr([1, 'a', null, true, 2.5]), "[1, 'a', None, True, 2.5]")
    assert.equal(toStr({ a: 1, b: [1, { c: null }] }), "{'a': 1, 'b': [1, {'c': None}]}")
    assert.equal(
      toStr(
        new Map<unknown, unknown>([
          [1, 'x'],
          ['k', false],
        ]),
      ),
      "{1: 'x', 'k': False}",
    )
    assert.equal(toStr(new Set([1, 'a'])), "{1, 'a'}")
    assert.equal(toStr(new Set()), 'set()')
    assert.equal(toStr([]), '[]')
    assert.equal(toStr({}), '{}')
    const loop: unknown[] = [1]
    loop.push(loop)
    assert.equal(toStr(loop), '[1, [...]]')
  })

  it('prints dates, functions and objects', () => {
    assert.equal(toStr(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), '2024-01-02 03:04:05+00:00')
    assert.equal(
      toStr(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120))),
      '2024-01-02 03:04:05.120000+00:00',
    )
    assert.equal(toStr(new Date(Number.NaN)), 'Invalid Date')
    assert.equal(
      toStr(function greet() {}),
      '<function greet>',
    )
    assert.equal(toStr(new Loud()), 'LOUD')
    assert.equal(toStr(new User()), '<User object>')
    assert.equal(toStr(Object.create(null)), '{}')
    assert.equal(toStr(Object.create(Object.create(null))), '<object object>')
  })
})

describe('repr', () => {
  it('quotes strings with Python rules', () => {
    assert.equal(repr('abc'), "'abc'")
    assert.equal(repr("it's"), `"it's"`)
    assert.equal(repr(`a'b"c`), `'a\\'b"c'`)
    assert.equal(repr('a\nb\t\\'), "'a\\nb\\t\\\\'")
    assert.equal(repr('\x00\x7f\u00a0\u2028'), "'\\x00\\x7f\\xa0\\u2028'")
    assert.equal(repr('café ☃ 😀'), "'café ☃ 😀'")
  })

  it('shows markup, Undefined and nested values', () => {
    assert.equal(repr(markSafe('<b>')), "Markup('<b>')")
    assert.equal(repr(undef), 'Undefined')
    assert.equal(repr([undef, markSafe('x')]), "[Undefined, Markup('x')]")
    assert.equal(repr(1.5), '1.5')
    assert.equal(repr(null), 'None')
  })
})

describe('equals', () => {
  it('compares numbers by value, booleans as 0 and 1', () => {
    assert.equal(equals(1, 1.0), true)
    assert.equal(equals(true, 1), true)
    assert.equal(equals(false, 0), true)
    assert.equal(equals(true, 2), false)
    assert.equal(equals(2n, 2), true)
    assert.equal(equals(2n, 2.5), false)
    assert.equal(equals(Number.NaN, Number.NaN), false)
    assert.equal(equals(1, '1'), false)
  })

  it('compares strings, markup, lists, mappings, sets and dates deeply', () => {
    assert.equal(equals('a', markSafe('a')), true)
    assert.equal(equals([1, [2, 'x']], [1, [2, 'x']]), true)
    assert.equal(equals([1, 2], [1, 2, 3]), false)
    assert.equal(equals({ a: 1, b: [1] }, { b: [1], a: 1 }), true)
    assert.equal(equals({ a: 1 }, { a: 2 }), false)
    assert.equal(equals({ a: 1 }, new Map([['a', 1]])), true)
    assert.equal(equals(new Set([1, 2]), new Set([2, 1])), true)
    assert.equal(equals(new Date(5), new Date(5)), true)
    assert.equal(equals([], {}), false)
  })

  it('makes Undefined equal to Undefined only', () => {
    assert.equal(equals(undef, new Undefined('other')), true)
    assert.equal(equals(undef, undefined), true)
    assert.equal(equals(undef, null), false)
    assert.equal(equals(null, undef), false)
    assert.equal(equals(undef, ''), false)
    assert.equal(equals(null, null), true)
  })
})

describe('compare', () => {
  it('orders numbers, strings by code point, lists lexicographically and dates', () => {
    assert.equal(compare(1, 2), -1)
    assert.equal(compare(2, 1.5), 1)
    assert.equal(compare(true, 1), 0)
    assert.equal(compare(1n, 1.5), -1)
    assert.equal(compare('a', 'b'), -1)
    assert.equal(compare('B', 'a'), -1)
    assert.equal(compare('ab', 'a'), 1)
    // U+FF5E sorts before U+1F600 by code point, although its UTF-16 unit is larger.
    assert.equal(compare('\uff5e', '😀'), -1)
    assert.equal(compare('😀', '\uff5e'), 1)
    assert.equal(compare([1, 2], [1, 3]), -1)
    assert.equal(compare([1, 2], [1]), 1)
    assert.equal(compare([1, 'a'], [1, 'a']), 0)
    assert.equal(compare(new Date(1), new Date(2)), -1)
  })

  it('is unordered with NaN, so every ordering test is false', () => {
    const c = compare(Number.NaN, 1)
    assert.equal(c < 0 || c <= 0 || c > 0 || c >= 0, false)
  })

  it('refuses incomparable types, naming both and the operator', () => {
    assert.throws(
      () => compare(1, null),
      typeErr(/'<' not supported between instances of 'int' and 'NoneType'/),
    )
    assert.throws(
      () => compare('a', 1, '>='),
      typeErr(/'>=' not supported between instances of 'str' and 'int'/),
    )
    assert.throws(() => compare({}, {}), typeErr(/'dict' and 'dict'/))
    assert.throws(() => compare([1], ['a']), typeErr(/'int' and 'str'/))
  })

  it('raises the hint of an Undefined operand', () => {
    assert.throws(
      () => compare(undef, 1),
      (e) => e instanceof UndefinedError && e.message === "'x' is undefined",
    )
    assert.throws(() => compare(1, undefined), UndefinedError)
  })
})

describe('contains', () => {
  it('finds substrings, members and keys', () => {
    assert.equal(contains('hello', 'ell'), true)
    assert.equal(contains('hello', markSafe('lo')), true)
    assert.equal(contains(markSafe('<b>'), '<'), true)
    assert.equal(contains([1, 2], 2.0), true)
    assert.equal(contains([1, [2]], [2]), true)
    assert.equal(contains([true], 1), true)
    assert.equal(contains(new Set(['a']), 'a'), true)
    assert.equal(contains(new Set([[1]]), [1]), true)
    assert.equal(contains({ a: 1 }, 'a'), true)
    assert.equal(contains({ a: 1 }, 'toString'), false)
    assert.equal(contains({ 1: 'x' }, 1), true)
    assert.equal(contains(new Map([[1, 'x']]), 1), true)
    assert.equal(contains(new Map([[1, 'x']]), 2), false)
    assert.equal(contains([1, 2][Symbol.iterator](), 2), true)
  })

  it('finds nothing in an Undefined', () => {
    assert.equal(contains(undef, 'a'), false)
    assert.equal(contains(undefined, 'a'), false)
  })

  it('refuses non-containers and a non-string in a string', () => {
    assert.throws(() => contains(1, 1), typeErr(/argument of type 'int' is not iterable/))
    assert.throws(() => contains(null, 'a'), typeErr(/'NoneType' is not iterable/))
    assert.throws(
      () => contains('abc', 1),
      typeErr(/'in <string>' requires string as left operand, not int/),
    )
  })
})

describe('length and toList', () => {
  it('counts code points, items, keys and set members', () => {
    assert.equal(length('héllo'), 5)
    assert.equal(length('😀a'), 2)
    assert.equal(length(markSafe('<b>')), 3)
    assert.equal(length([1, 2, 3]), 3)
    assert.equal(length({ a: 1, b: 2 }), 2)
    assert.equal(length(new Map([[1, 1]])), 1)
    assert.equal(length(new Set([1, 2])), 2)
    assert.equal(length(undef), 0)
    assert.equal(length([1, 2][Symbol.iterator]()), 2)
    assert.throws(() => length(5), typeErr(/object of type 'int' has no len\(\)/))
    assert.throws(() => length(null), typeErr(/'NoneType'/))
  })

  it('iterates as a for loop does', () => {
    const xs = [1, 2]
    assert.equal(toList(xs), xs)
    assert.deepEqual(toList('a😀'), ['a', '😀'])
    assert.deepEqual(toList(markSafe('ab')), ['a', 'b'])
    assert.deepEqual(toList({ a: 1, b: 2 }), ['a', 'b'])
    assert.deepEqual(toList(new Map([['k', 1]])), ['k'])
    assert.deepEqual(toList(new Set([3])), [3])
    assert.deepEqual(toList(undef), [])
    assert.deepEqual(toList(undefined), [])
    function* gen() {
      yield 1
    }
    assert.deepEqual(toList(gen()), [1])
    assert.throws(() => toList(5), typeErr(/'int' object is not iterable/))
    assert.throws(() => toList(null), typeErr(/'NoneType' object is not iterable/))
    assert.throws(() => toList(true), typeErr(/'bool' object is not iterable/))
    assert.throws(() => toList(new User()), typeErr(/'User' object is not iterable/))
  })
})

describe('keyword arguments', () => {
  it('tags the trailing object without showing the tag to JavaScript', () => {
    const kw = kwargs({ sep: ', ' })
    assert.equal(isKwargs(kw), true)
    assert.equal(kw[KWARGS], true)
    assert.deepEqual(Object.keys(kw), ['sep'])
    assert.equal(JSON.stringify(kw), '{"sep":", "}')
    assert.equal(isKwargs({ ...kw }), false)
    assert.equal(isKwargs({ sep: 1 }), false)
    assert.equal(isKwargs(null), false)
  })

  it('splits call arguments into positional and keyword ones', () => {
    assert.deepEqual(splitArgs([1, kwargs({ a: 2 })]), [[1], { a: 2 }])
    assert.deepEqual(splitArgs([1, { a: 2 }]), [[1, { a: 2 }], {}])
    assert.deepEqual(splitArgs([]), [[], {}])
  })
})

describe('SafeString', () => {
  it('is a string value with its own text', () => {
    assert.ok(markSafe('x') instanceof SafeString)
    assert.equal(toStr(markSafe('a & b')), 'a & b')
  })
})
