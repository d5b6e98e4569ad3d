/**
 * Apply a list of migration operations to a database forwards, and undo them backwards, the way
 * the runner does for one migration (states before/after each operation, historical models,
 * `editor.run()`), without migration files or the record table. For tests of operations and of
 * the schema editor.
 */

import type { Operation } from '../../../src/migrations/operations/base.ts'
import { createSchemaEditor } from '../../../src/migrations/schema-editor/index.ts'
import type { SchemaEditor } from '../../../src/migrations/schema-editor/types.ts'
import { ProjectState } from '../../../src/migrations/state.ts'
import type { Database } from '../../../src/orm/database.ts'

/** What `forwards` did: each operation with the states around it. */
export interface Applied {
  readonly module: string
  readonly steps: readonly { operation: Operation; before: ProjectState; after: ProjectState }[]
  /** The state after the last operation. */
  readonly state: ProjectState
  /** Statements the editor ran (or collected). */
  readonly statements: readonly string[]
  /** Whether the run was one transaction. */
  readonly transactional: boolean
}

export interface ApplyOptions {
  /** The state the operations start from (default: empty, or the state of `after`). */
  state?: ProjectState
  /** Module the operations belong to (default `app`). */
  module?: string
  /** One transaction where the dialect allows (default true). */
  atomic?: boolean
  /** The editor to use (default a new one for `db`), e.g. a collect-only one. */
  editor?: SchemaEditor
}

/**
 * Apply `operations` in order, inside one `editor.run()`.
 *
 * @example
 * const created = await forwards(db, [op.createModel({ name: 'Thing', table: 'mg_t', fields })])
 * const added = await forwards(db, [op.addField({ … })], { state: created.state })
 * await backwards(db, added)
 */
export async function forwards(
  db: Database,
  operations: readonly Operation[],
  options: ApplyOptions = {},
): Promise<Applied> {
  const module = options.module ?? 'app'
  const editor = options.editor ?? createSchemaEditor(db)
  const start = editor.statements.length
  let state = (options.state ?? new ProjectState()).clone()
  const steps: { operation: Operation; before: ProjectState; after: ProjectState }[] = []
  const { transactional } = await editor.run(options.atomic ?? true, async () => {
    for (const operation of operations) {
      const before = state
      const after = before.clone()
      operation.applyState(after, module)
      await db.scope(() =>
        operation.forwards({ module, db, editor, from: before.apps(), to: after.apps() }),
      )
      steps.push({ operation, before, after })
      state = after
    }
  })
  return { module, steps, state, statements: editor.statements.slice(start), transactional }
}

/** Undo what `forwards` applied, last operation first. Returns the state before it all. */
export async function backwards(
  db: Database,
  applied: Applied,
  options: Omit<ApplyOptions, 'state' | 'module'> = {},
): Promise<ProjectState> {
  const editor = options.editor ?? createSchemaEditor(db)
  const { module } = applied
  await editor.run(options.atomic ?? true, async () => {
    for (const { operation, before, after } of [...applied.steps].reverse()) {
      await db.scope(() =>
        operation.backwards({ module, db, editor, from: after.apps(), to: before.apps() }),
      )
    }
  })
  return applied.steps[0]?.before ?? applied.state
}
