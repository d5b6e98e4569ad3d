/**
 * The default command registry with the built-in commands. Other modules add theirs here:
 * `commands.register(defineCommand({ ... }))`.
 *
 * `start`, `dev` and `routes` load with the CLI. The others are registered lazily: the migration
 * commands pull in the ORM and Kysely, the auth commands a password hasher, `templates:types` the
 * template analyser, and none of that belongs in the start-up of `plinth start`. Their names and
 * summaries are repeated here; the registry checks them against the loaded command, and
 * `commands.test.ts` loads every one.
 */
import { CommandRegistry, type LazyCommand } from '../registry.ts'
import { devCommand } from './dev.ts'
import { routesCommand } from './routes.ts'
import { startCommand } from './start.ts'

const lazyBuiltins: LazyCommand[] = [
  {
    name: 'checkschema',
    summary: 'Check that the database schema matches the applied migrations',
    load: async () => (await import('./migrations/checkschema.ts')).checkschemaCommand,
  },
  {
    name: 'makemigrations',
    summary: 'Write migrations for model changes',
    load: async () => (await import('./migrations/makemigrations.ts')).makemigrationsCommand,
  },
  {
    name: 'migrate',
    summary: 'Apply migrations to the database (or unapply them back to a target)',
    load: async () => (await import('./migrations/migrate.ts')).migrateCommand,
  },
  {
    name: 'showmigrations',
    summary: 'List migrations and whether each is applied',
    load: async () => (await import('./migrations/showmigrations.ts')).showmigrationsCommand,
  },
  {
    name: 'sqlmigrate',
    summary: "Print a migration's SQL for the configured database",
    load: async () => (await import('./migrations/sqlmigrate.ts')).sqlmigrateCommand,
  },
  {
    name: 'squashmigrations',
    summary: "Squash a run of a module's migrations into one",
    load: async () => (await import('./migrations/squashmigrations.ts')).squashmigrationsCommand,
  },
  {
    name: 'templates:types',
    summary: 'Generate TypeScript types of what each template reads',
    load: async () => (await import('./templates-types.ts')).templatesTypesCommand,
  },
  {
    name: 'createsuperuser',
    summary: 'Create a user with every permission (staff and superuser)',
    load: async () => (await import('./auth/createsuperuser.ts')).createsuperuserCommand,
  },
  {
    name: 'changepassword',
    summary: "Change a user's password",
    load: async () => (await import('./auth/changepassword.ts')).changepasswordCommand,
  },
  {
    name: 'clearsessions',
    summary: 'Delete expired sessions from the database',
    load: async () => (await import('./sessions/clearsessions.ts')).clearsessionsCommand,
  },
]

/** The registry `plinth` dispatches to. */
export const commands = new CommandRegistry()
  .register(startCommand)
  .register(devCommand)
  .register(routesCommand)
for (const command of lazyBuiltins) commands.registerLazy(command)

export { devCommand, routesCommand, startCommand }
