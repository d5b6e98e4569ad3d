/**
 * Number filters, checked against Python's `int()`, `float()`, `round()` and Jinja2's outputs.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SafeString } from '../runtime/markup.ts'
import { Undefined } from '../runtime/undefined.ts'
import { pyRound } from './decimal.ts'
import { parseFloatPy, parseIntPy } from './numbers.ts'
import { run } from './test-context.ts'

const missing = new Undefined("'x' is undefined")

describe('abs', () => {
  it('takes numbers and booleans', () => {
    assert.equal(run('abs', -3), 3)
    assert.equal(run('abs', -2.25), 2.25)
    assert.equal(run('abs', true), 1)
    assert.equal(run('abs', -5n), 5n)
  })

  it('refuses other values', () => {
    assert.throws(() => run('abs', 'x'), { code: 'PLINTH_TEMPLATE_TYPE', message: /'str'/ })
    assert.throws(() => run('abs', null), { code: 'PLINTH_TEMPLATE_TYPE' })
  })
})

describe('int', () => {
  it("parses strings as Python's int(), then as a truncated float", () => {
    assert.equal(run('int', '42'), 42)
    assert.equal(run('int', ' 42 '), 42)
    assert.equal(run('int', '1_000'), 1000)
    assert.equal(run('int', '42.23'), 42)
    assert.equal(run('int', '-42.9'), -42)
    assert.equal(run('int', '1e3'), 1000)
    assert.equal(run('int', new SafeString('12')), 12)
  })

  it('truncates numbers and counts booleans', () => {
    assert.equal(run('int', 3.99), 3)
    assert.equal(run('int', -3.99), -3)
    assert.equal(run('int', true), 1)
  })

  it('returns the default when Python would fail', () => {
    for (const value of ['abc', '', '_1', '1__0', 'inf', 'nan', null, [1], {}]) {
      assert.equal(run('int', value), 0, String(value))
      assert.equal(run('int', value, [-1]), -1)
    }
    assert.equal(run('int', 'x', [], { default: 7 }), 7)
  })

  it('reads other bases, with their prefixes, and any prefix with base 0', () => {
    assert.equal(run('int', 'ff', [], { base: 16 }), 255)
    assert.equal(run('int', '0x1A', [0, 16]), 26)
    assert.equal(run('int', '  -0x1f  ', [0, 16]), -31)
    assert.equal(run('int', '0b101', [0, 2]), 5)
    assert.equal(run('int', '0o17', [0, 0]), 15)
    assert.equal(
      run('int', '010', [-1, 0]),
      10,
      'base 0 refuses leading zeros; the float reading wins',
    )
    assert.equal(run('int', '0x1A'), 0)
  })

  it('raises on an undefined value, as Jinja2 does', () => {
    assert.throws(() => run('int', missing), { code: 'PLINTH_TEMPLATE_UNDEFINED' })
  })
})

describe('float', () => {
  it("parses what Python's float() accepts", () => {
    assert.equal(run('float', '3.14'), 3.14)
    assert.equal(run('float', ' -1.5e3 '), -1500)
    assert.equal(run('float', '1_000.5'), 1000.5)
    assert.equal(run('float', '.5'), 0.5)
    assert.equal(run('float', '5.'), 5)
    assert.equal(run('float', '-Infinity'), Number.NEGATIVE_INFINITY)
    assert.ok(Number.isNaN(run('float', 'nan')))
    assert.equal(run('float', true), 1)
  })

  it('returns the default otherwise', () => {
    for (const value of ['e5', '.', 'abc', '1__0', null])
      assert.equal(run('float', value), 0, String(value))
    assert.equal(run('float', 'x', [-1]), -1)
    assert.throws(() => run('float', missing), { code: 'PLINTH_TEMPLATE_UNDEFINED' })
  })
})

describe('parseIntPy and parseFloatPy', () => {
  it('follow Python syntax', () => {
    assert.equal(parseIntPy('0_0', 0), 0)
    assert.equal(parseIntPy('0x_ff', 16), 255)
    assert.equal(parseIntPy('z', 36), 35)
    assert.equal(parseIntPy('2', 2), undefined)
    assert.equal(parseIntPy('1', 37), undefined)
    assert.equal(parseFloatPy('iNfInItY'), Number.POSITIVE_INFINITY)
    assert.equal(parseFloatPy('1_0e1_0'), 1e11)
    assert.equal(parseFloatPy('1_'), undefined)
  })
})

describe('round', () => {
  it("reproduces Jinja2's documented examples (whole numbers print without .0)", () => {
    assert.equal(run('round', 42.55), 43)
    assert.equal(run('round', 42.55, [1, 'floor']), 42.5)
    assert.equal(run('int', run('round', 42.55)), 43)
  })

  it("rounds half to even on the exact value, as Python's round", () => {
    assert.equal(run('round', 2.5), 2)
    assert.equal(run('round', 3.5), 4)
    assert.equal(run('round', -2.5), -2)
    assert.equal(run('round', 0.5), 0)
    assert.equal(run('round', 2.675, [2]), 2.67)
    assert.equal(run('round', 1.005, [2]), 1)
    assert.equal(run('round', 0.125, [2]), 0.12)
    assert.equal(run('round', 0.375, [2]), 0.38)
    assert.equal(run('round', 123.456, [], { precision: 1 }), 123.5)
  })

  it('rounds to tens and hundreds with a negative precision', () => {
    assert.equal(run('round', 1234.5678, [-2]), 1200)
    assert.equal(run('round', 1250, [-2]), 1200)
    assert.equal(run('round', 1350, [-2]), 1400)
  })

  it('rounds up or down with ceil and floor', () => {
    assert.equal(run('round', 42.51, [1, 'ceil']), 42.6)
    assert.equal(run('round', 2.5, [0, 'ceil']), 3)
    assert.equal(run('round', -2.5, [], { method: 'floor' }), -3)
  })

  it('refuses an unknown method and values that are not numbers', () => {
    assert.throws(() => run('round', 1.5, [0, 'up']), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
    assert.throws(() => run('round', '1.5'), { code: 'PLINTH_TEMPLATE_TYPE' })
    assert.throws(() => run('round', 1.5, [0.5]), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
    assert.throws(() => run('round', 1e308, [10, 'ceil']), { code: 'PLINTH_TEMPLATE_VALUE' })
  })

  it('pyRound keeps values that have fewer digits, and non-finite ones', () => {
    assert.equal(pyRound(1e300, 2), 1e300)
    assert.equal(pyRound(5e-324, 400), 5e-324)
    assert.equal(pyRound(Number.POSITIVE_INFINITY, 0), Number.POSITIVE_INFINITY)
  })
})

describe('filesizeformat', () => {
  it('uses decimal prefixes by default', () => {
    assert.equal(run('filesizeformat', 0), '0 Bytes')
    assert.equal(run('filesizeformat', 1), '1 Byte')
    assert.equal(run('filesizeformat', 999), '999 Bytes')
    assert.equal(run('filesizeformat', 1000), '1.0 kB')
    assert.equal(run('filesizeformat', 1500), '1.5 kB')
    assert.equal(run('filesizeformat', 1999999), '2.0 MB')
    assert.equal(run('filesizeformat', 12345678), '12.3 MB')
    assert.equal(run('filesizeformat', 1e30), '1000000.0 YB')
    assert.equal(run('filesizeformat', '2048'), '2.0 kB')
    assert.equal(run('filesizeformat', 1.5), '1 Bytes')
  })

  it('uses binary prefixes when asked', () => {
    assert.equal(run('filesizeformat', 1000, [true]), '1000 Bytes')
    assert.equal(run('filesizeformat', 1024, [true]), '1.0 KiB')
    assert.equal(run('filesizeformat', 1048576, [], { binary: true }), '1.0 MiB')
    assert.equal(run('filesizeformat', 1073741824, [true]), '1.0 GiB')
  })

  it('refuses what is not a number of bytes', () => {
    assert.throws(() => run('filesizeformat', 'x'), { code: 'PLINTH_TEMPLATE_VALUE' })
    assert.throws(() => run('filesizeformat', null), { code: 'PLINTH_TEMPLATE_TYPE' })
  })
})

describe('pyRound fast path', () => {
  it('agrees with exact half-to-even rounding on random values', async () => {
    const { fixedDigits, pyRound } = await import('./decimal.ts')
    let seed = 42
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    for (let i = 0; i < 20000; i++) {
      const x = (random() - 0.5) * 10 ** Math.floor(random() * 9)
      const n = Math.floor(random() * 6)
      const exact = Number(`${x < 0 ? '-' : ''}${fixedDigits(Math.abs(x), n)}`)
      assert.equal(pyRound(x, n), exact === 0 ? pyRound(x, n) : exact, `${x} to ${n} digits`)
    }
    // Ties and near-ties take the exact path.
    assert.equal(pyRound(2.675, 2), 2.67)
    assert.equal(pyRound(0.125, 2), 0.12)
    assert.equal(pyRound(2.5, 0), 2)
    assert.equal(pyRound(3.5, 0), 4)
  })
})
