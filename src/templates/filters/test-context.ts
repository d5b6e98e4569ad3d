/**
 * A small evaluation context for calling filters directly in unit tests, without compiling
 * templates: lookups through the engine's `access.ts`, filter and test dispatch over the built-in
 * registries, keyword arguments placed by parameter name as the compiler places them.
 *
 * Keyword placement here is the convention the filters rely on: keywords go to the position of
 * their parameter; with a `'**kwargs'` parameter, the other keywords travel as one trailing
 * `kwargs({...})` object (omitted when there are none), as `runtime/values.ts` describes.
 */
import { getattr, getitem } from '../runtime/access.ts'
import { escapeHtml, SafeString } from '../runtime/markup.ts'
import type { Callable, EvalContext, FilterFn, TestFn } from '../runtime/types.ts'
import { Undefined } from '../runtime/undefined.ts'
import { kwargs as tagKwargs, toStr } from '../runtime/values.ts'
import { builtinTests } from '../tests.ts'
import { builtinFilters } from './index.ts'

/** Positional arguments for a callable, with keywords placed by name (throws like the compiler). */
export function bindArguments(
  name: string,
  params: readonly string[],
  args: readonly unknown[],
  kwargs: Record<string, unknown> = {},
): unknown[] {
  const variadic = params.includes('*args')
  const open = params.includes('**kwargs')
  const named = params.filter((p) => p !== '*args' && p !== '**kwargs')
  if (!variadic && args.length > named.length) {
    throw new TypeError(`${name} takes at most ${named.length} arguments, got ${args.length}`)
  }
  const slots = [...args]
  const extra: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(kwargs)) {
    const at = named.indexOf(key)
    if (at === -1) {
      if (!open) throw new TypeError(`${name} has no argument "${key}"`)
      extra[key] = value
      continue
    }
    if (at < args.length) throw new TypeError(`${name} got "${key}" twice`)
    while (slots.length < at) slots.push(undefined)
    slots[at] = value
  }
  if (Object.keys(extra).length > 0) {
    // The keywords object always comes after every named position, so it never fills one.
    while (slots.length < named.length) slots.push(undefined)
    slots.push(tagKwargs(extra))
  }
  return slots
}

function dispatch<F extends (ctx: EvalContext, value: unknown, ...args: unknown[]) => unknown>(
  registry: Record<string, Callable<F>>,
  what: string,
  name: string,
): Callable<F> {
  const found = Object.hasOwn(registry, name) ? registry[name] : undefined
  if (!found) throw new Error(`no ${what} named ${name}`)
  return found
}

/** Options of {@link makeContext}. */
export interface TestContextOptions {
  autoescape?: boolean
}

/** An `EvalContext` over the built-in filters and tests. */
export function makeContext(options: TestContextOptions = {}): EvalContext {
  const undefinedOf = (hint: string) => new Undefined(hint)
  const ctx: EvalContext = {
    autoescape: options.autoescape ?? false,
    getattr: (obj, name) => getattr(obj, name),
    getitem: (obj, key) => getitem(obj, key),
    filter(name, value, args, kwargs = {}) {
      const f = dispatch<FilterFn>(builtinFilters, 'filter', name)
      return f.fn(ctx, value, ...bindArguments(name, f.params, args, kwargs))
    },
    test(name, value, args, kwargs = {}) {
      const t = dispatch<TestFn>(builtinTests, 'test', name)
      return t.fn(ctx, value, ...bindArguments(name, t.params, args, kwargs))
    },
    undefined: undefinedOf,
    hasFilter: (name) => Object.hasOwn(builtinFilters, name),
    hasTest: (name) => Object.hasOwn(builtinTests, name),
  }
  return ctx
}

const plain = makeContext()
const escaping = makeContext({ autoescape: true })

/** Apply a built-in filter by name: `run('truncate', 'abc', [2], { end: '' })`. */
export function run(
  name: string,
  value: unknown,
  args: unknown[] = [],
  kwargs: Record<string, unknown> = {},
) {
  return plain.filter(name, value, args, kwargs)
}

/** `run` with autoescaping on. */
export function runEscaped(
  name: string,
  value: unknown,
  args: unknown[] = [],
  kwargs: Record<string, unknown> = {},
) {
  return escaping.filter(name, value, args, kwargs)
}

/** What `{{ value }}` prints: markup as is, other values as `str()`, escaped if autoescaping. */
export function output(value: unknown, autoescape = false): string {
  if (value instanceof SafeString) return value.value
  return autoescape ? escapeHtml(toStr(value)) : toStr(value)
}
