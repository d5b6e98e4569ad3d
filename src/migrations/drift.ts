/**
 * Schema drift: does the live database look like the applied migrations say it should?
 *
 * Drift creeps in when someone changes the schema by hand (a hot-fix index, a column added from a
 * console), restores an old backup, or edits a migration after it ran. The next migration then
 * fails half-way or, worse, succeeds against the wrong schema. `checkSchema` replays the
 * migrations recorded as applied, renders the schema they describe and compares it with the
 * database's catalog, so deploys and CI can stop before that happens (`plinth checkschema`).
 */
import type { Database } from '../orm/database.ts'
import type { AnyModel } from '../orm/model.ts'
import type { MigrationModule } from './config.ts'
import { MigrationError } from './errors.ts'
import { dependencyKey, MigrationGraph } from './graph.ts'
import { compareSchemas, type DriftItem } from './introspect/compare.ts'
import { expectedSchema } from './introspect/expected.ts'
import { introspect } from './introspect/index.ts'
import { loadMigrations } from './loader.ts'
import type { Migration } from './migration.ts'
import { MigrationRecorder, RECORD_TABLE } from './recorder.ts'
import { ProjectState } from './state.ts'

export type { DriftItem, DriftKind } from './introspect/compare.ts'

/** What `checkSchema` compares the database with. */
export interface CheckSchemaOptions {
  /** The configured modules: their migrations recorded as applied are replayed. */
  modules?: readonly MigrationModule[]
  /**
   * Compare with this state instead of replaying migrations (`ProjectState.fromModels(models)`
   * checks a database made by `createTables`, say).
   */
  state?: ProjectState
  /** The table recording applied migrations (default `plinth_migrations`). */
  table?: string
  /** Also report tables no model or migration knows (`unknown-table`). */
  strict?: boolean
  /** Compare only the tables this accepts (tests sharing a database with others use it). */
  tables?: (name: string) => boolean
}

/** The outcome of a schema check. */
export interface SchemaCheck {
  /** Every difference; empty when the database matches. */
  readonly drift: DriftItem[]
  /** How many tables the migrations describe (and were compared). */
  readonly tables: number
  /** The migrations replayed (recorded as applied), in order. */
  readonly applied: string[]
  /**
   * Migrations a failed run left part-way (MySQL): compared with the operations that ran.
   * `plinth migrate` resumes them.
   */
  readonly partial: string[]
  /** Migrations not applied yet (not drift: `plinth migrate` applies them). */
  readonly pending: string[]
}

/**
 * `module.name` → operations done (`undefined`: fully applied) of every migration in the record
 * table; empty when the table does not exist. A run that failed part-way on MySQL (no
 * transactional DDL) leaves a row with `operations_done` set: only those operations changed the
 * schema.
 */
async function recorded(db: Database, table: string): Promise<Map<string, number | undefined>> {
  try {
    const records = await new MigrationRecorder(db, table).records()
    return new Map([...records].map(([key, record]) => [key, record.operationsDone]))
  } catch (error) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_RECORD_UNREADABLE',
      `Could not read the applied migrations from the table ${table} (${(error as Error)?.message ?? String(error)}). It must have the columns module, name, applied_at and operations_done: check that it is Plinth's record table.`,
      { cause: error },
    )
  }
}

/**
 * How many operations of `migration` the database has: all, some (a failed run), or undefined
 * when it is not applied. A squashed migration counts as applied when all it replaces are.
 */
function operationsDone(
  migration: Migration,
  record: ReadonlyMap<string, number | undefined>,
): number | undefined {
  const all = migration.operations.length
  if (record.has(migration.key)) return record.get(migration.key) ?? all
  const replaced = migration.replaces.map((r) => dependencyKey(r, migration.module))
  const complete = (k: string) => record.has(k) && record.get(k) === undefined
  return replaced.length > 0 && replaced.every(complete) ? all : undefined
}

/** Tables today's models use (their own and their automatic join tables). */
function ownedTables(models: readonly AnyModel[]): Set<string> {
  const out = new Set<string>()
  for (const model of models) {
    out.add(model.meta.table)
    for (const f of model.meta.fields.values()) {
      if (f.spec.kind !== 'manyToMany' || f.spec.through !== undefined) continue
      try {
        const join = model.meta.relation(f.name)?.join
        if (join) out.add(join.table)
      } catch {
        // A target outside the configured modules: the table name is unknown, nothing to own.
      }
    }
  }
  return out
}

/**
 * Compare the database with the migrations recorded as applied (or with `state`) and list every
 * difference.
 *
 * @example
 * const { drift } = await checkSchema(db, { modules: config.modules })
 * for (const item of drift) console.log(item.message)
 * // catalog_product.price is numeric(8,2) in the database but numeric(10, 2) in the migrations.
 */
export async function checkSchema(db: Database, options: CheckSchemaOptions): Promise<SchemaCheck> {
  if (options?.state === undefined && !Array.isArray(options?.modules)) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_CONFIG_INVALID',
      'checkSchema needs { modules } (the configured modules, whose applied migrations are replayed) or { state }.',
    )
  }
  const table = options.table ?? RECORD_TABLE
  let state = options.state
  const applied: string[] = []
  const partial: string[] = []
  const pending: string[] = []
  if (state === undefined) {
    const migrations = await loadMigrations(options.modules!)
    const record = await recorded(db, table)
    const complete = new Set([...record].filter(([, n]) => n === undefined).map(([k]) => k))
    state = new ProjectState()
    for (const migration of new MigrationGraph(migrations, complete).order()) {
      const done = operationsDone(migration, record)
      if (done === undefined) {
        pending.push(migration.key)
        continue
      }
      if (done < migration.operations.length) partial.push(migration.key)
      else applied.push(migration.key)
      for (const operation of migration.operations.slice(0, done))
        operation.applyState(state, migration.module)
    }
  }
  const keep = options.tables ?? (() => true)
  const full = expectedSchema(state, db.dialect)
  const expected = {
    dialect: full.dialect,
    tables: new Map([...full.tables].filter(([name]) => keep(name))),
  }
  const actual = await introspect(db, { tables: keep })
  const owned = ownedTables((options.modules ?? []).flatMap((m) => m.models))
  const drift = compareSchemas(expected, actual, {
    owned,
    ignore: new Set([table]),
    strict: options.strict === true,
  })
  return { drift, tables: expected.tables.size, applied, partial, pending }
}
