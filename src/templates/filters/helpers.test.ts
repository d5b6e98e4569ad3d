/**
 * The Python ports under the filters: `str` methods, `textwrap.wrap`, `html.unescape`,
 * `json.dumps`, exact decimal rounding and `%` formatting (outputs checked against CPython 3.11).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { repr, toStr } from '../runtime/values.ts'
import { exponentSuffix, fixedDigits, pyRound, scientificDigits } from './decimal.ts'
import { unescapeHtml } from './entities.ts'
import { dumps, jsonString } from './json.ts'
import { type FormatHooks, percentFormat } from './pyformat.ts'
import {
  cpLength,
  cpSlice,
  pyCenter,
  pyReplace,
  pySplitlines,
  pySplitWhitespace,
  pyStrip,
} from './pystr.ts'
import { wrap } from './textwrap.ts'

describe('pystr', () => {
  it('splits lines at every Python line boundary', () => {
    assert.deepEqual(pySplitlines('a\r\nb\rc\x0bd\x1ce\u2028f\n'), ['a', 'b', 'c', 'd', 'e', 'f'])
    assert.deepEqual(pySplitlines(''), [])
    assert.deepEqual(pySplitlines('\n\n'), ['', ''])
  })

  it('strips and splits on Python whitespace', () => {
    assert.equal(pyStrip('\x1f\u3000 x \x85'), 'x')
    assert.equal(pyStrip('xxaxx', 'x', 'left'), 'axx')
    assert.equal(pyStrip('xxaxx', 'x', 'right'), 'xxa')
    assert.deepEqual(pySplitWhitespace('  a\u2003b  c '), ['a', 'b', 'c'])
  })

  it('measures and slices code points', () => {
    assert.equal(cpLength('a😀'), 2)
    assert.equal(cpSlice('a😀b', 1, 2), '😀')
    assert.equal(cpSlice('abc', -2), 'bc')
  })

  it('centers and replaces like str.center and str.replace', () => {
    assert.equal(pyCenter('ab', 5, '*'), '**ab*')
    assert.equal(pyReplace('aaaa', 'a', 'b', 3), 'bbba')
    assert.equal(pyReplace('😀', '', '-'), '-😀-')
  })
})

describe('textwrap', () => {
  const lines = (text: string, width: number, breakOnHyphens = true) =>
    wrap(text, { width, breakLongWords: true, breakOnHyphens })

  it('splits chunks as CPython does', () => {
    assert.deepEqual(lines('a--b c -- d', 3), ['a--', 'b c', '--', 'd'])
    assert.deepEqual(lines('well-known self-evident long-winded', 10), [
      'well-known',
      'self-',
      'evident',
      'long-',
      'winded',
    ])
    assert.deepEqual(lines('  leading spaces and   inner  ', 8), [
      'leading',
      'spaces',
      'and',
      'inner',
    ])
    assert.deepEqual(lines('ab\tcd', 3), ['ab', 'cd'])
    assert.deepEqual(lines('x-y-z---w 1-2', 4), ['x-y-', 'z---', 'w', '1-2'])
  })
})

describe('unescapeHtml', () => {
  it('decodes named, legacy and numeric references like html.unescape', () => {
    assert.equal(
      unescapeHtml('Main &raquo; &copy &notit; &amp &AMP; &Amp;'),
      'Main » © ¬it; & & &Amp;',
    )
    assert.equal(
      unescapeHtml('&#65;&#x42;&#X43;&#128;&#x81;&#1;&#xfffe;&#xD800;'),
      'ABC€\x81\ufffd',
    )
    assert.equal(unescapeHtml('&alpha;&hellip;&apos;&nosuch;'), "α…'&nosuch;")
  })
})

describe('json', () => {
  it("writes Python's separators, sorted keys and ASCII escapes", () => {
    assert.equal(
      dumps({ b: [1, 'x'], a: { d: null, c: true } }),
      '{"a": {"c": true, "d": null}, "b": [1, "x"]}',
    )
    assert.equal(
      dumps([Number.NaN, Number.POSITIVE_INFINITY, -0.5, 1e-7, 10n]),
      '[NaN, Infinity, -0.5, 1e-07, 10]',
    )
    assert.equal(dumps(new Set([1])), '[1]')
    assert.equal(jsonString('"\\\b\f\n\r\t\x7fé'), '"\\"\\\\\\b\\f\\n\\r\\t\\u007f\\u00e9"')
    assert.equal(dumps({ a: [] }, '  '), '{\n  "a": []\n}')
  })

  it('refuses keys JSON cannot hold and keys Python cannot order', () => {
    assert.throws(() => dumps(new Map([[[1], 1]])), { code: 'PLINTH_TEMPLATE_TYPE' })
    assert.throws(
      () =>
        dumps(
          new Map<unknown, unknown>([
            [1, 1],
            ['a', 2],
          ]),
        ),
      { code: 'PLINTH_TEMPLATE_TYPE' },
    )
  })
})

describe('decimal', () => {
  it('rounds the exact binary value half to even', () => {
    assert.equal(fixedDigits(0.125, 2), '0.12')
    assert.equal(fixedDigits(2.675, 2), '2.67')
    assert.equal(fixedDigits(0.5, 0), '0')
    assert.equal(fixedDigits(1e22, 1), '10000000000000000000000.0')
    assert.equal(pyRound(-0.5, 0), -0)
    assert.deepEqual(scientificDigits(9.96, 1), { digits: '10', exponent: 1 })
    assert.deepEqual(scientificDigits(0, 2), { digits: '000', exponent: 0 })
    assert.equal(exponentSuffix(-5, true), 'E-05')
  })
})

describe('percentFormat', () => {
  const hooks: FormatHooks = { str: toStr, repr }
  const f = (fmt: string, ...args: unknown[]) => percentFormat(fmt, args, hooks)

  it('formats numbers as CPython does', () => {
    assert.equal(
      f('%.3e|%10.2E|%-+8.1f|%#.0f|%#x|%.0e', 0.00012345, 123456789, 2.25, 2, 0, 99999),
      '1.234e-04|  1.23E+08|+2.2    |2.|0x0|1e+05',
    )
    assert.equal(
      f('%g|%g|%.2g|%#g|%G', 1e16, 123456789, 0.000099999, 1, 1e-10),
      '1e+16|1.23457e+08|0.0001|1.00000|1E-10',
    )
    assert.equal(
      f('%05d|%+d|% d|%.3d|%x|%X|%o', -42, 5, 5, 7, 255, 255, 8),
      '-0042|+5| 5|007|ff|FF|10',
    )
    assert.equal(
      f(
        '%#06x|%06x|%f|%F|%05f',
        255,
        255,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        Number.POSITIVE_INFINITY,
      ),
      '0x00ff|0000ff|inf|-INF|00inf',
    )
    assert.equal(f('%*d|%-*d|%.*f', 5, 42, 4, 7, 2, 1.23456), '   42|7   |1.23')
  })

  it('formats text, characters and keys', () => {
    assert.equal(f('%a|%.3s|%5.1s|', 'é😀', 'abcdef', 'xyz'), "'\\xe9\\U0001f600'|abc|    x|")
    assert.equal(f('%c%c|100%%', 0x1f600, 'x'), '😀x|100%')
    assert.equal(percentFormat('%(a)s-%(b)05.1f', { a: 1, b: 2.25 }, hooks), '1-002.2')
    assert.equal(percentFormat('%(a)s', new Map([['a', 'm']]), hooks), 'm')
  })

  it('refuses what Python refuses', () => {
    const code = 'PLINTH_TEMPLATE_FILTER_ARGUMENT'
    assert.throws(() => f('%x', 1.5), { code, message: /an integer is required, not float/ })
    assert.throws(() => f('%f', 'a'), { code, message: /must be real number, not str/ })
    assert.throws(() => f('%d', Number.POSITIVE_INFINITY), {
      code,
      message: /cannot convert float infinity/,
    })
    assert.throws(() => f('%c', 'ab'), { code })
    assert.throws(() => f('%c', -1), { code })
    assert.throws(() => f('%'), { code, message: /incomplete format/ })
    assert.throws(() => f('%(a', 1), { code, message: /incomplete format key/ })
    assert.throws(() => f('%*d', 'x', 1), { code, message: /\* wants int/ })
    assert.throws(() => percentFormat('%(b)s', { a: 1 }, hooks), {
      code,
      message: /no value for key 'b'/,
    })
  })
})
