/**
 * Field builders: `field.string({ maxLength: 100 })`, `field.decimal({ maxDigits: 10, decimalPlaces: 2 })`,
 * `field.foreignKey(() => Category, { onDelete: 'cascade' })`.
 *
 * A field is plain metadata (`FieldSpec`) plus phantom types: the JavaScript value type, whether
 * the column is nullable, and whether an insert may omit it. Models infer their row, insert and
 * update types from those phantoms; the query compiler, the schema generator and (later) the
 * migration autodetector and the admin read the metadata. Nothing here knows about a database.
 */
import type { AnyModel } from './model.ts'

/** The kinds of field Plinth knows. Each maps to one column type per dialect (`column-types.ts`). */
export type FieldKind =
  | 'autoId'
  | 'bigAutoId'
  | 'uuidId'
  | 'string'
  | 'text'
  | 'integer'
  | 'bigint'
  | 'float'
  | 'decimal'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'time'
  | 'duration'
  | 'json'
  | 'uuid'
  | 'email'
  | 'url'
  | 'slug'
  | 'enum'
  | 'binary'
  | 'foreignKey'
  | 'oneToOne'
  | 'manyToMany'

/** What a foreign key does when the row it points to is deleted. */
export type OnDelete = 'cascade' | 'restrict' | 'setNull' | 'setDefault' | 'doNothing'

/** A field-level rule: return an error message, or nothing when the value is fine. */
export type FieldValidator<V> = (value: V) => string | undefined | null

/**
 * A model, or a function returning one (for models defined later in the file). `'self'` points at
 * the model being defined; a name (`'Category'`, `'shop.Category'`) is looked up when first used
 * (the field is then typed loosely: prefer a function in application code).
 */
export type ModelRef<M extends AnyModel = AnyModel> = M | (() => M) | 'self' | (string & {})

/** Options every field accepts. */
export interface CommonOptions<V> {
  /** The column accepts NULL (the value type gains `| null`). */
  null?: boolean
  /** Value used when an insert leaves the field out: a value, or a function called per insert. */
  default?: V | (() => V)
  /** A unique constraint on this column. */
  unique?: boolean
  /** An index on this column. */
  index?: boolean
  /** Database column name; defaults to the field name in snake_case. */
  column?: string
  /** Extra checks run by `validate()`, `save()` and the model's schemas. */
  validators?: ReadonlyArray<FieldValidator<V>>
  /** Shown beside the input in forms and in OpenAPI descriptions. */
  helpText?: string
  /** Human name, e.g. `'unit price'`. Defaults to the field name in words. */
  verboseName?: string
  /** False hides the field from create/update schemas and admin forms (it can still be set in code). */
  editable?: boolean
  /** Empty strings are accepted by validation (Django's `blank`). Default false for text fields. */
  blank?: boolean
  /** Allowed values with labels: `[['s', 'Small'], ['l', 'Large']]` or just values. */
  choices?: ReadonlyArray<V | readonly [V, string]>
  /** Marks the primary key when it is not an auto field. */
  primaryKey?: boolean
}

/** Runtime description of a field. Read by the query compiler, schemas, migrations and the admin. */
export interface FieldSpec {
  readonly kind: FieldKind
  readonly null: boolean
  readonly default: unknown
  readonly hasDefault: boolean
  readonly unique: boolean
  readonly index: boolean
  readonly column: string | undefined
  readonly validators: ReadonlyArray<FieldValidator<never>>
  readonly helpText: string | undefined
  readonly verboseName: string | undefined
  readonly editable: boolean
  readonly blank: boolean
  readonly choices: ReadonlyArray<readonly [unknown, string]> | undefined
  readonly primaryKey: boolean
  /** Database generates the value (auto ids): inserts leave it out. */
  readonly generated: boolean
  /** string/email/url/slug: most characters. */
  readonly maxLength?: number
  /** decimal: total digits and digits after the point. */
  readonly maxDigits?: number
  readonly decimalPlaces?: number
  /** datetime/date: set on every save (`autoNow`) or on insert only (`autoNowAdd`). */
  readonly autoNow?: boolean
  readonly autoNowAdd?: boolean
  /** enum: the allowed values. */
  readonly values?: readonly string[]
  /** Relations: the target model and behaviour. */
  readonly target?: ModelRef
  readonly onDelete?: OnDelete
  readonly relatedName?: string
  /** manyToMany: an explicit through model and its two foreign-key field names. */
  readonly through?: ModelRef
  readonly throughFields?: readonly [string, string]
  /** foreignKey: which field of the target it points at (default: the target's primary key). */
  readonly toField?: string
  /** Foreign keys: create the database constraint (default true). */
  readonly dbConstraint?: boolean
}

declare const TYPES: unique symbol

/**
 * A field: runtime `spec` plus phantom types.
 *
 * `V` is the value type, `N` whether it is nullable, `O` whether inserts may omit it.
 */
export class Field<V = unknown, N extends boolean = boolean, O extends boolean = boolean> {
  declare readonly [TYPES]: { value: V; nullable: N; optional: O }
  readonly spec: FieldSpec
  constructor(spec: FieldSpec) {
    this.spec = spec
  }
}

/** A foreign key (or one-to-one) to model `T`. Rows carry `<name>Id`; queries may join through `<name>`. */
export class RelationField<
  T extends AnyModel = AnyModel,
  V = unknown,
  N extends boolean = boolean,
  O extends boolean = boolean,
> extends Field<V, N, O> {
  declare readonly target: T
}

/** A many-to-many relation to model `T`. It has no column; its rows live in a join table. */
export class ManyToManyField<T extends AnyModel = AnyModel> extends Field<never, false, true> {
  declare readonly manyTarget: T
}

/** Any field. */
export type AnyField = Field<any, boolean, boolean>
/** A model's field map. */
export type FieldMap = Record<string, AnyField>

/** The value type of a field in a row, `| null` when nullable. */
export type FieldValue<F> =
  F extends Field<infer V, infer N, boolean> ? (N extends true ? V | null : V) : never

type Nullable<O> = O extends { null: true } ? true : false
type Optional<O> = O extends { null: true } ? true : O extends { default: unknown } ? true : false

function baseSpec(kind: FieldKind, input: object = {}): FieldSpec {
  const options = input as CommonOptions<unknown>
  const choices = options.choices?.map((c) =>
    Array.isArray(c) ? (c as unknown as readonly [unknown, string]) : ([c, String(c)] as const),
  )
  return {
    kind,
    null: options.null ?? false,
    default: options.default,
    hasDefault: 'default' in options && options.default !== undefined,
    unique: options.unique ?? false,
    index: options.index ?? false,
    column: options.column,
    validators: (options.validators ?? []) as FieldSpec['validators'],
    helpText: options.helpText,
    verboseName: options.verboseName,
    editable: options.editable ?? true,
    blank: options.blank ?? false,
    choices,
    primaryKey: options.primaryKey ?? false,
    generated: false,
  }
}

/**
 * Marks a primary key in the type (`spec.primaryKey` is `true`, not `boolean`), so models infer
 * their key type and do not add the implicit `id`.
 */
type PrimaryKey<F> = F & { readonly spec: FieldSpec & { readonly primaryKey: true } }
type PkMark<O> = O extends { primaryKey: true }
  ? { readonly spec: FieldSpec & { readonly primaryKey: true } }
  : unknown
/** Marks a kind in the type where inputs and filters depend on it (decimals accept numbers, dates take date lookups). */
type KindMark<K extends FieldKind> = { readonly spec: FieldSpec & { readonly kind: K } }
type AutoDefault<O, V> = O extends { autoNow: true } | { autoNowAdd: true } ? O & { default: V } : O

function make<V, O>(kind: FieldKind, options: O | undefined, extra: Partial<FieldSpec> = {}) {
  return new Field<V, Nullable<O>, Optional<O>>({
    ...baseSpec(kind, options ?? {}),
    ...extra,
  }) as Field<V, Nullable<O>, Optional<O>> & PkMark<O>
}

// Overloads rather than an inferred options type: once `T` is given (`field.json<Settings>(…)`)
// TypeScript stops inferring the other type parameters, so `null`/`default` would be lost.
function json<T = unknown>(options: CommonOptions<T> & { null: true }): Field<T, true, true>
function json<T = unknown>(
  options: CommonOptions<T> & { default: T | (() => T) },
): Field<T, false, true>
function json<T = unknown>(options?: CommonOptions<T>): Field<T, false, false>
function json(options?: CommonOptions<unknown>): AnyField {
  return make<unknown, CommonOptions<unknown>>('json', options)
}

export interface StringOptions<V = string> extends CommonOptions<V> {
  /** Most characters accepted (a `varchar(n)` column). Required for `string`. */
  maxLength: number
}
export interface DecimalOptions extends CommonOptions<string> {
  /** Total digits, e.g. 10 for `99999999.99`. */
  maxDigits: number
  /** Digits after the point, e.g. 2. */
  decimalPlaces: number
}
export interface DateTimeOptions<V> extends CommonOptions<V> {
  /** Set to now on every save (an "updated at" field). Implies `editable: false`. */
  autoNow?: boolean
  /** Set to now when the row is inserted (a "created at" field). Implies `editable: false`. */
  autoNowAdd?: boolean
}
export interface RelationOptions
  extends Omit<CommonOptions<never>, 'default' | 'choices' | 'validators'> {
  /** What happens to this row when the target row is deleted. Required: there is no safe default. */
  onDelete: OnDelete
  /** Name of the reverse relation on the target (`category.products`). Default: `<model>Set` in camelCase. */
  relatedName?: string
  /** Target field the key holds (default: the target's primary key). */
  toField?: string
  /** A default id for `setDefault`, or for inserts that leave the relation out. */
  default?: unknown
  /** Set false to skip the database constraint (data kept in another system, say). */
  dbConstraint?: boolean
}
export interface ManyToManyOptions {
  /** Reverse name on the target, e.g. `products` for `Tag ↔ Product`. */
  relatedName?: string
  /** An explicit join model holding extra columns; `throughFields` names its two foreign keys. */
  through?: ModelRef
  throughFields?: readonly [string, string]
  helpText?: string
  verboseName?: string
  /** Hide from admin forms and schemas. */
  editable?: boolean
  /** Allow an empty set in forms. */
  blank?: boolean
}

type PkOf<T extends AnyModel> = T extends { readonly $pk: infer P } ? P : number
type Resolve<R> = R extends () => infer M ? M : R

function relation<R, O extends RelationOptions>(
  kind: 'foreignKey' | 'oneToOne',
  target: R,
  options: O,
) {
  return new RelationField({
    ...baseSpec(kind, options),
    unique: kind === 'oneToOne' ? true : (options.unique ?? false),
    index: options.index ?? true,
    target: target as ModelRef,
    onDelete: options.onDelete,
    relatedName: options.relatedName,
    toField: options.toField,
    dbConstraint: options.dbConstraint ?? true,
  }) as RelationField<
    Resolve<R> extends AnyModel ? Resolve<R> : AnyModel,
    R extends 'self' ? number : PkOf<Resolve<R> & AnyModel>,
    Nullable<O>,
    Optional<O>
  >
}

/**
 * Field builders. Every builder takes the common options (`null`, `default`, `unique`, `index`,
 * `column`, `validators`, `helpText`, `verboseName`, `editable`, `blank`, `choices`).
 *
 * @example
 * const Product = defineModel('Product', {
 *   id: field.autoId(),
 *   name: field.string({ maxLength: 200 }),
 *   price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
 *   category: field.foreignKey(() => Category, { onDelete: 'cascade', relatedName: 'products' }),
 * })
 */
export const field = {
  /** Auto-incrementing integer primary key. */
  autoId: () =>
    new Field<number, false, true>({
      ...baseSpec('autoId', { editable: false }),
      primaryKey: true,
      generated: true,
    }) as PrimaryKey<Field<number, false, true>>,
  /** Auto-incrementing 64-bit primary key, as a `bigint`. */
  bigAutoId: () =>
    new Field<bigint, false, true>({
      ...baseSpec('bigAutoId', { editable: false }),
      primaryKey: true,
      generated: true,
    }) as PrimaryKey<Field<bigint, false, true>>,
  /** UUID primary key generated in JavaScript (`crypto.randomUUID`) on insert. */
  uuidId: () =>
    new Field<string, false, true>({
      ...baseSpec('uuidId', { editable: false, default: () => crypto.randomUUID() }),
      primaryKey: true,
    }) as PrimaryKey<Field<string, false, true>>,
  /** Text up to `maxLength` characters (`varchar`). */
  string: <const O extends StringOptions>(options: O) =>
    make<string, O>('string', options, { maxLength: options.maxLength }),
  /** Text of any length. */
  text: <const O extends CommonOptions<string>>(options?: O) => make<string, O>('text', options),
  /** 32-bit integer. */
  integer: <const O extends CommonOptions<number>>(options?: O) =>
    make<number, O>('integer', options),
  /** 64-bit integer, as a `bigint` (exact beyond 2^53). */
  bigint: <const O extends CommonOptions<bigint>>(options?: O) =>
    make<bigint, O>('bigint', options),
  /** Double-precision float. For money use `decimal`. */
  float: <const O extends CommonOptions<number>>(options?: O) => make<number, O>('float', options),
  /** Exact decimal, as a string (`'19.99'`): never a float in JavaScript. */
  decimal: <const O extends DecimalOptions>(options: O) =>
    make<string, O>('decimal', options, {
      maxDigits: options.maxDigits,
      decimalPlaces: options.decimalPlaces,
    }) as Field<string, Nullable<O>, Optional<O>> & PkMark<O> & KindMark<'decimal'>,
  boolean: <const O extends CommonOptions<boolean>>(options?: O) =>
    make<boolean, O>('boolean', options),
  /** A calendar date as `'YYYY-MM-DD'` (no time zone). */
  date: <const O extends DateTimeOptions<string>>(options?: O) =>
    make<string, AutoDefault<O, string>>(
      'date',
      options as never,
      autoTime(options as DateTimeOptions<unknown> | undefined),
    ) as Field<string, Nullable<AutoDefault<O, string>>, Optional<AutoDefault<O, string>>> &
      PkMark<O> &
      KindMark<'date'>,
  /** A point in time as a `Date`, stored in UTC. */
  datetime: <const O extends DateTimeOptions<Date>>(options?: O) =>
    make<Date, O extends { autoNow: true } | { autoNowAdd: true } ? O & { default: Date } : O>(
      'datetime',
      options as never,
      autoTime(options as DateTimeOptions<unknown> | undefined),
    ),
  /** A time of day as `'HH:MM:SS'` or `'HH:MM:SS.ffffff'`. */
  time: <const O extends CommonOptions<string>>(options?: O) => make<string, O>('time', options),
  /** A length of time in milliseconds (stored as a 64-bit integer). */
  duration: <const O extends CommonOptions<number>>(options?: O) =>
    make<number, O>('duration', options),
  /** Any JSON value (`jsonb` on PostgreSQL). Type it with a parameter: `field.json<Settings>()`. */
  json,
  /** A UUID string (`uuid` on PostgreSQL). */
  uuid: <const O extends CommonOptions<string>>(options?: O) => make<string, O>('uuid', options),
  /** An email address (validated); `maxLength` defaults to 254. */
  email: <const O extends Partial<StringOptions>>(options?: O) =>
    make<string, O>('email', options, { maxLength: options?.maxLength ?? 254 }),
  /** An http(s) URL (validated); `maxLength` defaults to 200. */
  url: <const O extends Partial<StringOptions>>(options?: O) =>
    make<string, O>('url', options, { maxLength: options?.maxLength ?? 200 }),
  /** Letters, digits, `-` and `_` (validated); indexed; `maxLength` defaults to 50. */
  slug: <const O extends Partial<StringOptions>>(options?: O) =>
    make<string, O>('slug', { index: true, ...options } as O, {
      maxLength: options?.maxLength ?? 50,
    }),
  /** One of a fixed set of strings: `field.enum(['draft', 'published'])`. */
  enum: <const V extends readonly [string, ...string[]], const O extends CommonOptions<V[number]>>(
    values: V,
    options?: O,
  ) =>
    make<V[number], O>('enum', options, {
      values,
      maxLength: Math.max(...values.map((v) => v.length)),
    }),
  /** Raw bytes, as a `Uint8Array` (Buffer on read). */
  binary: <const O extends CommonOptions<Uint8Array>>(options?: O) =>
    make<Uint8Array, O>('binary', options),
  /**
   * A reference to another model's row. The row carries `<name>Id`; filters compare it with a key
   * or an instance (`{ category: books }`) and go through it with dotted keys
   * (`{ 'category.name': 'books' }`).
   */
  foreignKey: <const R extends ModelRef, const O extends RelationOptions>(target: R, options: O) =>
    relation('foreignKey', target, options),
  /** A foreign key that is also unique: each target row has at most one of these. */
  oneToOne: <const R extends ModelRef, const O extends RelationOptions>(target: R, options: O) =>
    relation('oneToOne', target, options),
  /** A many-to-many relation through a join table (automatic, or `through` a model of yours). */
  manyToMany: <const R extends ModelRef>(target: R, options: ManyToManyOptions = {}) =>
    new ManyToManyField({
      ...baseSpec('manyToMany', {
        helpText: options.helpText,
        verboseName: options.verboseName,
        editable: options.editable ?? true,
        blank: options.blank ?? true,
      }),
      target: target as ModelRef,
      relatedName: options.relatedName,
      through: options.through,
      throughFields: options.throughFields,
    }) as ManyToManyField<Resolve<R> extends AnyModel ? Resolve<R> : AnyModel>,
}

function autoTime(options: DateTimeOptions<unknown> | undefined): Partial<FieldSpec> {
  if (!options?.autoNow && !options?.autoNowAdd) return {}
  return {
    autoNow: options.autoNow ?? false,
    autoNowAdd: options.autoNowAdd ?? false,
    editable: false,
    hasDefault: true,
  }
}

/** True for foreign keys and one-to-ones (fields with a column pointing at another model). */
export function isRelation(spec: FieldSpec): boolean {
  return spec.kind === 'foreignKey' || spec.kind === 'oneToOne'
}
