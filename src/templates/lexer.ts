/**
 * The lexer: template text → tokens, with Jinja2's delimiters (`{{ }}`, `{% %}`, `{# #}`), its
 * whitespace control (`{%-`, `-%}`, `+%}`, `{%+`, `trim_blocks`, `lstrip_blocks`,
 * `keep_trailing_newline`) and `{% raw %}`.
 *
 * Expressions inside tags are tokenized here too, so a `%}` inside a string literal never ends a
 * tag. Every token knows its line and column for error messages.
 */
import { TemplateSyntaxError } from './errors.ts'

export type TokenType =
  | 'text'
  | 'var_begin'
  | 'var_end'
  | 'block_begin'
  | 'block_end'
  | 'name'
  | 'string'
  | 'number'
  | 'op'
  | 'eof'

export interface Token {
  type: TokenType
  value: string
  /** For numbers and strings, the parsed value. */
  parsed?: unknown
  line: number
  column: number
}

export interface LexerOptions {
  trimBlocks?: boolean
  lstripBlocks?: boolean
  keepTrailingNewline?: boolean
}

const OPERATORS = [
  '**',
  '//',
  '==',
  '!=',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '~',
  '<',
  '>',
  '=',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '.',
  ':',
  '|',
]
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y
const NUMBER = /\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?/y
const INTEGER = /\d[\d_]*/y
const SPACE = /\s+/y
const RAW_BEGIN = /\{%([-+]?)\s*raw\s*([-+]?)%\}/y
const RAW_END = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '0': '\0',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
}

/** Tokenize `source` (named `name` in errors). */
export function tokenize(source: string, name: string, options: LexerOptions = {}): Token[] {
  return new Lexer(source, name, options).run()
}

class Lexer {
  readonly #src: string
  readonly #name: string
  readonly #options: LexerOptions
  readonly #tokens: Token[] = []
  #pos = 0
  /** Strip whitespace at the start of the next text (a `-%}` before it). */
  #stripNext = false
  /** Remove one newline at the start of the next text (trim_blocks after a block tag). */
  #trimNewline = false

  constructor(source: string, name: string, options: LexerOptions) {
    let src = source.replace(/\r\n?/g, '\n')
    if (!options.keepTrailingNewline && src.endsWith('\n')) src = src.slice(0, -1)
    this.#src = src
    this.#name = name
    this.#options = options
  }

  run(): Token[] {
    const src = this.#src
    while (this.#pos < src.length) {
      const next = this.#findTagStart(this.#pos)
      this.#text(this.#pos, next === -1 ? src.length : next)
      if (next === -1) {
        this.#pos = src.length
        break
      }
      this.#pos = next
      RAW_BEGIN.lastIndex = next
      if (RAW_BEGIN.test(src)) {
        this.#raw()
        continue
      }
      const kind = src[next + 1]
      if (kind === '#') this.#comment()
      else this.#tag(kind === '{' ? 'var' : 'block')
    }
    this.#push('eof', '', this.#pos)
    return this.#tokens
  }

  #findTagStart(from: number): number {
    const src = this.#src
    let i = src.indexOf('{', from)
    while (i !== -1) {
      const c = src[i + 1]
      if (c === '{' || c === '%' || c === '#') return i
      i = src.indexOf('{', i + 1)
    }
    return -1
  }

  /** Emit text between `start` and `end`, applying whitespace control from both sides. */
  #text(start: number, end: number): void {
    let text = this.#src.slice(start, end)
    let at = start
    if (this.#stripNext) {
      const stripped = text.replace(/^\s+/, '')
      at += text.length - stripped.length
      text = stripped
    } else if (this.#trimNewline && text.startsWith('\n')) {
      text = text.slice(1)
      at += 1
    }
    this.#stripNext = false
    this.#trimNewline = false
    if (end < this.#src.length) {
      const marker = this.#src[end + 2]
      if (marker === '-') text = text.replace(/\s+$/, '')
      else if (marker !== '+' && this.#src[end + 1] !== '{' && this.#options.lstripBlocks)
        text = text.replace(/(^|\n)[ \t]+$/, '$1')
    }
    if (text !== '') this.#push('text', text, at)
  }

  #raw(): void {
    const src = this.#src
    RAW_BEGIN.lastIndex = this.#pos
    const begin = RAW_BEGIN.exec(src)!
    const bodyStart = this.#pos + begin[0].length
    RAW_END.lastIndex = bodyStart
    const end = RAW_END.exec(src)
    if (end === null) this.#fail('Missing {% endraw %} for this {% raw %} block.', this.#pos)
    let body = src.slice(bodyStart, end.index)
    if (begin[2] === '-') body = body.replace(/^\s+/, '')
    else if (this.#options.trimBlocks && begin[2] !== '+' && body.startsWith('\n'))
      body = body.slice(1)
    if (end[1] === '-') body = body.replace(/\s+$/, '')
    if (body !== '') this.#push('text', body, bodyStart)
    this.#pos = end.index + end[0].length
    this.#stripNext = end[2] === '-'
    this.#trimNewline = this.#options.trimBlocks === true && end[2] !== '+'
  }

  #comment(): void {
    const src = this.#src
    const close = src.indexOf('#}', this.#pos + 2)
    if (close === -1) this.#fail('Missing #} to close this comment.', this.#pos)
    this.#stripNext = src[close - 1] === '-'
    this.#trimNewline =
      !this.#stripNext && this.#options.trimBlocks === true && src[close - 1] !== '+'
    this.#pos = close + 2
  }

  #tag(kind: 'var' | 'block'): void {
    const src = this.#src
    const start = this.#pos
    this.#push(kind === 'var' ? 'var_begin' : 'block_begin', src.slice(start, start + 2), start)
    this.#pos += 2
    if (src[this.#pos] === '-' || src[this.#pos] === '+') this.#pos++
    const close = kind === 'var' ? '}}' : '%}'
    const braces: string[] = []
    for (;;) {
      SPACE.lastIndex = this.#pos
      if (SPACE.test(src)) this.#pos = SPACE.lastIndex
      if (this.#pos >= src.length)
        this.#fail(`Missing ${close} to close this tag.`, start, `Add ${close}.`)
      const at = this.#pos
      const c = src[at]!
      // The tag ends here, unless a brace opened inside it is still open (`{{ {'a': 1} }}`).
      const marker = c === '-' || c === '+' ? c : ''
      if (braces.length === 0 && src.startsWith(close, at + marker.length)) {
        this.#push(kind === 'var' ? 'var_end' : 'block_end', close, at)
        this.#pos = at + marker.length + 2
        this.#stripNext = marker === '-'
        this.#trimNewline = kind === 'block' && marker !== '+' && this.#options.trimBlocks === true
        return
      }
      if (c === '"' || c === "'") {
        this.#string(c)
        continue
      }
      NAME.lastIndex = at
      const name = NAME.exec(src)
      if (name) {
        this.#push('name', name[0], at)
        this.#pos = at + name[0].length
        continue
      }
      if (/[0-9]/.test(c)) {
        this.#number()
        continue
      }
      const op = OPERATORS.find((o) => src.startsWith(o, at))
      if (op === undefined) this.#fail(`Unexpected character ${JSON.stringify(c)}.`, at)
      if (op === '(' || op === '[' || op === '{') braces.push(op)
      else if (op === ')' || op === ']' || op === '}') {
        const open = braces.pop()
        if (open === undefined || '([{'.indexOf(open) !== ')]}'.indexOf(op))
          this.#fail(`Unexpected ${JSON.stringify(op)}.`, at)
      }
      this.#push('op', op, at)
      this.#pos = at + op.length
    }
  }

  #string(quote: string): void {
    const src = this.#src
    const start = this.#pos
    let i = start + 1
    let value = ''
    for (;;) {
      if (i >= src.length) this.#fail('This string is not closed.', start, `Add ${quote}.`)
      const c = src[i]!
      if (c === quote) break
      if (c === '\\') {
        const e = src[i + 1] ?? ''
        if (e === 'u' || e === 'x' || e === 'U') {
          const size = e === 'x' ? 2 : e === 'u' ? 4 : 8
          const hex = src.slice(i + 2, i + 2 + size)
          if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(hex))
            this.#fail(`Bad escape \\${e}${hex} in a string.`, i)
          value += String.fromCodePoint(Number.parseInt(hex, 16))
          i += 2 + size
          continue
        }
        if (e === '\n') {
          i += 2
          continue
        }
        value += ESCAPES[e] ?? `\\${e}`
        i += 2
        continue
      }
      value += c
      i++
    }
    this.#push('string', src.slice(start, i + 1), start, value)
    this.#pos = i + 1
  }

  #number(): void {
    const src = this.#src
    const start = this.#pos
    // After a dot (`row.1.2`) only an integer: each part is an index, not a float.
    const afterDot = this.#tokens.at(-1)?.value === '.' && this.#tokens.at(-1)?.type === 'op'
    const pattern = afterDot ? INTEGER : NUMBER
    pattern.lastIndex = start
    const text = pattern.exec(src)![0]
    const clean = text.replaceAll('_', '')
    const value = Number(clean)
    if (clean === '' || Number.isNaN(value))
      this.#fail(`Bad number ${JSON.stringify(text)}.`, start)
    // `1.foo` is not a float: stop before a dot followed by a name.
    this.#push('number', text, start, value)
    this.#pos = start + text.length
  }

  #push(type: TokenType, value: string, at: number, parsed?: unknown): void {
    const { line, column } = this.#where(at)
    this.#tokens.push(
      parsed === undefined ? { type, value, line, column } : { type, value, parsed, line, column },
    )
  }

  /** Offsets where each line starts, for line and column by binary search. */
  #lineStarts: number[] | undefined

  #where(at: number): { line: number; column: number } {
    if (this.#lineStarts === undefined) {
      this.#lineStarts = [0]
      for (let i = this.#src.indexOf('\n'); i !== -1; i = this.#src.indexOf('\n', i + 1))
        this.#lineStarts.push(i + 1)
    }
    const starts = this.#lineStarts
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid]! <= at) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: at - starts[lo]! + 1 }
  }

  #fail(message: string, at: number, hint?: string): never {
    const { line, column } = this.#where(at)
    throw new TemplateSyntaxError(message, {
      template: this.#name,
      line,
      column,
      source: this.#src,
      ...(hint ? { hint } : {}),
    })
  }
}
