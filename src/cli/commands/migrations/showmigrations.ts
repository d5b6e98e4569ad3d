/**
 * `plinth showmigrations [module]`: every migration and whether the database has it — `[X]`
 * applied, `[ ]` not, `[~]` partly (a run without a transaction stopped part-way; migrate
 * resumes it). `--plan` lists all of them in the order migrate applies them.
 */
import {
  type MigrationOverview,
  type MigrationStatus,
  showMigrations,
} from '../../../migrations/index.ts'
import { defineCommand, UsageError } from '../../command.ts'
import { configOption } from '../../load-migration-config.ts'
import { checkModule, withMigrationDatabase } from './runner-support.ts'

function mark(status: MigrationStatus): string {
  return status.status === 'applied' ? '[X]' : status.status === 'partial' ? '[~]' : '[ ]'
}

function notes(status: MigrationStatus): string {
  const out: string[] = []
  if (status.status === 'partial') {
    out.push(
      `${status.operationsDone} of ${status.migration.operations.length} operations applied; migrate resumes it`,
    )
  }
  if (status.replaces.length > 0) out.push(`squashes ${status.replaces.length} migrations`)
  if (status.edited) out.push('edited since it was applied')
  return out.length === 0 ? '' : ` (${out.join('; ')})`
}

/** The text of `showmigrations` (`plan`: one global list in apply order). */
export function formatMigrations(
  overview: MigrationOverview,
  options: { module?: string; plan?: boolean } = {},
): string {
  const lines: string[] = []
  if (options.plan) {
    const order = overview.order.filter(
      (s) => options.module === undefined || s.module === options.module,
    )
    for (const s of order) lines.push(`${mark(s)}  ${s.key}${notes(s)}`)
    if (order.length === 0) lines.push('(no migrations)')
    return `${lines.join('\n')}\n`
  }
  for (const { module, migrations } of overview.modules) {
    if (options.module !== undefined && module !== options.module) continue
    lines.push(module)
    for (const s of migrations) lines.push(` ${mark(s)} ${s.name}${notes(s)}`)
    if (migrations.length === 0) lines.push(' (no migrations)')
  }
  return `${lines.join('\n')}\n`
}

/** The `showmigrations` command. */
export const showmigrationsCommand = defineCommand({
  name: 'showmigrations',
  summary: 'List migrations and whether each is applied',
  description:
    'For each module, list its migrations: [X] applied, [ ] not applied, [~] partly applied ' +
    '(a migration that ran without a transaction stopped part-way; migrate resumes it). ' +
    'Reads the database without changing it.',
  positionals: '[module]',
  options: {
    config: configOption,
    plan: {
      type: 'boolean',
      description: 'One list of every migration, in the order migrate applies them',
    },
  },
  async run({ values, positionals }, io) {
    if (positionals.length > 1) {
      throw new UsageError(`Expected at most one module, got ${positionals.length} arguments.`)
    }
    const [module] = positionals
    return await withMigrationDatabase(values.config, io, async (config, database) => {
      if (module !== undefined) checkModule(config, module)
      const overview = await showMigrations(await database(), {
        modules: config.modules,
        ...(config.table ? { table: config.table } : {}),
      })
      io.stdout.write(
        formatMigrations(overview, {
          ...(module === undefined ? {} : { module }),
          ...(values.plan ? { plan: true } : {}),
        }),
      )
      return 0
    })
  },
})
