/**
 * Planning a migrate run: which migrations to apply or unapply, in which order, and the project
 * state each one starts from. Pure functions of the graph and the record, so `migrate --plan`,
 * `showmigrations` and the runner agree, and planning is testable without a database.
 */
import { migrationChecksum } from './checksum.ts'
import type { MigrationModule } from './config.ts'
import { MigrationError } from './errors.ts'
import { dependencyKey, MigrationGraph } from './graph.ts'
import { loadMigrations } from './loader.ts'
import type { Migration } from './migration.ts'
import type { MigrationRecord, MigrationRecorder } from './recorder.ts'
import { ProjectState } from './state.ts'

/** Where `migrate` goes: a module's latest migrations, one migration, or `'zero'` (none). */
export interface MigrationTarget {
  readonly module: string
  /**
   * A migration name or a unique prefix of one (`'0003'`), or `'zero'` to unapply the whole
   * module. Omitted: the module's latest migrations.
   */
  readonly name?: string
}

/** One step of a plan. */
export interface PlanStep {
  readonly migration: Migration
  readonly direction: 'forwards' | 'backwards'
  /**
   * Operations of this migration that already ran (a run that stopped part-way without a
   * transaction): forwards resumes after them, backwards undoes only them. Undefined when the
   * migration is not applied at all (forwards) or fully applied (backwards).
   */
  readonly operationsDone?: number
}

/**
 * Keys the graph should treat as applied: fully recorded migrations, plus squashed migrations
 * whose replaced migrations are all recorded.
 */
export function appliedKeys(
  migrations: readonly Migration[],
  records: ReadonlyMap<string, MigrationRecord>,
): Set<string> {
  const applied = new Set<string>()
  for (const [key, record] of records) if (record.operationsDone === undefined) applied.add(key)
  for (const m of migrations) {
    if (m.replaces.length === 0 || applied.has(m.key)) continue
    if (m.replaces.every((r) => applied.has(dependencyKey(r, m.module)))) applied.add(m.key)
  }
  return applied
}

/** Operations done of migrations that stopped part-way, by key. */
export function partialKeys(records: ReadonlyMap<string, MigrationRecord>): Map<string, number> {
  const out = new Map<string, number>()
  for (const [key, record] of records)
    if (record.operationsDone !== undefined) out.set(key, record.operationsDone)
  return out
}

/**
 * The full name of `module`'s migration named `name` or starting with it (`'0003'`); `'zero'`
 * stays `'zero'`. Fails when no migration or several match.
 */
export function resolveMigrationName(
  migrations: readonly Migration[],
  module: string,
  name: string,
): string {
  if (name === 'zero') return name
  const names = migrations
    .filter((m) => m.module === module)
    .map((m) => m.name)
    .sort()
  if (names.includes(name)) return name
  const matches = names.filter((n) => n.startsWith(name))
  if (matches.length === 1) return matches[0]!
  if (matches.length === 0) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_MIGRATION',
      `Module "${module}" has no migration named ${JSON.stringify(name)} (it has: ${names.join(', ') || 'none'}; or use "zero" to unapply all of them).`,
    )
  }
  throw new MigrationError(
    'PLINTH_MIGRATIONS_AMBIGUOUS_NAME',
    `${JSON.stringify(name)} matches several migrations of "${module}": ${matches.join(', ')}. Give more of the name.`,
  )
}

/**
 * A recorded migration whose dependency is not applied means the record and the files disagree
 * (a dependency added after the fact, a record edited by hand); planning on it would apply
 * migrations out of order.
 */
export function assertConsistentHistory(
  graph: MigrationGraph,
  applied: ReadonlySet<string>,
  partial: ReadonlyMap<string, number>,
): void {
  for (const m of graph.nodes()) {
    if (!applied.has(m.key) && !partial.has(m.key)) continue
    for (const parent of graph.parents(m.key)) {
      if (applied.has(parent)) continue
      throw new MigrationError(
        'PLINTH_MIGRATIONS_INCONSISTENT_HISTORY',
        `${m.key} is recorded as applied but its dependency ${parent} is not. Apply the dependency first without running it (\`plinth migrate ${parent.replace('.', ' ')} --fake\`) if the database already has its changes, or fix the dependencies of ${m.key}.`,
      )
    }
  }
}

/**
 * The steps that take the database to `target` (default: every module's latest migrations).
 * Forwards when the target is not applied yet, backwards (dependents first) when it is.
 */
export function buildPlan(
  graph: MigrationGraph,
  applied: ReadonlySet<string>,
  partial: ReadonlyMap<string, number>,
  target?: MigrationTarget,
): PlanStep[] {
  const forwards = (targets: readonly string[]): PlanStep[] =>
    graph
      .forwardsPlan(targets)
      .filter((m) => !applied.has(m.key))
      .map((m) => {
        const done = partial.get(m.key)
        return done === undefined
          ? { migration: m, direction: 'forwards' as const }
          : { migration: m, direction: 'forwards' as const, operationsDone: done }
      })
  const backwards = (targets: readonly string[]): PlanStep[] =>
    graph
      .backwardsPlan(targets)
      .filter((m) => applied.has(m.key) || partial.has(m.key))
      .map((m) => {
        const done = partial.get(m.key)
        return done === undefined
          ? { migration: m, direction: 'backwards' as const }
          : { migration: m, direction: 'backwards' as const, operationsDone: done }
      })
  const modules = [...new Set(graph.nodes().map((m) => m.module))].sort()
  if (target === undefined) return forwards(modules.flatMap((module) => graph.leaves(module)))
  const own = graph.nodes().filter((m) => m.module === target.module)
  if (target.name === undefined) return forwards(graph.leaves(target.module))
  const name = resolveMigrationName(graph.nodes(), target.module, target.name)
  if (name === 'zero') return backwards(own.map((m) => m.key))
  const key = `${target.module}.${name}`
  if (!applied.has(key)) return forwards([key])
  // Applied: unapply what came after it in its module (and everything depending on that).
  const next = own.filter((m) => graph.parents(m.key).includes(key)).map((m) => m.key)
  return backwards(next)
}

/**
 * Refuse a backwards plan with an operation that cannot be reversed before anything runs, so a
 * rollback never stops half-way on it.
 */
export function assertReversible(plan: readonly PlanStep[]): void {
  for (const step of plan) {
    if (step.direction !== 'backwards') continue
    const ops = step.migration.operations.slice(0, step.operationsDone ?? Infinity)
    const index = ops.findIndex((o) => !o.reversible)
    if (index === -1) continue
    throw new MigrationError(
      'PLINTH_MIGRATIONS_IRREVERSIBLE',
      `Cannot unapply ${step.migration.key}: its operation ${index + 1} ("${ops[index]!.describe()}") has no reverse. Nothing was changed. Add a reverse (reverse: '' or backward: op.noop when nothing needs undoing) or migrate back only as far as ${step.migration.key}.`,
    )
  }
}

/** Apply the first `count` operations of `migration` (all by default) to `state`. */
export function applyOperations(
  state: ProjectState,
  migration: Migration,
  count = migration.operations.length,
): ProjectState {
  for (const operation of migration.operations.slice(0, count))
    operation.applyState(state, migration.module)
  return state
}

/**
 * The project state of the database as recorded: every applied migration replayed in graph
 * order (a migration that stopped part-way counts with the operations that ran).
 */
export function recordedState(
  graph: MigrationGraph,
  applied: ReadonlySet<string>,
  partial: ReadonlyMap<string, number> = new Map(),
): ProjectState {
  const state = new ProjectState()
  for (const m of graph.order()) {
    if (applied.has(m.key)) applyOperations(state, m)
    else if (partial.has(m.key)) applyOperations(state, m, partial.get(m.key))
  }
  return state
}

/**
 * For a backwards plan: the state before each migration to unapply (what the database returns
 * to), replaying applied migrations in graph order and taking a copy when each is reached.
 */
export function statesBefore(
  graph: MigrationGraph,
  applied: ReadonlySet<string>,
  partial: ReadonlyMap<string, number>,
  keys: ReadonlySet<string>,
): Map<string, ProjectState> {
  const out = new Map<string, ProjectState>()
  const state = new ProjectState()
  for (const m of graph.order()) {
    if (keys.has(m.key)) out.set(m.key, state.clone())
    if (applied.has(m.key)) applyOperations(state, m)
    else if (partial.has(m.key)) applyOperations(state, m, partial.get(m.key))
  }
  return out
}

/** Where the migrations come from: loaded already, or the modules' directories. */
export interface MigrationSource {
  /** The project's modules (their migration directories are loaded). */
  readonly modules?: readonly MigrationModule[]
  /** Migrations loaded already (tests, tools); used instead of loading `modules`. */
  readonly migrations?: readonly Migration[]
}

/** The migrations of `source`. */
export async function loadSource(source: MigrationSource): Promise<Migration[]> {
  if (source.migrations !== undefined) return [...source.migrations]
  if (source.modules === undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_CONFIG_INVALID',
      'Pass { modules } (from defineMigrations) or { migrations } to say which migrations to use.',
    )
  }
  return await loadMigrations(source.modules)
}

/** The record and the graph built on it. */
export interface History {
  readonly records: Map<string, MigrationRecord>
  readonly graph: MigrationGraph
  readonly applied: Set<string>
  readonly partial: Map<string, number>
}

/** Read the record (none when the table does not exist yet) and build the graph on it. */
/**
 * Applied migrations whose operations are no longer those that ran (the file was edited after
 * it was applied): the database holds what the old text did.
 */
export function editedSinceApplied(
  migrations: readonly Migration[],
  records: ReadonlyMap<string, MigrationRecord>,
): Migration[] {
  return migrations.filter((m) => {
    const stored = records.get(m.key)?.checksum
    return stored !== undefined && stored !== migrationChecksum(m)
  })
}

export async function readHistory(
  recorder: MigrationRecorder,
  migrations: readonly Migration[],
): Promise<History> {
  const records = await recorder.records()
  const applied = appliedKeys(migrations, records)
  const graph = new MigrationGraph(migrations, applied)
  return { records, graph, applied, partial: partialKeys(records) }
}
