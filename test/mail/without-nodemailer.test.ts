/**
 * nodemailer is an optional peer dependency: `plinth/mail` loads without it, the console, file
 * and memory backends work without it, and the SMTP backend says how to install it.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { it } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '../..')

const script = `
import { consoleMailBackend, createMailer, memoryMailBackend, smtpMailBackend } from 'plinth/mail'
const message = { to: 'ann@example.com', subject: 'Hi', text: 'Hello' }
const memory = memoryMailBackend()
await createMailer({ backend: memory, defaultFrom: 'shop@example.com' }).send(message)
let printed = ''
await createMailer({ backend: consoleMailBackend({ stream: { write: (s) => { printed += s } } }), defaultFrom: 'shop@example.com' }).send(message)
const smtp = createMailer({ backend: smtpMailBackend({ host: '127.0.0.1', port: 2525 }), defaultFrom: 'shop@example.com' })
const error = await smtp.send(message).catch((e) => e)
console.log(JSON.stringify({ outbox: memory.outbox.length, printed: printed.includes('Subject: Hi'), name: error.name, code: error.code, message: error.message }))
`

it('works without nodemailer, and the SMTP backend asks for it', async () => {
  const { stdout } = await run(
    process.execPath,
    [
      '--conditions=plinth-source',
      '--import',
      './test/mail/fixtures/hide-nodemailer.ts',
      '--input-type=module',
      '--eval',
      script,
    ],
    { cwd: ROOT },
  )
  const result = JSON.parse(stdout)
  assert.equal(result.outbox, 1)
  assert.equal(result.printed, true)
  assert.equal(result.name, 'PlinthError')
  assert.equal(result.code, 'PLINTH_MAIL_SMTP_MISSING')
  assert.match(result.message, /npm install nodemailer/)
})
