/**
 * The SMTP backend against a real SMTP server (smtp-server, in-process): delivery, login,
 * failures that must reject loudly (bad password, server down, silent server, rejected
 * recipient) and TLS (STARTTLS and implicit TLS with a certificate made at test time).
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import { createMailer, MailDeliveryError, MailHeaderError, smtpMailBackend } from 'plinth/mail'
import { closedPort } from '../support/net.ts'
import { PASS, startSmtpServer, type TestSmtpServer, USER } from './smtp-server.ts'
import { bodyBytes, bodyText, header, parseEntity, parts } from './support.ts'

const auth = { user: USER, pass: PASS }
const message = { to: 'ann@example.com', subject: 'Hi', text: 'Hello' }

describe('smtp backend over a plain socket with AUTH required', () => {
  let server: TestSmtpServer
  before(async () => {
    server = await startSmtpServer()
  })
  after(() => server.close())

  it('delivers the envelope (bcc included), headers, body and attachments', async () => {
    const backend = smtpMailBackend({ host: '127.0.0.1', port: server.port, auth })
    const mailer = createMailer({ backend, defaultFrom: 'Shop <shop@bücher.example>' })
    const sent = await mailer.send({
      to: ['Ann <ann@example.com>', { name: 'Doe, Jane', address: 'jane@example.com' }],
      cc: 'carl@example.com',
      bcc: 'audit@example.com',
      replyTo: 'support@example.com',
      subject: 'Grüße aus Köln',
      text: 'Hello Ann ✓\n.\n..\nFrom the shop',
      html: '<p>Hello Ann ✓</p>',
      headers: { 'List-Unsubscribe': '<https://shop.example/unsubscribe>' },
      attachments: [
        { filename: 'rechnung-ä.pdf', content: new Uint8Array([37, 80, 68, 70, 0, 255]) },
      ],
    })
    await mailer.close()
    assert.equal(sent, 1)
    assert.equal(server.received.length, 1)
    const received = server.received[0]!
    assert.equal(received.user, USER)
    // smtp-server shows the punycode MAIL FROM domain decoded; the header below is the wire form.
    assert.equal(received.from, 'shop@bücher.example')
    assert.deepEqual(received.to, [
      'ann@example.com',
      'jane@example.com',
      'carl@example.com',
      'audit@example.com',
    ])

    const entity = parseEntity(received.raw)
    assert.equal(header(entity, 'From'), 'Shop <shop@xn--bcher-kva.example>')
    assert.equal(header(entity, 'To'), 'Ann <ann@example.com>, "Doe, Jane" <jane@example.com>')
    assert.equal(header(entity, 'Cc'), 'carl@example.com')
    assert.equal(header(entity, 'Reply-To'), 'support@example.com')
    assert.equal(header(entity, 'Bcc'), undefined, 'Bcc stays in the envelope')
    assert.doesNotMatch(received.raw, /audit@example\.com/)
    assert.equal(header(entity, 'Subject'), 'Grüße aus Köln')
    assert.equal(header(entity, 'List-Unsubscribe'), '<https://shop.example/unsubscribe>')
    const [body, file] = parts(entity)
    const [text, html] = parts(body!)
    assert.equal(
      bodyText(text!),
      'Hello Ann ✓\n.\n..\nFrom the shop',
      'dot-stuffing undone by the server',
    )
    assert.equal(bodyText(html!), '<p>Hello Ann ✓</p>')
    assert.deepEqual([...bodyBytes(file!)], [37, 80, 68, 70, 0, 255])
  })

  it('sends a batch over a pooled connection and counts it', async () => {
    const before = server.received.length
    const backend = smtpMailBackend({ host: '127.0.0.1', port: server.port, auth, pool: true })
    const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
    const count = await mailer.sendMany(
      ['a', 'b', 'c'].map((name) => ({ to: `${name}@example.com`, subject: name, text: name })),
    )
    await mailer.close()
    assert.equal(count, 3)
    const subjects = server.received.slice(before).map((r) => header(parseEntity(r.raw), 'Subject'))
    assert.deepEqual(subjects.sort(), ['a', 'b', 'c'])
  })

  it('reads host, port and URL-encoded credentials from a URL', async () => {
    const before = server.received.length
    const url = `smtp://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${server.port}`
    const mailer = createMailer({
      backend: smtpMailBackend({ url }),
      defaultFrom: 'shop@example.com',
    })
    assert.equal(await mailer.send(message), 1)
    await mailer.close()
    assert.equal(server.received.length, before + 1)
  })

  it('rejects a wrong password with a clear error and sends nothing', async () => {
    const before = server.received.length
    const backend = smtpMailBackend({
      host: '127.0.0.1',
      port: server.port,
      auth: { user: USER, pass: 'wrong-secret' },
    })
    const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
    const error = await mailer.send(message).then(
      () => assert.fail('sent with a wrong password'),
      (e: unknown) => e,
    )
    await mailer.close()
    assert.ok(error instanceof MailDeliveryError)
    assert.equal(error.reason, 'auth')
    assert.equal(error.code, 'mail_delivery_failed')
    assert.equal(error.responseCode, 535)
    assert.equal(error.sent, 0)
    assert.match(error.message, /refused the login of "mailer"/)
    assert.doesNotMatch(error.message, /wrong-secret/, 'the password never appears in the error')
    assert.equal(server.received.length, before)
  })

  it('refuses a forged message before connecting', async () => {
    const connections = server.connections
    const backend = smtpMailBackend({ host: '127.0.0.1', port: server.port, auth })
    const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
    await assert.rejects(
      mailer.send({ ...message, subject: 'Hi\r\nBcc: victim@example.org' }),
      MailHeaderError,
    )
    await mailer.close()
    assert.equal(server.connections, connections)
  })
})

describe('smtp backend failures', () => {
  it('reports a server that is down as a connection error', async () => {
    const port = await closedPort()
    const mailer = createMailer({
      backend: smtpMailBackend({ host: '127.0.0.1', port, auth }),
      defaultFrom: 'shop@example.com',
    })
    await assert.rejects(mailer.send(message), (error: unknown) => {
      assert.ok(error instanceof MailDeliveryError)
      assert.equal(error.reason, 'connection')
      assert.match(error.message, new RegExp(`SMTP 127\\.0\\.0\\.1:${port}: could not connect`))
      return true
    })
  })

  it('gives up on a server that accepts the connection but never greets (greeting timeout)', async () => {
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as { port: number }
    try {
      const backend = smtpMailBackend({
        host: '127.0.0.1',
        port,
        auth,
        timeouts: { greeting: 200 },
      })
      const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
      const error = await mailer.send(message).catch((e: unknown) => e)
      assert.ok(error instanceof MailDeliveryError)
      assert.equal(error.reason, 'timeout')
      assert.equal(sockets.size, 1)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  it('reports a rejected recipient and how many messages of the batch went out', async () => {
    const server = await startSmtpServer({
      onRcptTo(address, _session, callback) {
        if (address.address === 'nobody@example.com') {
          return callback(Object.assign(new Error('No such user'), { responseCode: 550 }))
        }
        callback()
      },
    })
    try {
      const mailer = createMailer({
        backend: smtpMailBackend({ host: '127.0.0.1', port: server.port, auth }),
        defaultFrom: 'shop@example.com',
      })
      const error = await mailer
        .sendMany([message, { ...message, to: 'nobody@example.com' }, message])
        .catch((e: unknown) => e)
      assert.ok(error instanceof MailDeliveryError)
      assert.equal(error.reason, 'rejected')
      assert.equal(error.sent, 1)
      assert.equal(server.received.length, 1)
    } finally {
      await server.close()
    }
  })

  it('with requireTLS, refuses a server that does not offer STARTTLS (downgrade)', async () => {
    // What a network attacker does: strip STARTTLS so the client talks (and logs in) in clear text.
    const server = await startSmtpServer({ disabledCommands: ['STARTTLS'] })
    try {
      const backend = smtpMailBackend({
        host: '127.0.0.1',
        port: server.port,
        auth,
        requireTLS: true,
      })
      const error = await createMailer({ backend, defaultFrom: 'shop@example.com' })
        .send(message)
        .catch((e: unknown) => e)
      assert.ok(error instanceof MailDeliveryError)
      assert.equal(error.reason, 'tls')
      assert.deepEqual(server.logins, [], 'credentials are never sent in clear text')
      assert.equal(server.received.length, 0)
    } finally {
      await server.close()
    }
  })
})

describe('smtp backend with TLS', () => {
  let dir: string | undefined
  let key = ''
  let cert = ''
  before(() => {
    const made = makeCertificate()
    if (made === null) return
    ;({ dir, key, cert } = made)
  })
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })
  const requireCert = (t: TestContext): boolean => {
    if (dir === undefined) t.skip('needs the openssl binary to make a test certificate')
    return dir !== undefined
  }

  it('upgrades with STARTTLS before logging in (requireTLS) and verifies the certificate', async (t) => {
    if (!requireCert(t)) return
    const server = await startSmtpServer({
      key,
      cert,
      allowInsecureAuth: false,
      disabledCommands: [],
    })
    try {
      const backend = smtpMailBackend({
        host: '127.0.0.1',
        port: server.port,
        auth,
        requireTLS: true,
        tls: { ca: cert },
      })
      const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
      assert.equal(await mailer.send(message), 1)
      await mailer.close()
      assert.equal(server.received.length, 1)
      assert.equal(server.received[0]!.secure, true)
    } finally {
      await server.close()
    }
  })

  it('refuses a certificate it cannot verify, sending neither password nor message', async (t) => {
    if (!requireCert(t)) return
    const server = await startSmtpServer({
      key,
      cert,
      allowInsecureAuth: false,
      disabledCommands: [],
    })
    try {
      const backend = smtpMailBackend({
        host: '127.0.0.1',
        port: server.port,
        auth,
        requireTLS: true,
      })
      const error = await createMailer({ backend, defaultFrom: 'shop@example.com' })
        .send(message)
        .catch((e: unknown) => e)
      assert.ok(error instanceof MailDeliveryError)
      assert.equal(error.reason, 'tls')
      assert.deepEqual(server.logins, [])
      assert.equal(server.received.length, 0)
    } finally {
      await server.close()
    }
  })

  it('speaks implicit TLS (secure: true, as on port 465)', async (t) => {
    if (!requireCert(t)) return
    const server = await startSmtpServer({ key, cert, secure: true, disabledCommands: [] })
    try {
      const url = `smtps://${USER}:${encodeURIComponent(PASS)}@127.0.0.1:${server.port}`
      const mailer = createMailer({
        backend: smtpMailBackend({ url, tls: { ca: cert } }),
        defaultFrom: 'shop@example.com',
      })
      assert.equal(await mailer.send(message), 1)
      await mailer.close()
      assert.equal(server.received[0]?.secure, true)
    } finally {
      await server.close()
    }
  })
})

/** A self-signed certificate for 127.0.0.1 made with openssl, or null without the binary. */
function makeCertificate(): { dir: string; key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'plinth-smtp-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    )
  } catch {
    rmSync(dir, { recursive: true, force: true })
    return null
  }
  return {
    dir,
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  }
}
