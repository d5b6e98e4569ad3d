/**
 * The RFC 5322 / MIME text Plinth renders, read back with an independent parser (and
 * nodemailer's address parser) the way a mail client would.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import addressparser from 'nodemailer/lib/addressparser'
import { type EmailMessage, renderEmail } from 'plinth/mail'
import {
  assertWellFormed,
  bodyBytes,
  bodyText,
  header,
  parameters,
  parseEntity,
  parts,
} from './support.ts'

const base = {
  from: 'Shop <shop@example.com>',
  to: 'ann@example.com',
  subject: 'Hi',
  text: 'Hello',
}

function render(message: Partial<EmailMessage>) {
  const rendered = renderEmail(
    { ...base, ...message },
    { date: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) },
  )
  assertWellFormed(rendered.raw)
  return { ...rendered, entity: parseEntity(rendered.raw) }
}

/** Mailboxes of an address header as a real parser sees them. */
function mailboxes(value: string | undefined) {
  return addressparser(value ?? '', { flatten: true }).map((m) => ({
    name: m.name,
    address: m.address,
  }))
}

describe('renderEmail', () => {
  it('renders a plain-text message with the standard headers', () => {
    const { raw, entity, envelope, messageId } = render({})
    assert.equal(
      raw,
      [
        'From: Shop <shop@example.com>',
        'To: ann@example.com',
        'Subject: Hi',
        'Date: Thu, 02 Jan 2025 03:04:05 +0000',
        `Message-ID: ${messageId}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 7bit',
        '',
        'Hello',
        '',
      ].join('\r\n'),
    )
    assert.match(messageId, /^<[a-z0-9]+\.[0-9a-f]{24}@example\.com>$/)
    assert.deepEqual(envelope, { from: 'shop@example.com', to: ['ann@example.com'] })
    assert.equal(bodyText(entity), 'Hello\n')
  })

  it('gives every message its own Message-ID unless one is set', () => {
    assert.notEqual(render({}).messageId, render({}).messageId)
    const custom = render({
      headers: { 'Message-ID': '<thread-1@example.com>', 'In-Reply-To': '<x@example.com>' },
    })
    assert.equal(custom.messageId, '<thread-1@example.com>')
    assert.equal(header(custom.entity, 'Message-ID'), '<thread-1@example.com>')
    assert.equal(header(custom.entity, 'In-Reply-To'), '<x@example.com>')
  })

  it('puts bcc in the envelope only, deduplicated with to and cc', () => {
    const { raw, entity, envelope } = render({
      to: ['ann@example.com', 'Bob <bob@example.com>'],
      cc: 'carl@example.com',
      bcc: ['ann@example.com', 'audit@example.com'],
    })
    assert.deepEqual(envelope.to, [
      'ann@example.com',
      'bob@example.com',
      'carl@example.com',
      'audit@example.com',
    ])
    assert.equal(header(entity, 'Bcc'), undefined)
    assert.doesNotMatch(raw, /audit/)
    assert.deepEqual(mailboxes(header(entity, 'To')), [
      { name: '', address: 'ann@example.com' },
      { name: 'Bob', address: 'bob@example.com' },
    ])
  })

  it('encodes non-ASCII subjects, names and domains', () => {
    const subject = 'Grüße aus Köln 👋 — votre commande n°1234 est expédiée, merci beaucoup !'
    const { entity, envelope } = render({
      from: 'Zoë Café <shop@bücher.example>',
      to: { name: 'Jürgen Müller, Sr.', address: 'juergen@münchen.example' },
      subject,
    })
    assert.equal(header(entity, 'Subject'), subject)
    assert.match(entity.headers.get('subject')![0]!, /^=\?utf-8\?B\?/)
    assert.deepEqual(mailboxes(entity.headers.get('from')![0]).length, 1)
    assert.equal(header(entity, 'From'), 'Zoë Café <shop@xn--bcher-kva.example>')
    assert.equal(header(entity, 'To'), 'Jürgen Müller, Sr. <juergen@xn--mnchen-3ya.example>')
    assert.deepEqual(envelope, {
      from: 'shop@xn--bcher-kva.example',
      to: ['juergen@xn--mnchen-3ya.example'],
    })
  })

  it('quotes names with specials so a real parser finds exactly one mailbox', () => {
    const { entity } = render({
      to: [
        { name: 'a@x.com, b@y.com', address: 'c@z.com' },
        '"Lee, Ann <boss@example.com>" <ann@example.com>',
        { name: 'Quote " and \\ backslash', address: 'q@example.com' },
      ],
    })
    assert.deepEqual(mailboxes(entity.headers.get('to')![0]), [
      { name: 'a@x.com, b@y.com', address: 'c@z.com' },
      { name: 'Lee, Ann <boss@example.com>', address: 'ann@example.com' },
      { name: 'Quote " and \\ backslash', address: 'q@example.com' },
    ])
  })

  it('folds long headers and long address lists', () => {
    const to = Array.from(
      { length: 12 },
      (_, i) => `Recipient Number ${i} <recipient.${i}@example.com>`,
    )
    const subject = 'word '.repeat(60).trim()
    const { entity } = render({ to, subject })
    assert.equal(header(entity, 'Subject'), subject)
    assert.equal(mailboxes(entity.headers.get('to')![0]).length, 12)
    // An unbreakable 2000-character subject still keeps every line short.
    const long = render({ subject: 'x'.repeat(2000) })
    assert.equal(header(long.entity, 'Subject'), 'x'.repeat(2000))
  })

  it('sends text and html as multipart/alternative, text first', () => {
    const { entity } = render({ text: 'Hi Ann', html: '<p>Hi <b>Ann</b> ✓</p>' })
    assert.equal(parameters(header(entity, 'Content-Type')!).value, 'multipart/alternative')
    const [text, html] = parts(entity)
    assert.equal(header(text!, 'Content-Type'), 'text/plain; charset=utf-8')
    assert.equal(header(html!, 'Content-Type'), 'text/html; charset=utf-8')
    assert.equal(bodyText(text!), 'Hi Ann')
    assert.equal(bodyText(html!), '<p>Hi <b>Ann</b> ✓</p>')
  })

  it('keeps body text exact: line endings, long lines, trailing spaces, dots, non-ASCII', () => {
    const text = `Line one  \nLine two\r\n.\nFrom here\n${'long '.repeat(40)}\nÜmlaut ✓ 👋\n`
    const { entity } = render({ text })
    assert.equal(header(entity, 'Content-Transfer-Encoding'), 'quoted-printable')
    assert.equal(bodyText(entity), text.replace(/\r\n/g, '\n'))
  })

  it('attaches files (base64) in multipart/mixed, with guessed or given types', () => {
    const bytes = new Uint8Array(Array.from({ length: 300 }, (_, i) => i % 256))
    const { entity } = render({
      html: '<p>Hello</p>',
      attachments: [
        { filename: 'data.bin', content: bytes },
        { filename: 'notes.txt', content: 'Grüße\n' },
        { filename: 'report.csv', content: 'a,b\n', contentType: 'text/csv' },
        {
          filename: 'Résumé – final version for the hiring committee (2025).pdf',
          content: bytes,
          contentType: 'Application/PDF',
        },
        { filename: 'say "hi".txt', content: 'hi' },
      ],
    })
    assert.equal(parameters(header(entity, 'Content-Type')!).value, 'multipart/mixed')
    const [body, bin, txt, csv, pdf, quoted] = parts(entity)
    assert.equal(parameters(header(body!, 'Content-Type')!).value, 'multipart/alternative')
    assert.equal(header(bin!, 'Content-Type'), 'application/octet-stream; name="data.bin"')
    assert.equal(header(bin!, 'Content-Disposition'), 'attachment; filename="data.bin"')
    assert.deepEqual(new Uint8Array(bodyBytes(bin!)), bytes)
    for (const line of bin!.body.split('\r\n')) assert.ok(line.length <= 76)
    assert.equal(parameters(header(txt!, 'Content-Type')!).value, 'text/plain')
    assert.equal(parameters(header(txt!, 'Content-Type')!).params.charset, 'utf-8')
    assert.equal(bodyBytes(txt!).toString('utf8'), 'Grüße\n')
    assert.equal(parameters(header(csv!, 'Content-Type')!).params.charset, 'utf-8')
    const pdfDisposition = parameters(header(pdf!, 'Content-Disposition')!)
    assert.equal(pdfDisposition.value, 'attachment')
    assert.equal(
      pdfDisposition.params.filename,
      'Résumé – final version for the hiring committee (2025).pdf',
    )
    assert.equal(parameters(header(pdf!, 'Content-Type')!).value, 'application/pdf')
    assert.equal(
      parameters(header(pdf!, 'Content-Type')!).params.name,
      'Résumé – final version for the hiring committee (2025).pdf',
    )
    assert.equal(
      parameters(header(quoted!, 'Content-Disposition')!).params.filename,
      'say "hi".txt',
    )
  })

  it('gives each multipart a fresh, unguessable boundary that no part contains', () => {
    const text = '--=_plinth_000000000000000000000000\r\nContent-Type: text/html'
    const { entity, raw } = render({ text, html: text })
    const boundary = parameters(header(entity, 'Content-Type')!).params.boundary!
    assert.match(boundary, /^=_plinth_[0-9a-f]{24}$/)
    assert.equal(raw.split(`--${boundary}\r\n`).length, 3)
    assert.equal(bodyText(parts(entity)[0]!), text.replace(/\r\n/g, '\n'))
  })
})
