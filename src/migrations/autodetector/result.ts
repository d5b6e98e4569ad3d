/**
 * What the autodetector hands back (operations grouped per module, with their dependencies and
 * notes) and the errors it stops with when a question was neither asked nor answered. The
 * messages name every way out, since they are read in CI logs where nobody can be asked.
 */
import { MigrationError } from '../errors.ts'
import type { Operation } from '../operations/base.ts'
import type { DataLossItem } from '../questioner.ts'

/** A dependency on another module's migrations. */
export interface ModuleDependency {
  module: string
  /**
   * True when the operation needs what that module's migration of this same run creates (a new
   * or renamed model, a dropped reference); false when the module's latest migration will do.
   */
  created: boolean
}

/** The operations of one module, in the order they must run. */
export interface ModuleChanges {
  module: string
  operations: Operation[]
  /** Comment lines above operations (by index): data-loss warnings. */
  notes: Map<number, string[]>
  dependencies: ModuleDependency[]
  /** Operations that lose data (already acknowledged, or `check`). */
  dataLoss: DataLossItem[]
}

/** One emitted operation, in emission order across modules. */
export interface Step {
  module: string
  operation: Operation
  notes: string[]
  /** Why it loses data, when it does. */
  loss?: string
}

const byModule = (a: { module: string }, b: { module: string }) =>
  a.module < b.module ? -1 : a.module > b.module ? 1 : 0

/** Group steps per module (modules by name), keeping each module's order. */
export function groupSteps(
  steps: readonly Step[],
  deps: ReadonlyMap<string, ReadonlyMap<string, boolean>>,
): ModuleChanges[] {
  const out = new Map<string, ModuleChanges>()
  for (const step of steps) {
    let changes = out.get(step.module)
    if (changes === undefined) {
      changes = {
        module: step.module,
        operations: [],
        notes: new Map(),
        dependencies: [],
        dataLoss: [],
      }
      out.set(step.module, changes)
    }
    if (step.notes.length > 0) changes.notes.set(changes.operations.length, step.notes)
    if (step.loss !== undefined) {
      changes.dataLoss.push({
        module: step.module,
        description: step.operation.describe(),
        reason: step.loss,
      })
    }
    changes.operations.push(step.operation)
  }
  for (const changes of out.values()) {
    changes.dependencies = [...(deps.get(changes.module) ?? [])]
      .map(([module, created]) => ({ module, created }))
      .sort(byModule)
  }
  return [...out.values()].sort(byModule)
}

const list = (items: readonly string[]) => items.map((i) => `  - ${i}`).join('\n')

/** Rename candidates nobody confirmed or declined (no terminal, nothing declared). */
export function ambiguousRenameError(candidates: readonly string[]): MigrationError {
  return new MigrationError(
    'PLINTH_MIGRATIONS_AMBIGUOUS_RENAME',
    `These changes may be renames, and makemigrations cannot ask (no terminal):\n${list(candidates)}\nDeclare each rename with --rename (renames: [...] in code), or pass --no-renames (noRenames: true) to drop the old and add the new instead, losing the old data.`,
  )
}

/** NOT NULL fields of existing tables with no value for the rows already there. */
export function needsDefaultError(fields: readonly string[]): MigrationError {
  return new MigrationError(
    'PLINTH_MIGRATIONS_NEEDS_DEFAULT',
    `These fields are NOT NULL without a default, and rows already in the table need a value:\n${list(fields)}\nGive the field a default in the model, make it nullable (null: true), or pass the value for existing rows: --default app.Model.field=value (defaults: { 'app.Model.field': value } in code).`,
  )
}

/** Operations that lose data, not acknowledged. */
export function dataLossError(items: readonly DataLossItem[]): MigrationError {
  return new MigrationError(
    'PLINTH_MIGRATIONS_DATA_LOSS',
    `These changes lose data:\n${list(items.map((i) => `${i.module}: ${i.description}: ${i.reason}`))}\nIf that is intended, re-run with --allow-data-loss (allowDataLoss: true); each such operation gets a warning comment in the file. Otherwise change the models back, or declare a rename (--rename) if something was renamed.`,
  )
}
