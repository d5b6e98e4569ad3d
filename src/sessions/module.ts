/** The `sessions` migration module: the `Session` model and its shipped migrations. */
import { defineModule } from '../migrations/index.ts'
import { SessionModel } from './model.ts'

/**
 * Add it to your migration config to create the `plinth_session` table used by
 * `databaseSessionStore()`.
 *
 * @example
 * export default defineMigrations({
 *   database: () => process.env.DATABASE_URL ?? 'sqlite:./app.sqlite3',
 *   modules: [sessionsModule, app],
 * })
 */
export const sessionsModule = defineModule({
  name: 'sessions',
  models: [SessionModel],
  migrations: new URL('./migrations/', import.meta.url),
})
