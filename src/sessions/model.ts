/**
 * The `Session` model behind the database store (table `plinth_session`), shipped with its
 * migration in `./migrations/` as the `sessions` module.
 */
import { defineModel, field } from '../orm/index.ts'

/**
 * One stored session: `key` is the SHA-256 hex digest of the cookie token (never the token),
 * `data` the session's values as JSON text, `expiresAt` when it expires unless used again
 * (indexed, for `clearExpiredSessions()`), `createdAt` when it was created or last rotated.
 */
export const SessionModel = defineModel(
  'Session',
  {
    key: field.string({ maxLength: 64, primaryKey: true }),
    data: field.text({ blank: true }),
    expiresAt: field.datetime({ index: true }),
    createdAt: field.datetime(),
  },
  { table: 'plinth_session', module: 'sessions' },
)
