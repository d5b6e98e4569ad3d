/**
 * A small, independent MIME reader for the mail tests: it parses what Plinth renders the way a
 * mail client would (unfold, decode encoded-words, split multiparts, decode bodies and RFC 2231
 * parameters), so the tests check the wire format, not Plinth's own data structures.
 */
import assert from 'node:assert/strict'

export interface Entity {
  /** Lower-cased header name → unfolded raw values, in order. */
  headers: Map<string, string[]>
  body: string
}

export function parseEntity(raw: string): Entity {
  const split = raw.indexOf('\r\n\r\n')
  assert.notEqual(split, -1, 'the entity has a header block and a body')
  const headers = new Map<string, string[]>()
  for (const line of raw
    .slice(0, split)
    .replace(/\r\n(?=[ \t])/g, '')
    .split('\r\n')) {
    const colon = line.indexOf(':')
    assert.ok(colon > 0, `header line ${JSON.stringify(line)}`)
    const name = line.slice(0, colon).toLowerCase()
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()])
  }
  return { headers, body: raw.slice(split + 4) }
}

/** The single value of a header (decoded encoded-words), or undefined. */
export function header(entity: Entity, name: string): string | undefined {
  const values = entity.headers.get(name.toLowerCase())
  if (values === undefined) return undefined
  assert.equal(values.length, 1, `one ${name} header`)
  return decodeWords(values[0]!)
}

export function decodeWords(value: string): string {
  // Whitespace between two adjacent encoded-words is not part of the text (RFC 2047 §6.2).
  const pieces = value.replace(/(\?=)\s+(?==\?)/g, '$1').split(/(=\?utf-8\?B\?[^?]*\?=)/i)
  let out = ''
  let bytes: Buffer[] = []
  for (const piece of pieces) {
    const word = /^=\?utf-8\?B\?([^?]*)\?=$/i.exec(piece)
    if (word !== null) {
      bytes.push(Buffer.from(word[1]!, 'base64'))
    } else if (piece !== '') {
      out += Buffer.concat(bytes).toString('utf8') + piece
      bytes = []
    }
  }
  return out + Buffer.concat(bytes).toString('utf8')
}

/** Parameters of a structured header (`type; a="b"; c*=utf-8''%C3%A9`), RFC 2231 reassembled. */
export function parameters(value: string): { value: string; params: Record<string, string> } {
  const [first, ...rest] = value.split(/;\s*/)
  const params: Record<string, string> = {}
  const continued: Record<string, string[]> = {}
  for (const part of rest) {
    const eq = part.indexOf('=')
    const key = part.slice(0, eq).toLowerCase()
    let val = part.slice(eq + 1)
    if (val.startsWith('"')) val = val.slice(1, -1).replace(/\\(.)/g, '$1')
    const match = /^(.+?)\*(\d+)?\*?$/.exec(key)
    if (match === null) {
      params[key] = val
    } else {
      continued[match[1]!] ??= []
      continued[match[1]!]![Number(match[2] ?? 0)] = val
    }
  }
  for (const [key, pieces] of Object.entries(continued)) {
    const joined = pieces.join('')
    const encoded = joined.replace(/^utf-8''/i, '')
    params[key] = Buffer.from(
      encoded.replace(/%([0-9A-F]{2})|[^%]/gi, (m, hex: string | undefined) =>
        hex === undefined ? m : String.fromCharCode(Number.parseInt(hex, 16)),
      ),
      'latin1',
    ).toString('utf8')
  }
  return { value: first!.trim(), params }
}

/** The parts of a multipart entity. */
export function parts(entity: Entity): Entity[] {
  const type = parameters(entity.headers.get('content-type')![0]!)
  assert.match(type.value, /^multipart\//)
  const boundary = type.params.boundary!
  const segments = `\r\n${entity.body}`.split(`\r\n--${boundary}`)
  assert.ok(segments.at(-1)!.startsWith('--'), 'closing delimiter present')
  return segments.slice(1, -1).map((segment) => parseEntity(segment.replace(/^[ \t]*\r\n/, '')))
}

/** The decoded body bytes. */
export function bodyBytes(entity: Entity): Buffer {
  const encoding = (entity.headers.get('content-transfer-encoding')?.[0] ?? '7bit').toLowerCase()
  if (encoding === 'base64') return Buffer.from(entity.body.replace(/\r\n/g, ''), 'base64')
  if (encoding === 'quoted-printable') {
    const joined = entity.body.replace(/=\r\n/g, '')
    return Buffer.from(
      joined.replace(/=([0-9A-F]{2})|[\s\S]/g, (m, hex: string | undefined) =>
        hex === undefined ? m : String.fromCharCode(Number.parseInt(hex, 16)),
      ),
      'latin1',
    )
  }
  return Buffer.from(entity.body, 'latin1')
}

export function bodyText(entity: Entity): string {
  return bodyBytes(entity).toString('utf8').replace(/\r\n/g, '\n')
}

/** Wire-format rules every rendered message must follow. */
export function assertWellFormed(raw: string): void {
  assert.match(raw, /^[\x20-\x7e\r\n\t]*$/, 'only 7-bit printable ASCII')
  assert.doesNotMatch(raw, /\r(?!\n)|(?<!\r)\n/, 'CRLF line endings only')
  const [head] = raw.split('\r\n\r\n')
  for (const line of raw.split('\r\n')) assert.ok(line.length <= 998, 'no line over 998 characters')
  for (const line of head!.split('\r\n'))
    assert.ok(line.length <= 78, `header line over 78: ${line}`)
}
