/**
 * The `auth_oidc` module for migrations: the `SocialAccount` model and the migrations Plinth ships
 * in `./migrations/`. List it after `authModule` (its table points at users):
 *
 * @example
 * export default defineMigrations({ database: process.env.DATABASE_URL, modules: [authModule, oidcModule, shop] })
 */
import { defineModule } from '../../migrations/index.ts'
import { SocialAccount } from './models.ts'

export const oidcModule = defineModule({
  name: 'auth_oidc',
  models: [SocialAccount],
  migrations: new URL('./migrations/', import.meta.url),
})
