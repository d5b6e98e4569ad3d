/**
 * HTML and URL filters: escaping, trusted markup, tags, JSON for `<script>`, query strings,
 * links and attributes.
 *
 * These are where safety is decided, so each one says what it trusts: `escape` escapes anything
 * that is not already markup, `forceescape` escapes even markup, `safe` trusts its input (the
 * author vouches for it), `tojson` escapes `< > & '` inside the JSON so it cannot close a
 * `<script>`, `urlize` escapes the text before linking and links only web and mail addresses,
 * `xmlattr` escapes values and refuses attribute names that could inject other attributes.
 */
import { escapeHtml, SafeString } from '../runtime/markup.ts'
import { defineFilter } from '../runtime/types.ts'
import { isMapping, isUndefined, toList, toStr, truthy, valueError } from '../runtime/values.ts'
import { unescapeHtml } from './entities.ts'
import { dumps } from './json.ts'
import { pySplitWhitespace } from './pystr.ts'
import { urlize as linkify, URI_SCHEME } from './urlize.ts'
import { argumentError, escapeValue, intArg, mappingItems, textOf } from './util.ts'

export const escapeFilter = defineFilter([], (_ctx, value) => escapeValue(value))

/** Escape even markup (`&amp;` becomes `&amp;amp;`). */
export const forceescape = defineFilter(
  [],
  (_ctx, value) =>
    new SafeString(escapeHtml(value instanceof SafeString ? value.value : toStr(value))),
)

/** Trust the value as markup: the template author vouches that it is safe HTML. */
export const safe = defineFilter([], (_ctx, value) =>
  value instanceof SafeString ? value : new SafeString(toStr(value)),
)

/** Remove tags and comments, collapse whitespace, then decode character references. */
export const striptags = defineFilter([], (_ctx, value) => {
  let text = value instanceof SafeString ? value.value : toStr(value)
  // Comments first, so a tag inside a comment cannot end it early (markupsafe's order).
  for (let start = text.indexOf('<!--'); start !== -1; start = text.indexOf('<!--')) {
    const end = text.indexOf('-->', start)
    if (end === -1) break
    text = text.slice(0, start) + text.slice(end + 3)
  }
  for (let start = text.indexOf('<'); start !== -1; start = text.indexOf('<', start)) {
    const end = text.indexOf('>', start)
    if (end === -1) break
    text = text.slice(0, start) + text.slice(end + 1)
  }
  return unescapeHtml(pySplitWhitespace(text).join(' '))
})

/**
 * `tojson(indent)`: JSON that is safe in HTML text and inside `<script>`: `< > & '` become
 * `\u003c \u003e \u0026 \u0027`. Not safe in double-quoted attributes (use single quotes).
 */
export const tojson = defineFilter(['indent'], (_ctx, value, indent = null) => {
  let pad: string | undefined
  if (typeof indent === 'string') pad = indent
  else if (indent !== null && indent !== undefined)
    pad = ' '.repeat(Math.max(0, intArg('tojson', 'indent', indent)))
  const json = dumps(value, pad)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll("'", '\\u0027')
  return new SafeString(json)
})

const UNRESERVED = /[A-Za-z0-9_.~-]/
const encoder = new TextEncoder()

/** Python's `urllib.parse.quote` over UTF-8; `/` kept unless `query` (which also makes `+`). */
function quote(value: unknown, query: boolean): string {
  const text = value instanceof SafeString ? value.value : toStr(value)
  let out = ''
  for (const byte of encoder.encode(text)) {
    const char = String.fromCharCode(byte)
    if (byte < 0x80 && (UNRESERVED.test(char) || (!query && char === '/'))) out += char
    else if (query && byte === 0x20) out += '+'
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/**
 * `urlencode`: a string is quoted for a URL path (`/` kept); a mapping or a list of pairs becomes
 * a query string (`a=1&b=x+y`).
 */
export const urlencode = defineFilter([], (_ctx, value) => {
  if (typeof value === 'string' || value instanceof SafeString) return quote(value, false)
  if (isUndefined(value)) return ''
  let pairs: unknown[]
  if (isMapping(value)) pairs = mappingItems('urlencode', value)
  else if (typeof value === 'object' && value !== null && Symbol.iterator in value)
    pairs = toList(value)
  else return quote(value, false)
  return pairs
    .map((pair) => {
      const kv = toList(pair)
      if (kv.length !== 2) {
        throw valueError(`urlencode: expected (key, value) pairs, got ${kv.length} items in one.`)
      }
      const [k, v] = kv
      return `${quote(k, true)}=${quote(v, true)}`
    })
    .join('&')
})

/**
 * `urlize(trim_url_limit, nofollow, target, rel, extra_schemes)`: links for `http(s)://`,
 * `www.` and e-mail addresses in the (escaped) text; `rel="noopener"` always, as Jinja2's policy.
 */
export const urlize = defineFilter(
  ['trim_url_limit', 'nofollow', 'target', 'rel', 'extra_schemes'],
  (
    ctx,
    value,
    trimUrlLimit = null,
    nofollow = false,
    target = null,
    rel = null,
    extraSchemes = null,
  ) => {
    const relParts = new Set(pySplitWhitespace(rel == null ? '' : toStr(rel)))
    if (truthy(nofollow)) relParts.add('nofollow')
    relParts.add('noopener')
    let schemes: string[] | undefined
    if (extraSchemes !== null && extraSchemes !== undefined) {
      schemes = toList(extraSchemes).map((scheme) => toStr(scheme))
      for (const scheme of schemes) {
        if (!URI_SCHEME.test(scheme)) {
          throw argumentError(
            'urlize',
            `'${scheme}' is not a valid URI scheme prefix (like "tel:" or "ftp://").`,
          )
        }
      }
    }
    const html = linkify(escapeValue(value).value, {
      trimUrlLimit:
        trimUrlLimit == null ? undefined : intArg('urlize', 'trim_url_limit', trimUrlLimit),
      rel: [...relParts].sort().join(' '),
      target: target == null || target === '' ? undefined : toStr(target),
      extraSchemes: schemes,
    })
    return ctx.autoescape ? new SafeString(html) : html
  },
)

// Characters that would end an attribute name (https://html.spec.whatwg.org/#attribute-name-state).
// biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII whitespace ends a name too.
const BAD_ATTRIBUTE = /[\t\n\f\r /=>\x0b]/

/**
 * `xmlattr(autospace)`: `{'class': 'a', 'id': none}` → ` class="a"`. Values are escaped; `none`
 * and undefined values are left out; names with spaces, `/`, `>` or `=` are refused.
 */
export const xmlattr = defineFilter(['autospace'], (ctx, value, autospace = true) => {
  const parts: string[] = []
  for (const [key, item] of mappingItems('xmlattr', value)) {
    if (item === null || isUndefined(item)) continue
    const name = textOf(escapeValue(key))
    if (BAD_ATTRIBUTE.test(toStr(key))) {
      throw valueError(
        `xmlattr: invalid character in attribute name ${JSON.stringify(toStr(key))}; ` +
          'names cannot contain spaces, "/", ">" or "=" (never build them from user input).',
      )
    }
    parts.push(`${name}="${escapeValue(item).value}"`)
  }
  let out = parts.join(' ')
  if (truthy(autospace) && out !== '') out = ` ${out}`
  return ctx.autoescape ? new SafeString(out) : out
})
