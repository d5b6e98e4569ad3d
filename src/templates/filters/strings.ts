/**
 * String filters: case, padding, trimming, truncating, wrapping, replacing, indenting, `format`.
 *
 * Each follows the Jinja2 filter of the same name, parameters included, so keyword arguments
 * written for Jinja2 work (`truncate(length=20, end='…')`). Markup in gives markup out where
 * Jinja2's `Markup` methods do (`upper`, `trim`, `center`, `replace`, `truncate`, `indent`,
 * `format`), with the other operands escaped; where Jinja2 returns plain text (`title`,
 * `wordwrap`), so do we, and the output escapes it.
 */
import { SafeString } from '../runtime/markup.ts'
import { defineFilter, type EvalContext } from '../runtime/types.ts'
import { repr, splitArgs, toStr, truthy } from '../runtime/values.ts'
import { percentFormat } from './pyformat.ts'
import {
  beforeLast,
  cpLength,
  cpSlice,
  pyCapitalize,
  pyCenter,
  pyReplace,
  pySplitlines,
  pyStrip,
  upperFirst,
} from './pystr.ts'
import { wrap } from './textwrap.ts'
import { argumentError, escapedText, intArg, type Str, sameKind, softStr, textOf } from './util.ts'

/** Apply a text transformation, keeping markup as markup (Markup's `upper()`, `strip()`…). */
function keepKind(value: unknown, transform: (text: string) => string): Str {
  const s = softStr(value)
  return sameKind(s, transform(textOf(s)))
}

export const upper = defineFilter([], (_ctx, value) => keepKind(value, (s) => s.toUpperCase()))
export const lower = defineFilter([], (_ctx, value) => keepKind(value, (s) => s.toLowerCase()))
export const capitalize = defineFilter([], (_ctx, value) => keepKind(value, pyCapitalize))

const WORD_START = /([-\s({[<]+)/u

/** Jinja2's `title`: upper-case the first letter after spaces, `-`, and opening brackets. */
export const title = defineFilter([], (_ctx, value) =>
  textOf(softStr(value))
    .split(WORD_START)
    .filter((item) => item !== '')
    .map(upperFirst)
    .join(''),
)

export const center = defineFilter(['width'], (_ctx, value, width = 80) =>
  keepKind(value, (s) => pyCenter(s, intArg('center', 'width', width))),
)

export const trim = defineFilter(['chars'], (_ctx, value, chars) =>
  keepKind(value, (s) => pyStrip(s, chars == null ? null : toStr(chars))),
)

/** `string`: a string of the value, markup kept as markup. */
export const string = defineFilter([], (_ctx, value) => softStr(value))

const WORD = /[\p{L}\p{N}_]+/gu

export const wordcount = defineFilter(
  [],
  (_ctx, value) => textOf(softStr(value)).match(WORD)?.length ?? 0,
)

export const truncate = defineFilter(
  ['length', 'killwords', 'end', 'leeway'],
  (_ctx, value, length = 255, killwords = false, end = '...', leeway = 5) => {
    const s = softStr(value)
    const size = intArg('truncate', 'length', length)
    const slack = leeway === null ? 5 : intArg('truncate', 'leeway', leeway)
    const ending = softStr(end)
    const endSize = cpLength(textOf(ending))
    if (size < endSize)
      throw argumentError('truncate', `expected length >= ${endSize}, got ${size}.`)
    if (slack < 0) throw argumentError('truncate', `expected leeway >= 0, got ${slack}.`)
    const text = textOf(s)
    if (cpLength(text) <= size + slack) return s
    let kept = cpSlice(text, 0, size - endSize)
    if (!truthy(killwords)) kept = beforeLast(kept, ' ')
    // Markup + str escapes the str, whichever side the markup is on (Markup.__add__/__radd__).
    if (s instanceof SafeString) return new SafeString(kept + escapedText(ending))
    if (ending instanceof SafeString) return new SafeString(escapedText(kept) + ending.value)
    return kept + ending
  },
)

export const wordwrap = defineFilter(
  ['width', 'break_long_words', 'wrapstring', 'break_on_hyphens'],
  (_ctx, value, width = 79, breakLongWords = true, wrapstring = null, breakOnHyphens = true) => {
    const size = intArg('wordwrap', 'width', width)
    if (size <= 0) throw argumentError('wordwrap', `invalid width ${size} (must be > 0).`)
    const joiner = wrapstring === null ? '\n' : textOf(softStr(wrapstring))
    const options = {
      width: size,
      breakLongWords: truthy(breakLongWords),
      breakOnHyphens: truthy(breakOnHyphens),
    }
    return pySplitlines(textOf(softStr(value)))
      .map((line) => wrap(line, options).join(joiner))
      .join(joiner)
  },
)

/**
 * `replace(old, new, count)`. With autoescaping, markup on either side makes the result markup:
 * the value is escaped when `old` or `new` is markup, and `new` is escaped when the value is.
 */
export const replace = defineFilter(
  ['old', 'new', 'count'],
  (ctx, value, old, replacement, count = null) => {
    const n = count === null ? -1 : intArg('replace', 'count', count)
    if (old === undefined || replacement === undefined) {
      throw argumentError(
        'replace',
        'takes the text to find and its replacement: replace("a", "b").',
      )
    }
    if (!ctx.autoescape) return pyReplace(toStr(value), toStr(old), toStr(replacement), n)
    const safeArgs = old instanceof SafeString || replacement instanceof SafeString
    const s = safeArgs ? new SafeString(escapedText(value)) : softStr(value)
    if (s instanceof SafeString) {
      return new SafeString(pyReplace(s.value, textOf(softStr(old)), escapedText(replacement), n))
    }
    return pyReplace(s, toStr(old), toStr(replacement), n)
  },
)

/** `indent(width, first, blank)`: indent every line but the first (and blank ones) by default. */
export const indent = defineFilter(
  ['width', 'first', 'blank'],
  (_ctx, value, width = 4, first = false, blank = false) => {
    const s = softStr(value)
    const pad =
      typeof width === 'string' || width instanceof SafeString
        ? textOf(width)
        : ' '.repeat(Math.max(0, intArg('indent', 'width', width)))
    // Python appends a newline first so that splitlines keeps a trailing empty line.
    const lines = pySplitlines(`${textOf(s)}\n`)
    let out: string
    if (truthy(blank)) out = lines.join(`\n${pad}`)
    else {
      out = lines[0] ?? ''
      if (lines.length > 1)
        out += `\n${lines
          .slice(1)
          .map((line) => (line ? pad + line : line))
          .join('\n')}`
    }
    if (truthy(first)) out = pad + out
    // Markup(indention): the indentation of markup is trusted as the markup is.
    return sameKind(s, out)
  },
)

/**
 * `format(*args)`: Python's `value % args` (`"%s, %s!"|format(greeting, name)`), or with keyword
 * arguments `value % kwargs` (`"%(name)s"|format(name=n)`). Markup formats escape their arguments.
 */
export const format = defineFilter(['*args', '**kwargs'], (_ctx: EvalContext, value, ...rest) => {
  const [args, kwargs] = splitArgs(rest)
  const hasKwargs = Object.keys(kwargs).length > 0
  if (args.length > 0 && hasKwargs) {
    throw argumentError('format', "can't handle positional and keyword arguments at the same time.")
  }
  const s = softStr(value)
  // Jinja2 formats `value % (kwargs or args)`: args are always a tuple, kwargs a mapping.
  return formatWith(s, hasKwargs ? kwargs : args)
})

function formatWith(
  s: Str,
  values: unknown[] | Map<unknown, unknown> | Record<string, unknown>,
): Str {
  const markup = s instanceof SafeString
  const text = percentFormat(textOf(s), values, {
    str: toStr,
    repr,
    escape: markup
      ? (arg, converted) => (arg instanceof SafeString ? converted : escapedText(converted))
      : undefined,
  })
  return markup ? new SafeString(text) : text
}
