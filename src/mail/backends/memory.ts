import type { MailBackend } from '../mailer.ts'
import type { PreparedEmail } from '../message.ts'
import { type RenderedEmail, renderEmail } from '../render.ts'

/** A message kept by {@link memoryMailBackend}: the validated fields plus what would be sent. */
export interface SentEmail extends PreparedEmail, RenderedEmail {}

/** The memory backend: an outbox to read in tests. */
export interface MemoryMailBackend extends MailBackend {
  /** Every message sent, oldest first. Empty it with `outbox.length = 0`. */
  readonly outbox: SentEmail[]
}

/**
 * Keep messages in memory instead of sending them (Django's locmem backend), for tests.
 *
 * @example
 * const backend = memoryMailBackend()
 * const mailer = createMailer({ backend, defaultFrom: 'shop@example.com' })
 * await mailer.send({ to: 'ann@example.com', subject: 'Hi', text: 'Hello' })
 * backend.outbox[0]?.subject // 'Hi'
 */
export function memoryMailBackend(): MemoryMailBackend {
  const outbox: SentEmail[] = []
  return {
    outbox,
    async send(messages) {
      // Render first so a message that cannot be sent is never recorded as sent.
      const sent = messages.map((message) => ({ ...message, ...renderEmail(message) }))
      outbox.push(...sent)
      return sent.length
    },
  }
}
