/**
 * Helpers shared by the built-in filters: Jinja2's `soft_str` and `Markup` rules, attribute
 * getters with dotted paths (`sort(attribute='address.city')`), mapping items, argument checks.
 *
 * Markup rules matter for safety: a filter that builds a string from trusted markup and other
 * text must escape the other text and return markup (as `Markup.join`, `Markup.replace`…), or
 * return plain text that the output escapes. Never return a `SafeString` holding unescaped input.
 */
import { TemplateError } from '../errors.ts'
import { escapeHtml, SafeString } from '../runtime/markup.ts'
import type { EvalContext } from '../runtime/types.ts'
import { Undefined } from '../runtime/undefined.ts'
import { compare, equals, isMapping, pyType, toStr, typeError } from '../runtime/values.ts'

/** Text or trusted markup: what string filters take and give back. */
export type Str = string | SafeString

/** A filter argument cannot be used (`batch(0)`, `round(method='up')`, `map()` without a name). */
export function argumentError(filter: string, message: string): TemplateError {
  return new TemplateError('PLINTH_TEMPLATE_FILTER_ARGUMENT', `${filter}: ${message}`)
}

/** Jinja2's `soft_str`: markup stays markup, anything else becomes its `str()`. */
export function softStr(value: unknown): Str {
  return value instanceof SafeString ? value : toStr(value)
}

/** The characters of a string or markup. */
export function textOf(value: Str): string {
  return typeof value === 'string' ? value : value.value
}

/** `text` as the same kind as `like`: markup when `like` is markup (Markup methods return Markup). */
export function sameKind(like: unknown, text: string): Str {
  return like instanceof SafeString ? new SafeString(text) : text
}

/** markupsafe's `escape`: markup is kept, anything else is converted and escaped. */
export function escapeValue(value: unknown): SafeString {
  return value instanceof SafeString ? value : new SafeString(escapeHtml(toStr(value)))
}

/** The text of `value` escaped unless it is markup (what `Markup` does to the other operand). */
export function escapedText(value: unknown): string {
  return escapeValue(value).value
}

/** Python's `ignore_case`: strings lower-cased for comparison, other values as they are. */
export function ignoreCase(value: unknown): unknown {
  if (typeof value === 'string') return value.toLowerCase()
  if (value instanceof SafeString) return value.value.toLowerCase()
  return value
}

/** `'address.city'` → `['address', 'city']`; digit parts are indexes (`'items.0'`). */
export function attributeParts(attribute: unknown): Array<string | number> {
  if (attribute === null || attribute === undefined) return []
  if (typeof attribute === 'string' || attribute instanceof SafeString) {
    return textOf(attribute)
      .split('.')
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part))
  }
  if (typeof attribute === 'number') return [attribute]
  throw argumentError('attribute', `expected a name like "user.name", got ${pyType(attribute)}`)
}

/** Options of {@link attrGetter}. */
export interface GetterOptions {
  /** Lower-case string results (case-insensitive comparison). */
  lower?: boolean
  /** Used in place of an undefined step (Jinja2's `default=` of `map`, `groupby`). */
  default?: unknown
}

/** Jinja2's `make_attrgetter`: look up a dotted path in an item with the engine's rules. */
export function attrGetter(ctx: EvalContext, attribute: unknown, options: GetterOptions = {}) {
  const parts = attributeParts(attribute)
  const fallback = options.default
  return (item: unknown): unknown => {
    let value = item
    for (const part of parts) {
      value = ctx.getitem(value, part)
      if (fallback !== undefined && fallback !== null && value instanceof Undefined)
        value = fallback
    }
    return options.lower ? ignoreCase(value) : value
  }
}

/** Jinja2's `make_multi_attrgetter`: `'age,name'` gives a key list `[age, name]`. */
export function multiAttrGetter(ctx: EvalContext, attribute: unknown, lower: boolean) {
  const names =
    typeof attribute === 'string' || attribute instanceof SafeString
      ? textOf(attribute).split(',')
      : [attribute]
  const getters = names.map((name) => attrGetter(ctx, name, { lower }))
  return (item: unknown): unknown[] => getters.map((get) => get(item))
}

/** Compare key lists element by element, as Python compares lists. */
export function compareKeys(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (equals(a[i], b[i])) continue
    return compare(a[i], b[i])
  }
  return a.length - b.length
}

/** The `(key, value)` pairs of a mapping, in its order. */
export function mappingItems(filter: string, value: unknown): Array<[unknown, unknown]> {
  if (value instanceof Map) return [...value]
  if (isMapping(value)) return Object.entries(value)
  throw typeError(`${filter}: expected a mapping (a dict or Map), got ${pyType(value)}.`)
}

/** An integer argument: an integral number (or boolean), else a filter argument error. */
export function intArg(filter: string, name: string, value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'bigint') return Number(value)
  throw argumentError(filter, `${name} must be an integer, got ${toStr(value)} (${pyType(value)}).`)
}
