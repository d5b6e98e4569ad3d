/**
 * Raw SQL for what the query set cannot express: `db.sql\`…\`` with bound values.
 *
 * Every interpolated value becomes a bound parameter, whatever it looks like: a string holding a
 * column name is still a string. Identifiers enter the SQL only through `table(Model)` and
 * `column(Model, 'field')`, which read the model's metadata, so user input can never name a
 * table or column. Other `db.sql` fragments nest, and `list([...])` expands to `a, b, c` for `IN`.
 * Kysely's `sql` builds the statement, so placeholders (`?` or `$1`) and quoting follow the
 * dialect; it runs through `db.execute`, and so inside the current transaction.
 */
import { type RawBuilder, sql } from 'kysely'
import { decoderFor } from './codecs.ts'
import type { DialectName, Statement } from './connection/types.ts'
import type { Database } from './database.ts'
import { QueryError } from './errors.ts'
import type { Instance } from './instance.ts'
import type { FieldInfo } from './meta.ts'
import type { AnyModel } from './model.ts'
import type { WritableKey } from './types.ts'

/** A table or column name taken from model metadata (see `table`, `column`). */
class SqlIdentifier {
  readonly builder: RawBuilder<unknown>
  constructor(builder: RawBuilder<unknown>) {
    this.builder = builder
  }
}

/** Values (or identifiers, fragments) to expand as a comma-separated list (see `list`). */
class SqlList {
  readonly items: readonly unknown[]
  constructor(items: readonly unknown[]) {
    this.items = items
  }
}

/**
 * The table of a model, quoted for the dialect.
 *
 * @example
 * await db.sql`SELECT COUNT(*) AS n FROM ${table(Product)}`.first()
 */
export function table(model: AnyModel): SqlIdentifier {
  return new SqlIdentifier(sql.id(model.meta.table))
}

/**
 * The column of a model field (`price`, or `category`/`categoryId` for a foreign key), quoted;
 * `{ qualified: true }` prefixes the table (`"product"."price"`) for joins. Unknown names throw
 * `QueryError` before any SQL is built.
 *
 * @example
 * await db.sql`SELECT ${column(Product, 'name')} FROM ${table(Product)} WHERE ${column(Product, 'price')} > ${min}`.all()
 */
export function column<M extends AnyModel>(
  model: M,
  name: WritableKey<M['fields']> | (keyof M['fields'] & string),
  options: { qualified?: boolean } = {},
): SqlIdentifier {
  const meta = model.meta
  const info = meta.byAttr.get(name) ?? meta.fields.get(name)
  if (info?.column === undefined) {
    throw new QueryError(
      'PLINTH_ORM_UNKNOWN_FIELD',
      `${model.name} has no column field "${String(name)}"; known: ${meta.columns.map((c) => c.attr).join(', ')}.`,
    )
  }
  return new SqlIdentifier(
    options.qualified ? sql.id(meta.table, info.column) : sql.id(info.column),
  )
}

/**
 * Expand items as `a, b, c`: values become one parameter each (`IN (${list(ids)})`); identifiers
 * and fragments are kept. An empty list throws, since `IN ()` is not SQL.
 *
 * @example
 * await db.sql`SELECT * FROM ${table(Product)} WHERE ${column(Product, 'id')} IN (${list([1, 2, 3])})`.all()
 */
export function list(items: readonly unknown[]): SqlList {
  if (!Array.isArray(items) || items.length === 0) {
    throw new QueryError(
      'PLINTH_ORM_BAD_RAW',
      'list() needs a non-empty array: "IN ()" is not valid SQL. Skip the query (or the condition) when there is nothing to match.',
    )
  }
  return new SqlList([...items])
}

/** Turn one interpolated item into SQL: our own markers as SQL, anything else as a bound value. */
function part(value: unknown): RawBuilder<unknown> {
  if (value instanceof SqlQuery) return value.builder
  if (value instanceof SqlIdentifier) return value.builder
  if (value instanceof SqlList) return sql.join(value.items.map(part))
  // sql.val, not the bare value: Kysely would inline any object with a toOperationNode method.
  return sql.val(value)
}

export type { SqlIdentifier, SqlList }

/** A raw statement bound to a database. Nothing runs until `all`, `first` or `run`. */
export class SqlQuery<R = Record<string, unknown>> {
  readonly #db: Database
  readonly #model: AnyModel | undefined
  /** @internal The Kysely builder (used when this query is nested in another). */
  readonly builder: RawBuilder<unknown>

  constructor(db: Database, builder: RawBuilder<unknown>, model?: AnyModel) {
    this.#db = db
    this.builder = builder
    this.#model = model
  }

  /** The SQL and parameters for this database's dialect (for logging and tests). */
  compile(returnsRows = true): Statement {
    const compiled = this.builder.compile(this.#db.compiler)
    const dialect = this.#db.dialect
    return {
      sql: compiled.sql,
      params: compiled.parameters.map((v) => bindable(v, dialect)),
      returnsRows,
    }
  }

  /** Every row: plain objects keyed by column name, or instances after `as(Model)`. */
  async all(): Promise<R[]> {
    const result = await this.#db.execute(this.compile(true))
    const model = this.#model
    if (model === undefined) return result.rows.map((row) => ({ ...row })) as R[]
    // Loaded here, not at the top: instance.ts imports database.ts, which imports this file.
    const { newInstance } = await import('./instance.ts')
    const columns = columnMap(model, this.#db.dialect)
    if (result.rows.length > 0 && !(model.meta.pk.column! in result.rows[0]!)) {
      throw new QueryError(
        'PLINTH_ORM_BAD_RAW',
        `A raw query hydrated as ${model.name} must select its primary key column "${model.meta.pk.column}".`,
      )
    }
    return result.rows.map((row) => {
      const values: Record<string, unknown> = {}
      const extra: string[] = []
      for (const key in row) {
        const raw = row[key]
        const field = columns.get(key)
        if (field === undefined) extra.push(key)
        else
          values[field.attr] =
            raw === null || raw === undefined || field.decode === undefined
              ? (raw ?? null)
              : field.decode(raw)
      }
      const instance = newInstance(model, values, true, this.#db)
      for (const key of extra) {
        // An alias must not shadow save()/delete()… or reach the prototype (`AS "__proto__"`).
        if (key in instance) {
          throw new QueryError(
            'PLINTH_ORM_BAD_RAW',
            `The column "${key}" clashes with a property of ${model.name} instances; alias it.`,
          )
        }
        Object.defineProperty(instance, key, {
          value: row[key],
          writable: true,
          enumerable: true,
          configurable: true,
        })
      }
      return instance
    }) as R[]
  }

  /** The first row, or undefined. Fetches every row the SQL returns: add a LIMIT yourself. */
  async first(): Promise<R | undefined> {
    return (await this.all())[0]
  }

  /** Run a statement that returns no rows; resolves to the number of rows it changed. */
  async run(): Promise<number> {
    const result = await this.#db.execute(this.compile(false))
    return result.affected
  }

  /**
   * Read rows as instances of `model`: columns are matched to fields by column name and decoded
   * as the query set would; other columns are kept as they come. The primary key must be selected.
   */
  as<M extends AnyModel>(model: M): SqlQuery<Instance<M>> {
    return new SqlQuery<Instance<M>>(this.#db, this.builder, model)
  }
}

/** A tagged template bound to a database (`db.sql`); a type argument types plain rows. */
export type SqlTag = <R = Record<string, unknown>>(
  strings: TemplateStringsArray,
  ...values: unknown[]
) => SqlQuery<R>

/** @internal `db.sql`: the tag for `db`. */
export function sqlTag(db: Database): SqlTag {
  return <R>(strings: TemplateStringsArray, ...values: unknown[]) => {
    if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw)) {
      // Called as a function with a string: that string would be SQL, which is what we refuse.
      throw new QueryError(
        'PLINTH_ORM_BAD_RAW',
        'db.sql is a tagged template: write db.sql`SELECT …`, not db.sql(text).',
      )
    }
    return new SqlQuery<R>(db, sql(strings, ...values.map(part)))
  }
}

function bindable(value: unknown, dialect: DialectName): unknown {
  // SQLite has no date type: the ORM stores datetimes as ISO 8601 text, so compare with the same.
  if (value instanceof Date && dialect === 'sqlite') return value.toISOString()
  if (Array.isArray(value) && dialect !== 'postgres') {
    throw new QueryError(
      'PLINTH_ORM_BAD_RAW',
      `An array is one value; on ${dialect} expand it with list(): IN (\${list(ids)}).`,
    )
  }
  return value
}

interface ColumnDecode {
  readonly attr: string
  readonly decode: ((value: unknown) => unknown) | undefined
}
const columnMaps = new WeakMap<AnyModel, Map<DialectName, Map<string, ColumnDecode>>>()

function columnMap(model: AnyModel, dialect: DialectName): Map<string, ColumnDecode> {
  let byDialect = columnMaps.get(model)
  if (byDialect === undefined) {
    byDialect = new Map()
    columnMaps.set(model, byDialect)
  }
  let map = byDialect.get(dialect)
  if (map === undefined) {
    map = new Map(
      model.meta.columns.map((f: FieldInfo) => [
        f.column!,
        { attr: f.attr, decode: decoderFor(f.spec, dialect) },
      ]),
    )
    byDialect.set(dialect, map)
  }
  return map
}
