/**
 * The schema editor: the one place that turns model changes into DDL for a dialect. Operations
 * describe *what* changes (with the historical models before and after); the editor decides *how*
 * (native ALTER, or SQLite's rebuild-copy-swap) and either runs the statements or, for
 * `plinth sqlmigrate`, only collects them.
 *
 * Every method receives historical models (`state.apps()`), never today's models. Methods that
 * take `from` and `to` get the model before and after the change (`field` of addField belongs to
 * `to`), so SQLite can rebuild a table from one shape into the other.
 */
import type { DialectName } from '../../orm/connection/types.ts'
import type { Database } from '../../orm/database.ts'
import type { FieldInfo } from '../../orm/meta.ts'
import type { AnyModel } from '../../orm/model.ts'
import type { ConstraintState, IndexState } from '../state.ts'

export interface SchemaEditor {
  readonly dialect: DialectName
  readonly db: Database
  /** True when statements are only collected (sqlmigrate, --plan): nothing is executed. */
  readonly collectOnly: boolean
  /** Every statement run (or collected) so far, in order. */
  readonly statements: readonly string[]
  /**
   * Run `fn` (one migration) the way this dialect allows: in a transaction when `atomic` and the
   * dialect has transactional DDL (SQLite with foreign keys checked at the end, PostgreSQL with
   * `SET LOCAL lock_timeout`), otherwise statement by statement (MySQL commits each DDL).
   * Returns whether it ran in a transaction.
   */
  run<T>(atomic: boolean, fn: () => Promise<T>): Promise<{ result: T; transactional: boolean }>
  /** Run one statement (or collect it). */
  execute(sql: string): Promise<void>
  /** Read rows (also in collect mode: reads are safe), e.g. to find NULLs before SET NOT NULL. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>

  /** CREATE TABLE with constraints, indexes and automatic many-to-many join tables. */
  createModel(model: AnyModel): Promise<void>
  /** DROP TABLE, with its automatic join tables. */
  deleteModel(model: AnyModel): Promise<void>
  /**
   * The model was renamed and/or its table changed (`from` and `to` are the model before and
   * after). Renames the table and its automatic join tables and their columns where their
   * names derive from the model's, and keeps constraint and index names matching the new table.
   */
  renameModel(from: AnyModel, to: AnyModel): Promise<void>
  /**
   * Add a column (or a join table for a many-to-many field). `fill` is the value existing rows
   * get when the column is NOT NULL; without one, adding a NOT NULL column to a table that holds
   * rows fails with PLINTH_MIGRATIONS_NEEDS_DEFAULT before anything changes.
   */
  addField(from: AnyModel, to: AnyModel, field: FieldInfo, fill?: unknown): Promise<void>
  /** Drop a column (or a join table). `field` belongs to `from`. */
  removeField(from: AnyModel, to: AnyModel, field: FieldInfo): Promise<void>
  /**
   * Change a column: name, type, nullability, unique, index, foreign key. `fromModel`/`fromField`
   * are before, `toModel`/`toField` after. Existing NULLs get `fill` when the column becomes
   * NOT NULL; without one they fail with PLINTH_MIGRATIONS_NEEDS_DEFAULT before anything changes.
   */
  alterField(
    fromModel: AnyModel,
    fromField: FieldInfo,
    toModel: AnyModel,
    toField: FieldInfo,
    fill?: unknown,
  ): Promise<void>
  addIndex(from: AnyModel, to: AnyModel, index: IndexState): Promise<void>
  removeIndex(from: AnyModel, to: AnyModel, index: IndexState): Promise<void>
  /** Give an index a new name (`before` in `from`, `after` in `to`; same columns). */
  renameIndex(from: AnyModel, to: AnyModel, before: IndexState, after: IndexState): Promise<void>
  addConstraint(from: AnyModel, to: AnyModel, constraint: ConstraintState): Promise<void>
  removeConstraint(from: AnyModel, to: AnyModel, constraint: ConstraintState): Promise<void>
  /** Give a constraint a new name (`before` in `from`, `after` in `to`; same definition). */
  renameConstraint(
    from: AnyModel,
    to: AnyModel,
    before: ConstraintState,
    after: ConstraintState,
  ): Promise<void>
}

/** Options of `createSchemaEditor`. */
export interface SchemaEditorOptions {
  /** Collect statements instead of running them (sqlmigrate, `migrate --plan --sql`). */
  collectOnly?: boolean
  /** PostgreSQL `lock_timeout` for DDL, in milliseconds (default 5000). */
  lockTimeoutMs?: number
}
