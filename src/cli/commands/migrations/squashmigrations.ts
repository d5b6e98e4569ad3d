/**
 * `plinth squashmigrations <module> [from] <to>`: write one migration that replaces a linear run
 * of a module's migrations, with the operations optimized, and say how to finish the transition
 * (the originals stay until every database has moved past them).
 */
import { relative } from 'node:path'
import { type SquashResult, squashMigrations } from '../../../migrations/index.ts'
import { type CommandIO, defineCommand, UsageError } from '../../command.ts'
import { configOption } from '../../load-migration-config.ts'
import { checkModule, withMigrationDatabase } from './runner-support.ts'

/** What the command prints after squashing: the file, the counts and the follow-up steps. */
export function formatSquash(result: SquashResult, cwd: string): string {
  const path = relative(cwd, result.file) || result.file
  const first = result.replaces[0]
  const last = result.replaces[result.replaces.length - 1]
  const elided = result.elided > 0 ? `, ${result.elided} elidable dropped` : ''
  const lines = [
    `${result.written ? 'Wrote' : 'Would write'} ${path}: ${result.replaces.length} migrations (${first} … ${last}), ${result.operationsIn} operations → ${result.operationsOut}${elided}.`,
    ...result.warnings.map((w) => `Warning: ${w}`),
  ]
  if (!result.written) return `${lines.join('\n')}\n\n${result.text}`
  lines.push(
    '',
    'Next steps:',
    '  1. Review the new file and commit it together with the migrations it replaces (keep them).',
    '     New databases run the squashed migration; databases that applied the originals keep them.',
    '  2. Deploy and run `plinth migrate` on every database (production, staging, colleagues).',
    `  3. Once all of them have applied ${last}, delete the replaced files, remove \`replaces\``,
    `     from ${result.name}, and point dependencies on the deleted migrations at ${result.name}.`,
  )
  if (result.dependents.length > 0)
    lines.push(`     Migrations that depend on them now: ${result.dependents.join(', ')}.`)
  return `${lines.join('\n')}\n`
}

/** The `squashmigrations` command. */
export const squashmigrationsCommand = defineCommand({
  name: 'squashmigrations',
  summary: "Squash a run of a module's migrations into one",
  description:
    'Write one migration that replaces the migrations from <from> (default: the first) to <to> ' +
    'of <module>, with their operations optimized (a model created and changed becomes one ' +
    'createModel, a field added then removed disappears, …). The originals stay until every ' +
    'database has applied them; the command prints the steps to finish. Raw SQL and data ' +
    'migrations must be marked elidable: true to be squashed (they are then dropped).',
  positionals: '<module> [from] <to>',
  options: {
    config: configOption,
    name: {
      type: 'string',
      description: 'Name of the new migration after its number (default squashed_<to>)',
      placeholder: '<name>',
    },
    'dry-run': {
      type: 'boolean',
      description: 'Print the migration instead of writing it',
    },
  },
  async run({ values, positionals }, io: CommandIO) {
    if (positionals.length < 2 || positionals.length > 3) {
      throw new UsageError(
        `Expected <module> [from] <to>, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}.`,
      )
    }
    const [module, ...range] = positionals as [string, ...string[]]
    const [from, to] = range.length === 2 ? range : [undefined, range[0]!]
    return await withMigrationDatabase(values.config, io, async (config) => {
      checkModule(config, module)
      const result = await squashMigrations({
        module,
        modules: config.modules,
        to: to!,
        ...(from === undefined ? {} : { from }),
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values['dry-run'] ? { dryRun: true } : {}),
      })
      io.stdout.write(formatSquash(result, io.cwd))
      return 0
    })
  },
})
