/**
 * Finding and loading the project's migration configuration for `plinth makemigrations`,
 * `migrate` and friends.
 *
 * Resolution, first match wins:
 *   1. `--config path/to/module.ts[#exportName]`
 *   2. `"plinth": { "migrations": "./src/migrations.config.ts" }` in package.json of the current directory
 *   3. `./migrations.config.ts`, `./migrations.config.js`, `./src/migrations.config.ts`, `./src/migrations.config.js`
 *
 * The module's named export, else its `migrations` export, else its default export must be the
 * value of `defineMigrations({ database, modules })` (or a function returning it).
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PlinthError } from '../http/index.ts'
import type { MigrationConfig } from '../migrations/index.ts'
import { createDatabase, Database } from '../orm/index.ts'

const CONVENTIONAL = [
  'migrations.config.ts',
  'migrations.config.js',
  'src/migrations.config.ts',
  'src/migrations.config.js',
]

/** A loaded configuration and the database it names (close it when done). */
export interface LoadedMigrationConfig {
  config: MigrationConfig
  file: string
  /** The database, opened lazily on first use. */
  database(): Promise<Database>
  /** Close the database if this loader opened it. */
  close(): Promise<void>
}

function configuredPath(cwd: string): string | undefined {
  const path = resolve(cwd, 'package.json')
  if (!existsSync(path)) return undefined
  try {
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { plinth?: { migrations?: unknown } }
    const value = pkg.plinth?.migrations
    if (value === undefined) return undefined
    if (typeof value !== 'string') {
      throw new PlinthError(
        'PLINTH_CLI_PACKAGE_JSON_INVALID',
        `"plinth.migrations" in ${path} must be a path string such as "./src/migrations.config.ts".`,
      )
    }
    return value
  } catch (error) {
    if (error instanceof PlinthError) throw error
    throw new PlinthError(
      'PLINTH_CLI_PACKAGE_JSON_INVALID',
      `${path} is not valid JSON (${(error as Error).message}); fix it or pass --config.`,
    )
  }
}

/** Where the configuration module is, and which export to use. */
export function resolveMigrationConfig(
  flag: string | undefined,
  cwd: string,
): { file: string; exportName: string | undefined } {
  const spec =
    flag ??
    configuredPath(cwd) ??
    CONVENTIONAL.find((candidate) => existsSync(resolve(cwd, candidate)))
  if (spec === undefined) {
    throw new PlinthError(
      'PLINTH_CLI_MIGRATION_CONFIG_NOT_FOUND',
      `No migration configuration found in ${cwd}: looked for ${CONVENTIONAL.map((c) => `./${c}`).join(', ')}. ` +
        'Create one with defineMigrations({ database, modules }) from plinth/migrations, pass --config path/to/file.ts, ' +
        'or add "plinth": { "migrations": "./src/migrations.config.ts" } to package.json.',
    )
  }
  const hash = spec.lastIndexOf('#')
  const file = resolve(cwd, hash === -1 ? spec : spec.slice(0, hash))
  if (!existsSync(file)) {
    throw new PlinthError(
      'PLINTH_CLI_MIGRATION_CONFIG_NOT_FOUND',
      `The migration configuration ${file} does not exist; check the path.`,
    )
  }
  return { file, exportName: hash === -1 ? undefined : spec.slice(hash + 1) }
}

function isConfig(value: unknown): value is MigrationConfig {
  const v = value as MigrationConfig | null
  return typeof v === 'object' && v !== null && Array.isArray(v.modules) && 'database' in v
}

/**
 * Load the migration configuration for a command run in `cwd`.
 *
 * @example
 * const loaded = await loadMigrationConfig(values.config, io.cwd)
 * try { const db = await loaded.database() } finally { await loaded.close() }
 */
export async function loadMigrationConfig(
  flag: string | undefined,
  cwd: string,
): Promise<LoadedMigrationConfig> {
  const { file, exportName } = resolveMigrationConfig(flag, cwd)
  let module: Record<string, unknown>
  try {
    module = await import(pathToFileURL(file).href)
  } catch (error) {
    throw new PlinthError(
      'PLINTH_CLI_MIGRATION_CONFIG_INVALID',
      `Could not import the migration configuration ${file}: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    )
  }
  const names = exportName === undefined ? ['migrations', 'default'] : [exportName]
  let value = names.map((n) => module[n]).find((v) => v !== undefined)
  if (typeof value === 'function') value = await (value as () => unknown)()
  if (!isConfig(value)) {
    throw new PlinthError(
      'PLINTH_CLI_MIGRATION_CONFIG_INVALID',
      `${file} must export (as ${names.join(' or ')}) the value of defineMigrations({ database, modules }).`,
    )
  }
  const config = value
  let opened: Database | undefined
  let owned = false
  return {
    config,
    file,
    async database() {
      if (opened) return opened
      let input = config.database
      if (typeof input === 'function') input = await input()
      if (input instanceof Database) opened = input
      else {
        opened = createDatabase(input as Parameters<typeof createDatabase>[0])
        owned = true
      }
      return opened
    },
    async close() {
      if (opened && owned) await opened.close()
    },
  }
}

/** The `--config` option shared by the migration commands. */
export const configOption = {
  type: 'string',
  description:
    'Migration configuration module (default: "plinth.migrations" in package.json, then ./migrations.config.ts or ./src/migrations.config.ts)',
  placeholder: '<file.ts[#export]>',
} as const
