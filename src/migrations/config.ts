/**
 * Which models have migrations where, and which database they apply to.
 *
 * A module is a named group of models with its own migrations directory: the project's own
 * (`app`), Plinth's batteries (`auth`, `sessions`, …) and reusable packages each bring one.
 * Models say which module they belong to with the model option `module` (default `'app'`).
 */
import { fileURLToPath } from 'node:url'
import type { Database, DatabaseOptions } from '../orm/database.ts'
import type { AnyModel } from '../orm/model.ts'
import { moduleOf } from '../orm/registry.ts'
import { MigrationError } from './errors.ts'

/** A module with migrations. */
export interface MigrationModule {
  readonly name: string
  readonly models: readonly AnyModel[]
  /** Absolute path of the directory holding the module's migration files. */
  readonly migrations: string
}

const MODULE_NAME = /^[a-z][a-z0-9_]*$/

/**
 * Declare a module: its name, models and migrations directory.
 *
 * @example
 * export const shop = defineModule({
 *   name: 'app',
 *   models: [Category, Product],
 *   migrations: new URL('../migrations/', import.meta.url),
 * })
 */
export function defineModule(input: {
  name: string
  models: readonly AnyModel[]
  migrations: string | URL
}): MigrationModule {
  if (typeof input?.name !== 'string' || !MODULE_NAME.test(input.name)) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_CONFIG_INVALID',
      `Module name ${JSON.stringify(input?.name)} must be lower-case letters, digits and _ (e.g. "shop").`,
    )
  }
  for (const model of input.models ?? []) {
    if (moduleOf(model) !== input.name) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_CONFIG_INVALID',
        `Model ${model.name} belongs to module "${moduleOf(model)}", not "${input.name}"; set { module: '${input.name}' } in its defineModel options or list it in its own module.`,
      )
    }
  }
  const dir = input.migrations
  const path = dir instanceof URL ? fileURLToPath(dir) : dir
  if (typeof path !== 'string' || path === '') {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_CONFIG_INVALID',
      `Module "${input.name}" needs a migrations directory: migrations: new URL('./migrations/', import.meta.url).`,
    )
  }
  return Object.freeze({ name: input.name, models: [...(input.models ?? [])], migrations: path })
}

/** A database given as a URL, options, an open database, or a function returning one of these. */
export type DatabaseInput =
  | string
  | DatabaseOptions
  | Database
  | (() => string | DatabaseOptions | Database | Promise<string | DatabaseOptions | Database>)

/** The project's migration configuration (what the `plinth` migration commands load). */
export interface MigrationConfig {
  readonly database: DatabaseInput
  readonly modules: readonly MigrationModule[]
  /** The table recording applied migrations (default `plinth_migrations`). */
  readonly table?: string
}

/**
 * Declare the project's migration configuration. Commands find it through `--config`, the
 * `"plinth": { "migrations": "./src/migrations.config.ts" }` entry of package.json, or the
 * conventional `./migrations.config.ts` / `./src/migrations.config.ts`.
 *
 * @example
 * export default defineMigrations({
 *   database: () => process.env.DATABASE_URL ?? 'sqlite:./app.sqlite3',
 *   modules: [shop],
 * })
 */
export function defineMigrations(config: MigrationConfig): MigrationConfig {
  if (!config || !Array.isArray(config.modules) || config.modules.length === 0) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_CONFIG_INVALID',
      'defineMigrations needs { database, modules: [defineModule({ … })] }.',
    )
  }
  const seen = new Set<string>()
  for (const module of config.modules) {
    if (seen.has(module.name)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_CONFIG_INVALID',
        `Module "${module.name}" is listed twice in defineMigrations.`,
      )
    }
    seen.add(module.name)
  }
  if (config.table !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(config.table)) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_CONFIG_INVALID',
      `The record table name ${JSON.stringify(config.table)} must be letters, digits and _ (at most 63).`,
    )
  }
  if (config.database === undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_CONFIG_INVALID',
      'defineMigrations needs a database: a URL such as "sqlite:./app.sqlite3", options, or a function returning one.',
    )
  }
  return config
}
