/**
 * The `auth_tokens` module for migrations: refresh tokens and API keys, with the migrations
 * Plinth ships in `./migrations/`. List it after `authModule` when the app uses them.
 *
 * @example
 * export default defineMigrations({ database: process.env.DATABASE_URL, modules: [authModule, tokensModule, shop] })
 */
import { defineModule } from '../../migrations/index.ts'
import { ApiKey, RefreshToken } from './models.ts'

export const tokensModule = defineModule({
  name: 'auth_tokens',
  models: [RefreshToken, ApiKey],
  migrations: new URL('./migrations/', import.meta.url),
})
