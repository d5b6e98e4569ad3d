import assert from 'node:assert/strict'
import { Buffer } from 'node:buffer'
import { EventEmitter } from 'node:events'
import { describe, it } from 'node:test'
import { getattr, getitem, slice } from './access.ts'
import { markSafe, SafeString } from './markup.ts'
import { Undefined, UndefinedError } from './undefined.ts'
import { TemplateValueError } from './values.ts'

class Person {
  first = 'Ada'
  #secret = 'hidden'
  get full() {
    return `${this.first} Lovelace`
  }
  greet(greeting: string) {
    return `${greeting}, ${this.first}`
  }
  reveal() {
    return this.#secret
  }
}
class Admin extends Person {
  get role() {
    return 'admin'
  }
}
class Bus extends EventEmitter {
  topic = 'news'
}

/** The hint of an Undefined, or fail. */
function hint(value: unknown): string {
  assert.ok(value instanceof Undefined, `expected an Undefined, got ${String(value)}`)
  return value.hint
}
const missing = (value: unknown) =>
  assert.ok(value instanceof Undefined, `${String(value)} is reachable`)

describe('getattr', () => {
  it('reads own properties, Map entries and Python methods', () => {
    assert.equal(getattr({ a: 1 }, 'a'), 1)
    assert.equal(getattr(new Map([['a', 2]]), 'a'), 2)
    assert.deepEqual((getattr({ a: 1 }, 'items') as () => unknown)(), [['a', 1]])
    assert.deepEqual((getattr(new Map([['a', 1]]), 'keys') as () => unknown)(), ['a'])
    assert.equal((getattr('abc', 'upper') as () => unknown)(), 'ABC')
    assert.equal((getattr(markSafe('a'), 'upper') as () => unknown)() instanceof SafeString, true)
    assert.equal((getattr([1, 1], 'count') as (x: unknown) => unknown)(1), 2)
  })

  it('prefers an own property to a Python method of the same name', () => {
    assert.deepEqual(getattr({ items: [1, 2] }, 'items'), [1, 2])
    assert.equal(getattr(new Map([['get', 'x']]), 'get'), 'x')
  })

  it('reaches getters and methods of application classes, bound to the object', () => {
    const ada = new Admin()
    assert.equal(getattr(ada, 'first'), 'Ada')
    assert.equal(getattr(ada, 'full'), 'Ada Lovelace')
    assert.equal(getattr(ada, 'role'), 'admin')
    assert.equal((getattr(ada, 'greet') as (g: string) => string)('Hi'), 'Hi, Ada')
    assert.equal((getattr(ada, 'reveal') as () => string)(), 'hidden')
    assert.equal(getattr(new Bus(), 'topic'), 'news')
  })

  it('binds functions held in objects', () => {
    const obj = {
      name: 'obj',
      who() {
        return this.name
      },
    }
    assert.equal((getattr(obj, 'who') as () => string)(), 'obj')
  })

  it('never reaches constructor, __proto__, prototype or legacy accessors', () => {
    const targets: unknown[] = [
      'x',
      markSafe('x'),
      1,
      true,
      [],
      {},
      new Map(),
      new Admin(),
      () => 1,
      new Date(),
      class A {},
    ]
    const names = [
      'constructor',
      '__proto__',
      'prototype',
      '__defineGetter__',
      '__lookupGetter__',
      'caller',
      'arguments',
    ]
    for (const target of targets) for (const name of names) missing(getattr(target, name))
    missing(getattr(JSON.parse('{"__proto__": {"x": 1}}'), '__proto__'))
    missing(getattr({ constructor: 'data' }, 'constructor'))
    missing(getattr(new Map([['constructor', 1]]), 'constructor'))
  })

  it("never reaches built-in prototypes' methods", () => {
    const cases: Array<[unknown, string]> = [
      ['x', 'toUpperCase'],
      ['x', 'length'],
      ['x', 'charAt'],
      [[], 'map'],
      [[], 'length'],
      [[], 'push'],
      [{}, 'toString'],
      [{}, 'hasOwnProperty'],
      [{}, 'valueOf'],
      [new Map(), 'set'],
      [new Map(), 'size'],
      [new Set([1]), 'add'],
      [new Date(), 'getTime'],
      [new Date(), 'setTime'],
      [Promise.resolve(), 'then'],
      [Buffer.from('x'), 'write'],
      [new Uint8Array(1), 'fill'],
      [new Bus(), 'emit'],
      [new Bus(), 'on'],
      [new Admin(), 'toString'],
      [new Admin(), 'hasOwnProperty'],
      [() => 1, 'call'],
      [() => 1, 'apply'],
      [() => 1, 'bind'],
      [function named() {}, 'name'],
      [() => 1, 'length'],
      [1, 'toFixed'],
      [new Error('x'), 'toString'],
    ]
    for (const [target, name] of cases) missing(getattr(target, name))
  })

  it("reads a function's own data but not its built-in properties", () => {
    const helper = Object.assign(() => 1, { version: '2' })
    assert.equal(getattr(helper, 'version'), '2')
    missing(getattr(helper, 'name'))
  })

  it('names what is missing as Jinja2 does', () => {
    assert.equal(hint(getattr({}, 'zz')), "'dict object' has no attribute 'zz'")
    assert.equal(hint(getattr([], 'zz')), "'list object' has no attribute 'zz'")
    assert.equal(hint(getattr('s', 'zz')), "'str object' has no attribute 'zz'")
    assert.equal(hint(getattr(new Admin(), 'zz')), "'Admin object' has no attribute 'zz'")
    assert.equal(hint(getattr(null, 'x')), "'None' has no attribute 'x'")
    assert.equal(hint(getattr(3, 'x')), "'int object' has no attribute 'x'")
  })

  it("uses the caller's makeUndefined", () => {
    const made: string[] = []
    const out = getattr({}, 'x', (h) => {
      const text = typeof h === 'function' ? h() : h
      made.push(text)
      return new Undefined(`strict: ${text}`)
    })
    assert.equal(hint(out), "strict: 'dict object' has no attribute 'x'")
    assert.deepEqual(made, ["'dict object' has no attribute 'x'"])
  })

  it('raises the hint of an Undefined looked into', () => {
    const undef = new Undefined("'user' is undefined")
    assert.throws(
      () => getattr(undef, 'name'),
      (e) => e instanceof UndefinedError && e.message === "'user' is undefined",
    )
    assert.throws(() => getattr(undefined, 'name'), UndefinedError)
  })

  it('keeps str.format on the same rules', () => {
    const format = getattr('{0.first}|{0.constructor}|{0[first]}', 'format') as (
      ...a: unknown[]
    ) => unknown
    assert.equal(format(new Person()), 'Ada||Ada')
  })
})

describe('getitem', () => {
  it('indexes lists and strings from either end', () => {
    const xs = ['a', 'b', 'c']
    assert.equal(getitem(xs, 0), 'a')
    assert.equal(getitem(xs, -1), 'c')
    assert.equal(getitem(xs, true), 'b')
    assert.equal(getitem(xs, 2n), 'c')
    assert.equal(getitem('abc', -1), 'c')
    assert.equal(getitem('😀ab', 1), 'a')
    assert.equal(getitem('a😀b', -2), '😀')
    const c = getitem(markSafe('<b>'), 0)
    assert.ok(c instanceof SafeString)
    assert.equal(String(c), '<')
  })

  it('gives an Undefined for positions out of range', () => {
    assert.equal(hint(getitem([1, 2, 3], 9)), 'list object has no element 9')
    assert.equal(hint(getitem([1], -2)), 'list object has no element -2')
    assert.equal(hint(getitem([1], 0.5)), 'list object has no element 0.5')
    assert.equal(hint(getitem('abc', 9)), 'str object has no element 9')
    assert.equal(hint(getitem(null, 0)), 'None has no element 0')
  })

  it('looks up mapping keys, numbers standing for their string form', () => {
    assert.equal(getitem({ a: 1 }, 'a'), 1)
    assert.equal(getitem({ 1: 'one' }, 1), 'one')
    assert.equal(getitem({ a: 1 }, markSafe('a')), 1)
    assert.equal(getitem(new Map<unknown, unknown>([[1, 'one']]), 1), 'one')
    assert.equal(getitem(new Map<unknown, unknown>([[1, 'one']]), '1') instanceof Undefined, true)
    assert.equal(hint(getitem({ a: 1 }, 'b')), "'dict object' has no attribute 'b'")
    assert.equal(hint(getitem({}, [1])), 'dict object has no element [1]')
  })

  it('falls back to attributes for string keys', () => {
    assert.equal(typeof getitem([1], 'count'), 'function')
    assert.equal(getitem(new Person(), 'full'), 'Ada Lovelace')
    assert.equal(hint(getitem(new Person(), 0)), 'Person object has no element 0')
  })

  it('never reaches blocked names or built-in methods', () => {
    for (const key of ['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty']) {
      missing(getitem({}, key))
      missing(getitem([], key))
      missing(getitem('x', key))
      missing(getitem(new Person(), key))
    }
    missing(getitem({ constructor: 1 }, 'constructor'))
    missing(getitem([], 'map'))
    missing(getitem([], 'length'))
  })

  it('raises the hint of an Undefined looked into', () => {
    assert.throws(() => getitem(new Undefined("'xs' is undefined"), 0), /'xs' is undefined/)
  })
})

describe('slice', () => {
  const xs = [1, 2, 3, 4, 5]
  it('slices lists with Python semantics', () => {
    assert.deepEqual(slice(xs, 1, 3, null), [2, 3])
    assert.deepEqual(slice(xs, null, null, -1), [5, 4, 3, 2, 1])
    assert.deepEqual(slice(xs, 1, 4, 2), [2, 4])
    assert.deepEqual(slice(xs, 4, 1, -2), [5, 3])
    assert.deepEqual(slice(xs, -2, undefined, undefined), [4, 5])
    assert.deepEqual(slice(xs, -10, 2, undefined), [1, 2])
    assert.deepEqual(slice(xs, 5, undefined, undefined), [])
    assert.deepEqual(slice(xs, 3, 1, undefined), [])
    assert.deepEqual(slice(xs, undefined, -10, -1), [5, 4, 3, 2, 1])
    assert.notEqual(slice(xs, null, null, null), xs)
  })

  it('slices strings by code point and keeps markup trusted', () => {
    assert.equal(slice('abc', 1, undefined, undefined), 'bc')
    assert.equal(slice('abc', undefined, undefined, -1), 'cba')
    assert.equal(slice('a😀b', 1, 2, undefined), '😀')
    assert.equal(slice('a😀b', undefined, undefined, -1), 'b😀a')
    const out = slice(markSafe('<b>x'), 3, undefined, undefined)
    assert.ok(out instanceof SafeString)
    assert.equal(String(out), 'x')
  })

  it('refuses a zero step', () => {
    assert.throws(
      () => slice(xs, null, null, 0),
      (e) =>
        e instanceof TemplateValueError &&
        e.code === 'PLINTH_TEMPLATE_VALUE' &&
        /slice step cannot be zero/.test(e.message),
    )
  })

  it('gives an Undefined for what cannot be sliced', () => {
    assert.equal(
      hint(slice({ a: 1 }, 1, 2, undefined)),
      'dict object has no element slice(1, 2, None)',
    )
    assert.equal(
      hint(slice(5, undefined, 1, undefined)),
      'int object has no element slice(None, 1, None)',
    )
    assert.equal(
      hint(slice(xs, 'a', undefined, undefined)),
      "list object has no element slice('a', None, None)",
    )
    missing(slice(xs, 1.5, undefined, undefined))
    assert.throws(() => slice(new Undefined("'xs' is undefined"), 1, 2, undefined), UndefinedError)
  })
})
