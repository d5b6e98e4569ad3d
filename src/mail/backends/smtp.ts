/**
 * Send through an SMTP server with nodemailer (an optional peer dependency, loaded when the first
 * message is sent). Plinth renders the message itself and gives nodemailer the raw text and the
 * envelope, so nodemailer only does the SMTP conversation: connection, TLS, login, pooling.
 */
import type { ConnectionOptions } from 'node:tls'
import { PlinthError } from '../../http/index.ts'
import { MailDeliveryError, type MailDeliveryReason } from '../errors.ts'
import type { MailBackend } from '../mailer.ts'
import { renderEmail } from '../render.ts'
import { type SmtpSettings, smtpSettings } from './smtp-settings.ts'

/** Options of {@link smtpMailBackend}. */
export interface SmtpMailBackendOptions {
  /** `smtp://user:pass@host:587` or `smtps://user:pass@host:465` (user and password URL-encoded). */
  url?: string
  host?: string
  /** Defaults to 465 when `secure`, 587 otherwise. */
  port?: number
  /** Implicit TLS from the first byte (port 465). Defaults to true for `smtps://` and port 465. */
  secure?: boolean
  /**
   * Refuse to send unless the connection is upgraded with STARTTLS. Defaults to true for every
   * host except loopback ones (`localhost`, `127.0.0.1`, `::1`), so a network attacker cannot
   * strip STARTTLS to read the password and the messages. Set false for a trusted plain relay.
   */
  requireTLS?: boolean
  auth?: { user: string; pass: string }
  /** Reuse connections (nodemailer's pool); `true` or pool sizes. Off by default. */
  pool?: boolean | { maxConnections?: number; maxMessages?: number }
  /** In milliseconds: `connection` 10 s, `greeting` 10 s, `socket` (idle) 60 s by default. */
  timeouts?: { connection?: number; greeting?: number; socket?: number }
  /** Extra `tls.connect()` options, e.g. `{ ca }` for a private CA. Certificates are verified. */
  tls?: ConnectionOptions
  /** The hostname to greet the server with (`EHLO`); defaults to this machine's name. */
  name?: string
}

interface Transport {
  sendMail(mail: object): Promise<unknown>
  close(): void
}

/**
 * The SMTP backend.
 *
 * @example
 * const backend = smtpMailBackend({ url: process.env.SMTP_URL })
 * const backend2 = smtpMailBackend({ host: 'smtp.example.com', port: 587, auth: { user, pass } })
 */
export function smtpMailBackend(
  options: SmtpMailBackendOptions,
): MailBackend & { close(): Promise<void> } {
  const settings = smtpSettings(options)
  let transport: Promise<Transport> | undefined
  const open = (): Promise<Transport> => {
    transport ??= createTransport(settings).catch((error: unknown) => {
      transport = undefined
      throw error
    })
    return transport
  }
  return {
    async send(messages) {
      const rendered = messages.map((message) => renderEmail(message))
      if (rendered.length === 0) return 0
      const smtp = await open()
      let sent = 0
      for (const { envelope, raw } of rendered) {
        try {
          await smtp.sendMail({ envelope, raw })
        } catch (error) {
          throw deliveryError(error, sent, settings)
        }
        sent++
      }
      return sent
    },
    async close() {
      const pending = transport
      transport = undefined
      const smtp = await pending?.catch(() => undefined)
      smtp?.close()
    },
  }
}

async function createTransport(settings: SmtpSettings): Promise<Transport> {
  let nodemailer: { createTransport(options: object): Transport }
  try {
    nodemailer = (await import('nodemailer')) as unknown as typeof nodemailer
  } catch (cause) {
    if ((cause as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw cause
    throw new PlinthError(
      'PLINTH_MAIL_SMTP_MISSING',
      'The SMTP mail backend needs the "nodemailer" package: run `npm install nodemailer`.',
      { cause },
    )
  }
  const pool = settings.pool
  return nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireTLS,
    auth: settings.auth,
    pool: pool !== false,
    ...(pool === false ? {} : pool),
    connectionTimeout: settings.timeouts.connection,
    greetingTimeout: settings.timeouts.greeting,
    socketTimeout: settings.timeouts.socket,
    tls: settings.tls,
    name: settings.name,
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  })
}

const REASONS: Record<string, MailDeliveryReason> = {
  EAUTH: 'auth',
  ENOAUTH: 'auth',
  ETLS: 'tls',
  ETIMEDOUT: 'timeout',
  ECONNECTION: 'connection',
  ESOCKET: 'connection',
  EDNS: 'connection',
  EPROXY: 'connection',
  EENVELOPE: 'rejected',
  EMESSAGE: 'rejected',
}

function deliveryError(error: unknown, sent: number, settings: SmtpSettings): MailDeliveryError {
  const { code, originalCode, responseCode } = error as {
    code?: string
    originalCode?: string
    responseCode?: number
  }
  // A certificate that does not verify surfaces as a socket error; its original code tells.
  const badCertificate = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(originalCode ?? '')
  const reason = badCertificate ? 'tls' : (code !== undefined && REASONS[code]) || 'other'
  const server = `${settings.host}:${settings.port}`
  const detail = error instanceof Error ? error.message : String(error)
  const advice: Record<MailDeliveryReason, string> = {
    auth: `the server refused the login of "${settings.auth?.user ?? ''}"; check smtpMailBackend({ auth })`,
    tls: 'TLS failed (no STARTTLS offered, or a certificate that does not verify); check secure, requireTLS and tls',
    timeout: 'the server did not answer in time; check host, port and timeouts',
    connection: 'could not connect; check host and port, and that the server is running',
    rejected: 'the server rejected the message or a recipient',
    other: 'sending failed',
  }
  return new MailDeliveryError(`SMTP ${server}: ${advice[reason]} (${detail}).`, {
    reason,
    sent,
    cause: error,
    ...(typeof responseCode === 'number' ? { responseCode } : {}),
  })
}
