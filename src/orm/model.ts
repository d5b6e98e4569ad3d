/**
 * `defineModel`: one definition that drives the table, typed queries, validation schemas and
 * OpenAPI (and, later, migrations and the admin).
 *
 * A model is a plain object: its `name`, its `fields`, resolved metadata (`meta`, built lazily so
 * relations may point at models defined further down the file), a `objects` manager and derived
 * `schemas`. Models are not bound to a database: queries run on the database of the current
 * transaction or scope, or the one the model was attached to (`database.ts`).
 */
import { OrmConfigError } from './errors.ts'
import type { FieldMap } from './fields.ts'
import { field } from './fields.ts'
import { buildMeta, type ModelMeta, type ModelOptions } from './meta.ts'
import { allRows, type QuerySet } from './query/queryset.ts'
import { modelRegistry, register } from './registry.ts'
import { buildSchemas, type ModelSchemas } from './schemas.ts'
import type { InsertOf, RowOf, UpdateOf } from './types.ts'

/** Any model, for generic code. */
export interface AnyModel {
  readonly name: string
  readonly fields: FieldMap
  readonly meta: ModelMeta
  readonly $pk: unknown
  readonly $row: object
}

/** A defined model. `Name` and `F` carry the types; see `Row`, `Insert`, `Update`. */
export interface Model<Name extends string = string, F extends FieldMap = FieldMap>
  extends AnyModel {
  readonly name: Name
  readonly fields: F
  /** Type-only: the primary key's type. */
  readonly $pk: PkType<F>
  /** Type-only: a row as read. Use `Row<typeof Product>`. */
  readonly $row: RowOf<F>
  /** The query set of all rows: `Product.objects.filter(...)`. */
  readonly objects: QuerySet<Model<Name, F>>
  /**
   * Validation schemas derived from the fields (Standard Schema + JSON Schema): `create`,
   * `update`, `partialUpdate` for request bodies, `output` for responses.
   *
   * @example
   * app.post('/products', { body: Product.schemas.create, response: Product.schemas.output },
   *   (ctx) => Product.objects.create(ctx.body))
   */
  readonly schemas: ModelSchemas<F>
  /** Type-only: what `create` accepts. */
  readonly $insert: InsertOf<F>
  /** Type-only: what `update` accepts. */
  readonly $update: UpdateOf<F>
}

type PkType<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { spec: { primaryKey: true } } ? RowOf<F>[K & keyof RowOf<F>] : never
}[keyof F]

/** A row of model `M` as read from the database. */
export type Row<M extends AnyModel> = M['$row']
/** What `M.objects.create()` accepts. */
export type Insert<M extends { $insert: unknown }> = M['$insert']
/** What `M.objects.filter().update()` accepts. */
export type Update<M extends { $update: unknown }> = M['$update']

const MODEL_NAME = /^[A-Z][A-Za-z0-9]*$/

/** Field maps without a primary key get Django's implicit `id: field.autoId()`. */
export type WithPk<F extends FieldMap> = true extends {
  [K in keyof F]: F[K] extends { spec: { primaryKey: true } } ? true : never
}[keyof F]
  ? F
  : F & { id: ReturnType<typeof field.autoId> }

/**
 * Define a model.
 *
 * @example
 * const Category = defineModel('Category', {
 *   id: field.autoId(),
 *   name: field.string({ maxLength: 100, unique: true }),
 * }, { ordering: ['name'] })
 * type CategoryRow = Row<typeof Category> // { id: number; name: string }
 */
export function defineModel<const Name extends string, const F extends FieldMap>(
  name: Name,
  fields: F,
  options: ModelOptions<F> = {},
): Model<Name, WithPk<F>> {
  return buildModel(name, fields, options, true)
}

/**
 * `defineModel`, with the eager check optional: migrations render the same historical models
 * once per operation and use only one or two of them, so they skip it (metadata is still checked
 * when first used).
 */
export function buildModel<const Name extends string, const F extends FieldMap>(
  name: Name,
  fields: F,
  options: ModelOptions<F>,
  checkNow: boolean,
): Model<Name, WithPk<F>> {
  if (!MODEL_NAME.test(name)) {
    throw new OrmConfigError(
      `Model name "${name}" must be PascalCase letters and digits (e.g. "OrderItem").`,
      'PLINTH_ORM_MODEL_INVALID',
    )
  }
  const hasPk = Object.values(fields).some((f) => f.spec.primaryKey)
  const allFields: FieldMap = hasPk ? fields : { id: field.autoId(), ...fields }
  let meta: ModelMeta | undefined
  let objects: QuerySet<any> | undefined
  let schemas: ModelSchemas | undefined
  const model = {
    name,
    fields: allFields,
    get meta(): ModelMeta {
      if (meta === undefined) meta = buildMeta(model, options as ModelOptions)
      return meta
    },
    get objects() {
      objects ??= allRows(model)
      return objects
    },
    get schemas() {
      schemas ??= buildSchemas(model)
      return schemas
    },
  } as unknown as Model<Name, WithPk<F>>
  // Validate eagerly what needs no other model, so a typo fails at import time.
  if (checkNow) buildMeta(model, options as ModelOptions, { resolveRelations: false })
  register(model, options.registry ?? modelRegistry, options.module ?? 'app')
  return model
}
