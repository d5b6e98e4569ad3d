/**
 * `plinth migrate [module] [target]`: bring the database to the latest migrations, or to a
 * target (forwards or back; `zero` unapplies a module). Takes the migration lock so two deploys
 * cannot migrate at once; `--plan` only prints what would run.
 */
import {
  loadMigrations,
  type MigrationTarget,
  migrate,
  type PlanStep,
  plan,
} from '../../../migrations/index.ts'
import { defineCommand, UsageError } from '../../command.ts'
import { configOption } from '../../load-migration-config.ts'
import {
  checkModule,
  count,
  migrationName,
  milliseconds,
  withMigrationDatabase,
} from './runner-support.ts'

/** The text of `migrate --plan`. */
export function formatPlan(steps: readonly PlanStep[]): string {
  if (steps.length === 0) return 'No planned migration operations.\n'
  const lines = ['Planned operations:']
  for (const step of steps) {
    const m = step.migration
    const back = step.direction === 'backwards'
    const done = step.operationsDone
    const note =
      done === undefined
        ? back
          ? ' (unapply)'
          : ''
        : back
          ? ` (unapply the ${done} operations that ran)`
          : ` (resume at operation ${done + 1})`
    lines.push(`${m.key}${note}`)
    let ops = m.operations.map((o, i) => ({ o, i }))
    if (done !== undefined) ops = back ? ops.slice(0, done) : ops.slice(done)
    if (back) ops.reverse()
    for (const { o } of ops) lines.push(`    ${back ? 'Undo ' : ''}${o.describe()}`)
    if (m.operations.length === 0) lines.push('    (no operations)')
  }
  return `${lines.join('\n')}\n`
}

/** The `migrate` command. */
export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'Apply migrations to the database (or unapply them back to a target)',
  description:
    'Apply every unapplied migration, or only those of [module], or go forwards or back to [target] ' +
    '(a migration name or a unique prefix such as 0003, or "zero" to unapply the whole module). ' +
    'Holds a lock for the run so concurrent deploys apply each migration once (a second migrate waits, see --lock-wait). ' +
    'Each migration runs in a transaction on PostgreSQL and SQLite; MySQL cannot roll back schema changes, so there a failed ' +
    'migration is recorded as partly applied and the next migrate resumes after the last operation that ran.',
  positionals: '[module] [target]',
  options: {
    config: configOption,
    plan: {
      type: 'boolean',
      description: 'Print the migrations and operations that would run, and stop',
    },
    fake: {
      type: 'boolean',
      description: 'Record the migrations as applied (or unapplied) without running them',
    },
    'fake-initial': {
      type: 'boolean',
      description:
        'Record initial migrations whose tables already exist as applied (adopting a database made by createTables)',
    },
    'lock-timeout': {
      type: 'string',
      description:
        'How long DDL waits for a table lock (PostgreSQL lock_timeout, MySQL lock_wait_timeout), in ms (default 5000)',
      placeholder: '<ms>',
    },
    'lock-retries': {
      type: 'string',
      description:
        'Run a migration again this many times when it hits the lock timeout (default 0), waiting 1 s, 2 s, 4 s…',
      placeholder: '<n>',
    },
    'lock-wait': {
      type: 'string',
      description: 'How long to wait for another running migrate, in ms (default 600000)',
      placeholder: '<ms>',
    },
  },
  async run({ values, positionals }, io) {
    if (positionals.length > 2) {
      throw new UsageError(
        `Expected at most [module] [target], got ${positionals.length} arguments.`,
      )
    }
    const lockTimeoutMs = milliseconds('lock-timeout', values['lock-timeout'])
    const lockWaitMs = milliseconds('lock-wait', values['lock-wait'])
    const lockRetries = count('lock-retries', values['lock-retries'])
    return await withMigrationDatabase(values.config, io, async (config, database) => {
      const migrations = await loadMigrations(config.modules)
      const [module, name] = positionals
      let target: MigrationTarget | undefined
      if (module !== undefined) {
        checkModule(config, module)
        target =
          name === undefined
            ? { module }
            : { module, name: migrationName(migrations, module, name) }
      }
      const db = await database()
      const source = {
        modules: config.modules,
        migrations,
        ...(config.table ? { table: config.table } : {}),
        ...(target ? { target } : {}),
      }
      if (values.plan) {
        io.stdout.write(formatPlan(await plan(db, source)))
        return 0
      }
      let logged = false
      const result = await migrate(db, {
        ...source,
        ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
        ...(lockWaitMs === undefined ? {} : { lockWaitMs }),
        ...(lockRetries === undefined ? {} : { lockRetries }),
        ...(values.fake ? { fake: true } : {}),
        ...(values['fake-initial'] ? { fakeInitial: true } : {}),
        log: (line) => {
          logged = true
          io.stdout.write(`${line}\n`)
        },
      })
      if (!logged && result.applied.length === 0 && result.unapplied.length === 0) {
        io.stdout.write(
          target?.name === undefined
            ? 'No migrations to apply: the database is up to date.\n'
            : 'Nothing to do: the database is at the target already.\n',
        )
      }
      return 0
    })
  },
})
