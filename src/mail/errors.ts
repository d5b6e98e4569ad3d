/**
 * The errors `plinth/mail` throws at run time.
 *
 * - {@link MailHeaderError}: a message field would break the message's structure (a line break
 *   in a subject, two addresses smuggled into one). These fields usually come from user input (a
 *   contact form, a sign-up email), so the error is a 400 `HttpError`: left uncaught in a handler
 *   it answers "bad request", not "server error", and nothing is sent.
 * - {@link MailDeliveryError}: the backend could not deliver (SMTP server down, login refused,
 *   recipient rejected). It says how many messages of the batch went out before the failure.
 *
 * Mistakes in code or configuration (no recipients, a reserved header, a bad SMTP option) are
 * `PlinthError`s with a `PLINTH_MAIL_*` code, like everywhere else in Plinth.
 */
import { HttpError } from '../http/index.ts'

/** Stable codes of {@link MailHeaderError}. */
export type MailHeaderErrorCode =
  | 'mail_header_injection'
  | 'invalid_email_address'
  | 'invalid_mail_header'

/**
 * A message field that would let its value escape into other headers or recipients: a control
 * character (CR, LF, NUL…) in a header, an address that is not exactly one address, a header
 * name that is not a header name. The message names the field but never repeats its value.
 *
 * @example
 * try {
 *   await mailer.send({ to: form.email, subject: form.subject, text: form.body })
 * } catch (error) {
 *   if (error instanceof MailHeaderError) return json({ error: 'Invalid email' }, { status: 400 })
 *   throw error
 * }
 */
export class MailHeaderError extends HttpError {
  override readonly code: MailHeaderErrorCode
  /** The offending field: `subject`, `to`, `headers.X-Tag`, `attachments[0].filename`… */
  readonly field: string

  constructor(code: MailHeaderErrorCode, field: string, message: string) {
    super(400, message, { code })
    this.name = 'MailHeaderError'
    this.code = code
    this.field = field
  }
}

/** Why a {@link MailDeliveryError} happened. */
export type MailDeliveryReason = 'connection' | 'timeout' | 'tls' | 'auth' | 'rejected' | 'other'

/**
 * A backend failed to deliver a message. `sent` counts the messages of the same `sendMany()`
 * batch that were delivered before the failure; the rest were not sent.
 *
 * @example
 * try {
 *   await mailer.sendMany(messages)
 * } catch (error) {
 *   if (error instanceof MailDeliveryError) logger.error({ sent: error.sent, reason: error.reason }, error.message)
 *   throw error
 * }
 */
export class MailDeliveryError extends Error {
  readonly code = 'mail_delivery_failed'
  readonly reason: MailDeliveryReason
  readonly sent: number
  /** The SMTP reply code when the server answered (535, 550…). */
  readonly responseCode: number | undefined

  constructor(
    message: string,
    options: { reason: MailDeliveryReason; sent: number; responseCode?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause })
    this.name = 'MailDeliveryError'
    this.reason = options.reason
    this.sent = options.sent
    this.responseCode = options.responseCode
  }
}
