/**
 * Plinth migrations: generated from models, reversible, on SQLite, PostgreSQL and MySQL.
 *
 * Builds on the ORM (`src/orm`) and knows nothing of HTTP. Start with `state.ts` (how migration
 * files replay into a project state), `operations/` (what a migration can do) and
 * `schema-editor/` (how each dialect does it). Guide: docs/migrations.md.
 */
export { field } from '../orm/fields.ts'
export { and, F, not, or } from '../orm/query/expressions.ts'
export { lookup } from '../orm/query/lookup.ts'
export { stateDifferences } from './autodetector/verify.ts'
export {
  type DeclaredRename,
  type DetectOptions,
  detectChanges,
  type ModuleChanges,
  type ModuleDependency,
} from './autodetector.ts'
export {
  type DatabaseInput,
  defineMigrations,
  defineModule,
  type MigrationConfig,
  type MigrationModule,
} from './config.ts'
export {
  type CheckSchemaOptions,
  checkSchema,
  type DriftItem,
  type DriftKind,
  type SchemaCheck,
} from './drift.ts'
export { MigrationError } from './errors.ts'
export { type MigrateOptions, type MigrateResult, migrate } from './executor.ts'
export { MigrationGraph } from './graph.ts'
export {
  type InspectOptions,
  type MigrationOverview,
  type MigrationSql,
  type MigrationStatus,
  plan,
  type SqlForOptions,
  showMigrations,
  sqlFor,
} from './inspect.ts'
export { compareSchemas } from './introspect/compare.ts'
export { expectedSchema, modelsSchema } from './introspect/expected.ts'
export { type DatabaseSchema, introspect, type TableSchema } from './introspect/index.ts'
export { loadMigrations, loadModuleMigrations } from './loader.ts'
export { DEFAULT_LOCK_WAIT_MS } from './lock.ts'
export {
  type GeneratedMigration,
  type MakeMigrationsOptions,
  type MakeMigrationsResult,
  makeMigrations,
} from './make.ts'
export { defineMigration, type Migration, type MigrationDefinition, replay } from './migration.ts'
export * from './operations/index.ts'
export { createModelCode } from './operations/models.ts'
export { type OptimizeOptions, optimize } from './optimizer.ts'
export {
  type MigrationSource,
  type MigrationTarget,
  type PlanStep,
  resolveMigrationName,
} from './plan.ts'
export {
  type DataLossItem,
  type FillQuestion,
  parseFillValue,
  promptQuestioner,
  type Questioner,
  type RenameQuestion,
} from './questioner.ts'
export { type MigrationRecord, MigrationRecorder, RECORD_TABLE } from './recorder.ts'
export { createSchemaEditor, type SchemaEditorOptions } from './schema-editor/index.ts'
export type { SchemaEditor } from './schema-editor/types.ts'
export { type SquashOptions, type SquashResult, squashMigrations } from './squash.ts'
export {
  type ConstraintState,
  HistoricalApps,
  type IndexState,
  type ModelState,
  modelKey,
  ProjectState,
} from './state.ts'
export { renderMigration } from './writer.ts'
