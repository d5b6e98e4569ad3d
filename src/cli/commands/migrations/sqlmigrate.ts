/**
 * `plinth sqlmigrate <module> <migration>`: the SQL a migration runs on the configured database
 * (its dialect and, for reads the editor needs, its data), without running it. For review before a
 * deploy, or for a DBA who applies schema changes by hand.
 */
import { loadMigrations, type MigrationSql, sqlFor } from '../../../migrations/index.ts'
import { defineCommand, UsageError } from '../../command.ts'
import { configOption } from '../../load-migration-config.ts'
import { checkModule, migrationName, withMigrationDatabase } from './runner-support.ts'

function statement(sql: string): string {
  const text = sql.trim()
  return text.startsWith('--') || text.endsWith(';') ? text : `${text};`
}

/** The text of `sqlmigrate`. */
export function formatSql(result: MigrationSql, dialect: string, backwards = false): string {
  const lines = [`-- ${result.migration.key}${backwards ? ' (backwards)' : ''} on ${dialect}`]
  if (!result.transactional) {
    lines.push(
      dialect === 'mysql'
        ? '-- Not in a transaction: MySQL commits each schema change (migrate records progress per operation).'
        : '-- Not in a transaction (atomic: false).',
    )
  }
  if (result.transactional) lines.push('BEGIN;')
  for (const operation of result.operations) {
    lines.push('--', `-- ${operation.description}`, '--')
    if (operation.statements.length === 0) lines.push('-- (no SQL)')
    for (const sql of operation.statements) lines.push(statement(sql))
  }
  if (result.operations.length === 0) lines.push('-- (no operations)')
  if (result.transactional) lines.push('COMMIT;')
  return `${lines.join('\n')}\n`
}

/** The `sqlmigrate` command. */
export const sqlmigrateCommand = defineCommand({
  name: 'sqlmigrate',
  summary: "Print a migration's SQL for the configured database",
  description:
    'Print the statements <migration> of <module> runs on the configured database, without running them. ' +
    '<migration> is its name or a unique prefix (0002). Data migrations written in TypeScript show as comments.',
  positionals: '<module> <migration>',
  options: {
    config: configOption,
    backwards: { type: 'boolean', description: 'The SQL that unapplies the migration' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 2) {
      throw new UsageError(
        'Give the module and the migration: plinth sqlmigrate <module> <migration>.',
      )
    }
    const [module, prefix] = positionals as [string, string]
    return await withMigrationDatabase(values.config, io, async (config, database) => {
      checkModule(config, module)
      const migrations = await loadMigrations(config.modules)
      const name = migrationName(migrations, module, prefix)
      if (name === 'zero') throw new UsageError('"zero" is not a migration; name one (e.g. 0001).')
      const db = await database()
      const result = await sqlFor(db, `${module}.${name}`, {
        modules: config.modules,
        ...(config.table ? { table: config.table } : {}),
        migrations,
        ...(values.backwards ? { backwards: true } : {}),
      })
      io.stdout.write(formatSql(result, db.dialect, values.backwards === true))
      return 0
    })
  },
})
