import type { MailBackend } from '../mailer.ts'
import { renderEmail } from '../render.ts'

/** Options of {@link consoleMailBackend}. */
export interface ConsoleMailBackendOptions {
  /** Where to write; defaults to `process.stdout`. */
  stream?: { write(chunk: string): unknown }
}

const SEPARATOR = '-'.repeat(79)

/**
 * Print each message, in full RFC 5322 form, followed by a line of dashes: for development,
 * where you want to read the password-reset link rather than receive it. Line endings are
 * shown as `\n`; otherwise the text is exactly what SMTP would send.
 *
 * @example
 * const mailer = createMailer({ backend: consoleMailBackend(), defaultFrom: 'shop@example.com' })
 */
export function consoleMailBackend(options: ConsoleMailBackendOptions = {}): MailBackend {
  return {
    async send(messages) {
      const stream = options.stream ?? process.stdout
      const rendered = messages.map((message) => renderEmail(message).raw.replace(/\r\n/g, '\n'))
      for (const text of rendered) stream.write(`${text}${SEPARATOR}\n`)
      return rendered.length
    },
  }
}
