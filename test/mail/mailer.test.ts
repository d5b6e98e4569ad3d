/**
 * The mailer validates every message before any backend sees it: header injection (catalogue
 * 0.2: CR/LF in user-controlled header fields) and recipient smuggling are refused and nothing
 * is sent; configuration mistakes are PlinthErrors.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp, PlinthError } from 'plinth'
import {
  createMailer,
  type EmailMessage,
  type MailBackend,
  MailHeaderError,
  memoryMailBackend,
  type PreparedEmail,
} from 'plinth/mail'
import { testClient } from 'plinth/testing'

const valid: EmailMessage = { to: 'ann@example.com', subject: 'Hi', text: 'Hello' }

/** A backend that records every call, to prove it was never reached. */
function spyBackend() {
  const calls: PreparedEmail[][] = []
  const backend: MailBackend & { calls: typeof calls; closed: number } = {
    calls,
    closed: 0,
    async send(messages) {
      calls.push([...messages])
      return messages.length
    },
    async close() {
      backend.closed++
    },
  }
  return backend
}

const plinthError = (code: string) => (error: unknown) =>
  error instanceof PlinthError && error.code === code

describe('createMailer', () => {
  it('fills in defaultFrom, normalises addresses and hands prepared messages to the backend', async () => {
    const backend = spyBackend()
    const mailer = createMailer({
      backend,
      defaultFrom: { name: 'Shop, Inc.', address: 'shop@example.com' },
    })
    assert.equal(mailer.defaultFrom, '"Shop, Inc." <shop@example.com>')
    assert.equal(
      await mailer.send({ ...valid, cc: ['  Carl <carl@example.com> '], bcc: 'audit@example.com' }),
      1,
    )
    assert.deepEqual(backend.calls, [
      [
        {
          from: '"Shop, Inc." <shop@example.com>',
          to: ['ann@example.com'],
          cc: ['Carl <carl@example.com>'],
          bcc: ['audit@example.com'],
          replyTo: [],
          subject: 'Hi',
          text: 'Hello',
          headers: {},
          attachments: [],
        },
      ],
    ])
    assert.equal((await mailer.send({ ...valid, from: 'sales@example.com' })) > 0, true)
    assert.equal(backend.calls[1]![0]!.from, 'sales@example.com')
    await mailer.close()
    assert.equal(backend.closed, 1)
  })

  it('follows Django: an empty subject and body are fine; bcc-only is fine', async () => {
    const backend = memoryMailBackend()
    const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
    await mailer.send({ to: [], bcc: 'ann@example.com', subject: '', text: '' })
    assert.equal(backend.outbox[0]!.subject, '')
    assert.deepEqual(backend.outbox[0]!.envelope.to, ['ann@example.com'])
  })

  it('refuses configuration mistakes with PlinthErrors', async () => {
    assert.throws(() => createMailer({} as never), plinthError('PLINTH_MAIL_BACKEND'))
    assert.throws(
      () => createMailer({ backend: spyBackend(), defaultFrom: 'not an address' }),
      plinthError('PLINTH_MAIL_DEFAULT_FROM'),
    )
    assert.throws(
      () =>
        createMailer({
          backend: spyBackend(),
          defaultFrom: 'shop@example.com\r\nBcc: x@evil.test',
        }),
      plinthError('PLINTH_MAIL_DEFAULT_FROM'),
    )
    const backend = spyBackend()
    const noFrom = createMailer({ backend })
    await assert.rejects(noFrom.send(valid), plinthError('PLINTH_MAIL_NO_FROM'))
    const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
    await assert.rejects(
      mailer.send({ ...valid, to: [] }),
      plinthError('PLINTH_MAIL_NO_RECIPIENTS'),
    )
    for (const broken of [
      { to: 'a@example.com', text: 'no subject' },
      { to: 'a@example.com', subject: 'no text' },
      { ...valid, html: 42 },
      { ...valid, headers: 'X-A: b' },
      { ...valid, headers: { 'X-A': 1 } },
      { ...valid, attachments: {} },
      { ...valid, attachments: [{ filename: '', content: 'x' }] },
      { ...valid, attachments: [{ filename: 'a.txt', content: 42 }] },
      null,
    ]) {
      await assert.rejects(
        mailer.send(broken as never),
        plinthError('PLINTH_MAIL_INVALID_MESSAGE'),
        JSON.stringify(broken),
      )
    }
    await assert.rejects(
      mailer.sendMany(valid as never),
      plinthError('PLINTH_MAIL_INVALID_MESSAGE'),
    )
    for (const name of [
      'From',
      'to',
      'CC',
      'bCc',
      'Reply-To',
      'Subject',
      'MIME-Version',
      'Content-Type',
      'content-transfer-encoding',
    ]) {
      await assert.rejects(
        mailer.send({ ...valid, headers: { [name]: 'x@example.com' } }),
        plinthError('PLINTH_MAIL_RESERVED_HEADER'),
        name,
      )
    }
    assert.equal(backend.calls.length, 0)
  })

  it('sends nothing and does not call the backend for an empty batch', async () => {
    const backend = spyBackend()
    assert.equal(await createMailer({ backend, defaultFrom: 'shop@example.com' }).sendMany([]), 0)
    assert.equal(backend.calls.length, 0)
  })

  it('copies what it sends: later changes to the caller’s objects do not leak in', async () => {
    const backend = memoryMailBackend()
    const to = ['ann@example.com']
    const headers: Record<string, string> = { 'X-Tag': 'one' }
    await createMailer({ backend, defaultFrom: 'shop@example.com' }).send({ ...valid, to, headers })
    to.push('evil@example.com')
    headers['X-Tag'] = 'two'
    assert.deepEqual(backend.outbox[0]!.to, ['ann@example.com'])
    assert.equal(backend.outbox[0]!.headers['X-Tag'], 'one')
  })
})

describe('header injection and recipient smuggling are refused, nothing is sent', () => {
  const attacks: Array<[string, Partial<EmailMessage>, string, string]> = [
    [
      'CRLF in the subject',
      { subject: 'Hi\r\nBcc: victim@example.org' },
      'mail_header_injection',
      'subject',
    ],
    [
      'LF in the subject',
      { subject: 'Hi\nBcc: victim@example.org' },
      'mail_header_injection',
      'subject',
    ],
    [
      'CR in the subject',
      { subject: 'Hi\rBcc: victim@example.org' },
      'mail_header_injection',
      'subject',
    ],
    ['NUL in the subject', { subject: 'Hi\u0000there' }, 'mail_header_injection', 'subject'],
    [
      'CRLF in from',
      { from: 'a@example.com\r\nBcc: victim@example.org' },
      'mail_header_injection',
      'from',
    ],
    [
      'CRLF in to',
      { to: 'a@example.com\r\nBcc: victim@example.org' },
      'mail_header_injection',
      'to',
    ],
    [
      'CRLF in a to list',
      { to: ['ok@example.com', 'a@example.com\nCc: v@example.org'] },
      'mail_header_injection',
      'to',
    ],
    ['CRLF in cc', { cc: 'a@example.com\r\n' }, 'mail_header_injection', 'cc'],
    ['CRLF in bcc', { bcc: 'a@example.com\r\nX: y' }, 'mail_header_injection', 'bcc'],
    [
      'CRLF in replyTo',
      { replyTo: 'a@example.com\r\nBcc: v@example.org' },
      'mail_header_injection',
      'replyTo',
    ],
    [
      'CRLF in a display name',
      { to: { name: 'Ann\r\nBcc: v@example.org', address: 'a@example.com' } },
      'mail_header_injection',
      'to',
    ],
    ['two addresses in one to string', { to: 'a@x.com, b@y.com' }, 'invalid_email_address', 'to'],
    [
      'two addresses in one from string',
      { from: 'a@x.com, b@y.com' },
      'invalid_email_address',
      'from',
    ],
    ['a space-separated second address', { cc: 'a@x.com b@y.com' }, 'invalid_email_address', 'cc'],
    ['a named second address', { bcc: 'a@x.com, Eve <eve@y.com>' }, 'invalid_email_address', 'bcc'],
    ['a semicolon list', { replyTo: 'a@x.com;b@y.com' }, 'invalid_email_address', 'replyTo'],
    [
      'CRLF in a header name',
      { headers: { 'X-A\r\nBcc': 'v@example.org' } },
      'mail_header_injection',
      'headers',
    ],
    [
      'a colon in a header name',
      { headers: { 'X-A: b\tBcc': 'v' } },
      'invalid_mail_header',
      'headers',
    ],
    ['a space in a header name', { headers: { 'X A': 'v' } }, 'invalid_mail_header', 'headers'],
    ['a non-ASCII header name', { headers: { 'X-Grüße': 'v' } }, 'invalid_mail_header', 'headers'],
    [
      'CRLF in a header value',
      { headers: { 'X-Tag': 'a\r\nBcc: v@example.org' } },
      'mail_header_injection',
      'headers.X-Tag',
    ],
    [
      'CRLF in a file name',
      { attachments: [{ filename: 'a.txt\r\nContent-Type: text/html', content: 'x' }] },
      'mail_header_injection',
      'attachments[0].filename',
    ],
    [
      'CRLF in a content type',
      {
        attachments: [
          { filename: 'a.txt', content: 'x', contentType: 'text/plain\r\nBcc: v@example.org' },
        ],
      },
      'mail_header_injection',
      'attachments[0].contentType',
    ],
    [
      'a bogus content type',
      { attachments: [{ filename: 'a.txt', content: 'x', contentType: 'text/plain; x="y' }] },
      'invalid_mail_header',
      'attachments[0].contentType',
    ],
  ]

  for (const [name, fields, code, field] of attacks) {
    it(name, async () => {
      const backend = spyBackend()
      const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
      await assert.rejects(mailer.send({ ...valid, ...fields }), (error: unknown) => {
        assert.ok(error instanceof MailHeaderError)
        assert.equal(error.code, code)
        assert.equal(error.field, field)
        assert.equal(error.status, 400)
        assert.doesNotMatch(error.message, /victim|Bcc:/, 'the value is not echoed')
        return true
      })
      assert.equal(backend.calls.length, 0)
    })
  }

  it('refuses the whole batch when one message is forged', async () => {
    const backend = memoryMailBackend()
    const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
    await assert.rejects(
      mailer.sendMany([valid, { ...valid, to: 'a@x.com, victim@y.com' }, valid]),
      MailHeaderError,
    )
    assert.equal(backend.outbox.length, 0)
  })

  it('refuses forged messages handed to a backend directly, too', async () => {
    const backend = memoryMailBackend()
    const forged = { ...valid, from: 'shop@example.com', subject: 'x\r\nBcc: v@example.org' }
    await assert.rejects(backend.send([forged as PreparedEmail]), MailHeaderError)
    assert.equal(backend.outbox.length, 0)
  })

  it('answers 400 when a contact form smuggles a header, and sends nothing', async () => {
    const backend = memoryMailBackend()
    const mailer = createMailer({ backend, defaultFrom: 'site@example.com' })
    const app = createApp({ logger: false })
    app.post('/contact', async (ctx) => {
      const form = await ctx.form()
      await mailer.send({
        to: 'support@example.com',
        replyTo: String(form.email),
        subject: `Contact: ${String(form.topic)}`,
        text: String(form.message),
      })
      return { sent: true }
    })
    const client = testClient(app)
    const ok = await client.post('/contact', {
      form: { email: 'ann@example.com', topic: 'Hello', message: 'Hi!' },
    })
    assert.equal(ok.status, 200)
    const forged = await client.post('/contact', {
      form: {
        email: 'ann@example.com',
        topic: 'Hello\r\nBcc: victim@example.org',
        message: 'spam',
      },
    })
    assert.equal(forged.status, 400)
    assert.equal(forged.json().error.code, 'mail_header_injection')
    const smuggled = await client.post('/contact', {
      form: { email: 'ann@example.com, victim@example.org', topic: 'x', message: 'spam' },
    })
    assert.equal(smuggled.status, 400)
    assert.equal(smuggled.json().error.code, 'invalid_email_address')
    await client.close()
    assert.equal(backend.outbox.length, 1)
    assert.deepEqual(backend.outbox[0]!.replyTo, ['ann@example.com'])
  })
})
