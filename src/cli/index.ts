/**
 * The `plinth` command line: `main(argv)` (what `bin/plinth.js` runs), the command registry that
 * every module adds its commands to, and app-module loading shared by the commands.
 *
 * Built-in commands: `start` (production server, optional cluster), `dev` (restarts on file
 * changes), `routes` (the route table). Builds on `server`, `app` and `http`.
 *
 * @example
 * import { commands, defineCommand } from 'plinth/cli'
 * commands.register(defineCommand({
 *   name: 'hello',
 *   summary: 'Say hello',
 *   run(_args, io) { io.stdout.write('hello\n') },
 * }))
 */
export {
  type Command,
  type CommandArgs,
  type CommandIO,
  defineCommand,
  type OptionSpec,
  type OptionSpecs,
  type OptionValues,
  UsageError,
} from './command.ts'
export { commands, devCommand, routesCommand, startCommand } from './commands/index.ts'
export { formatRouteTable, type RouteRow } from './commands/routes.ts'
export { renderCommandHelp, renderHelp } from './help.ts'
export {
  type AppReference,
  formatAppReference,
  loadApp,
  resolveAppReference,
} from './load-app.ts'
export { type MainOptions, main } from './main.ts'
export { CommandRegistry, type CommandSummary, type LazyCommand } from './registry.ts'
