/**
 * What every migration operation is: a change to the project state (`applyState`), the matching
 * change to the database in both directions, a description, whether running it forwards loses
 * data, and its source text for migration files.
 */
import type { Database } from '../../orm/database.ts'
import type { SchemaEditor } from '../schema-editor/types.ts'
import type { HistoricalApps, ProjectState } from '../state.ts'

/** What an operation gets when it touches the database. */
export interface OperationContext {
  /** The module of the migration the operation belongs to (qualifies bare model names). */
  readonly module: string
  readonly db: Database
  readonly editor: SchemaEditor
  /** Historical models as the database is before this step (in either direction). */
  readonly from: HistoricalApps
  /** Historical models as the database will be after this step. */
  readonly to: HistoricalApps
}

export interface Operation {
  /** The builder name in migration files: `createModel`, `addField`, … */
  readonly type: string
  /** False for operations that cannot run backwards (runSql/runCode without a reverse). */
  readonly reversible: boolean
  /** One line for `showmigrations --verbose`, `--plan` and generated comments. */
  describe(): string
  /** Change `state` (a model state of `module`) as this operation does. */
  applyState(state: ProjectState, module: string): void
  forwards(ctx: OperationContext): Promise<void>
  backwards(ctx: OperationContext): Promise<void>
  /**
   * Why running forwards loses data (dropping a column, narrowing a type, …), or undefined.
   * `before` is the state the operation applies to.
   */
  dataLoss(before: ProjectState, module: string): string | undefined
  /** The call that recreates this operation in a migration file. */
  toCode(module: string): string
}

/** Resolve an operation's model name (`Product` or `shop.Product`) to a state key. */
export function qualify(name: string, module: string): string {
  return name.includes('.') ? name : `${module}.${name}`
}
