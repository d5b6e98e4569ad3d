/**
 * What filters and tests are, and what they may ask of the engine while running.
 *
 * A filter or test is a function of the evaluation context, the value, and its arguments, with
 * the names of those arguments so keyword arguments (`truncate(length=10)`) can be placed: the
 * engine maps keywords onto positions before calling, and refuses unknown ones.
 */
import type { Undefined } from './undefined.ts'

/** What a running template offers filters and tests. */
export interface EvalContext {
  /** Autoescaping is on for the template being rendered. */
  readonly autoescape: boolean
  /** Attribute lookup with the engine's safety rules; an `Undefined` when missing. */
  getattr(obj: unknown, name: string): unknown
  /** Item lookup (`obj[key]`, then attribute), as Jinja2's `getitem`; `Undefined` when missing. */
  getitem(obj: unknown, key: unknown): unknown
  /** Apply a filter by name (for `map`, `select`-style filters). */
  filter(name: string, value: unknown, args: unknown[], kwargs?: Record<string, unknown>): unknown
  /** Apply a test by name. */
  test(name: string, value: unknown, args: unknown[], kwargs?: Record<string, unknown>): boolean
  /** Make an undefined value (strict mode makes using it an error). */
  undefined(hint: string): Undefined
  /** Whether a filter of this name exists (for the `filter` test); absent means "unknown". */
  hasFilter?(name: string): boolean
  /** Whether a test of this name exists (for the `test` test); absent means "unknown". */
  hasTest?(name: string): boolean
}

/** A filter: `{{ value | name(arg, key=arg) }}`. */
export type FilterFn = (ctx: EvalContext, value: unknown, ...args: unknown[]) => unknown
/** A test: `{{ value is name(arg) }}`. */
export type TestFn = (ctx: EvalContext, value: unknown, ...args: unknown[]) => boolean

/** A filter or test with its parameter names (after the value), for keyword arguments. */
export interface Callable<F> {
  readonly fn: F
  /** Parameter names in order; a trailing `'*args'` takes any number of positional arguments. */
  readonly params: readonly string[]
}

/**
 * Declare a filter with its parameter names.
 *
 * @example
 * const truncate = defineFilter(['length', 'killwords', 'end', 'leeway'], (ctx, s, length = 255) => …)
 */
export function defineFilter(params: readonly string[], fn: FilterFn): Callable<FilterFn> {
  return { fn, params }
}

/** Declare a test with its parameter names. */
export function defineTest(params: readonly string[], fn: TestFn): Callable<TestFn> {
  return { fn, params }
}
