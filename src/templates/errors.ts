/**
 * The template engine's errors, and the code frame that shows where a template went wrong.
 *
 * Every error has a stable `code` (`PLINTH_TEMPLATE_*`) and a message that names the template,
 * the line (and column, for syntax errors) and says what to do, so the first line of a log or a
 * debug page is enough to open the right file at the right place. The code frame is plain text
 * (no colours) so it reads the same in a terminal, a log file and an escaped HTML page.
 */

/** Base class of every template error; `code` is stable and documented in docs/errors.md. */
export class TemplateError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TemplateError'
    this.code = code
  }
}

/** Where a syntax error is, and what to show with it. */
export interface SyntaxErrorLocation {
  /** Template name (`shop/products.html`), or a label such as `<string>`. */
  template: string
  /** 1-based line. */
  line: number
  /** 1-based column, in UTF-16 code units (JavaScript string indices + 1). */
  column: number
  /** The template's source; when given the message carries a code frame. */
  source?: string
  /** What the author probably meant, appended as `Hint: …`. */
  hint?: string
}

/**
 * The template cannot be parsed. The message reads
 * `products.html:3:13: <reason>`, then a code frame and the hint.
 */
export class TemplateSyntaxError extends TemplateError {
  readonly template: string
  readonly line: number
  readonly column: number
  /** The message without location, frame or hint. */
  readonly reason: string
  readonly hint: string | undefined
  /** The code frame shown in the message (`undefined` when no source was given). */
  readonly frame: string | undefined
  constructor(message: string, location: SyntaxErrorLocation) {
    const frame =
      location.source === undefined
        ? undefined
        : codeFrame(location.source, location.line, location.column)
    super(
      'PLINTH_TEMPLATE_SYNTAX',
      compose(
        `${position(location.template, location.line, location.column)}: ${message}`,
        frame,
        location.hint,
      ),
    )
    this.name = 'TemplateSyntaxError'
    this.template = location.template
    this.line = location.line
    this.column = location.column
    this.reason = message
    this.hint = location.hint
    this.frame = frame
  }
}

/** Where a runtime error happened. */
export interface RuntimeErrorLocation {
  template: string
  /** 1-based line of the expression or tag being evaluated. */
  line: number
  /** The error thrown while rendering (a filter's error, an `UndefinedError`, …). */
  cause?: unknown
  /** 1-based column, when known; only used to place the caret in the code frame. */
  column?: number
  /** The template's source; when given the message carries a code frame. */
  source?: string
}

/** Rendering failed. The message reads `products.html:12: <message>`; `cause` is the original. */
export class TemplateRuntimeError extends TemplateError {
  readonly template: string
  readonly line: number
  readonly reason: string
  readonly frame: string | undefined
  constructor(message: string, location: RuntimeErrorLocation) {
    const frame =
      location.source === undefined
        ? undefined
        : codeFrame(location.source, location.line, location.column)
    let head = `${position(location.template, location.line)}: ${message}`
    const cause = location.cause
    // Name the original error unless the caller already copied its message.
    if (cause instanceof Error && cause.message !== '' && !message.includes(cause.message)) {
      head += ` (caused by ${cause.name}: ${firstLine(cause.message)})`
    }
    super('PLINTH_TEMPLATE_RUNTIME', compose(head, frame, undefined), { cause })
    this.name = 'TemplateRuntimeError'
    this.template = location.template
    this.line = location.line
    this.reason = message
    this.frame = frame
  }
}

/**
 * No loader has the template. `tried` lists where the loaders looked (file paths, loader
 * descriptions), so the message answers "where did it look?" without a debugger.
 */
export class TemplateNotFoundError extends TemplateError {
  /** The name asked for (`name` is the error class name, as on every Error). */
  readonly templateName: string
  readonly tried: readonly string[]
  constructor(name: string, tried: readonly string[], options?: { cause?: unknown }) {
    const looked =
      tried.length === 0
        ? 'No loader is configured: give the environment a loader (fileSystemLoader, moduleLoader, memoryLoader).'
        : `Looked in:\n${tried.map((place) => `  - ${clean(place)}`).join('\n')}\n` +
          'Check the name for typos (names are relative to the roots, like "shop/products.html"), ' +
          'or add the directory that holds it to the loader.'
    super('PLINTH_TEMPLATE_NOT_FOUND', `Template ${quote(name)} was not found. ${looked}`, options)
    this.name = 'TemplateNotFoundError'
    this.templateName = name
    this.tried = [...tried]
  }
}

/**
 * A template name was refused because it could reach outside the loader's roots (`..`, an
 * absolute path, a backslash, a symlink pointing out, …). Nothing was read.
 */
export class TemplatePathError extends TemplateError {
  readonly templateName: string
  /**
   * @param reason what is wrong, completing "Refusing template name "x": …"
   * @param advice what to do; defaults to the rules for template names
   */
  constructor(name: string, reason: string, advice: string = NAME_RULES) {
    super('PLINTH_TEMPLATE_PATH', `Refusing template name ${quote(name)}: ${reason}. ${advice}`)
    this.name = 'TemplatePathError'
    this.templateName = name
  }
}

const NAME_RULES =
  'Template names are "/"-separated paths relative to the loader\'s roots, like ' +
  '"shop/products.html", without "..", "." or empty segments, backslashes, colons or control ' +
  'characters. Never build a template name from request data; map the request to one of a ' +
  'fixed set of names instead.'

/** Options of {@link codeFrame}. */
export interface CodeFrameOptions {
  /** Lines shown before and after the offending one (default 1). */
  context?: number
  /** Longer lines are cut to a window of this many characters around the column (default 100). */
  maxWidth?: number
}

/**
 * The lines around `line` with a gutter of line numbers, the offending line marked with `>`,
 * and a caret under `column` (omitted when `column` is undefined):
 *
 * ```text
 *   2 | {% for p in products %}
 * > 3 |   {{ p.name }
 *     |             ^
 *   4 | {% endfor %}
 * ```
 *
 * Lines are split on `\r\n`, `\r` and `\n`, as Jinja2's lexer counts them. Out-of-range lines and
 * columns are clamped rather than refused: a frame is a convenience, never a second error. Tabs
 * are kept, and the caret line repeats them, so the caret stays aligned at any tab width. Control
 * characters are shown as visible symbols so a frame cannot drive the terminal.
 */
export function codeFrame(
  source: string,
  line: number,
  column?: number,
  options: CodeFrameOptions = {},
): string {
  const context = Math.max(0, Math.floor(options.context ?? 1))
  const maxWidth = Math.max(10, Math.floor(options.maxWidth ?? 100))
  const lines = source.split(/\r\n|\r|\n/)
  const target = clamp(Number.isFinite(line) ? Math.floor(line) : 1, 1, lines.length)
  const first = Math.max(1, target - context)
  const last = Math.min(lines.length, target + context)
  const width = String(last).length
  // Work in code points so a window never splits a surrogate pair.
  const targetChars = Array.from(lines[target - 1]!)
  const caretAt =
    column === undefined || !Number.isFinite(column)
      ? undefined
      : Array.from(lines[target - 1]!.slice(0, Math.max(0, Math.floor(column) - 1))).length
  // One window for every shown line, so the context stays vertically aligned with the caret.
  let start = 0
  if (targetChars.length > maxWidth) {
    const centre = caretAt ?? 0
    start = clamp(centre - Math.floor(maxWidth / 2), 0, targetChars.length - maxWidth)
  }
  const out: string[] = []
  for (let n = first; n <= last; n++) {
    const chars = Array.from(lines[n - 1]!)
    const gutter = `${n === target ? '>' : ' '} ${String(n).padStart(width)} |`
    out.push(`${gutter} ${visible(window(chars, start, maxWidth))}`.trimEnd())
    if (n === target && caretAt !== undefined) {
      const before = chars.slice(start, Math.min(caretAt, chars.length))
      const lead = start > 0 ? ' ' : ''
      const pad = before.map((c) => (c === '\t' ? '\t' : ' ')).join('')
      out.push(`  ${' '.repeat(width)} | ${lead}${pad}^`)
    }
  }
  return out.join('\n')
}

/** `chars[start, start + size)`, with `…` on the sides that were cut. */
function window(chars: string[], start: number, size: number): string {
  if (chars.length <= size && start === 0) return chars.join('')
  const end = Math.min(chars.length, start + size)
  return (start > 0 ? '…' : '') + chars.slice(start, end).join('') + (end < chars.length ? '…' : '')
}

/** Control characters (but tab) as Unicode control pictures (`␛`), C1 controls as `�`. */
function visible(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we replace.
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0)
    if (code < 0x20) return String.fromCharCode(0x2400 + code)
    return code === 0x7f ? '\u2421' : '\ufffd'
  })
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(n, min), max)
}

/** `name:line[:column]`, the form editors and terminals turn into links. */
function position(template: string, line: number, column?: number): string {
  return `${clean(template)}:${line}${column === undefined ? '' : `:${column}`}`
}

function compose(head: string, frame: string | undefined, hint: string | undefined): string {
  const parts = [head]
  if (frame !== undefined && frame !== '') parts.push(frame)
  if (hint !== undefined && hint !== '') parts.push(`Hint: ${hint}`)
  return parts.join('\n\n')
}

function firstLine(text: string): string {
  const end = text.indexOf('\n')
  return end === -1 ? text : `${text.slice(0, end)} …`
}

/** Names in messages may come from anywhere: keep them on one line and short. */
function clean(text: string): string {
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text
  return visible(shown)
}

/** A name quoted as a JSON string, so NUL bytes, newlines and quotes are visible. */
function quote(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name)
}
