/**
 * Sending email (Django's email backends): build a message, hand it to a mailer, and let the
 * configured backend deliver it: the console in development, SMTP in production, an in-memory
 * outbox in tests. Every message is validated first; header injection is impossible.
 */

export { type MailAddress, type ParsedAddress, parseAddress } from './address.ts'
export { type ConsoleMailBackendOptions, consoleMailBackend } from './backends/console.ts'
export {
  type FileMailBackend,
  type FileMailBackendOptions,
  fileMailBackend,
} from './backends/file.ts'
export { type MemoryMailBackend, memoryMailBackend, type SentEmail } from './backends/memory.ts'
export { type SmtpMailBackendOptions, smtpMailBackend } from './backends/smtp.ts'
export {
  MailDeliveryError,
  type MailDeliveryReason,
  MailHeaderError,
  type MailHeaderErrorCode,
} from './errors.ts'
export { createMailer, type MailBackend, type Mailer, type MailerOptions } from './mailer.ts'
export {
  type EmailAttachment,
  type EmailMessage,
  type PreparedEmail,
  prepareEmail,
} from './message.ts'
export { type Envelope, type RenderedEmail, type RenderOptions, renderEmail } from './render.ts'
