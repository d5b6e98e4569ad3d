/**
 * Email addresses: a pragmatic subset of RFC 5322 that covers what applications send to.
 *
 * Accepted: `local@domain`, `Name <local@domain>`, `"Doe, Jane" <local@domain>`, `<local@domain>`
 * and `{ name, address }` objects. The local part is an ASCII dot-atom (no quoted local parts, no
 * comments); the domain may be internationalised (`jürgen@bücher.de`) and is converted to
 * punycode on the wire. Everything else is refused, in particular anything that could smuggle a
 * second recipient into one address (`a@x.com, b@y.com`, `a@x.com b@y.com`) or a header break.
 */
import { domainToASCII } from 'node:url'
import { MailHeaderError } from './errors.ts'
import { hasControlChar } from './mime.ts'

/** One address: a string (`'Ann <ann@example.com>'`) or its parts. */
export type MailAddress = string | { name?: string; address: string }

/** A validated address. */
export interface ParsedAddress {
  /** Display name, unquoted (`''` when absent). */
  name: string
  /** `local@domain` as given (an internationalised domain stays in Unicode). */
  address: string
  /** `local@domain` with the domain in ASCII (punycode, lower case): what SMTP sees. */
  asciiAddress: string
  /** The ASCII domain, e.g. for a `Message-ID`. */
  asciiDomain: string
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
// Characters with a meaning in address syntax: unquoted in a display name they could start a
// second address or a comment, so such names must be quoted.
const NAME_SPECIALS = /[()<>[\]:;@\\,."]/

/**
 * Parse and validate one address.
 *
 * @example
 * parseAddress('Ann <ann@bücher.de>', 'to').asciiAddress // 'ann@xn--bcher-kva.de'
 * parseAddress('a@x.com, b@y.com', 'to')                 // throws MailHeaderError invalid_email_address
 */
export function parseAddress(input: MailAddress, field: string): ParsedAddress {
  if (typeof input === 'object' && input !== null) {
    const name = input.name ?? ''
    if (typeof name !== 'string' || typeof input.address !== 'string') throw invalid(field)
    refuseControls(name, field)
    refuseControls(input.address, field)
    return parseAddrSpec(input.address.trim(), name.trim(), field)
  }
  if (typeof input !== 'string') throw invalid(field)
  refuseControls(input, field)
  const value = input.trim()
  if (!value.endsWith('>')) return parseAddrSpec(value, '', field)
  const open = value.lastIndexOf('<')
  if (open === -1) throw invalid(field)
  return parseAddrSpec(
    value.slice(open + 1, -1),
    parseDisplayName(value.slice(0, open).trim(), field),
    field,
  )
}

/**
 * The address as Plinth shows it (in `PreparedEmail`, the console, the memory outbox): the name
 * quoted only when needed, the domain as given.
 */
export function formatAddress(parsed: ParsedAddress): string {
  if (parsed.name === '') return parsed.address
  const name = NAME_SPECIALS.test(parsed.name) ? quote(parsed.name) : parsed.name
  return `${name} <${parsed.address}>`
}

/** Quote a display name as an RFC 5322 quoted-string. */
function quote(name: string): string {
  return `"${name.replace(/["\\]/g, '\\$&')}"`
}

function parseDisplayName(raw: string, field: string): string {
  if (!raw.startsWith('"')) {
    // Unquoted: a plain phrase only. `a@x.com, Bob <b@y.com>` lands here with `a@x.com,` as the
    // "name" and is refused, which is the point.
    if (NAME_SPECIALS.test(raw.replace(/\./g, ''))) throw invalid(field)
    return raw
  }
  const match = /^"((?:[^"\\]|\\.)*)"$/s.exec(raw)
  if (match === null) throw invalid(field)
  return match[1]!.replace(/\\(.)/gs, '$1').trim()
}

function parseAddrSpec(spec: string, name: string, field: string): ParsedAddress {
  const at = spec.lastIndexOf('@')
  if (at <= 0) throw invalid(field)
  const local = spec.slice(0, at)
  const domain = spec.slice(at + 1)
  if (local.length > 64 || !LOCAL_PART.test(local)) throw invalid(field)
  const asciiDomain = toAsciiDomain(domain)
  if (asciiDomain === null) throw invalid(field)
  const asciiAddress = `${local}@${asciiDomain}`
  if (asciiAddress.length > 254) throw invalid(field)
  return { name, address: `${local}@${domain}`, asciiAddress, asciiDomain }
}

function toAsciiDomain(domain: string): string | null {
  if (domain === '' || /[\s@<>,;]/.test(domain)) return null
  const ascii = domainToASCII(domain)
  if (ascii === '' || ascii.length > 253) return null
  const labels = ascii.split('.')
  if (!labels.every((label) => LABEL.test(label))) return null
  // A single label is only `localhost`; an all-numeric last label is an IP address in disguise.
  if (labels.length === 1) return ascii === 'localhost' ? ascii : null
  return /^[0-9]+$/.test(labels.at(-1)!) ? null : ascii
}

/** Refuse CR, LF, NUL and the other control characters (tab excepted) in a header field. */
export function refuseControls(value: string, field: string): void {
  if (hasControlChar(value)) {
    throw new MailHeaderError(
      'mail_header_injection',
      field,
      `The email's ${field} contains a line break or another control character; it was not sent.`,
    )
  }
}

function invalid(field: string): MailHeaderError {
  return new MailHeaderError(
    'invalid_email_address',
    field,
    `The email's ${field} is not one valid email address ("name@example.com" or "Name <name@example.com>"); it was not sent.`,
  )
}
