/**
 * The `op` namespace migration files are written with.
 *
 * @example
 * export default defineMigration({
 *   dependencies: ['0001_initial'],
 *   operations: [
 *     op.addField({ model: 'Product', name: 'stock', field: field.integer({ default: 0 }) }),
 *     op.renameField({ model: 'Product', from: 'title', to: 'name' }),
 *   ],
 * })
 */

import type { ConstraintState, IndexState } from '../state.ts'
import {
  AddField,
  type AddFieldOptions,
  AlterField,
  type AlterFieldOptions,
  RemoveField,
  RenameField,
} from './fields.ts'
import {
  AddConstraint,
  AddIndex,
  RemoveConstraint,
  RemoveIndex,
  RenameConstraint,
  RenameIndex,
  type RenameNamedOptions,
} from './indexes.ts'
import {
  AlterModelTable,
  CreateModel,
  type CreateModelOptions,
  DeleteModel,
  RenameModel,
} from './models.ts'
import { RunCode, type RunCodeOptions, RunSql, type RunSqlOptions } from './special.ts'

export type { Operation, OperationContext } from './base.ts'
export * from './fields.ts'
export * from './indexes.ts'
export * from './models.ts'
export * from './special.ts'

/** Operation builders for migration files. */
export const op = {
  createModel: (options: CreateModelOptions) => new CreateModel(options),
  deleteModel: (options: { name: string }) => new DeleteModel(options),
  renameModel: (options: { from: string; to: string }) => new RenameModel(options),
  alterModelTable: (options: { name: string; table: string }) => new AlterModelTable(options),
  addField: (options: AddFieldOptions) => new AddField(options),
  removeField: (options: { model: string; name: string }) => new RemoveField(options),
  alterField: (options: AlterFieldOptions) => new AlterField(options),
  renameField: (options: { model: string; from: string; to: string }) => new RenameField(options),
  addIndex: (options: { model: string; index: IndexState }) => new AddIndex(options),
  removeIndex: (options: { model: string; name: string }) => new RemoveIndex(options),
  renameIndex: (options: RenameNamedOptions) => new RenameIndex(options),
  addConstraint: (options: { model: string; constraint: ConstraintState }) =>
    new AddConstraint(options),
  removeConstraint: (options: { model: string; name: string }) => new RemoveConstraint(options),
  renameConstraint: (options: RenameNamedOptions) => new RenameConstraint(options),
  runSql: (options: RunSqlOptions) => new RunSql(options),
  runCode: (options: RunCodeOptions) => new RunCode(options),
  /** A step that does nothing: the `backward` of a data migration that needs no undoing. */
  noop: (): void => {},
}
