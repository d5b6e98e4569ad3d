/**
 * Sequence filters against Jinja2 3.1's outputs: picking, shaping, ordering and folding.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SafeString } from '../runtime/markup.ts'
import { Undefined } from '../runtime/undefined.ts'
import { makeContext, run, runEscaped } from './test-context.ts'

const safe = (text: string) => new SafeString(text)
const missing = new Undefined("'x' is undefined")

const users = [
  { name: 'bob', age: 30, city: 'NY', addr: { city: 'b' } },
  { name: 'Alice', age: 25, city: 'ca', addr: { city: 'A' } },
  { name: 'carl', age: 30, city: 'CA', addr: { city: 'c' } },
  { name: 'dave', age: 25, city: 'NY', addr: { city: 'a' } },
]
const names = (list: unknown) => (list as Array<{ name: string }>).map((u) => u.name)

describe('length, count, list, first, last, random', () => {
  it('measure and list as Python would', () => {
    assert.equal(run('length', [1, 2, 3]), 3)
    assert.equal(run('count', 'héllo😀'), 6)
    assert.equal(run('length', { a: 1 }), 1)
    assert.equal(run('length', missing), 0)
    assert.deepEqual(run('list', 'ab😀'), ['a', 'b', '😀'])
    assert.deepEqual(run('list', { a: 1, b: 2 }), ['a', 'b'])
    assert.deepEqual(run('list', missing), [])
    assert.throws(() => run('length', 5), { code: 'PLINTH_TEMPLATE_TYPE' })
    assert.throws(() => run('list', 5), { code: 'PLINTH_TEMPLATE_TYPE' })
  })

  it('list copies, so the input is never changed through it', () => {
    const input = [1, 2]
    const copy = run('list', input) as unknown[]
    assert.notEqual(copy, input)
  })

  it('pick the first and last items, undefined when empty', () => {
    assert.equal(run('first', [1, 2, 3]), 1)
    assert.equal(run('last', [1, 2, 3]), 3)
    assert.equal(run('first', 'abc'), 'a')
    assert.equal(run('last', { a: 1, b: 2 }), 'b')
    const none = run('first', []) as Undefined
    assert.ok(none instanceof Undefined)
    assert.equal(none.hint, 'No first item, sequence was empty.')
    assert.ok(run('last', missing) instanceof Undefined)
  })

  it('random picks an item', () => {
    assert.ok([1, 2, 3].includes(run('random', [1, 2, 3]) as number))
    assert.ok(run('random', []) instanceof Undefined)
  })
})

describe('items and reverse', () => {
  it('items gives pairs of a mapping, nothing for undefined', () => {
    assert.deepEqual(run('items', { a: 1, b: [2] }), [
      ['a', 1],
      ['b', [2]],
    ])
    assert.deepEqual(run('items', new Map([[1, 'x']])), [[1, 'x']])
    assert.deepEqual(run('items', missing), [])
    assert.throws(() => run('items', [1, 2]), { code: 'PLINTH_TEMPLATE_TYPE' })
  })

  it('reverse reverses strings (markup kept) and items', () => {
    assert.equal(run('reverse', 'héllo😀'), '😀olléh')
    assert.deepEqual(runEscaped('reverse', safe('<b>')), safe('>b<'))
    assert.deepEqual(run('reverse', [1, 2, 3]), [3, 2, 1])
    assert.deepEqual(run('reverse', { a: 1, b: 2 }), ['b', 'a'])
  })
})

describe('batch and slice', () => {
  const ten = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]

  it('batch makes rows of n, filling the last one if asked', () => {
    assert.deepEqual(run('batch', ten, [3]), [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]])
    assert.deepEqual(run('batch', ten, [4, 'X']), [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 'X', 'X'],
    ])
    assert.deepEqual(run('batch', 'abcde', [2], { fill_with: '_' }), [
      ['a', 'b'],
      ['c', 'd'],
      ['e', '_'],
    ])
    assert.deepEqual(run('batch', [], [2]), [])
  })

  it('slice makes n columns, the first ones longer', () => {
    assert.deepEqual(run('slice', ten, [3]), [
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ])
    assert.deepEqual(run('slice', ten, [3, 'X']), [
      [0, 1, 2, 3],
      [4, 5, 6, 'X'],
      [7, 8, 9, 'X'],
    ])
    assert.deepEqual(run('slice', ten, [4]), [
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
      [8, 9],
    ])
    assert.deepEqual(run('slice', [], [2]), [[], []])
  })

  it('refuse sizes below one', () => {
    for (const name of ['batch', 'slice']) {
      assert.throws(() => run(name, ten, [0]), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
      assert.throws(() => run(name, ten, [-1]), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
      assert.throws(() => run(name, ten, ['2']), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
    }
  })
})

describe('join', () => {
  it("reproduces Jinja2's documented examples", () => {
    assert.equal(run('join', [1, 2, 3], ['|']), '1|2|3')
    assert.equal(run('join', [1, 2, 3]), '123')
    assert.equal(run('join', users, [', '], { attribute: 'name' }), 'bob, Alice, carl, dave')
  })

  it('prints values as Python str()', () => {
    assert.equal(run('join', [null, true, 1.5, 'x'], [',']), 'None,True,1.5,x')
    assert.equal(run('join', 'abc', ['-']), 'a-b-c')
  })

  it('returns text without markup, even with autoescaping', () => {
    assert.equal(runEscaped('join', ['<a>', '<b>'], ['<br>']), '<a><br><b>')
  })

  it('escapes the other parts and returns markup when a part is markup', () => {
    assert.deepEqual(runEscaped('join', ['<a>', safe('<b>')], [', ']), safe('&lt;a&gt;, <b>'))
    assert.deepEqual(
      runEscaped('join', ['<a>', '<b>'], [safe('<br>')]),
      safe('&lt;a&gt;<br>&lt;b&gt;'),
    )
  })

  it('ignores markup without autoescaping', () => {
    assert.equal(run('join', ['<a>', safe('<b>')], [', ']), '<a>, <b>')
  })
})

describe('sum', () => {
  it('adds numbers, attributes, and from a start', () => {
    assert.equal(run('sum', [1, 2, 3]), 6)
    assert.equal(run('sum', users, ['age']), 110)
    assert.equal(run('sum', [1, 2, 3], [], { start: 10 }), 16)
    assert.deepEqual(run('sum', [[1], [2]], [], { start: [] }), [1, 2])
    assert.equal(run('sum', []), 0)
  })

  it('refuses strings, as Python does', () => {
    assert.throws(() => run('sum', ['a', 'b']), { code: 'PLINTH_TEMPLATE_TYPE' })
    assert.throws(() => run('sum', ['a'], [], { start: '' }), {
      code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT',
    })
  })
})

describe('sort', () => {
  it('sorts case-insensitively by default, stably', () => {
    assert.deepEqual(run('sort', ['b', 'A', 'c', 'a', 'B']), ['A', 'a', 'b', 'B', 'c'])
    assert.deepEqual(run('sort', ['b', 'A', 'c', 'a', 'B'], [true]), ['c', 'b', 'B', 'A', 'a'])
    assert.deepEqual(run('sort', ['b', 'A', 'c', 'a', 'B'], [false, true]), [
      'A',
      'B',
      'a',
      'b',
      'c',
    ])
    assert.deepEqual(run('sort', [3, 1, 2.5, true]), [1, true, 2.5, 3])
  })

  it('sorts by attributes, dotted paths and lists of them', () => {
    assert.deepEqual(names(run('sort', users, [], { attribute: 'age' })), [
      'Alice',
      'dave',
      'bob',
      'carl',
    ])
    assert.deepEqual(names(run('sort', users, [], { attribute: 'age,name' })), [
      'Alice',
      'dave',
      'bob',
      'carl',
    ])
    assert.deepEqual(names(run('sort', users, [true], { attribute: 'age,name' })), [
      'carl',
      'bob',
      'dave',
      'Alice',
    ])
    assert.deepEqual(names(run('sort', users, [], { attribute: 'addr.city' })), [
      'Alice',
      'dave',
      'bob',
      'carl',
    ])
    assert.deepEqual(
      names(run('sort', users, [], { attribute: 'addr.city', case_sensitive: true })),
      ['Alice', 'dave', 'bob', 'carl'],
    )
  })

  it('refuses values Python cannot order', () => {
    assert.throws(() => run('sort', [1, 'a']), { code: 'PLINTH_TEMPLATE_TYPE' })
  })
})

describe('dictsort', () => {
  const d = { b: 1, A: 3, a: 2, C: 0 }

  it('sorts pairs by key or value, case-insensitively by default', () => {
    assert.deepEqual(run('dictsort', d), [
      ['A', 3],
      ['a', 2],
      ['b', 1],
      ['C', 0],
    ])
    assert.deepEqual(run('dictsort', d, [true]), [
      ['A', 3],
      ['C', 0],
      ['a', 2],
      ['b', 1],
    ])
    assert.deepEqual(run('dictsort', d, [false, 'value']), [
      ['C', 0],
      ['b', 1],
      ['a', 2],
      ['A', 3],
    ])
    assert.deepEqual(run('dictsort', d, [], { reverse: true }), [
      ['C', 0],
      ['b', 1],
      ['A', 3],
      ['a', 2],
    ])
  })

  it('refuses other sort keys and non-mappings', () => {
    assert.throws(() => run('dictsort', d, [false, 'bogus']), {
      code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT',
      message: /"key" or "value"/,
    })
    assert.throws(() => run('dictsort', [1]), { code: 'PLINTH_TEMPLATE_TYPE' })
  })
})

describe('unique', () => {
  it("reproduces Jinja2's documented example", () => {
    assert.deepEqual(run('unique', ['foo', 'bar', 'foobar', 'FooBar']), ['foo', 'bar', 'foobar'])
  })

  it('compares as Python sets do, or by attribute, or case-sensitively', () => {
    assert.deepEqual(run('unique', [1, 1, true, '1', 0, false, null, null]), [1, '1', 0, null])
    assert.deepEqual(run('unique', ['a', 'A', safe('a')], [true]), ['a', 'A'])
    assert.deepEqual(names(run('unique', users, [], { attribute: 'city' })), ['bob', 'Alice'])
    assert.deepEqual(run('unique', [[1], [1], { a: 1 }, { a: 1 }]), [[1], { a: 1 }])
  })
})

describe('min and max', () => {
  it("reproduce Jinja2's documented examples", () => {
    assert.equal(run('min', [1, 2, 3]), 1)
    assert.equal(run('max', [1, 2, 3]), 3)
  })

  it('ignore case by default, keep the first of equals, and use attributes', () => {
    assert.equal(run('max', ['b', 'A', 'c', 'a', 'C']), 'c')
    assert.equal(run('min', ['b', 'A', 'c', 'a', 'B']), 'A')
    assert.equal(run('max', ['b', 'A', 'c', 'a', 'B'], [true]), 'c')
    assert.equal(run('min', ['b', 'a', 'A'], [true]), 'A')
    assert.equal((run('max', users, [], { attribute: 'age' }) as { name: string }).name, 'bob')
    assert.equal((run('min', users, [], { attribute: 'name' }) as { name: string }).name, 'Alice')
  })

  it('are undefined for empty sequences and refuse unordered values', () => {
    assert.ok(run('max', []) instanceof Undefined)
    assert.throws(() => run('min', [1, 'a']), { code: 'PLINTH_TEMPLATE_TYPE' })
  })
})

describe('groupby', () => {
  it('groups case-insensitively, the grouper in the case of its first item', () => {
    const groups = run('groupby', users, ['city']) as unknown[][]
    assert.deepEqual(
      groups.map(([grouper, list]) => [grouper, names(list)]),
      [
        ['ca', ['Alice', 'carl']],
        ['NY', ['bob', 'dave']],
      ],
    )
  })

  it('gives (grouper, list) pairs that also have .grouper and .list', () => {
    const [first] = run('groupby', users, ['age']) as Array<
      unknown[] & { grouper: unknown; list: unknown }
    >
    assert.equal(first!.grouper, 25)
    assert.deepEqual(names(first!.list), ['Alice', 'dave'])
    assert.equal(first!.length, 2)
    assert.deepEqual(Object.keys(first!), ['0', '1'])
  })

  it('reaches .grouper and .list through template attribute lookup', () => {
    const ctx = makeContext()
    const [first] = run('groupby', users, ['age']) as unknown[]
    assert.equal(ctx.getattr(first, 'grouper'), 25)
    assert.deepEqual(names(ctx.getattr(first, 'list')), ['Alice', 'dave'])
  })

  it('groups case-sensitively, by dotted paths, with a default', () => {
    const keys = (groups: unknown) => (groups as unknown[][]).map((g) => g[0])
    assert.deepEqual(keys(run('groupby', users, [], { attribute: 'city', case_sensitive: true })), [
      'CA',
      'NY',
      'ca',
    ])
    assert.deepEqual(keys(run('groupby', users, ['addr.city'])), ['A', 'b', 'c'])
    const defaulted = run('groupby', [{ a: 1 }, { b: 2 }, { a: 1 }], ['a'], {
      default: 0,
    }) as unknown[][]
    assert.deepEqual(defaulted, [
      [0, [{ b: 2 }]],
      [1, [{ a: 1 }, { a: 1 }]],
    ])
  })

  it('needs an attribute and values that can be ordered', () => {
    assert.throws(() => run('groupby', users), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
    assert.throws(() => run('groupby', [{ a: 1 }, { b: 2 }], ['a']), {
      code: 'PLINTH_TEMPLATE_UNDEFINED',
    })
  })
})
