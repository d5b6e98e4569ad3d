/**
 * The `Content-Disposition` header of a `multipart/form-data` part (RFC 7578 §4.2, RFC 6266,
 * RFC 8187) and the sanitising of client file names.
 *
 * Parsing is strict where leniency would let two parsers disagree about what a part is (a WAF that
 * reads the first `name`, an app that reads the last): duplicate parameters, an unterminated quote,
 * a type other than `form-data`, an empty name or a badly percent-encoded `filename*` are all
 * reported as errors rather than guessed at.
 */

/** The parameters of a `form-data` disposition that matter to a form parser. */
export interface FormDataDisposition {
  /** The field name (never empty). */
  name: string
  /** The client's file name as sent (`filename*` preferred over `filename`), or `undefined`. */
  filename: string | undefined
}

/** Either the parsed disposition or a client-facing reason why it is invalid. */
export type DispositionResult = FormDataDisposition | { error: string }

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/
// Unquoted values: anything visible except the characters that delimit or quote.
const BARE_VALUE_CHAR = /[!#-:<-[\]-~]/

function isOws(char: string | undefined): boolean {
  return char === ' ' || char === '\t'
}

/**
 * Parse a part's `Content-Disposition` value (already decoded from the wire as UTF-8).
 *
 * @example
 * parseFormDataDisposition('form-data; name="avatar"; filename="me.png"')
 * // { name: 'avatar', filename: 'me.png' }
 * parseFormDataDisposition('attachment; name="a"') // { error: '…must be "form-data"…' }
 */
export function parseFormDataDisposition(value: string): DispositionResult {
  const n = value.length
  let i = 0
  const skipOws = () => {
    while (i < n && isOws(value[i])) i++
  }
  const readToken = () => {
    const start = i
    while (i < n && TOKEN_CHAR.test(value[i]!)) i++
    return value.slice(start, i)
  }

  skipOws()
  const type = readToken()
  if (type.toLowerCase() !== 'form-data') {
    return { error: 'Each part must have "Content-Disposition: form-data".' }
  }
  const params = new Map<string, string>()
  for (;;) {
    skipOws()
    if (i >= n) break
    if (value[i] !== ';') return { error: 'A part has a malformed Content-Disposition header.' }
    i++
    skipOws()
    if (i >= n || value[i] === ';') continue // empty parameter, tolerated like `a=1;;b=2`
    const key = readToken().toLowerCase()
    skipOws()
    if (key === '' || value[i] !== '=') {
      return { error: 'A part has a malformed Content-Disposition parameter.' }
    }
    i++
    skipOws()
    let paramValue: string
    if (value[i] === '"') {
      const quoted = readQuoted(value, i)
      if (quoted === null) {
        return { error: 'A part has an unterminated quoted string in Content-Disposition.' }
      }
      paramValue = quoted.text
      i = quoted.end
    } else {
      const start = i
      while (i < n && BARE_VALUE_CHAR.test(value[i]!)) i++
      paramValue = value.slice(start, i)
      if (paramValue === '') {
        return { error: `Content-Disposition parameter "${key}" has no value.` }
      }
    }
    if (params.has(key)) {
      return { error: `Content-Disposition parameter "${key}" appears more than once.` }
    }
    params.set(key, paramValue)
  }

  const name = params.get('name')
  if (name === undefined) return { error: 'A part has no field name (Content-Disposition "name").' }
  if (name === '') return { error: 'A part has an empty field name.' }
  const extended = params.get('filename*')
  if (extended !== undefined) {
    const decoded = decodeExtValue(extended)
    if (decoded === null) {
      return { error: 'A part has an invalid "filename*" (expected UTF-8\'\'percent-encoded).' }
    }
    return { name, filename: decoded }
  }
  return { name, filename: params.get('filename') }
}

/**
 * Read a quoted string starting at the opening quote. A backslash escapes only `"` and `\`: old
 * browsers send Windows paths (`C:\Users\me\a.txt`) unescaped, so `\U` stays a backslash and a `U`.
 */
function readQuoted(value: string, start: number): { text: string; end: number } | null {
  let text = ''
  for (let i = start + 1; i < value.length; i++) {
    const char = value[i]!
    if (char === '"') return { text, end: i + 1 }
    if (char === '\\' && (value[i + 1] === '"' || value[i + 1] === '\\')) {
      text += value[i + 1]
      i++
      continue
    }
    text += char
  }
  return null
}

const EXT_VALUE = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'([A-Za-z0-9-]*)'(.*)$/s
const PERCENT_ENCODED = /^(?:[A-Za-z0-9!#$&+.^_`|~'()*,/:=?@[\]{}-]|%[0-9A-Fa-f]{2})*$/
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Decode an RFC 8187 `charset'language'value`; `null` when malformed or not UTF-8/ISO-8859-1. */
function decodeExtValue(ext: string): string | null {
  const match = EXT_VALUE.exec(ext)
  if (match === null) return null
  const charset = match[1]!.toLowerCase()
  const encoded = match[3]!
  if (!PERCENT_ENCODED.test(encoded)) return null
  const bytes = Buffer.from(
    encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    ),
    'latin1',
  )
  if (charset === 'iso-8859-1') return bytes.toString('latin1')
  if (charset !== 'utf-8') return null
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return null
  }
}

/** Longest file name kept, in UTF-8 bytes (the common file-system limit). */
export const MAX_FILENAME_BYTES = 255
/** Name used when nothing usable is left of the client's file name. */
export const FALLBACK_FILENAME = 'upload'

// C0 and C1 controls, DEL, and the bidirectional marks and overrides (U+202E makes
// `evil<U+202E>gnp.js` display as `evilsj.png`): none belongs in a name shown to users or logged.
const UNWANTED_CHARS = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu

/**
 * Reduce a client-supplied file name to safe metadata: the last path segment (either slash),
 * without control or bidi-override characters, NFC-normalised, trimmed, at most 255 UTF-8 bytes
 * (keeping a short extension), and `'upload'` when nothing usable remains. The result is for
 * display and `Content-Disposition` on download; stored files never use it as a path.
 *
 * @example
 * sanitizeFilename('..\\..\\evil.js')       // 'evil.js'
 * sanitizeFilename('evil.js\u0000.png')      // 'evil.js.png'
 * sanitizeFilename('../')                    // 'upload'
 */
export function sanitizeFilename(raw: string): string {
  let name = raw.replace(UNWANTED_CHARS, '').normalize('NFC')
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).trim()
  if (name === '' || name === '.' || name === '..') return FALLBACK_FILENAME
  if (Buffer.byteLength(name) <= MAX_FILENAME_BYTES) return name
  const dot = name.lastIndexOf('.')
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
  const stem = truncateUtf8(
    name.slice(0, name.length - extension.length),
    MAX_FILENAME_BYTES - Buffer.byteLength(extension),
  )
  return stem + extension
}

/** Cut a string to at most `maxBytes` UTF-8 bytes without splitting a code point. */
function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0
  let out = ''
  for (const char of text) {
    const size = Buffer.byteLength(char)
    if (bytes + size > maxBytes) break
    bytes += size
    out += char
  }
  return out
}
