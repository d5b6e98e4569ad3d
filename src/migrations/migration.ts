/**
 * A migration file's default export: `defineMigration({ dependencies, operations })`.
 *
 * The file's name (`0002_add_stock.ts`) is the migration's name; the module it belongs to comes
 * from the directory it was loaded from (`defineModule({ migrations })`).
 */
import { MigrationError } from './errors.ts'
import type { Operation } from './operations/base.ts'
import { ProjectState } from './state.ts'

/** What a migration file declares. */
export interface MigrationDefinition {
  /**
   * Migrations that must run first: `'0001_initial'` (same module) or `'auth.0001_initial'`
   * (another module's).
   */
  dependencies?: readonly string[]
  operations: readonly Operation[]
  /**
   * Migrations this one replaces (a squashed migration): `'0001_initial'`, `'0002_stock'`, ….
   * Databases that applied all of them treat this one as applied.
   */
  replaces?: readonly string[]
  /**
   * Run in one transaction where the database has transactional DDL (PostgreSQL, SQLite).
   * Default true; set false for statements that cannot run in a transaction
   * (`CREATE INDEX CONCURRENTLY`).
   */
  atomic?: boolean
  /** First migration of its module (set by makemigrations; informational). */
  initial?: boolean
}

/** A migration as loaded: its module and name, plus the definition. */
export interface Migration extends Required<Omit<MigrationDefinition, 'initial'>> {
  readonly module: string
  readonly name: string
  /** `module.name`. */
  readonly key: string
  readonly initial: boolean
  /** The file it was loaded from (undefined for migrations built in code). */
  readonly file?: string
}

/**
 * Declare a migration (the default export of a migration file).
 *
 * @example
 * import { defineMigration, field, op } from 'plinth/migrations'
 *
 * export default defineMigration({
 *   dependencies: ['0001_initial'],
 *   operations: [op.addField({ model: 'Product', name: 'stock', field: field.integer({ default: 0 }) })],
 * })
 */
export function defineMigration(definition: MigrationDefinition): MigrationDefinition {
  if (
    definition === null ||
    typeof definition !== 'object' ||
    !Array.isArray(definition.operations)
  ) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_INVALID',
      'defineMigration needs { operations: [...] } (and optionally dependencies, replaces, atomic).',
    )
  }
  for (const [i, operation] of definition.operations.entries()) {
    if (typeof operation?.applyState !== 'function') {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_INVALID',
        `Operation ${i + 1} is not an operation; build operations with op.* (op.addField({ … }), …).`,
      )
    }
  }
  return definition
}

/** Build a loaded migration from its definition. */
export function makeMigration(
  module: string,
  name: string,
  definition: MigrationDefinition,
  file?: string,
): Migration {
  return {
    module,
    name,
    key: `${module}.${name}`,
    dependencies: definition.dependencies ?? [],
    operations: definition.operations,
    replaces: definition.replaces ?? [],
    atomic: definition.atomic ?? true,
    initial: definition.initial ?? false,
    ...(file === undefined ? {} : { file }),
  }
}

/**
 * Replay migrations (in the given order) into a project state.
 *
 * @example
 * const state = replay(graph.order())
 */
export function replay(
  migrations: readonly Migration[],
  state: ProjectState = new ProjectState(),
): ProjectState {
  for (const migration of migrations)
    for (const operation of migration.operations) operation.applyState(state, migration.module)
  return state
}
