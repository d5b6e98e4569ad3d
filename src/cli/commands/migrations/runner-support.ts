/**
 * What `migrate`, `showmigrations` and `sqlmigrate` share: opening the configured database
 * (always closed again), reporting migration errors as one readable line with their code, and
 * turning `[module] [name-or-prefix]` into a migration name.
 */
import {
  type Migration,
  type MigrationConfig,
  MigrationError,
  resolveMigrationName,
} from '../../../migrations/index.ts'
import type { Database } from '../../../orm/index.ts'
import { type CommandIO, UsageError } from '../../command.ts'
import { loadMigrationConfig } from '../../load-migration-config.ts'

/**
 * Load the configuration, open its database, run `fn`, close the database. A `MigrationError`
 * becomes `error: <message> [CODE]` on stderr and exit code 1 (not a stack trace: the message
 * says what to do).
 */
export async function withMigrationDatabase(
  configFlag: string | undefined,
  io: CommandIO,
  fn: (config: MigrationConfig, db: () => Promise<Database>) => Promise<number>,
): Promise<number> {
  const loaded = await loadMigrationConfig(configFlag, io.cwd)
  try {
    return await fn(loaded.config, () => loaded.database())
  } catch (error) {
    if (!(error instanceof MigrationError)) throw error
    io.stderr.write(`error: ${error.message} [${error.code}]\n`)
    return 1
  } finally {
    await loaded.close()
  }
}

/** Check that `module` is one of the configuration's modules (a usage error otherwise). */
export function checkModule(config: MigrationConfig, module: string): void {
  const names = config.modules.map((m) => m.name)
  if (!names.includes(module)) {
    throw new UsageError(
      `There is no module "${module}" in the migration configuration (modules: ${names.join(', ')}).`,
    )
  }
}

/** The full name of `module`'s migration `name` (or prefix, or `zero`); a usage error otherwise. */
export function migrationName(
  migrations: readonly Migration[],
  module: string,
  name: string,
): string {
  try {
    return resolveMigrationName(migrations, module, name)
  } catch (error) {
    if (error instanceof MigrationError) throw new UsageError(error.message)
    throw error
  }
}

/** A `--lock-timeout`/`--lock-wait` value: whole milliseconds, 0 or more. */
export function milliseconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,9}$/.test(value)) {
    throw new UsageError(`--${flag} must be a number of milliseconds (e.g. --${flag} 10000).`)
  }
  return Number(value)
}

/** A whole number of times from a flag (`--lock-retries 3`). */
export function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,3}$/.test(value)) {
    throw new UsageError(`--${flag} must be a whole number from 0 to 999 (e.g. --${flag} 3).`)
  }
  return Number(value)
}
