/**
 * The registry: every Jinja2 built-in filter is there, with Jinja2's parameter names (so keyword
 * arguments written for Jinja2 land in the right place), and keyword placement refuses mistakes.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { builtinFilters } from './index.ts'
import { bindArguments, run } from './test-context.ts'

// Parameter names after the value, read from Jinja2 3.1's filter signatures.
const JINJA2: Record<string, string[]> = {
  abs: [],
  attr: ['name'],
  batch: ['linecount', 'fill_with'],
  capitalize: [],
  center: ['width'],
  count: [],
  d: ['default_value', 'boolean'],
  default: ['default_value', 'boolean'],
  dictsort: ['case_sensitive', 'by', 'reverse'],
  e: [],
  escape: [],
  filesizeformat: ['binary'],
  first: [],
  float: ['default'],
  forceescape: [],
  format: ['*args', '**kwargs'],
  groupby: ['attribute', 'default', 'case_sensitive'],
  indent: ['width', 'first', 'blank'],
  int: ['default', 'base'],
  items: [],
  join: ['d', 'attribute'],
  last: [],
  length: [],
  list: [],
  lower: [],
  map: ['*args', '**kwargs'],
  max: ['case_sensitive', 'attribute'],
  min: ['case_sensitive', 'attribute'],
  pprint: [],
  random: [],
  reject: ['*args', '**kwargs'],
  rejectattr: ['*args', '**kwargs'],
  replace: ['old', 'new', 'count'],
  reverse: [],
  round: ['precision', 'method'],
  safe: [],
  select: ['*args', '**kwargs'],
  selectattr: ['*args', '**kwargs'],
  slice: ['slices', 'fill_with'],
  sort: ['reverse', 'case_sensitive', 'attribute'],
  string: [],
  striptags: [],
  sum: ['attribute', 'start'],
  title: [],
  tojson: ['indent'],
  trim: ['chars'],
  truncate: ['length', 'killwords', 'end', 'leeway'],
  unique: ['case_sensitive', 'attribute'],
  upper: [],
  urlencode: [],
  urlize: ['trim_url_limit', 'nofollow', 'target', 'rel', 'extra_schemes'],
  wordcount: [],
  wordwrap: ['width', 'break_long_words', 'wrapstring', 'break_on_hyphens'],
  xmlattr: ['autospace'],
}

describe('builtinFilters', () => {
  it("has exactly Jinja2's filters, with Jinja2's parameter names", () => {
    assert.deepEqual(Object.keys(builtinFilters).sort(), Object.keys(JINJA2).sort())
    for (const [name, params] of Object.entries(JINJA2)) {
      assert.deepEqual(builtinFilters[name]!.params, params, name)
    }
  })

  it('shares one callable between aliases', () => {
    assert.equal(builtinFilters.d, builtinFilters.default)
    assert.equal(builtinFilters.e, builtinFilters.escape)
    assert.equal(builtinFilters.count, builtinFilters.length)
  })
})

describe('bindArguments (keyword placement used by the test context)', () => {
  it('places keywords by name, leaving gaps undefined so defaults apply', () => {
    const params = ['length', 'killwords', 'end', 'leeway']
    assert.deepEqual(bindArguments('truncate', params, [5], { end: '!' }), [5, undefined, '!'])
    assert.equal(run('truncate', 'foo bar baz', [5], { end: '!', leeway: 0 }), 'foo!')
  })

  it('collects other keywords into a trailing kwargs object for **kwargs', () => {
    const [object] = bindArguments('map', ['*args', '**kwargs'], [], { attribute: 'a' })
    assert.deepEqual({ ...(object as object) }, { attribute: 'a' })
    assert.deepEqual(bindArguments('map', ['*args', '**kwargs'], ['upper']), ['upper'])
    const padded = bindArguments('f', ['a', 'b', '**kwargs'], [1], { other: 2 })
    assert.equal(padded.length, 3)
    assert.equal(padded[1], undefined)
  })

  it('refuses unknown, repeated and surplus arguments', () => {
    assert.throws(() => run('truncate', 'x', [], { size: 3 }), /no argument "size"/)
    assert.throws(() => run('truncate', 'x', [3], { length: 3 }), /twice/)
    assert.throws(() => run('upper', 'x', [1]), /at most 0 arguments/)
  })
})
