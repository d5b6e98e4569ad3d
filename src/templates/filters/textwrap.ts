/**
 * A port of Python's `textwrap.wrap`, for the `wordwrap` filter.
 *
 * Jinja2's `wordwrap` calls `textwrap.wrap(line, width, expand_tabs=False,
 * replace_whitespace=False, break_long_words, break_on_hyphens)` on each line. Where lines break
 * (after hyphens in "well-known", never inside "--", whitespace dropped at line ends) is
 * visible in the output, so the chunking regular expression and the line filling loop are
 * transcribed from CPython rather than reinvented.
 */
import { cpLength, pyStrip } from './pystr.ts'

// textwrap's whitespace is ASCII only: '\t\n\x0b\x0c\r '.
const WS = '[\\t\\n\\x0b\\x0c\\r ]'
const NOT_WS = '[^\\t\\n\\x0b\\x0c\\r ]'
const WORD = '[\\p{L}\\p{N}_]'
const WORD_PUNCT = `(?:${WORD}|[!"'&.,?])`
// Python's [^\d\W]: word characters that are not decimal digits.
const LETTER = '[\\p{L}\\p{Nl}\\p{No}_]'

const WORDSEP = new RegExp(
  `(${WS}+` +
    `|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` +
    `|${NOT_WS}+?(?:` +
    `-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` +
    `|(?=${WS}|$)` +
    `|(?<=${WORD_PUNCT})(?=-{2,}${WORD})` +
    '))',
  'u',
)
const WORDSEP_SIMPLE = new RegExp(`(${WS}+)`)

/** Options of {@link wrap}, named as in Python. */
export interface WrapOptions {
  width: number
  breakLongWords: boolean
  breakOnHyphens: boolean
}

const isBlank = (chunk: string) => pyStrip(chunk) === ''

/** Wrap one paragraph into lines of at most `width` characters (code points). */
export function wrap(text: string, options: WrapOptions): string[] {
  const pattern = options.breakOnHyphens ? WORDSEP : WORDSEP_SIMPLE
  // split() with a capturing group keeps the separators; Python drops the empty pieces.
  const chunks = text.split(pattern).filter((chunk) => chunk !== '')
  return wrapChunks(chunks.reverse(), options)
}

function wrapChunks(chunks: string[], options: WrapOptions): string[] {
  const { width } = options
  const lines: string[] = []
  while (chunks.length > 0) {
    const line: string[] = []
    let length = 0
    // Whitespace at the start of a line (but the first) is dropped.
    if (lines.length > 0 && isBlank(chunks[chunks.length - 1]!)) chunks.pop()
    while (chunks.length > 0) {
      const size = cpLength(chunks[chunks.length - 1]!)
      if (length + size > width) break
      line.push(chunks.pop()!)
      length += size
    }
    if (chunks.length > 0 && cpLength(chunks[chunks.length - 1]!) > width) {
      handleLongWord(chunks, line, length, options)
      length = line.reduce((sum, chunk) => sum + cpLength(chunk), 0)
    }
    if (line.length > 0 && isBlank(line[line.length - 1]!)) line.pop()
    if (line.length > 0) lines.push(line.join(''))
  }
  return lines
}

function handleLongWord(chunks: string[], line: string[], length: number, options: WrapOptions) {
  const spaceLeft = options.width < 1 ? 1 : options.width - length
  if (options.breakLongWords) {
    let end = spaceLeft
    // Code points, as Python indexes strings.
    const chunk = Array.from(chunks[chunks.length - 1]!)
    if (options.breakOnHyphens && chunk.length > spaceLeft) {
      // Prefer breaking after a hyphen that has something other than hyphens before it.
      // chunk.rfind('-', 0, space_left): nothing to find when no space is left.
      const hyphen = spaceLeft > 0 ? chunk.lastIndexOf('-', spaceLeft - 1) : -1
      if (hyphen > 0 && chunk.slice(0, hyphen).some((c) => c !== '-')) end = hyphen + 1
    }
    line.push(chunk.slice(0, end).join(''))
    chunks[chunks.length - 1] = chunk.slice(end).join('')
  } else if (line.length === 0) {
    line.push(chunks.pop()!)
  }
}
