/**
 * Filters about values themselves: `default` (`d`), `attr`, `pprint`.
 */
import { defineFilter } from '../runtime/types.ts'
import { isUndefined, toStr, truthy } from '../runtime/values.ts'
import { pformat } from './pprint.ts'

/**
 * `default(default_value='', boolean=False)`: the default when the value is undefined (or, with
 * `boolean=true`, when it is falsy: `''`, `0`, `none`, empty lists…).
 */
export const defaultFilter = defineFilter(
  ['default_value', 'boolean'],
  (_ctx, value, fallback = '', boolean = false) =>
    isUndefined(value) || (truthy(boolean) && !truthy(value)) ? fallback : value,
)

/**
 * `attr(name)`: the attribute `name` of the value, with the engine's safety rules (never
 * `constructor`, `__proto__`…); undefined when missing.
 */
export const attr = defineFilter(['name'], (ctx, value, name) => ctx.getattr(value, toStr(name)))

/** `pprint`: Python's `pprint.pformat` of the value, for debugging. */
export const pprint = defineFilter([], (_ctx, value) => pformat(value))
