/**
 * The default command registry with the built-in commands. Other modules add theirs here:
 * `commands.register(defineCommand({ ... }))`.
 */
import { CommandRegistry } from '../registry.ts'
import { changepasswordCommand } from './auth/changepassword.ts'
import { createsuperuserCommand } from './auth/createsuperuser.ts'
import { devCommand } from './dev.ts'
import { checkschemaCommand } from './migrations/checkschema.ts'
import { makemigrationsCommand } from './migrations/makemigrations.ts'
import { migrateCommand } from './migrations/migrate.ts'
import { showmigrationsCommand } from './migrations/showmigrations.ts'
import { sqlmigrateCommand } from './migrations/sqlmigrate.ts'
import { squashmigrationsCommand } from './migrations/squashmigrations.ts'
import { routesCommand } from './routes.ts'
import { clearsessionsCommand } from './sessions/clearsessions.ts'
import { startCommand } from './start.ts'
import { templatesTypesCommand } from './templates-types.ts'

/** The registry `plinth` dispatches to. */
export const commands = new CommandRegistry()
  .register(startCommand)
  .register(devCommand)
  .register(routesCommand)
  .register(checkschemaCommand)
  .register(makemigrationsCommand)
  .register(migrateCommand)
  .register(showmigrationsCommand)
  .register(sqlmigrateCommand)
  .register(squashmigrationsCommand)
  .register(templatesTypesCommand)
  .register(createsuperuserCommand)
  .register(changepasswordCommand)
  .register(clearsessionsCommand)

export { devCommand, routesCommand, startCommand }
