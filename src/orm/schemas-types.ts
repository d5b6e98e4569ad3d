/**
 * Types of the model schemas: what `create`, `update`, `partialUpdate` and `output` accept and
 * produce, inferred from the field map like `Row` and `Insert` (`types.ts`).
 */
import type { StandardJSONSchemaV1, StandardSchemaV1 } from '../validation/index.ts'
import type { Field, FieldMap, FieldValue, ManyToManyField, RelationField } from './fields.ts'
import type { RowOf } from './types.ts'

type Simplify<T> = { [K in keyof T]: T[K] } & {}

/**
 * Fields the API may write: not many-to-many, not marked `editable: false` or `generated` in their
 * spec type. Field builders mark only primary keys in the type so far, so an optional primary key
 * (an auto id) is taken as generated; the runtime decides from the full metadata.
 */
type EditableKeys<F extends FieldMap> = {
  [K in keyof F]: F[K] extends ManyToManyField
    ? never
    : F[K] extends { spec: { editable: false } } | { spec: { generated: true } }
      ? never
      : K
}[keyof F] &
  string

type PrimaryKeys<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { spec: { primaryKey: true } } ? K : never
}[keyof F]

type IsOptional<F> = F extends Field<any, boolean, infer O> ? O : false
type OptionalKeys<F extends FieldMap> = {
  [K in keyof F]: IsOptional<F[K]> extends true ? K : never
}[keyof F]

/** The row property of a field: `categoryId` for the `category` foreign key. */
type AttrOf<F extends FieldMap, K> = F[K & keyof F] extends RelationField
  ? `${K & string}Id`
  : K & string

/** A value as a JSON body may carry it (dates and 64-bit integers as strings, bytes as base64). */
type Wire<V> = V extends Date
  ? Date | string
  : V extends bigint
    ? bigint | string | number
    : V extends Uint8Array
      ? Uint8Array | string
      : V

/** The value of field `F` after validation (`false`) or as sent (`true`; decimals may be numbers). */
type ValueOf<F, Sent extends boolean> = Sent extends false
  ? FieldValue<F>
  : F extends { spec: { kind: 'decimal' } }
    ? FieldValue<F> | number
    : Wire<FieldValue<F>>

type Body<F extends FieldMap, Keys extends keyof F, Sent extends boolean = false> = Simplify<
  { [K in Exclude<Keys, OptionalKeys<F>> as AttrOf<F, K>]: ValueOf<F[K], Sent> } & {
    [K in Extract<Keys, OptionalKeys<F>> as AttrOf<F, K>]?: ValueOf<F[K], Sent>
  }
>

type CreateKeys<F extends FieldMap> = Exclude<
  EditableKeys<F>,
  Extract<PrimaryKeys<F>, OptionalKeys<F>>
>
type ChangeKeys<F extends FieldMap> = Exclude<EditableKeys<F>, PrimaryKeys<F>>

/** What a valid create body becomes: editable fields, foreign keys as `<name>Id`. */
export type CreateOf<F extends FieldMap> = Body<F, CreateKeys<F>>

/** What a valid update body becomes: `CreateOf` without the primary key. */
export type ChangeOf<F extends FieldMap> = Body<F, ChangeKeys<F>>

/**
 * A model schema: Standard Schema v1 (synchronous) and Standard JSON Schema.
 *
 * @example
 * const body = Product.schemas.create.parse({ name: 'Lamp', price: 19.9, categoryId: 3 })
 * // { name: 'Lamp', price: '19.90', categoryId: 3 }; throws ModelValidationError when invalid
 */
export interface ModelSchema<Input = unknown, Output = Input>
  extends StandardSchemaV1<Input, Output> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output> &
    StandardJSONSchemaV1.Props<Input, Output>
  /** The schema's name in JSON Schema and OpenAPI: `ProductCreate`, `Product`. */
  readonly name: string
  /** Validate and convert, or throw `ModelValidationError` listing every issue (for code outside HTTP). */
  parse(value: unknown): Output
  /** The same rules for a JSON array of values (issue paths start with the index). */
  array(): ModelSchema<Input[], Output[]>
}

/**
 * The schemas derived from a model: `Product.schemas.create`, `.update`, `.partialUpdate`, `.output`.
 *
 * @example
 * app.patch('/products/:id', { body: Product.schemas.partialUpdate, response: Product.schemas.output },
 *   async (ctx) => { … })
 */
export interface ModelSchemas<F extends FieldMap = FieldMap> {
  /** A new row: editable fields only, required ones required, unknown keys refused. */
  readonly create: ModelSchema<Body<F, CreateKeys<F>, true>, CreateOf<F>>
  /** A full replacement (`PUT`): like `create` without the primary key. */
  readonly update: ModelSchema<Body<F, ChangeKeys<F>, true>, ChangeOf<F>>
  /** A partial change (`PATCH`): every editable field but the primary key, all optional. */
  readonly partialUpdate: ModelSchema<Partial<Body<F, ChangeKeys<F>, true>>, Partial<ChangeOf<F>>>
  /** A row as the API returns it: every column, foreign keys as `<name>Id`. */
  readonly output: ModelSchema<RowOf<F>, RowOf<F>>
}
