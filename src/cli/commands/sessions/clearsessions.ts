/**
 * `plinth clearsessions`: delete the expired rows of the database session store (Django's
 * command). Expired sessions are never served, but nobody reads them again to delete them either;
 * run this from a daily scheduled job.
 */
import { PlinthError } from '../../../http/index.ts'
import { defineCommand } from '../../command.ts'
import { configOption, loadMigrationConfig } from '../../load-migration-config.ts'

export const clearsessionsCommand = defineCommand({
  name: 'clearsessions',
  summary: 'Delete expired sessions from the database',
  description:
    'Delete every row of plinth_session whose idle or absolute expiry has passed. The database comes ' +
    'from the migration configuration, as for plinth migrate, which must list sessionsModule. Redis ' +
    'and memory stores expire sessions on their own.',
  options: { config: configOption },
  async run({ values }, io) {
    const loaded = await loadMigrationConfig(values.config, io.cwd)
    try {
      if (!loaded.config.modules.some((module) => module.name === 'sessions')) {
        throw new PlinthError(
          'PLINTH_SESSIONS_CLI_NOT_CONFIGURED',
          'The migration configuration has no sessions module, so there is no session table: add sessionsModule (from plinth/sessions) to its modules.',
        )
      }
      // Loaded when the command runs, like the auth commands: `plinth start` never needs it.
      const { databaseSessionStore } = await import('../../../sessions/index.ts')
      const removed = await databaseSessionStore({
        database: await loaded.database(),
      }).clearExpiredSessions()
      io.stdout.write(`Deleted ${removed} expired session${removed === 1 ? '' : 's'}.\n`)
      return 0
    } finally {
      await loaded.close()
    }
  },
})
