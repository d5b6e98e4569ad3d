/**
 * Filters that apply another filter or a test to each item: `map`, `select`, `reject`,
 * `selectattr`, `rejectattr`.
 *
 * They take the name of the filter or test and its arguments (`map('truncate', 10)`,
 * `select('divisibleby', 3)`, `selectattr('email', 'none')`), or for `map` an attribute
 * (`map(attribute='user.name', default='?')`). Keyword arguments are passed on to the named
 * filter or test, so these filters declare `'*args', '**kwargs'`: the engine passes keywords as
 * one trailing `kwargs()` object (see runtime/values.ts) that `splitArgs` takes off.
 */
import { SafeString } from '../runtime/markup.ts'
import { defineFilter, type EvalContext } from '../runtime/types.ts'
import { pyType, splitArgs, toList, truthy } from '../runtime/values.ts'
import { argumentError, attrGetter, textOf } from './util.ts'

/** Filter and test names are strings; anything else is a mistake worth naming. */
function nameOf(filter: string, what: string, value: unknown): string {
  if (typeof value === 'string' || value instanceof SafeString) return textOf(value)
  throw argumentError(filter, `the ${what} name must be a string, got ${pyType(value)}.`)
}

/**
 * `map(name, *args, **kwargs)` applies the filter `name` to each item; `map(attribute='x',
 * default=…)` looks up an attribute (dotted paths allowed) instead.
 */
export const map = defineFilter(['*args', '**kwargs'], (ctx, value, ...rest) => {
  const [args, kwargs] = splitArgs(rest)
  // Jinja2 guards with `if value:`: Undefined and empty values map to nothing.
  if (!truthy(value)) return []
  const values = toList(value)
  if (args.length === 0 && 'attribute' in kwargs) {
    const { attribute, default: fallback, ...extra } = kwargs
    const unexpected = Object.keys(extra)[0]
    if (unexpected !== undefined)
      throw argumentError('map', `unexpected keyword argument '${unexpected}'.`)
    return values.map(attrGetter(ctx, attribute, { default: fallback }))
  }
  if (args.length === 0) {
    throw argumentError(
      'map',
      "requires a filter name or attribute=: map('upper'), map(attribute='name').",
    )
  }
  const name = nameOf('map', 'filter', args[0])
  const params = args.slice(1)
  return values.map((item) => ctx.filter(name, item, params, kwargs))
})

type Mode = { attr: boolean; keep: boolean }

function selectOrReject(filter: string, mode: Mode) {
  return defineFilter(['*args', '**kwargs'], (ctx: EvalContext, value, ...rest) => {
    const [args, kwargs] = splitArgs(rest)
    if (!truthy(value)) return []
    let get = (item: unknown) => item
    let at = 0
    if (mode.attr) {
      if (args.length === 0) {
        throw argumentError(filter, `missing the attribute name: ${filter}("is_active").`)
      }
      get = attrGetter(ctx, args[0])
      at = 1
    }
    let check: (item: unknown) => boolean = truthy
    if (args.length > at) {
      const name = nameOf(filter, 'test', args[at])
      const params = args.slice(at + 1)
      check = (item) => ctx.test(name, item, params, kwargs)
    }
    return toList(value).filter((item) => check(get(item)) === mode.keep)
  })
}

/** `select(test, *args)`: the items that pass the test (truthy items without a test). */
export const select = selectOrReject('select', { attr: false, keep: true })
/** `reject(test, *args)`: the items that fail the test (falsy items without a test). */
export const reject = selectOrReject('reject', { attr: false, keep: false })
/** `selectattr(attribute, test, *args)`: the items whose attribute passes the test. */
export const selectattr = selectOrReject('selectattr', { attr: true, keep: true })
/** `rejectattr(attribute, test, *args)`: the items whose attribute fails the test. */
export const rejectattr = selectOrReject('rejectattr', { attr: true, keep: false })
