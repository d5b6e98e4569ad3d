/**
 * Plinth ORM: models, typed query sets, relations and transactions on SQLite, PostgreSQL and
 * MySQL/MariaDB, with SQL built by Kysely.
 *
 * Must not import HTTP (`http`, `app`, …): the ORM is usable from scripts, workers and tests without
 * a server. Start with `model.ts` (definitions), `query/queryset.ts` (queries) and `database.ts`
 * (connections and transactions). Guide: docs/orm.md.
 */
export type {
  DatabaseConfig,
  DatabaseConfigInput,
  SqliteSynchronous,
} from './connection/config.ts'
export type { DialectName, PoolOptions, QueryResult, Statement } from './connection/types.ts'
export {
  createDatabase,
  Database,
  type DatabaseOptions,
  DatabaseSet,
  type IsolationLevel,
  type TransactionOptions,
} from './database.ts'
export {
  ConnectionError,
  DatabaseError,
  HTTP_DESCRIPTION,
  type HttpDescription,
  IntegrityError,
  type IntegrityKind,
  ModelValidationError,
  MultipleObjectsError,
  NotFoundError,
  OrmConfigError,
  OrmError,
  PoolTimeoutError,
  QueryError,
  UniqueViolationError,
} from './errors.ts'
export {
  type AnyField,
  Field,
  type FieldKind,
  type FieldSpec,
  field,
  type OnDelete,
} from './fields.ts'
export { type Instance, type InstanceMethods, isInstance, type SaveOptions } from './instance.ts'
export type {
  ConstraintSpec,
  FieldInfo,
  IndexSpec,
  ModelHooks,
  ModelIssue,
  ModelMeta,
  ModelOptions,
  RelationInfo,
} from './meta.ts'
export {
  type AnyModel,
  defineModel,
  type Insert,
  type Model,
  type Row,
  type Update,
} from './model.ts'
export type { QueryObserver } from './observe.ts'
export {
  type KeysetKey,
  type KeysetOptions,
  type KeysetPage,
  keysetPage,
  type Page,
  type PageOptions,
  paginate,
} from './pagination.ts'
export {
  Aggregate,
  Avg,
  and,
  Count,
  exists,
  F,
  has,
  Max,
  Min,
  not,
  OuterRef,
  or,
  Sum,
} from './query/expressions.ts'
export { Lookup, lookup } from './query/lookup.ts'
export { type FilterArg, QuerySet } from './query/queryset.ts'
export {
  type QueryWatchContext,
  type QueryWatcher,
  type QueryWatchMiddlewareOptions,
  type QueryWatchOptions,
  queryWatchMiddleware,
  type RepeatedQuery,
  watchQueries,
} from './query-watch.ts'
export {
  column,
  list,
  type SqlIdentifier,
  type SqlList,
  SqlQuery,
  type SqlTag,
  table,
} from './raw.ts'
export type { RelatedItem, RelatedManager, RelatedMethods } from './relations.ts'
export { createTables, dropTables, schemaStatements } from './schema/index.ts'
export type { ChangeOf, CreateOf, ModelSchema, ModelSchemas } from './schemas.ts'
export { listen, type SignalName } from './signals.ts'
export type { Where } from './types.ts'
