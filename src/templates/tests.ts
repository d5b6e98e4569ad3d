/**
 * Jinja2's built-in tests (`{% if n is odd %}`, `x is defined`, `v is in [1, 2]`), with Jinja2's
 * semantics on Python values as JavaScript represents them (see `runtime/values.ts`):
 *
 * - `number` accepts booleans (Python's `bool` is an `int`); `integer` does not.
 * - JavaScript has one number type: `1.0` is an `integer`, not a `float`; `1.5`, `NaN` and
 *   `Infinity` are floats.
 * - `defined` is true for everything but an Undefined (and JavaScript's `undefined`), `None`
 *   included; `callable` is true for an Undefined, as in Jinja2 (calling it raises).
 * - `sequence` means "has a length and items" as in Jinja2: strings, lists and mappings too.
 * - `filter` and `test` ask the environment through `ctx.hasFilter`/`ctx.hasTest`.
 */
import { SafeString } from './runtime/markup.ts'
import { type Callable, defineTest, type TestFn } from './runtime/types.ts'
import {
  compare,
  contains,
  equals,
  isInteger,
  isIterable,
  isMapping,
  isString,
  isUndefined,
  mod,
  strText,
  toStr,
} from './runtime/values.ts'

const UPPER = /[\p{Uppercase}\p{Lt}]/u
const LOWER = /[\p{Lowercase}\p{Lt}]/u

const eq = defineTest(['other'], (_ctx, value, other) => equals(value, other))
const ne = defineTest(['other'], (_ctx, value, other) => !equals(value, other))
const lt = defineTest(['other'], (_ctx, value, other) => compare(value, other, '<') < 0)
const le = defineTest(['other'], (_ctx, value, other) => compare(value, other, '<=') <= 0)
const gt = defineTest(['other'], (_ctx, value, other) => compare(value, other, '>') > 0)
const ge = defineTest(['other'], (_ctx, value, other) => compare(value, other, '>=') >= 0)

/** Jinja2's `sequence`: `len(value)` and `value[...]` both work. */
function hasLengthAndItems(value: unknown): boolean {
  if (isString(value) || Array.isArray(value) || isMapping(value) || isUndefined(value)) return true
  return ArrayBuffer.isView(value) && !(value instanceof DataView)
}

/** Every built-in test, by the names Jinja2 registers (aliases included). */
export const builtinTests: Record<string, Callable<TestFn>> = {
  boolean: defineTest([], (_ctx, value) => typeof value === 'boolean'),
  callable: defineTest([], (_ctx, value) => typeof value === 'function' || isUndefined(value)),
  defined: defineTest([], (_ctx, value) => !isUndefined(value)),
  undefined: defineTest([], (_ctx, value) => isUndefined(value)),
  divisibleby: defineTest(['num'], (_ctx, value, num) => equals(mod(value, num), 0)),
  eq,
  equalto: eq,
  '==': eq,
  ne,
  '!=': ne,
  lt,
  lessthan: lt,
  '<': lt,
  le,
  '<=': le,
  gt,
  greaterthan: gt,
  '>': gt,
  ge,
  '>=': ge,
  escaped: defineTest([], (_ctx, value) => value instanceof SafeString),
  even: defineTest([], (_ctx, value) => equals(mod(value, 2), 0)),
  odd: defineTest([], (_ctx, value) => equals(mod(value, 2), 1)),
  false: defineTest([], (_ctx, value) => value === false),
  true: defineTest([], (_ctx, value) => value === true),
  filter: defineTest(
    [],
    (ctx, value) => isString(value) && (ctx.hasFilter?.(strText(value)) ?? false),
  ),
  test: defineTest([], (ctx, value) => isString(value) && (ctx.hasTest?.(strText(value)) ?? false)),
  float: defineTest([], (_ctx, value) => typeof value === 'number' && !Number.isInteger(value)),
  integer: defineTest([], (_ctx, value) => isInteger(value)),
  number: defineTest(
    [],
    (_ctx, value) =>
      typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean',
  ),
  in: defineTest(['seq'], (_ctx, value, seq) => contains(seq, value)),
  iterable: defineTest([], (_ctx, value) => isIterable(value)),
  lower: defineTest([], (_ctx, value) => {
    const text = toStr(value)
    return /\p{Lowercase}/u.test(text) && !UPPER.test(text)
  }),
  upper: defineTest([], (_ctx, value) => {
    const text = toStr(value)
    return /\p{Uppercase}/u.test(text) && !LOWER.test(text)
  }),
  mapping: defineTest([], (_ctx, value) => isMapping(value)),
  none: defineTest([], (_ctx, value) => value === null),
  sameas: defineTest(['other'], (_ctx, value, other) => value === other || Object.is(value, other)),
  sequence: defineTest([], (_ctx, value) => hasLengthAndItems(value)),
  string: defineTest([], (_ctx, value) => isString(value)),
}
