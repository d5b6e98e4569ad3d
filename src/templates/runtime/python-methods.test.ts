import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { markSafe, SafeString } from './markup.ts'
import { pyMethod } from './python-methods.ts'
import { type FieldLookup, kwargs, TemplateValueError } from './values.ts'

const lookup: FieldLookup = (obj, key) => (obj as Record<string | number, unknown>)[key]

/** Call the Python method `name` of `self`, as a template would. */
function call(self: unknown, name: string, ...args: unknown[]): unknown {
  const method = pyMethod(self, name, lookup)
  assert.ok(method, `${name} exists`)
  return method(...args)
}

function fails(code: string, message: RegExp) {
  return (e: unknown) =>
    e instanceof TemplateValueError && e.code === code && message.test(e.message)
}
const typeErr = (m: RegExp) => fails('PLINTH_TEMPLATE_TYPE', m)
const valueErr = (m: RegExp) => fails('PLINTH_TEMPLATE_VALUE', m)

describe('string methods', () => {
  it('change case', () => {
    assert.equal(call('aBc', 'upper'), 'ABC')
    assert.equal(call('aBc', 'lower'), 'abc')
    assert.equal(call('hello world', 'title'), 'Hello World')
    assert.equal(call("they're 1st", 'title'), "They'Re 1St")
    assert.equal(call('aBC dEF', 'capitalize'), 'Abc def')
    assert.equal(call('', 'capitalize'), '')
    assert.equal(call('aB', 'swapcase'), 'Ab')
  })

  it('strip whitespace or a set of characters', () => {
    assert.equal(call(' \t\n x y \u3000', 'strip'), 'x y')
    assert.equal(call('  x ', 'lstrip'), 'x ')
    assert.equal(call('  x ', 'rstrip'), '  x')
    assert.equal(call('xxaxyx', 'strip', 'xy'), 'a')
    assert.equal(call('xxaxx', 'lstrip', 'x'), 'axx')
    assert.equal(call('xxaxx', 'rstrip', 'x'), 'xxa')
    assert.equal(call('\ufeffx', 'strip'), '\ufeffx')
    assert.equal(call(' x ', 'strip', null), 'x')
  })

  it('split and rsplit as Python does', () => {
    assert.deepEqual(call('  a  b\tc  ', 'split'), ['a', 'b', 'c'])
    assert.deepEqual(call('a,b,,c', 'split', ','), ['a', 'b', '', 'c'])
    assert.deepEqual(call('a b c', 'split', null, 1), ['a', 'b c'])
    assert.deepEqual(call('  a  b  c  ', 'split', null, 1), ['a', 'b  c  '])
    assert.deepEqual(call('a b c', 'rsplit', null, 1), ['a b', 'c'])
    assert.deepEqual(call('  a  b  c  ', 'rsplit', null, 1), ['  a  b', 'c'])
    assert.deepEqual(call('a,b,c', 'split', ',', 1), ['a', 'b,c'])
    assert.deepEqual(call('a,b,c', 'rsplit', ',', 1), ['a,b', 'c'])
    assert.deepEqual(call('a,b,c', 'split', kwargs({ sep: ',', maxsplit: 1 })), ['a', 'b,c'])
    assert.deepEqual(call('', 'split'), [])
    assert.deepEqual(call('', 'split', ','), [''])
    assert.deepEqual(call('a\nb\r\nc\n', 'splitlines'), ['a', 'b', 'c'])
    assert.deepEqual(call('a\nb', 'splitlines', true), ['a\n', 'b'])
    assert.throws(() => call('a', 'split', ''), valueErr(/empty separator/))
    assert.throws(() => call('a', 'split', 1), typeErr(/separator must be str, not int/))
  })

  it('test prefixes and suffixes, one or a tuple', () => {
    assert.equal(call('abc', 'startswith', 'ab'), true)
    assert.equal(call('abc', 'startswith', ['x', 'a']), true)
    assert.equal(call('abc', 'startswith', 'b', 1), true)
    assert.equal(call('abc', 'endswith', 'bc'), true)
    assert.equal(call('abc', 'endswith', 'b', 0, 2), true)
    assert.equal(call('abc', 'endswith', 'x'), false)
    assert.throws(
      () => call('abc', 'startswith', 1),
      typeErr(/startswith first arg .*must be str, not int/),
    )
  })

  it('replace, with a count and with an empty pattern', () => {
    assert.equal(call('a-b-c', 'replace', '-', '+'), 'a+b+c')
    assert.equal(call('a-b-c', 'replace', '-', '+', 1), 'a+b-c')
    assert.equal(call('abc', 'replace', '', '-'), '-a-b-c-')
    assert.equal(call('abc', 'replace', '', '-', 2), '-a-bc')
    assert.equal(call('abc', 'replace', 'x', '-'), 'abc')
  })

  it('count and find by code point', () => {
    assert.equal(call('aaa', 'count', 'a'), 3)
    assert.equal(call('aaa', 'count', ''), 4)
    assert.equal(call('aaa', 'count', 'aa'), 1)
    assert.equal(call('abcabc', 'count', 'a', 1), 1)
    assert.equal(call('abc', 'find', 'c'), 2)
    assert.equal(call('abc', 'find', 'z'), -1)
    assert.equal(call('😀abc', 'find', 'b'), 2)
    assert.equal(call('abcabc', 'find', 'a', 1), 3)
    assert.equal(call('abcabc', 'rfind', 'a'), 3)
    assert.equal(call('abc', 'find', '', 5), -1)
    assert.equal(call('abc', 'index', 'b'), 1)
    assert.throws(() => call('abc', 'index', 'z'), valueErr(/substring not found/))
  })

  it('join strings only', () => {
    assert.equal(call(', ', 'join', ['a', 'b']), 'a, b')
    assert.equal(call('-', 'join', 'abc'), 'a-b-c')
    assert.equal(call('', 'join', []), '')
    assert.throws(
      () => call(',', 'join', [1, 2]),
      typeErr(/sequence item 0: expected str instance, int found/),
    )
  })

  it('format with positional and keyword arguments', () => {
    assert.equal(call('{} and {x}', 'format', 1, kwargs({ x: 2 })), '1 and 2')
    assert.equal(call('{:.2f}', 'format', Math.PI), '3.14')
    assert.equal(call('{0.name}', 'format', { name: 'Ada' }), 'Ada')
  })

  it('pad to a width', () => {
    assert.equal(call('ab', 'center', 7, '*'), '***ab**')
    assert.equal(call('ab', 'center', 6), '  ab  ')
    assert.equal(call('abc', 'center', 6), ' abc  ')
    assert.equal(call('ab', 'ljust', 4, '.'), 'ab..')
    assert.equal(call('ab', 'rjust', 4), '  ab')
    assert.equal(call('abc', 'rjust', 2), 'abc')
    assert.equal(call('-42', 'zfill', 5), '-0042')
    assert.throws(() => call('a', 'center', 5, '**'), typeErr(/exactly one character/))
    assert.throws(() => call('a', 'center', 'x'), typeErr(/width must be an integer, not str/))
  })

  it('classify characters', () => {
    assert.deepEqual(
      ['12', '', '1a', '٣'].map((s) => call(s, 'isdigit')),
      [true, false, false, true],
    )
    assert.deepEqual(
      ['ab', 'é', 'a1', ''].map((s) => call(s, 'isalpha')),
      [true, true, false, false],
    )
    assert.deepEqual(
      ['AB1', 'Ab', '1', 'ÉA'].map((s) => call(s, 'isupper')),
      [true, false, false, true],
    )
    assert.deepEqual(
      ['ab1', 'aB', '1', ''].map((s) => call(s, 'islower')),
      [true, false, false, false],
    )
    assert.deepEqual(
      [' \t', '', ' a'].map((s) => call(s, 'isspace')),
      [true, false, false],
    )
  })

  it('refuse keyword arguments where Python methods take none', () => {
    assert.throws(
      () => call('a', 'upper', kwargs({ x: 1 })),
      typeErr(/upper\(\) takes no keyword arguments/),
    )
  })

  it('has no JavaScript methods', () => {
    for (const name of [
      'toUpperCase',
      'constructor',
      '__proto__',
      'length',
      'charAt',
      'valueOf',
      'toString',
    ])
      assert.equal(pyMethod('abc', name, lookup), undefined, name)
  })
})

describe('markup methods', () => {
  it('keep string results trusted and escape inserted text', () => {
    const up = call(markSafe('<b>x</b>'), 'upper')
    assert.ok(up instanceof SafeString)
    assert.equal(String(up), '<B>X</B>')
    // As MarkupSafe: the pattern is matched as is, the replacement is escaped.
    assert.equal(String(call(markSafe('a<br>b'), 'replace', '<br>', '<hr>')), 'a&lt;hr&gt;b')
    assert.equal(String(call(markSafe('a&amp;b'), 'replace', '&', '<')), 'a&lt;amp;b')
    assert.equal(String(call(markSafe('<x>'), 'strip', '<>')), 'x')
    assert.equal(String(call(markSafe('x'), 'ljust', 3, '-')), 'x--')
    // The fill character is escaped first, so '"' becomes '&#34;', too long (as in MarkupSafe).
    assert.throws(() => call(markSafe('x'), 'ljust', 3, '"'), typeErr(/exactly one character/))
    assert.equal(String(call(markSafe('a-b'), 'replace', '-', markSafe('<hr>'))), 'a<hr>b')
  })

  it('escape joined items and format arguments', () => {
    const joined = call(markSafe('<br>'), 'join', ['<a>', markSafe('<b>')])
    assert.ok(joined instanceof SafeString)
    assert.equal(String(joined), '&lt;a&gt;<br><b>')
    assert.equal(String(call(markSafe('<p>{}</p>'), 'format', '<i>')), '<p>&lt;i&gt;</p>')
    const parts = call(markSafe('<a> <b>'), 'split') as unknown[]
    assert.ok(parts.every((p) => p instanceof SafeString))
    assert.deepEqual(parts.map(String), ['<a>', '<b>'])
    assert.equal(call(markSafe('<a>'), 'startswith', '<'), true)
  })
})

describe('mapping methods', () => {
  it('list items, keys and values of objects and Maps', () => {
    assert.deepEqual(call({ a: 1, b: 2 }, 'items'), [
      ['a', 1],
      ['b', 2],
    ])
    assert.deepEqual(call({ a: 1 }, 'keys'), ['a'])
    assert.deepEqual(call({ a: 1 }, 'values'), [1])
    const m = new Map<unknown, unknown>([[1, 'x']])
    assert.deepEqual(call(m, 'items'), [[1, 'x']])
    assert.deepEqual(call(m, 'keys'), [1])
    assert.deepEqual(call(m, 'values'), ['x'])
  })

  it('get a key with a default', () => {
    assert.equal(call({ a: 1 }, 'get', 'a'), 1)
    assert.equal(call({ a: 1 }, 'get', 'b'), null)
    assert.equal(call({ a: 1 }, 'get', 'b', 3), 3)
    assert.equal(call({ 1: 'one' }, 'get', 1), 'one')
    assert.equal(call({}, 'get', 'toString'), null)
    assert.equal(call({}, 'get', 'constructor', 'no'), 'no')
    assert.equal(call(new Map([[2, 'two']]), 'get', 2), 'two')
  })

  it('has no mutating or JavaScript methods', () => {
    for (const name of [
      'update',
      'pop',
      'setdefault',
      'clear',
      'set',
      'delete',
      'hasOwnProperty',
      'toString',
    ])
      assert.equal(pyMethod({}, name, lookup), undefined, name)
    assert.equal(pyMethod(new Map(), 'set', lookup), undefined)
  })
})

describe('list methods', () => {
  it('index and count by equality', () => {
    assert.equal(call([1, 2, 3], 'index', 2), 1)
    assert.equal(call([1, 2, 1], 'index', 1, 1), 2)
    assert.equal(call([1, 2, 1], 'count', 1), 2)
    assert.equal(call([[1], [1]], 'count', [1]), 2)
    assert.equal(call([true], 'index', 1), 0)
    assert.throws(() => call([1, 2], 'index', 3), valueErr(/3 is not in list/))
  })

  it('has no mutating or JavaScript methods', () => {
    for (const name of ['append', 'pop', 'sort', 'reverse', 'map', 'push', 'constructor', 'length'])
      assert.equal(pyMethod([], name, lookup), undefined, name)
  })

  it('is not offered on other values', () => {
    assert.equal(pyMethod(5, 'upper', lookup), undefined)
    assert.equal(pyMethod(null, 'items', lookup), undefined)
    assert.equal(pyMethod(new Set([1]), 'count', lookup), undefined)
  })
})
