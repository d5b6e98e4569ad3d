import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PlinthError } from '../../http/index.ts'
import { smtpSettings } from './smtp-settings.ts'

const configError = (options: object) =>
  assert.throws(
    () => smtpSettings(options as never),
    (error: unknown) => error instanceof PlinthError && error.code === 'PLINTH_MAIL_SMTP_CONFIG',
    JSON.stringify(options),
  )

describe('smtpSettings', () => {
  it('applies the defaults: port 587, STARTTLS required off loopback, short timeouts', () => {
    assert.deepEqual(smtpSettings({ host: 'smtp.example.com' }), {
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      requireTLS: true,
      auth: undefined,
      pool: false,
      timeouts: { connection: 10_000, greeting: 10_000, socket: 60_000 },
      tls: undefined,
      name: undefined,
    })
    for (const host of ['localhost', '127.0.0.1', '127.0.0.53', '::1', 'mail.localhost']) {
      assert.equal(smtpSettings({ host }).requireTLS, false, host)
    }
    assert.equal(smtpSettings({ host: '10.0.0.5' }).requireTLS, true)
    assert.equal(smtpSettings({ host: 'relay.internal', requireTLS: false }).requireTLS, false)
  })

  it('uses implicit TLS for port 465 and smtps://', () => {
    assert.deepEqual(
      [smtpSettings({ host: 'h.example', port: 465 })].map((s) => [s.port, s.secure, s.requireTLS]),
      [[465, true, false]],
    )
    assert.equal(smtpSettings({ url: 'smtp://h.example:465' }).secure, true)
    assert.equal(smtpSettings({ url: 'smtp://h.example:465', secure: false }).secure, false)
    const fromUrl = smtpSettings({ url: 'smtps://h.example' })
    assert.equal(fromUrl.port, 465)
    assert.equal(fromUrl.secure, true)
  })

  it('reads credentials from the URL, decoded, and lets options override the URL', () => {
    const settings = smtpSettings({
      url: 'smtp://me%40example.com:p%3Ass%2Fw@smtp.example.com:2525',
    })
    assert.deepEqual(settings.auth, { user: 'me@example.com', pass: 'p:ss/w' })
    assert.equal(settings.port, 2525)
    const overridden = smtpSettings({
      url: 'smtp://a:b@smtp.example.com:2525',
      port: 587,
      auth: { user: 'c', pass: 'd' },
    })
    assert.equal(overridden.port, 587)
    assert.deepEqual(overridden.auth, { user: 'c', pass: 'd' })
    assert.equal(smtpSettings({ url: 'smtp://[::1]:25' }).host, '::1')
  })

  it('turns pool: true into nodemailer pool options', () => {
    assert.deepEqual(smtpSettings({ host: 'h.example', pool: true }).pool, {})
    assert.deepEqual(smtpSettings({ host: 'h.example', pool: { maxConnections: 2 } }).pool, {
      maxConnections: 2,
    })
  })

  it('refuses bad options at creation, never echoing the password', () => {
    configError({})
    configError({ url: 'http://smtp.example.com' })
    configError({ url: 'not a url' })
    configError({ url: 'smtp://smtp.example.com/path' })
    configError({ url: 'smtp://smtp.example.com?tls=1' })
    configError({ host: 'h.example', port: 0 })
    configError({ host: 'h.example', port: 70000 })
    configError({ host: 'h.example', port: '25' })
    configError({ host: 'h.example', auth: { user: 'u' } })
    configError({ host: 'h.example', timeouts: { connection: -1 } })
    assert.throws(
      () => smtpSettings({ url: 'smtp://user:hunter2@h.example/x' }),
      (error: unknown) => error instanceof PlinthError && !error.message.includes('hunter2'),
    )
  })
})
