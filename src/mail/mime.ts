/**
 * The encodings an RFC 5322 / MIME message needs, kept 7-bit clean so any SMTP server relays it:
 * RFC 2047 encoded-words for non-ASCII header text, header folding at 78 characters, quoted-
 * printable bodies, base64 attachments in 76-character lines and RFC 2231 parameters for
 * non-ASCII file names.
 */

const LINE = 78 // RFC 5322 §2.1.1: lines SHOULD be at most 78 characters (and MUST be ≤ 998)
// 39 bytes → 52 base64 characters → a 64-character encoded-word (RFC 2047 allows 75): small
// enough to share the first line with `Reply-To: ` or `Subject: ` within 78 characters.
const WORD_BYTES = 39
const LONGEST_PLAIN_TOKEN = 900 // longer unbreakable runs are encoded so no line passes 998
const PRINTABLE = /^[ -~]*$/

/**
 * True when `value` holds a character that has no business in a header: CR, LF, NUL and the
 * other C0 controls (tab excepted), DEL and the C1 controls.
 */
export function hasControlChar(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if ((code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f)) return true
  }
  return false
}

/** RFC 2047 `B` encoded-words for `text`, split on character boundaries. */
export function encodeWords(text: string): string[] {
  const words: string[] = []
  let chunk = ''
  let bytes = 0
  for (const char of text) {
    const size = Buffer.byteLength(char)
    if (bytes + size > WORD_BYTES && chunk !== '') {
      words.push(encodeWord(chunk))
      chunk = ''
      bytes = 0
    }
    chunk += char
    bytes += size
  }
  if (chunk !== '') words.push(encodeWord(chunk))
  return words
}

function encodeWord(text: string): string {
  return `=?utf-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`
}

/**
 * Header text (a subject, a custom header value) as foldable tokens: its words when it is plain
 * ASCII, encoded-words otherwise. Text that merely looks like an encoded-word (`=?`) or whose
 * spacing folding could not preserve is encoded too, so every client shows it exactly as given.
 */
export function unstructuredTokens(text: string): string[] {
  const words = text.split(' ')
  const plain =
    PRINTABLE.test(text.replace(/\t/g, ' ')) &&
    !text.includes('=?') &&
    words.every((word) => word !== '' && word.length <= LONGEST_PLAIN_TOKEN)
  return plain ? words : encodeWords(text)
}

/** A display name as phrase tokens: atoms, one quoted-string, or encoded-words. */
export function phraseTokens(name: string): string[] {
  if (!PRINTABLE.test(name) || name.includes('=?') || name.length > LONGEST_PLAIN_TOKEN) {
    return encodeWords(name)
  }
  if (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(name)) {
    return name.split(' ')
  }
  return [`"${name.replace(/["\\]/g, '\\$&')}"`]
}

/** `Name: token token…`, folded before a token whenever the line would pass 78 characters. */
export function foldHeader(name: string, tokens: readonly string[]): string {
  const lines: string[] = []
  let line = `${name}:`
  for (const token of tokens) {
    const fits = line.length + 1 + token.length <= LINE
    // Fold before the token when it does not fit, unless nothing is gained (a token longer than
    // a line on its own stays put rather than leaving `Name:` alone on the first line).
    if (!fits && (line.length > name.length + 1 || 1 + token.length <= LINE)) {
      lines.push(line)
      line = ` ${token}`
    } else {
      line += ` ${token}`
    }
  }
  lines.push(line)
  return lines.join('\r\n')
}

/** Turn every line ending (CRLF, LF, lone CR) into CRLF, as the wire format requires. */
export function toCrlf(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '\r\n')
}

/**
 * A text body and the transfer encoding it needs: `7bit` when it is short-lined printable ASCII
 * (readable as is), quoted-printable otherwise.
 */
export function encodeTextBody(text: string): {
  encoding: '7bit' | 'quoted-printable'
  body: string
} {
  const crlf = toCrlf(text)
  const lines = crlf.split('\r\n')
  const simple = lines.every(
    (line) => line.length <= 76 && PRINTABLE.test(line.replace(/\t/g, ' ')),
  )
  if (simple) return { encoding: '7bit', body: crlf }
  return { encoding: 'quoted-printable', body: lines.map(quotedPrintableLine).join('\r\n') }
}

function quotedPrintableLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8')
  let out = ''
  let current = ''
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!
    const last = i === bytes.length - 1
    const literal =
      (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last)
    const piece = literal
      ? String.fromCharCode(byte)
      : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`
    // Soft line break (`=` at the end) keeps every encoded line at 76 characters or fewer.
    if (current.length + piece.length > 75) {
      out += `${current}=\r\n`
      current = ''
    }
    current += piece
  }
  return out + current
}

/** Base64 in lines of 76 characters (RFC 2045 §6.8). */
export function base64Lines(content: Uint8Array): string {
  const encoded = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString(
    'base64',
  )
  const lines: string[] = []
  for (let i = 0; i < encoded.length; i += 76) lines.push(encoded.slice(i, i + 76))
  return lines.join('\r\n')
}

/**
 * A MIME parameter (`filename`, `name`) as one or more tokens: `key="value"` for short plain
 * ASCII, RFC 2231 `key*=utf-8''…` (split into `key*0*`, `key*1*`… continuations when long)
 * otherwise.
 */
export function parameterTokens(key: string, value: string): string[] {
  if (PRINTABLE.test(value) && !/["\\]/.test(value) && value.length <= 60)
    return [`${key}="${value}"`]
  const encoded = percentEncode(value)
  if (encoded.length <= 60) return [`${key}*=utf-8''${encoded}`]
  const pieces: string[] = []
  let rest = encoded
  while (rest !== '') {
    let cut = Math.min(60, rest.length)
    // Never split a %XX escape, nor a UTF-8 character (a continuation byte is %80–%BF): some
    // clients decode each continuation on its own.
    const percent = rest.lastIndexOf('%', cut - 1)
    if (percent !== -1 && percent > cut - 3) cut = percent
    while (cut < rest.length && /^%[89AB]/.test(rest.slice(cut, cut + 2)) && cut > 3) cut -= 3
    pieces.push(rest.slice(0, cut))
    rest = rest.slice(cut)
  }
  return pieces.map((piece, i) => (i === 0 ? `${key}*0*=utf-8''${piece}` : `${key}*${i}*=${piece}`))
}

function percentEncode(value: string): string {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte)
    out += /[A-Za-z0-9!#$&+.^_`|~-]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** An RFC 5322 date: `Tue, 15 Nov 1994 08:12:31 +0000`. */
export function formatDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000')
}
