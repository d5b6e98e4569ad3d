/**
 * The migration runner: `migrate(db, { modules, target })` takes the lock, reads the record,
 * plans, and applies (or unapplies) each migration through the schema editor.
 *
 * Each migration runs in `editor.run(atomic, …)`: one transaction where the database has
 * transactional DDL, with its record written inside it, so a failure leaves neither its changes
 * nor its record. MySQL commits every DDL statement, so there the record is written after every
 * operation with the count done; a failed run leaves a row saying exactly what ran, and the next
 * run resumes after it. The record is re-read inside each migration's run: on SQLite (no session
 * lock) another process may have applied it meanwhile, and it is then skipped.
 */
import type { Database } from '../orm/database.ts'
import { MigrationError } from './errors.ts'
import { introspector } from './introspect/index.ts'
import { withMigrationLock } from './lock.ts'
import type { Migration } from './migration.ts'
import type { Operation } from './operations/base.ts'
import {
  applyOperations,
  assertConsistentHistory,
  assertReversible,
  buildPlan,
  editedSinceApplied,
  loadSource,
  type MigrationSource,
  type MigrationTarget,
  type PlanStep,
  readHistory,
  recordedState,
  statesBefore,
} from './plan.ts'
import {
  MigrationRecorder,
  recordBackwards,
  recordCompletedSquashes,
  recordForwards,
} from './recorder.ts'
import { createSchemaEditor } from './schema-editor/index.ts'
import type { SchemaEditor } from './schema-editor/types.ts'
import type { ProjectState } from './state.ts'

/** Options of {@link migrate}. */
export interface MigrateOptions extends MigrationSource {
  /** Where to go (default: every module's latest migrations). */
  target?: MigrationTarget
  /** The record table (default `plinth_migrations`). */
  table?: string
  /** PostgreSQL `lock_timeout` for each migration's DDL, in ms (default 5000). */
  lockTimeoutMs?: number
  /** How long to wait for another migrate to finish, in ms (default 10 minutes). */
  lockWaitMs?: number
  /**
   * Run a migration again (up to this many times, default 0) when it failed on `lockTimeoutMs`:
   * a busy moment passes, and the rolled-back migration (or, on MySQL, its remaining operations)
   * gets another chance before the deploy fails.
   */
  lockRetries?: number
  /** Wait before the first retry, in ms (default 1000), doubled for each further one. */
  lockRetryDelayMs?: number
  /** Record the plan as applied (or unapplied) without running it (the database already matches). */
  fake?: boolean
  /**
   * Record an initial migration as applied without running it when every table it creates
   * already exists (a database made by `createTables` or by hand, being adopted).
   */
  fakeInitial?: boolean
  /** Receives one line per migration: `Applying app.0002_stock… OK (12 ms)`. */
  log?: (line: string) => void
}

/** What a run did: keys of the migrations applied and unapplied, in order. */
export interface MigrateResult {
  applied: string[]
  unapplied: string[]
}

/**
 * Apply the project's migrations (or unapply them back to `target`).
 *
 * @example
 * const { applied } = await migrate(db, { modules: config.modules, log: console.log })
 * await migrate(db, { modules, target: { module: 'shop', name: '0003' } })  // forwards or back to 0003
 * await migrate(db, { modules, target: { module: 'shop', name: 'zero' } })  // unapply all of shop
 */
export async function migrate(db: Database, options: MigrateOptions): Promise<MigrateResult> {
  const migrations = await loadSource(options)
  const known = new Set([
    ...(options.modules ?? []).map((m) => m.name),
    ...migrations.map((m) => m.module),
  ])
  if (options.target !== undefined && !known.has(options.target.module)) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_MODULE',
      `There is no module "${options.target.module}" (modules: ${[...known].sort().join(', ') || 'none'}).`,
    )
  }
  const recorder = new MigrationRecorder(db, options.table)
  const lock = {
    table: recorder.table,
    ...(options.lockWaitMs === undefined ? {} : { waitMs: options.lockWaitMs }),
  }
  return await withMigrationLock(db, lock, async () => {
    await recorder.ensureTable()
    await recordCompletedSquashes(recorder, migrations)
    const { graph, applied, partial, records } = await readHistory(recorder, migrations)
    for (const m of editedSinceApplied(migrations, records))
      options.log?.(
        `Warning: ${m.key} was edited after it was applied; this database has what the earlier text did. Put further changes in a new migration (plinth checkschema shows any difference).`,
      )
    graph.assertNoConflicts()
    assertConsistentHistory(graph, applied, partial)
    const plan = buildPlan(graph, applied, partial, options.target)
    // Faking runs nothing, so an operation without a reverse is no obstacle.
    if (!options.fake) assertReversible(plan)
    const result: MigrateResult = { applied: [], unapplied: [] }
    if (plan.length === 0) return result
    const run: Run = { db, recorder, options, migrations }
    if (db.dialect === 'mysql' && !options.fake)
      options.log?.(
        'MySQL cannot roll back schema changes: progress is recorded after each operation, and a failed migration resumes where it stopped.',
      )
    if (plan[0]!.direction === 'forwards') {
      const planned = new Set(plan.map((s) => s.migration.key))
      const unplanned = new Map([...partial].filter(([key]) => !planned.has(key)))
      const state = recordedState(graph, applied, unplanned)
      for (const step of plan) {
        if (await retrying(run, () => runStep(run, step, state)))
          result.applied.push(step.migration.key)
        applyOperations(state, step.migration)
      }
    } else {
      const keys = new Set(plan.map((s) => s.migration.key))
      const before = statesBefore(graph, applied, partial, keys)
      for (const step of plan) {
        if (await retrying(run, () => runStep(run, step, before.get(step.migration.key)!)))
          result.unapplied.push(step.migration.key)
      }
    }
    return result
  })
}

interface Run {
  readonly db: Database
  readonly recorder: MigrationRecorder
  readonly options: MigrateOptions
  readonly migrations: readonly Migration[]
}

/**
 * Run `step`, again after a pause when it failed on the lock timeout (`lockRetries`). Safe: a
 * transactional migration was rolled back; a non-transactional one resumes after the operations
 * its record says ran.
 */
async function retrying(run: Run, step: () => Promise<boolean>): Promise<boolean> {
  const retries = run.options.lockRetries ?? 0
  for (let attempt = 0; ; attempt++) {
    try {
      return await step()
    } catch (error) {
      const code = (error as { code?: unknown })?.code
      if (code !== 'PLINTH_MIGRATIONS_LOCK_TIMEOUT' || attempt >= retries) throw error
      const delay = (run.options.lockRetryDelayMs ?? 1000) * 2 ** attempt
      run.options.log?.(
        `Lock timeout; trying again in ${delay} ms (retry ${attempt + 1} of ${retries}).`,
      )
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

/** Where a migration got to, for the error message when it fails. */
interface Progress {
  transactional: boolean
  /** Index of the operation running. */
  current: number
  /** Operations applied (forwards) or still applied (backwards) when it stopped. */
  done: number
  /** Statements run before the current operation started. */
  mark: number
}

/**
 * For `fakeInitial`: is `m` an initial migration whose every created table already exists?
 * (Columns are not compared: `plinth checkschema` does that afterwards.)
 */
async function tablesExist(db: Database, m: Migration, before: ProjectState): Promise<boolean> {
  if (!m.initial) return false
  const after = before.clone()
  const created: string[] = []
  for (const operation of m.operations) {
    const had = new Set(after.models().map((model) => model.table))
    operation.applyState(after, m.module)
    for (const model of after.models()) if (!had.has(model.table)) created.push(model.table)
  }
  if (created.length === 0) return false
  const found = await introspector(db.dialect).tableNames(db)
  return created.every((table) => found.includes(table))
}

/** Apply or unapply one migration; false when another process already did. */
async function runStep(run: Run, step: PlanStep, before: ProjectState): Promise<boolean> {
  const { db, recorder, options } = run
  const m = step.migration
  const forwards = step.direction === 'forwards'
  const verb = forwards ? 'Applying' : 'Unapplying'
  const resuming =
    step.operationsDone === undefined
      ? ''
      : forwards
        ? ` (resuming at operation ${step.operationsDone + 1} of ${m.operations.length})`
        : ` (${step.operationsDone} of ${m.operations.length} operations applied)`
  const log = (outcome: string) => options.log?.(`${verb} ${m.key}${resuming}… ${outcome}`)
  const started = performance.now()
  if (options.fake || (forwards && options.fakeInitial && (await tablesExist(db, m, before)))) {
    await db.transaction(() =>
      forwards
        ? recordForwards(recorder, m, run.migrations)
        : recordBackwards(recorder, m, run.migrations),
    )
    log(options.fake ? 'FAKED' : 'FAKED (its tables exist)')
    return true
  }
  const editor = createSchemaEditor(db, {
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
  })
  const progress: Progress = { transactional: false, current: -1, done: 0, mark: 0 }
  let skipped = false
  try {
    // In a scope so that historical models in data migrations use `db` even without a transaction.
    await editor.run(m.atomic, () =>
      db.scope(async () => {
        progress.transactional = db.inTransaction
        const record = await recorder.record(m.module, m.name)
        if (
          forwards
            ? record !== undefined && record.operationsDone === undefined
            : record === undefined
        ) {
          skipped = true
          return
        }
        if (forwards)
          await runForwards(run, m, before, editor, progress, record?.operationsDone ?? 0)
        else await runBackwards(run, m, before, editor, progress, record!.operationsDone)
      }),
    )
  } catch (error) {
    log('FAILED')
    throw failure(db, m, forwards, progress, editor, error)
  }
  log(
    skipped
      ? 'already done by another migrate, skipped'
      : `OK (${Math.round(performance.now() - started)} ms)`,
  )
  return !skipped
}

async function runForwards(
  run: Run,
  m: Migration,
  before: ProjectState,
  editor: SchemaEditor,
  progress: Progress,
  startAt: number,
): Promise<void> {
  const { db, recorder } = run
  let state = before.clone()
  progress.done = startAt
  for (const [i, operation] of m.operations.entries()) {
    const next = state.clone()
    operation.applyState(next, m.module)
    if (i >= startAt) {
      progress.current = i
      progress.mark = editor.statements.length
      await operation.forwards({
        module: m.module,
        db,
        editor,
        from: state.apps(),
        to: next.apps(),
      })
      progress.done = i + 1
      if (!progress.transactional && i + 1 < m.operations.length)
        await recorder.recordApplied(m.module, m.name, i + 1)
    }
    state = next
  }
  await recordForwards(recorder, m, run.migrations)
}

async function runBackwards(
  run: Run,
  m: Migration,
  before: ProjectState,
  editor: SchemaEditor,
  progress: Progress,
  recordedDone: number | undefined,
): Promise<void> {
  const { db, recorder } = run
  const count = recordedDone ?? m.operations.length
  const states = [before.clone()]
  for (const operation of m.operations.slice(0, count)) {
    const next = states.at(-1)!.clone()
    operation.applyState(next, m.module)
    states.push(next)
  }
  progress.done = count
  for (let i = count - 1; i >= 0; i--) {
    progress.current = i
    progress.mark = editor.statements.length
    const operation: Operation = m.operations[i]!
    await operation.backwards({
      module: m.module,
      db,
      editor,
      from: states[i + 1]!.apps(),
      to: states[i]!.apps(),
    })
    progress.done = i
    if (!progress.transactional && i > 0) await recorder.recordApplied(m.module, m.name, i)
  }
  await recordBackwards(recorder, m, run.migrations)
}

/** The error of a failed migration, saying what remains of it. */
function failure(
  db: Database,
  m: Migration,
  forwards: boolean,
  progress: Progress,
  editor: SchemaEditor,
  error: unknown,
): Error {
  const n = m.operations.length
  const operation = m.operations[progress.current]
  const at =
    operation === undefined
      ? ''
      : ` at operation ${progress.current + 1} of ${n} ("${operation.describe()}")`
  const cause = (error as Error)?.message ?? String(error)
  const code = error instanceof MigrationError ? error.code : 'PLINTH_MIGRATIONS_FAILED'
  const what = `${forwards ? 'Applying' : 'Unapplying'} ${m.key} failed${at}: ${cause}`
  if (progress.transactional || operation === undefined) {
    return new MigrationError(
      code,
      `${what}\nIt was rolled back: nothing of it remains and the record is unchanged. Migrations before it in this run stay applied; fix the cause and run migrate again.`,
      { cause: error },
    )
  }
  const why =
    db.dialect === 'mysql'
      ? 'MySQL cannot roll back schema changes (each DDL statement commits)'
      : 'it runs without a transaction (atomic: false)'
  // The editor lists a statement before sending it: the last one is the one that failed.
  const ran = editor.statements.slice(progress.mark, -1)
  const partly =
    ran.length === 0
      ? ''
      : `\nOperation ${progress.current + 1} had already run these statements, which stay; undo them by hand before migrating again, or its retry will trip over them:\n${ran.map((s) => `  ${s}`).join('\n')}`
  const range = (a: number, b: number) => (a === b ? `operation ${a}` : `operations ${a}–${b}`)
  const state = forwards
    ? progress.done === 0
      ? 'no operation of it completed and it is not recorded'
      : `${range(1, progress.done)} ran and ${progress.done === 1 ? 'is' : 'are'} recorded (showmigrations shows [~])`
    : progress.done === n
      ? 'it is still recorded as applied'
      : `${range(progress.done + 1, n)} undone; ${progress.done === 0 ? 'none remain' : `${range(1, progress.done)} remain${progress.done === 1 ? 's' : ''} applied and recorded (showmigrations shows [~])`}`
  const next = forwards
    ? `fix the cause and run migrate again: it resumes at operation ${progress.done + 1}`
    : 'fix the cause and run migrate again: it continues undoing from there'
  return new MigrationError(code, `${what}\n${why}: ${state}; ${next}.${partly}`, {
    cause: error,
  })
}
