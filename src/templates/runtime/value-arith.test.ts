import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { markSafe, SafeString } from './markup.ts'
import { Undefined, UndefinedError } from './undefined.ts'
import {
  add,
  concat,
  div,
  floordiv,
  mod,
  mul,
  neg,
  pos,
  pow,
  sub,
  TemplateValueError,
} from './values.ts'

const undef = new Undefined("'price' is undefined")

function fails(code: string, message: RegExp) {
  return (e: unknown) =>
    e instanceof TemplateValueError && e.code === code && message.test(e.message)
}
const typeErr = (m: RegExp) => fails('PLINTH_TEMPLATE_TYPE', m)
const zeroErr = (m: RegExp) => fails('PLINTH_TEMPLATE_ZERO_DIVISION', m)
const undefErr = (e: unknown) => e instanceof UndefinedError && e.message === "'price' is undefined"

describe('add', () => {
  it('adds numbers (booleans as 0 and 1) and keeps bigints exact', () => {
    assert.equal(add(1, 2), 3)
    assert.equal(add(0.5, 1), 1.5)
    assert.equal(add(true, 1), 2)
    assert.equal(add(true, true), 2)
    assert.equal(add(2n ** 64n, 1n), 18446744073709551617n)
    assert.equal(add(1n, 0.5), 1.5)
  })

  it('concatenates strings and lists', () => {
    assert.equal(add('a', 'b'), 'ab')
    const left = [1]
    const joined = add(left, [2])
    assert.deepEqual(joined, [1, 2])
    assert.deepEqual(left, [1])
  })

  it('escapes plain text joined to markup, in either order', () => {
    const right = add(markSafe('<b>'), '<i>')
    assert.ok(right instanceof SafeString)
    assert.equal(String(right), '<b>&lt;i&gt;')
    assert.equal(String(add('<i>', markSafe('<b>'))), '&lt;i&gt;<b>')
  })

  it('refuses mixed kinds as Python does', () => {
    assert.throws(() => add('a', 1), typeErr(/can only concatenate str \(not "int"\) to str.*~/))
    assert.throws(() => add([1], 'a'), typeErr(/can only concatenate list \(not "str"\) to list/))
    assert.throws(
      () => add(1, 'a'),
      typeErr(/unsupported operand type\(s\) for \+: 'int' and 'str'/),
    )
    assert.throws(() => add(null, 1), typeErr(/'NoneType' and 'int'/))
    assert.throws(() => add({}, {}), typeErr(/'dict' and 'dict'/))
  })

  it('raises the hint of an Undefined operand', () => {
    assert.throws(() => add(undef, 1), undefErr)
    assert.throws(() => add(1, undef), undefErr)
    assert.throws(() => add(undefined, 1), UndefinedError)
  })
})

describe('sub, mul, neg, pos', () => {
  it('subtracts numbers only', () => {
    assert.equal(sub(5, 7), -2)
    assert.equal(sub(true, 0.5), 0.5)
    assert.throws(() => sub('a', 'b'), typeErr(/for -: 'str' and 'str'/))
    assert.throws(() => sub(undef, 1), undefErr)
  })

  it('multiplies numbers and repeats strings and lists', () => {
    assert.equal(mul(3, 4), 12)
    assert.equal(mul('ab', 3), 'ababab')
    assert.equal(mul(2, 'ab'), 'abab')
    assert.equal(mul('ab', true), 'ab')
    assert.equal(mul('ab', -1), '')
    assert.deepEqual(mul([1, 2], 2), [1, 2, 1, 2])
    assert.deepEqual(mul(0, [1]), [])
    const markup = mul(markSafe('<br>'), 2)
    assert.ok(markup instanceof SafeString)
    assert.equal(String(markup), '<br><br>')
  })

  it("refuses to repeat by a non-integer and to multiply things that aren't numbers", () => {
    assert.throws(
      () => mul('a', 1.5),
      typeErr(/can't multiply sequence by non-int of type 'float'/),
    )
    assert.throws(() => mul('a', 'b'), typeErr(/non-int of type 'str'/))
    assert.throws(() => mul({}, 2), typeErr(/for \*: 'dict' and 'int'/))
  })

  it('negates numbers', () => {
    assert.equal(neg(3), -3)
    assert.equal(neg(true), -1)
    assert.equal(neg(5n), -5n)
    assert.equal(pos(false), 0)
    assert.equal(pos(2.5), 2.5)
    assert.throws(() => neg('a'), typeErr(/bad operand type for unary -: 'str'/))
    assert.throws(() => pos([]), typeErr(/unary \+: 'list'/))
    assert.throws(() => neg(undef), undefErr)
  })
})

describe('division', () => {
  it('divides truly and refuses zero', () => {
    assert.equal(div(7, 2), 3.5)
    assert.equal(div(4, 2), 2)
    assert.equal(div(1n, 4n), 0.25)
    assert.throws(() => div(1, 0), zeroErr(/division by zero/))
    assert.throws(() => div(1, false), zeroErr(/division by zero/))
    assert.throws(() => div('a', 2), typeErr(/for \/: 'str' and 'int'/))
    assert.throws(() => div(undef, 2), undefErr)
  })

  it('floors toward negative infinity', () => {
    assert.equal(floordiv(7, 2), 3)
    assert.equal(floordiv(-7, 2), -4)
    assert.equal(floordiv(7, -2), -4)
    assert.equal(floordiv(7.5, 2), 3)
    assert.equal(floordiv(-7n, 2n), -4n)
    assert.equal(floordiv(-8n, 2n), -4n)
    assert.throws(() => floordiv(1, 0), zeroErr(/integer division or modulo by zero/))
    assert.throws(() => floordiv('a', 1), typeErr(/for \/\/: 'str' and 'int'/))
  })

  it('takes the sign of the divisor for the remainder', () => {
    assert.equal(mod(7, 3), 1)
    assert.equal(mod(-7, 3), 2)
    assert.equal(mod(7, -3), -2)
    assert.equal(mod(-7, -3), -1)
    assert.equal(mod(5.5, 2), 1.5)
    assert.equal(mod(-5, Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY)
    assert.equal(mod(-7n, 3n), 2n)
    assert.equal(mod(true, 2), 1)
    assert.throws(() => mod(1, 0), zeroErr(/integer modulo by zero/))
    assert.throws(() => mod([], 2), typeErr(/for %: 'list' and 'int'/))
    assert.throws(() => mod(undef, 2), undefErr)
  })

  it('formats strings with %', () => {
    assert.equal(mod('%s and %d', ['a', 3]), 'a and 3')
    assert.equal(mod('%(name)s!', { name: 'Ada' }), 'Ada!')
    assert.equal(mod('%s', 5), '5')
    assert.throws(() => mod('%d', 'x'), typeErr(/%d format: a real number is required, not str/))
  })

  it('escapes arguments of markup formats', () => {
    const out = mod(markSafe('<b>%s</b>'), '<i>')
    assert.ok(out instanceof SafeString)
    assert.equal(String(out), '<b>&lt;i&gt;</b>')
    assert.equal(String(mod(markSafe('%s'), markSafe('<i>'))), '<i>')
  })
})

describe('pow', () => {
  it('raises to powers as Python does', () => {
    assert.equal(pow(2, 10), 1024)
    assert.equal(pow(2, -1), 0.5)
    assert.equal(pow(2n, 70n), 1180591620717411303424n)
    assert.equal(pow(true, 5), 1)
    assert.throws(() => pow(0, -1), zeroErr(/0.0 cannot be raised to a negative power/))
    assert.throws(() => pow('a', 2), typeErr(/for \*\* or pow\(\): 'str' and 'int'/))
  })
})

describe('concat (~)', () => {
  it('joins values as text', () => {
    assert.equal(concat('x', null), 'xNone')
    assert.equal(concat(1, true), '1True')
    assert.equal(concat('a', undef), 'a')
    assert.equal(concat([1], { a: 'b' }), "[1]{'a': 'b'}")
    assert.equal(concat(markSafe('<b>'), '<i>'), '<b><i>')
  })

  it('keeps markup and escapes the other side when autoescaping', () => {
    const out = concat(markSafe('<b>'), '<i>', true)
    assert.ok(out instanceof SafeString)
    assert.equal(String(out), '<b>&lt;i&gt;')
    assert.equal(String(concat(1, markSafe('&amp;'), true)), '1&amp;')
    assert.equal(concat('<a>', '<b>', true), '<a><b>')
  })
})
