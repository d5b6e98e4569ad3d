import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PlinthError } from '../../http/index.ts'
import { MailDeliveryError } from '../errors.ts'
import type { MailBackend } from '../mailer.ts'
import { renderEmail } from '../render.ts'

/** Options of {@link fileMailBackend}. */
export interface FileMailBackendOptions {
  /** The directory to write to; created (mode 0700) when missing. */
  directory: string | URL
}

/** The file backend. */
export interface FileMailBackend extends MailBackend {
  /** The absolute directory messages are written to. */
  readonly directory: string
}

/**
 * Write each message to its own `.eml` file (opens in any mail client), for development and
 * staging. Names sort by time: `20250301T101500123Z-3f9a1c2b7d4e.eml`. Files are created with
 * mode 0600 (messages carry reset links) and never overwrite one another.
 *
 * @example
 * const backend = fileMailBackend({ directory: new URL('../tmp/mail/', import.meta.url) })
 */
export function fileMailBackend(options: FileMailBackendOptions): FileMailBackend {
  const given = options?.directory
  const valid =
    given instanceof URL ? given.protocol === 'file:' : typeof given === 'string' && given !== ''
  if (!valid) {
    throw new PlinthError(
      'PLINTH_MAIL_FILE_DIRECTORY',
      'fileMailBackend() needs `directory`: a path or a file: URL to write .eml files to.',
    )
  }
  const directory = resolve(given instanceof URL ? fileURLToPath(given) : given)
  return {
    directory,
    async send(messages) {
      const rendered = messages.map((message) => renderEmail(message))
      let sent = 0
      try {
        await mkdir(directory, { recursive: true, mode: 0o700 })
        for (const { raw } of rendered) {
          const stamp = new Date().toISOString().replace(/[-:.]/g, '')
          const name = `${stamp}-${randomBytes(6).toString('hex')}.eml`
          // `wx`: fail rather than overwrite, however unlikely a name collision is.
          await writeFile(join(directory, name), raw, { flag: 'wx', mode: 0o600 })
          sent++
        }
      } catch (cause) {
        throw new MailDeliveryError(`Could not write the email to ${directory}: ${String(cause)}`, {
          reason: 'other',
          sent,
          cause,
        })
      }
      return sent
    },
  }
}
