/**
 * Looking without touching: the plan `migrate` would run (`migrate --plan`), the status of every
 * migration (`showmigrations`) and the SQL of one migration (`sqlmigrate`). None of these takes
 * the lock or creates the record table.
 */
import type { Database } from '../orm/database.ts'
import { MigrationError } from './errors.ts'
import { dependencyKey } from './graph.ts'
import { type Migration, replay } from './migration.ts'
import {
  assertConsistentHistory,
  assertReversible,
  buildPlan,
  editedSinceApplied,
  loadSource,
  type MigrationSource,
  type MigrationTarget,
  type PlanStep,
  readHistory,
  resolveMigrationName,
} from './plan.ts'
import { MigrationRecorder } from './recorder.ts'
import { createSchemaEditor } from './schema-editor/index.ts'

/** Options of {@link plan} and {@link showMigrations}. */
export interface InspectOptions extends MigrationSource {
  /** The record table (default `plinth_migrations`). */
  table?: string
}

/**
 * The steps `migrate` would run now, without running them (the record may change before a real
 * run: `migrate` re-plans under its lock).
 *
 * @example
 * for (const step of await plan(db, { modules })) console.log(step.direction, step.migration.key)
 */
export async function plan(
  db: Database,
  options: InspectOptions & { target?: MigrationTarget },
): Promise<PlanStep[]> {
  const migrations = await loadSource(options)
  const { graph, applied, partial } = await readHistory(
    new MigrationRecorder(db, options.table),
    migrations,
  )
  graph.assertNoConflicts()
  assertConsistentHistory(graph, applied, partial)
  const steps = buildPlan(graph, applied, partial, options.target)
  assertReversible(steps)
  return steps
}

/** One migration's status. */
export interface MigrationStatus {
  readonly migration: Migration
  readonly key: string
  readonly module: string
  readonly name: string
  /** `partial`: a run without a transaction stopped part-way (see `operationsDone`). */
  readonly status: 'applied' | 'unapplied' | 'partial'
  /** For `partial`: how many operations ran. */
  readonly operationsDone?: number
  readonly appliedAt?: Date
  /** Applied, but its operations changed since (the file was edited after it ran). */
  readonly edited: boolean
  /** Keys of the migrations this squashed migration replaces. */
  readonly replaces: readonly string[]
  /** Keys of the migrations it depends on (after squash substitution). */
  readonly dependencies: readonly string[]
}

/** What {@link showMigrations} returns. */
export interface MigrationOverview {
  /** Each module (in configuration order) with its migrations in graph order. */
  readonly modules: readonly { module: string; migrations: readonly MigrationStatus[] }[]
  /** Every migration in the order `migrate` applies them. */
  readonly order: readonly MigrationStatus[]
}

/**
 * The status of every migration, per module and in global order.
 *
 * @example
 * const { modules } = await showMigrations(db, { modules: config.modules })
 */
export async function showMigrations(
  db: Database,
  options: InspectOptions,
): Promise<MigrationOverview> {
  const migrations = await loadSource(options)
  const { graph, records, applied, partial } = await readHistory(
    new MigrationRecorder(db, options.table),
    migrations,
  )
  const edited = new Set(editedSinceApplied(migrations, records).map((m) => m.key))
  const order = graph.order().map((m): MigrationStatus => {
    const done = partial.get(m.key)
    const appliedAt = records.get(m.key)?.appliedAt
    return {
      migration: m,
      key: m.key,
      module: m.module,
      name: m.name,
      status: applied.has(m.key) ? 'applied' : done === undefined ? 'unapplied' : 'partial',
      ...(done === undefined ? {} : { operationsDone: done }),
      ...(appliedAt === undefined ? {} : { appliedAt }),
      edited: edited.has(m.key),
      replaces: m.replaces.map((r) => dependencyKey(r, m.module)),
      dependencies: graph.parents(m.key).sort(),
    }
  })
  const names = [
    ...new Set([...(options.modules ?? []).map((m) => m.name), ...order.map((s) => s.module)]),
  ]
  return {
    modules: names.map((module) => ({
      module,
      migrations: order.filter((s) => s.module === module),
    })),
    order,
  }
}

/** Options of {@link sqlFor}. */
export interface SqlForOptions extends InspectOptions {
  /** The SQL that unapplies the migration. */
  backwards?: boolean
}

/** The SQL of one migration, per operation. */
export interface MigrationSql {
  readonly migration: Migration
  /** True when `migrate` runs it in one transaction on this database. */
  readonly transactional: boolean
  readonly operations: readonly { description: string; statements: readonly string[] }[]
}

/**
 * The statements a migration runs on `db`'s dialect, collected without running them (reads
 * only). `key` is `module.name`, the name may be a unique prefix (`app.0002`).
 *
 * @example
 * const { operations } = await sqlFor(db, 'shop.0002_add_stock', { modules })
 */
export async function sqlFor(
  db: Database,
  key: string,
  options: SqlForOptions,
): Promise<MigrationSql> {
  const migrations = await loadSource(options)
  const { graph } = await readHistory(new MigrationRecorder(db, options.table), migrations)
  const dot = key.indexOf('.')
  if (dot <= 0) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_MIGRATION',
      `Name the migration as module.name (e.g. "app.0002_add_stock"), not ${JSON.stringify(key)}.`,
    )
  }
  const module = key.slice(0, dot)
  const loaded = migrations.find((m) => m.key === key)
  const squash = migrations.find((m) => m.replaces.some((r) => dependencyKey(r, m.module) === key))
  if (loaded !== undefined && graph.get(key) === undefined && squash !== undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_MIGRATION',
      `${key} is replaced by the squashed migration ${squash.key} on this database; ask for that one.`,
    )
  }
  const name = resolveMigrationName(graph.nodes(), module, key.slice(dot + 1))
  const migration = graph.get(`${module}.${name}`)!
  const before = replay(graph.forwardsPlan([migration.key]).filter((m) => m !== migration))
  const states = [before]
  for (const operation of migration.operations) {
    const next = states.at(-1)!.clone()
    operation.applyState(next, migration.module)
    states.push(next)
  }
  const editor = createSchemaEditor(db, { collectOnly: true })
  const operations: { description: string; statements: string[] }[] = []
  const indexes = [...migration.operations.keys()]
  for (const i of options.backwards ? indexes.reverse() : indexes) {
    const operation = migration.operations[i]!
    const mark = editor.statements.length
    const [from, to] = options.backwards
      ? [states[i + 1]!, states[i]!]
      : [states[i]!, states[i + 1]!]
    const ctx = { module: migration.module, db, editor, from: from.apps(), to: to.apps() }
    await (options.backwards ? operation.backwards(ctx) : operation.forwards(ctx))
    operations.push({
      description: `${options.backwards ? 'Undo ' : ''}${operation.describe()}`,
      statements: editor.statements.slice(mark),
    })
  }
  return { migration, transactional: migration.atomic && db.dialect !== 'mysql', operations }
}
