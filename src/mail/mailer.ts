/**
 * The mailer: what application code calls. It validates messages and hands them to a backend,
 * so switching from the console in development to SMTP in production is one line.
 */
import { PlinthError } from '../http/index.ts'
import { formatAddress, type MailAddress, parseAddress } from './address.ts'
import { MailHeaderError } from './errors.ts'
import { type EmailMessage, type PreparedEmail, prepareEmail } from './message.ts'

/**
 * Where messages go. `send` receives validated messages and resolves with how many it sent;
 * it throws (a `MailDeliveryError` for the built-in backends) rather than dropping a message.
 *
 * @example
 * const collect: MailBackend = {
 *   async send(messages) {
 *     for (const message of messages) await api.post('/send', renderEmail(message))
 *     return messages.length
 *   },
 * }
 */
export interface MailBackend {
  send(messages: readonly PreparedEmail[]): Promise<number>
  /** Release connections (an SMTP pool); the mailer's `close()` calls it. */
  close?(): Promise<void>
}

/** Options of {@link createMailer}. */
export interface MailerOptions {
  backend: MailBackend
  /** Sender of messages without a `from` (Django's `DEFAULT_FROM_EMAIL`). */
  defaultFrom?: MailAddress
}

/** Sends email through a backend. */
export interface Mailer {
  readonly backend: MailBackend
  /** The canonical default sender, if any. */
  readonly defaultFrom: string | undefined
  /** Validate and send one message; resolves with the number sent (1). */
  send(message: EmailMessage): Promise<number>
  /** Validate every message, then send them all; nothing is sent when one is invalid. */
  sendMany(messages: readonly EmailMessage[]): Promise<number>
  /** Close the backend (an SMTP connection pool). */
  close(): Promise<void>
}

/**
 * Create a mailer.
 *
 * @example
 * const mailer = createMailer({ backend: consoleMailBackend(), defaultFrom: 'Shop <shop@example.com>' })
 * await mailer.send({ to: 'ann@example.com', subject: 'Welcome', text: 'Hello Ann' })
 */
export function createMailer(options: MailerOptions): Mailer {
  const backend = options?.backend
  if (typeof backend?.send !== 'function') {
    throw new PlinthError(
      'PLINTH_MAIL_BACKEND',
      'createMailer() needs a `backend` with a send() method, e.g. consoleMailBackend() or smtpMailBackend({ url }).',
    )
  }
  const defaultFrom =
    options.defaultFrom === undefined ? undefined : checkDefaultFrom(options.defaultFrom)
  const sendMany = async (messages: readonly EmailMessage[]): Promise<number> => {
    if (!Array.isArray(messages)) {
      throw new PlinthError('PLINTH_MAIL_INVALID_MESSAGE', 'sendMany() takes an array of messages.')
    }
    const prepared = messages.map((message) => prepareEmail(message, defaultFrom))
    if (prepared.length === 0) return 0
    return backend.send(prepared)
  }
  return {
    backend,
    defaultFrom,
    send: (message) => sendMany([message]),
    sendMany,
    close: async () => {
      await backend.close?.()
    },
  }
}

function checkDefaultFrom(address: MailAddress): string {
  try {
    return formatAddress(parseAddress(address, 'defaultFrom'))
  } catch (error) {
    if (!(error instanceof MailHeaderError)) throw error
    throw new PlinthError(
      'PLINTH_MAIL_DEFAULT_FROM',
      'createMailer({ defaultFrom }) is not one valid email address: use "name@example.com" or "Name <name@example.com>".',
      { cause: error },
    )
  }
}
