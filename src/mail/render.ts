/**
 * Turn a message into its RFC 5322 / MIME text, the same bytes whichever backend sends it: what
 * the console shows in development is what SMTP delivers in production.
 *
 * Structure: a `text/plain` part; with `html`, a `multipart/alternative` of both; with
 * attachments, a `multipart/mixed` around that and the files. Everything is 7-bit clean
 * (quoted-printable text, base64 files, encoded-word headers), lines are CRLF-terminated.
 */
import { randomBytes } from 'node:crypto'
import { contentTypeFor } from '../http/index.ts'
import { type ParsedAddress, parseAddress } from './address.ts'
import {
  type EmailAttachment,
  type EmailMessage,
  type PreparedEmail,
  prepareEmail,
} from './message.ts'
import {
  base64Lines,
  encodeTextBody,
  foldHeader,
  formatDate,
  parameterTokens,
  phraseTokens,
  unstructuredTokens,
} from './mime.ts'

/** The SMTP envelope: who the server is told the message is from and who gets it (incl. Bcc). */
export interface Envelope {
  /** `MAIL FROM`, an ASCII address. */
  from: string
  /** `RCPT TO`: to, cc and bcc, ASCII, without duplicates. */
  to: string[]
}

/** A message ready to send. */
export interface RenderedEmail {
  envelope: Envelope
  /** The `Message-ID` header value, `<…@domain>`. */
  messageId: string
  /** The full message, CRLF line endings. */
  raw: string
}

/** Options of {@link renderEmail}. */
export interface RenderOptions {
  /** The `Date` header; defaults to now. */
  date?: Date
}

interface Entity {
  headers: string[]
  body: string
}

/**
 * Validate and render one message (backends call this; it throws like `prepareEmail`).
 *
 * @example
 * const { envelope, raw } = renderEmail({ from: 'shop@example.com', to: 'ann@example.com', subject: 'Hi', text: 'Hello' })
 * envelope.to // ['ann@example.com']
 * raw.startsWith('From: shop@example.com\r\n') // true
 */
export function renderEmail(message: EmailMessage, options: RenderOptions = {}): RenderedEmail {
  const email = prepareEmail(message)
  const from = parseAddress(email.from, 'from')
  const to = email.to.map((a) => parseAddress(a, 'to'))
  const cc = email.cc.map((a) => parseAddress(a, 'cc'))
  const bcc = email.bcc.map((a) => parseAddress(a, 'bcc'))
  const replyTo = email.replyTo.map((a) => parseAddress(a, 'replyTo'))
  const custom = new Map(Object.keys(email.headers).map((name) => [name.toLowerCase(), name]))
  const customMessageId = custom.get('message-id')
  const messageId =
    customMessageId === undefined
      ? `<${Date.now().toString(36)}.${randomBytes(12).toString('hex')}@${from.asciiDomain}>`
      : email.headers[customMessageId]!

  const headers = [foldHeader('From', addressTokens([from]))]
  if (to.length > 0) headers.push(foldHeader('To', addressTokens(to)))
  if (cc.length > 0) headers.push(foldHeader('Cc', addressTokens(cc)))
  if (replyTo.length > 0) headers.push(foldHeader('Reply-To', addressTokens(replyTo)))
  headers.push(foldHeader('Subject', unstructuredTokens(email.subject)))
  if (!custom.has('date')) headers.push(`Date: ${formatDate(options.date ?? new Date())}`)
  if (customMessageId === undefined) headers.push(`Message-ID: ${messageId}`)
  headers.push('MIME-Version: 1.0')
  for (const [name, value] of Object.entries(email.headers)) {
    headers.push(foldHeader(name, unstructuredTokens(value)))
  }
  const body = bodyEntity(email)
  const raw = `${[...headers, ...body.headers].join('\r\n')}\r\n\r\n${body.body}`
  return {
    envelope: {
      from: from.asciiAddress,
      to: [...new Set([...to, ...cc, ...bcc].map((a) => a.asciiAddress))],
    },
    messageId,
    raw: raw.endsWith('\r\n') ? raw : `${raw}\r\n`,
  }
}

function addressTokens(addresses: readonly ParsedAddress[]): string[] {
  return addresses.flatMap((address, i) => {
    const tokens =
      address.name === ''
        ? [address.asciiAddress]
        : [...phraseTokens(address.name), `<${address.asciiAddress}>`]
    if (i < addresses.length - 1) tokens[tokens.length - 1] += ','
    return tokens
  })
}

function bodyEntity(email: PreparedEmail): Entity {
  const text = textEntity('text/plain', email.text)
  const main =
    email.html === undefined
      ? text
      : multipart('alternative', [text, textEntity('text/html', email.html)])
  if (email.attachments.length === 0) return main
  return multipart('mixed', [main, ...email.attachments.map(attachmentEntity)])
}

function textEntity(type: string, text: string): Entity {
  const { encoding, body } = encodeTextBody(text)
  return {
    headers: [`Content-Type: ${type}; charset=utf-8`, `Content-Transfer-Encoding: ${encoding}`],
    body,
  }
}

function multipart(subtype: 'alternative' | 'mixed', parts: readonly Entity[]): Entity {
  // `=_` cannot occur in quoted-printable or base64 output, and the random part cannot be
  // guessed by whoever wrote the text, so the boundary never appears inside a part.
  const boundary = `=_plinth_${randomBytes(12).toString('hex')}`
  const body = parts
    .map((part) => `--${boundary}\r\n${part.headers.join('\r\n')}\r\n\r\n${part.body}\r\n`)
    .join('')
  return {
    headers: [foldHeader('Content-Type', [`multipart/${subtype};`, `boundary="${boundary}"`])],
    body: `${body}--${boundary}--\r\n`,
  }
}

function attachmentEntity(attachment: EmailAttachment): Entity {
  const isText = typeof attachment.content === 'string'
  let type = attachment.contentType ?? contentTypeFor(attachment.filename)
  if (isText && type.startsWith('text/') && !/;\s*charset=/i.test(type)) type += '; charset=utf-8'
  const bytes = isText
    ? Buffer.from(attachment.content as string, 'utf8')
    : (attachment.content as Uint8Array)
  return {
    headers: [
      foldHeader('Content-Type', [`${type};`, ...parameters('name', attachment.filename)]),
      foldHeader('Content-Disposition', [
        'attachment;',
        ...parameters('filename', attachment.filename),
      ]),
      'Content-Transfer-Encoding: base64',
    ],
    body: base64Lines(bytes),
  }
}

function parameters(key: string, value: string): string[] {
  return parameterTokens(key, value).map((token, i, all) =>
    i < all.length - 1 ? `${token};` : token,
  )
}
