/**
 * The `auth` module for migrations: users, groups and permissions, with the migrations Plinth
 * ships in `./migrations/`. List it in your migration configuration:
 *
 * @example
 * export default defineMigrations({ database: process.env.DATABASE_URL, modules: [authModule, shop] })
 */
import { defineModule } from '../migrations/index.ts'
import { Group, Permission, User } from './models.ts'

export const authModule = defineModule({
  name: 'auth',
  models: [Permission, Group, User],
  migrations: new URL('./migrations/', import.meta.url),
})
