/** The development and test backends: console, file (.eml) and memory. */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { PlinthError } from 'plinth'
import {
  consoleMailBackend,
  createMailer,
  fileMailBackend,
  MailDeliveryError,
  memoryMailBackend,
} from 'plinth/mail'
import { assertWellFormed, bodyBytes, bodyText, header, parseEntity, parts } from './support.ts'

const defaultFrom = 'Shop <shop@example.com>'
const scratch = mkdtempSync(join(tmpdir(), 'plinth-mail-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

describe('consoleMailBackend', () => {
  it('prints each full message followed by a separator line', async () => {
    let output = ''
    const backend = consoleMailBackend({ stream: { write: (chunk: string) => (output += chunk) } })
    const mailer = createMailer({ backend, defaultFrom })
    const count = await mailer.sendMany([
      {
        to: 'ann@example.com',
        subject: 'Réinitialisation',
        text: 'https://shop.example/reset/abc',
      },
      { to: 'bob@example.com', subject: 'Second', text: 'Two' },
    ])
    assert.equal(count, 2)
    const printed = output.split(`${'-'.repeat(79)}\n`)
    assert.equal(printed.length, 3)
    assert.equal(printed[2], '')
    assert.doesNotMatch(output, /\r/, 'terminal-friendly line endings')
    const first = parseEntity(printed[0]!.replace(/\n/g, '\r\n'))
    assert.equal(header(first, 'From'), 'Shop <shop@example.com>')
    assert.equal(header(first, 'To'), 'ann@example.com')
    assert.equal(header(first, 'Subject'), 'Réinitialisation')
    assert.equal(bodyText(first), 'https://shop.example/reset/abc\n')
    assert.match(printed[1]!, /^To: bob@example\.com$/m)
  })

  it('writes to process.stdout by default', async () => {
    const original = process.stdout.write
    let captured = ''
    process.stdout.write = ((chunk: string) => {
      captured += chunk
      return true
    }) as typeof process.stdout.write
    try {
      await createMailer({ backend: consoleMailBackend(), defaultFrom }).send({
        to: 'ann@example.com',
        subject: 'To stdout',
        text: 'x',
      })
    } finally {
      process.stdout.write = original
    }
    assert.match(captured, /^Subject: To stdout$/m)
  })
})

describe('fileMailBackend', () => {
  it('writes one parseable .eml file per message, creating the directory', async () => {
    const directory = join(scratch, 'nested', 'outbox')
    const backend = fileMailBackend({ directory })
    assert.equal(backend.directory, directory)
    const mailer = createMailer({ backend, defaultFrom })
    const pdf = new Uint8Array([37, 80, 68, 70, 45, 49, 46, 55, 0, 200])
    await mailer.sendMany([
      {
        to: 'Ann <ann@example.com>',
        subject: 'Your invoice',
        text: 'See attached.',
        html: '<p>See attached.</p>',
        attachments: [{ filename: 'invoice.pdf', content: pdf }],
      },
      { to: 'bob@example.com', subject: 'Second', text: 'Two' },
      { to: 'carl@example.com', subject: 'Third', text: 'Three' },
    ])
    const files = readdirSync(directory).sort()
    assert.equal(files.length, 3)
    for (const file of files) assert.match(file, /^\d{8}T\d{9}Z-[0-9a-f]{12}\.eml$/)
    if (process.platform !== 'win32') {
      assert.equal(statSync(directory).mode & 0o777, 0o700)
      for (const file of files) assert.equal(statSync(join(directory, file)).mode & 0o777, 0o600)
    }
    const messages = files.map((file) => readFileSync(join(directory, file), 'latin1'))
    for (const raw of messages) assertWellFormed(raw)
    const invoice = parseEntity(messages.find((raw) => raw.includes('Subject: Your invoice'))!)
    assert.equal(header(invoice, 'To'), 'Ann <ann@example.com>')
    const [body, attachment] = parts(invoice)
    assert.equal(bodyText(parts(body!)[0]!), 'See attached.')
    assert.equal(header(attachment!, 'Content-Disposition'), 'attachment; filename="invoice.pdf"')
    assert.deepEqual(new Uint8Array(bodyBytes(attachment!)), pdf)
  })

  it('accepts a file: URL and never overwrites existing files', async () => {
    const directory = join(scratch, 'by-url')
    const backend = fileMailBackend({ directory: pathToFileURL(`${directory}/`) })
    const mailer = createMailer({ backend, defaultFrom })
    for (let i = 0; i < 20; i++)
      await mailer.send({ to: 'ann@example.com', subject: `n${i}`, text: 'x' })
    assert.equal(readdirSync(directory).length, 20)
  })

  it('reports a directory it cannot write as a delivery error', async () => {
    const blocker = join(scratch, 'a-file')
    writeFileSync(blocker, 'not a directory')
    const mailer = createMailer({
      backend: fileMailBackend({ directory: join(blocker, 'sub') }),
      defaultFrom,
    })
    await assert.rejects(
      mailer.send({ to: 'ann@example.com', subject: 's', text: 't' }),
      (error: unknown) => {
        assert.ok(error instanceof MailDeliveryError)
        assert.equal(error.sent, 0)
        return true
      },
    )
  })

  it('refuses a missing directory option', () => {
    for (const directory of [undefined, '', new URL('https://example.com/')]) {
      assert.throws(
        () => fileMailBackend({ directory } as never),
        (error: unknown) =>
          error instanceof PlinthError && error.code === 'PLINTH_MAIL_FILE_DIRECTORY',
      )
    }
  })
})

describe('memoryMailBackend', () => {
  it('keeps sent messages, with the rendered text and envelope, in outbox', async () => {
    const backend = memoryMailBackend()
    const mailer = createMailer({ backend, defaultFrom })
    await mailer.send({
      to: 'ann@example.com',
      bcc: 'audit@example.com',
      subject: 'Hi',
      text: 'Hello',
    })
    await mailer.send({ to: 'bob@example.com', subject: 'Again', text: 'Hello again' })
    assert.equal(backend.outbox.length, 2)
    const [first] = backend.outbox
    assert.equal(first!.from, 'Shop <shop@example.com>')
    assert.deepEqual(first!.to, ['ann@example.com'])
    assert.deepEqual(first!.bcc, ['audit@example.com'])
    assert.equal(first!.subject, 'Hi')
    assert.equal(first!.text, 'Hello')
    assert.deepEqual(first!.envelope, {
      from: 'shop@example.com',
      to: ['ann@example.com', 'audit@example.com'],
    })
    assert.match(first!.raw, /^Subject: Hi\r$/m)
    assert.match(first!.messageId, /@example\.com>$/)
    backend.outbox.length = 0
    assert.equal(backend.outbox.length, 0)
  })
})
