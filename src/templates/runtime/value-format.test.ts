import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { escapeHtml, markSafe } from './markup.ts'
import {
  type FieldLookup,
  fixedDigits,
  formatString,
  formatValue,
  printf,
  TemplateValueError,
} from './values.ts'

function fails(code: string, message: RegExp) {
  return (e: unknown) =>
    e instanceof TemplateValueError && e.code === code && message.test(e.message)
}
const typeErr = (m: RegExp) => fails('PLINTH_TEMPLATE_TYPE', m)
const valueErr = (m: RegExp) => fails('PLINTH_TEMPLATE_VALUE', m)

const lookup: FieldLookup = (obj, key) => (obj as Record<string | number, unknown>)[key]
const fmt = (text: string, args: unknown[] = [], kw: Record<string, unknown> = {}) =>
  formatString(text, args, kw, lookup)

describe('exact decimal digits', () => {
  it('rounds exact ties to even, as Python does', () => {
    assert.equal(fixedDigits(0.5, 0), '0')
    assert.equal(fixedDigits(1.5, 0), '2')
    assert.equal(fixedDigits(2.5, 0), '2')
    assert.equal(fixedDigits(0.125, 2), '0.12')
    assert.equal(fixedDigits(0.375, 2), '0.38')
  })

  it('rounds the binary value, not its shortest decimal', () => {
    assert.equal(fixedDigits(2.675, 2), '2.67')
    assert.equal(fixedDigits(1.005, 2), '1.00')
    assert.equal(fixedDigits(1e22, 1), '10000000000000000000000.0')
    assert.equal(fixedDigits(-Math.PI, 3), '3.142')
  })
})

describe('printf (%)', () => {
  it('converts strings, reprs and integers', () => {
    assert.equal(printf('%s-%r-%d-%i-%%', ['a', 'a', 3.7, -2.9]), "a-'a'-3--2-%")
    assert.equal(printf('%s', [null]), 'None')
    assert.equal(printf('%s', [[1, 'a']]), "[1, 'a']")
    assert.equal(printf('%d', [true]), '1')
    assert.equal(printf('%d', [12345678901234567890n]), '12345678901234567890')
    assert.equal(printf('%.3d|%.1s', [5, 'xyz']), '005|x')
  })

  it('formats floats like Python', () => {
    assert.equal(printf('%.0f %.0f %.2f', [0.5, 2.5, 0.125]), '0 2 0.12')
    assert.equal(printf('%f', [1 / 3]), '0.333333')
    assert.equal(
      printf('%g %g %g %.3g %#g', [1e-5, 123456789, 0.0001, 1234.5, 1]),
      '1e-05 1.23457e+08 0.0001 1.23e+03 1.00000',
    )
    assert.equal(printf('%e|%E', [12.5, 0.00012]), '1.250000e+01|1.200000E-04')
    assert.equal(printf('%f %f', [Number.POSITIVE_INFINITY, Number.NaN]), 'inf nan')
  })

  it('pads, aligns and signs', () => {
    assert.equal(
      printf('%+d|% d|%05d|%-5s|%5s|%#x|%X|%#o|%c|%c|%5.1f|%-6.2f|', [
        3,
        3,
        -42,
        'ab',
        'ab',
        255,
        255,
        8,
        65,
        'z',
        Math.PI,
        2.5,
      ]),
      '+3| 3|-0042|ab   |   ab|0xff|FF|0o10|A|z|  3.1|2.50  |',
    )
    assert.equal(printf('%*d|%.*f', [4, 7, 2, 1.005]), '   7|1.00')
    assert.equal(printf('%05s', ['ab']), '   ab')
  })

  it('takes names from a mapping', () => {
    assert.equal(printf('%(a)s and %(b)05.1f', { a: 'x', b: 2.25 }), 'x and 002.2')
    assert.equal(printf('%(a)s', new Map([['a', 1]])), '1')
    assert.equal(printf('%s', { a: 1 }), "{'a': 1}")
    assert.equal(printf('plain', { a: 1 }), 'plain')
  })

  it('escapes arguments for markup formats', () => {
    assert.equal(printf('<b>%s</b>', ['<i>'], escapeHtml), '<b>&lt;i&gt;</b>')
    assert.equal(printf('%s', [markSafe('<i>')], escapeHtml), '<i>')
    assert.equal(printf('%d', [5], escapeHtml), '5')
  })

  it('reports bad formats and argument counts as Python does', () => {
    assert.throws(() => printf('%s %s', [1]), typeErr(/not enough arguments for format string/))
    assert.throws(
      () => printf('%s', [1, 2]),
      typeErr(/not all arguments converted during string formatting/),
    )
    assert.throws(() => printf('hello', 5), typeErr(/not all arguments converted/))
    assert.throws(
      () => printf('%d', ['x']),
      typeErr(/%d format: a real number is required, not str/),
    )
    assert.throws(
      () => printf('%x', [3.5]),
      typeErr(/%x format: an integer is required, not float/),
    )
    assert.throws(() => printf('%f', ['x']), typeErr(/must be real number, not str/))
    assert.throws(() => printf('%c', ['ab']), typeErr(/%c requires an int or a single character/))
    assert.throws(() => printf('%(a)s', 1), typeErr(/format requires a mapping/))
    assert.throws(() => printf('%(b)s', { a: 1 }), valueErr(/no key 'b'/))
    assert.throws(
      () => printf('%q', [1]),
      valueErr(/unsupported format character 'q' \(0x71\) at index 1/),
    )
    assert.throws(() => printf('abc %', [1]), valueErr(/incomplete format/))
    assert.throws(() => printf('%d', [Number.NaN]), valueErr(/cannot convert float NaN to integer/))
  })
})

describe('formatValue (format spec)', () => {
  const cases: Array<[unknown, string, string]> = [
    [Math.PI, '>8.2f', '    3.14'],
    ['mid', '^7', '  mid  '],
    ['l', '*<6', 'l*****'],
    [1234567, ',', '1,234,567'],
    [1000000, '_d', '1_000_000'],
    [12345.678, '+.1e', '+1.2e+04'],
    [0.256, '.0%', '26%'],
    [5, '#b', '0b101'],
    [-Math.PI, '08.3f', '-003.142'],
    [1e-5, 'g', '1e-05'],
    [1234.5, '.3', '1.23e+03'],
    [123, '.3', '1.23e+02'],
    [12, '.3', '12.0'],
    [100, '.3', '1e+02'],
    [1e22, 'f', '10000000000000000000000.000000'],
    [5e-324, '.3e', '4.941e-324'],
    [1.5, '#.0f', '2.'],
    [1e16, 'g', '1e+16'],
    [1234567, 'g', '1.23457e+06'],
    [12345.678, ',.2f', '12,345.68'],
    [1234567, '_b', '1_0010_1101_0110_1000_0111'],
    [-42, '08d', '-0000042'],
    [-42, '=+8', '-     42'],
    [3, '^7', '   3   '],
    [-3.5, ' .2f', '-3.50'],
    [3.5, ' .2f', ' 3.50'],
    [3.14, '+', '+3.14'],
    [255, '#X', '0XFF'],
    [100, 'c', 'd'],
    [true, '>5', '    1'],
    [true, '', 'True'],
    [null, '', 'None'],
    ['abcdef', '.3', 'abc'],
    ['ab', '>4s', '  ab'],
    ['😀', '^3', ' 😀 '],
  ]
  for (const [value, spec, expected] of cases)
    it(`formats ${String(value)} with '${spec}'`, () =>
      assert.equal(formatValue(value, spec), expected))

  it('refuses specs that do not fit the value', () => {
    assert.throws(
      () => formatValue('a', 'd'),
      valueErr(/Unknown format code 'd' for object of type 'str'/),
    )
    assert.throws(
      () => formatValue(1.5, 'd'),
      valueErr(/Unknown format code 'd' for object of type 'float'/),
    )
    assert.throws(
      () => formatValue(1, 's'),
      valueErr(/Unknown format code 's' for object of type 'int'/),
    )
    assert.throws(() => formatValue('a', '+'), valueErr(/Sign and "=" alignment are not allowed/))
    assert.throws(
      () => formatValue(null, '>5'),
      typeErr(/unsupported format string passed to NoneType.__format__/),
    )
    assert.throws(() => formatValue(1, '>>>'), valueErr(/Invalid format specifier/))
  })
})

describe('formatString (str.format)', () => {
  it('fills automatic, numbered and named fields', () => {
    assert.equal(fmt('{} and {}', [1, 'b']), '1 and b')
    assert.equal(fmt('{0} {1} {0}', ['a', 'b']), 'a b a')
    assert.equal(fmt('{x}-{y!r}', [], { x: 1, y: 'q' }), "1-'q'")
    assert.equal(fmt('{{literal}} {}', [None()]), '{literal} None')
    assert.equal(fmt('{:{w}}|{:>{w}.{p}f}', ['a', 2.5], { w: 5, p: 2 }), 'a    | 2.50')
  })

  it('follows attributes and items through the lookup', () => {
    assert.equal(
      fmt('{0.name} {0[tags][1]} {u[name]}', [{ name: 'Ada', tags: ['a', 'b'] }], {
        u: { name: 'U' },
      }),
      'Ada b U',
    )
  })

  it('escapes fields of markup formats', () => {
    assert.equal(
      formatString('<p>{}</p>{}', ['<i>', markSafe('<b>')], {}, lookup, escapeHtml),
      '<p>&lt;i&gt;</p><b>',
    )
  })

  it('reports mistakes as Python does', () => {
    assert.throws(
      () => fmt('{} {1}', ['a', 'b']),
      valueErr(/cannot switch from automatic field numbering to manual/),
    )
    assert.throws(
      () => fmt('{0} {}', ['a', 'b']),
      valueErr(/cannot switch from manual field specification/),
    )
    assert.throws(() => fmt('{2}', ['a']), valueErr(/Replacement index 2 out of range/))
    assert.throws(() => fmt('{x}'), valueErr(/no keyword argument 'x'/))
    assert.throws(() => fmt('a } b'), valueErr(/Single '}'/))
    assert.throws(() => fmt('a { b'), valueErr(/Single '{'/))
  })
})

function None(): null {
  return null
}
