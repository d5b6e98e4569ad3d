/**
 * The message type and the validation every message passes before any backend sees it.
 *
 * Validation happens in one place, `prepareEmail()`, and is all-or-nothing: the mailer prepares
 * every message of a batch before handing any of them to the backend, so a batch with one forged
 * address sends nothing.
 */
import { PlinthError, parseMediaType } from '../http/index.ts'
import { formatAddress, type MailAddress, parseAddress, refuseControls } from './address.ts'
import { MailHeaderError } from './errors.ts'

/** A file attached to a message. */
export interface EmailAttachment {
  /** The name the recipient sees (any Unicode; control characters are refused). */
  filename: string
  /** The bytes, or text (sent as UTF-8). */
  content: string | Uint8Array
  /** A media type such as `application/pdf`; guessed from the file name when omitted. */
  contentType?: string
}

/**
 * One email. Addresses are strings (`'ann@example.com'`, `'Ann <ann@example.com>'`) or
 * `{ name, address }` objects; each string holds exactly one address.
 *
 * @example
 * const message: EmailMessage = {
 *   to: { name: user.fullName, address: user.email },
 *   subject: 'Your order has shipped',
 *   text: `Hello ${user.firstName}, …`,
 * }
 */
export interface EmailMessage {
  /** Sender; defaults to the mailer's `defaultFrom`. */
  from?: MailAddress
  to: MailAddress | readonly MailAddress[]
  cc?: MailAddress | readonly MailAddress[]
  /** Blind copies: in the SMTP envelope only, never in a header. */
  bcc?: MailAddress | readonly MailAddress[]
  replyTo?: MailAddress | readonly MailAddress[]
  /** Required; may be empty (as in Django). */
  subject: string
  /** The plain-text body (always sent; the HTML body is an alternative to it). */
  text: string
  html?: string
  /** Extra headers such as `List-Unsubscribe`; address, subject and MIME headers are reserved. */
  headers?: Readonly<Record<string, string>>
  attachments?: readonly EmailAttachment[]
}

/**
 * A message after validation, as backends receive it: `from` filled in, every address list an
 * array of canonical strings (`'"Doe, Jane" <jane@example.com>'`), headers and attachments
 * present.
 */
export interface PreparedEmail extends EmailMessage {
  from: string
  to: string[]
  cc: string[]
  bcc: string[]
  replyTo: string[]
  headers: Record<string, string>
  attachments: EmailAttachment[]
}

// Headers Plinth writes itself from the message fields; setting them through `headers` would
// bypass address validation or corrupt the MIME structure.
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
])
const HEADER_NAME = /^[!-9;-~]+$/ // RFC 5322 §3.6.8: printable ASCII except the colon

/**
 * Validate and normalise one message. Throws {@link MailHeaderError} for field values that would
 * break the message (they usually come from user input) and `PlinthError` for mistakes in code.
 *
 * @example
 * prepareEmail({ to: 'ann@example.com', subject: 'Hi', text: 'Hello' }, 'shop@example.com').to
 * // ['ann@example.com']
 */
export function prepareEmail(message: EmailMessage, defaultFrom?: string): PreparedEmail {
  if (typeof message !== 'object' || message === null) throw invalidMessage('an object')
  const { subject, text, html } = message
  if (typeof subject !== 'string') throw invalidMessage('`subject` as a string (it may be empty)')
  if (typeof text !== 'string') throw invalidMessage('`text` as a string')
  if (html !== undefined && typeof html !== 'string') throw invalidMessage('`html` as a string')
  refuseControls(subject, 'subject')
  const from = message.from ?? defaultFrom
  if (from === undefined) {
    throw new PlinthError(
      'PLINTH_MAIL_NO_FROM',
      'The email has no sender: set `from` on the message or `defaultFrom` in createMailer().',
    )
  }
  const prepared: PreparedEmail = {
    from: formatAddress(parseAddress(from, 'from')),
    to: addressList(message.to, 'to'),
    cc: addressList(message.cc, 'cc'),
    bcc: addressList(message.bcc, 'bcc'),
    replyTo: addressList(message.replyTo, 'replyTo'),
    subject,
    text,
    headers: extraHeaders(message.headers),
    attachments: attachmentList(message.attachments),
  }
  if (html !== undefined) prepared.html = html
  if (prepared.to.length + prepared.cc.length + prepared.bcc.length === 0) {
    // Django silently sends nothing here; an empty recipient list is almost always a bug.
    throw new PlinthError(
      'PLINTH_MAIL_NO_RECIPIENTS',
      'The email has no recipients: give at least one address in `to`, `cc` or `bcc`.',
    )
  }
  return prepared
}

function addressList(value: EmailMessage['to'] | undefined, field: string): string[] {
  if (value === undefined) return []
  const list: readonly MailAddress[] = Array.isArray(value) ? value : [value as MailAddress]
  return list.map((address) => formatAddress(parseAddress(address, field)))
}

function extraHeaders(headers: EmailMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  if (headers === undefined) return out
  if (typeof headers !== 'object' || headers === null)
    throw invalidMessage('`headers` as an object')
  for (const [name, value] of Object.entries(headers)) {
    refuseControls(name, 'headers')
    if (!HEADER_NAME.test(name)) {
      throw new MailHeaderError(
        'invalid_mail_header',
        'headers',
        'A header name of the email is not a valid header name; it was not sent.',
      )
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new PlinthError(
        'PLINTH_MAIL_RESERVED_HEADER',
        `The "${name}" header is written by Plinth: use the message's from/to/cc/bcc/replyTo/subject/html/attachments fields instead of \`headers\`.`,
      )
    }
    if (typeof value !== 'string') throw invalidMessage(`header "${name}" as a string`)
    refuseControls(value, `headers.${name}`)
    out[name] = value
  }
  return out
}

function attachmentList(attachments: EmailMessage['attachments']): EmailAttachment[] {
  if (attachments === undefined) return []
  if (!Array.isArray(attachments)) throw invalidMessage('`attachments` as an array')
  return attachments.map((attachment: EmailAttachment, i) => {
    const field = `attachments[${i}]`
    const { filename, content, contentType } = attachment ?? {}
    if (typeof filename !== 'string' || filename.trim() === '') {
      throw invalidMessage(`\`${field}.filename\` as a non-empty string`)
    }
    if (typeof content !== 'string' && !(content instanceof Uint8Array)) {
      throw invalidMessage(`\`${field}.content\` as a string or a Uint8Array`)
    }
    refuseControls(filename, `${field}.filename`)
    const prepared: EmailAttachment = { filename, content }
    if (contentType !== undefined) prepared.contentType = mediaType(contentType, field)
    return prepared
  })
}

/** Canonical `type/subtype; param=value` (the `name` parameter is Plinth's to set). */
function mediaType(value: string, field: string): string {
  if (typeof value !== 'string') throw invalidMessage(`\`${field}.contentType\` as a string`)
  refuseControls(value, `${field}.contentType`)
  const parsed = parseMediaType(value)
  const params = Object.entries(parsed?.params ?? {}).filter(([key]) => key !== 'name')
  if (parsed === null || params.some(([, v]) => !/^[ -~]*$/.test(v))) {
    throw new MailHeaderError(
      'invalid_mail_header',
      `${field}.contentType`,
      `The email's ${field}.contentType is not a valid media type; it was not sent.`,
    )
  }
  const rendered = params.map(([key, v]) =>
    /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v)
      ? `${key}=${v}`
      : `${key}="${v.replace(/["\\]/g, '\\$&')}"`,
  )
  return [parsed.essence, ...rendered].join('; ')
}

function invalidMessage(expected: string): PlinthError {
  return new PlinthError('PLINTH_MAIL_INVALID_MESSAGE', `An email message needs ${expected}.`)
}
