/**
 * The state of one SQL compilation: table aliases, joins for forward relations, and parameter
 * slots.
 *
 * Values never enter the SQL text. Each one is bound through a `Slot` marker; after Kysely compiles,
 * the markers found in its parameter list tell which query value goes in which position, so later
 * runs of the same query shape reuse the SQL and only rebind values (see `statement-cache.ts`).
 */
import { type RawBuilder, sql } from 'kysely'
import type { Codec } from '../codecs.ts'
import { encoderFor } from '../codecs.ts'
import type { DialectName } from '../connection/types.ts'
import { type RelationInfo, valueField } from '../meta.ts'
import type { AnyModel } from '../model.ts'
import type { ColumnPath } from './where.ts'

/** A parameter placeholder: query value number `index`, converted by `transform` when bound. */
export class Slot {
  readonly index: number
  readonly transform: Codec | undefined
  constructor(index: number, transform: Codec | undefined) {
    this.index = index
    this.transform = transform
  }
}

export class SqlContext {
  readonly dialect: DialectName
  readonly model: AnyModel
  readonly alias: string
  /** The enclosing query's context, for `OuterRef` and correlated subqueries. */
  readonly outer: SqlContext | undefined
  /** When set, slots bind these values directly as constants (their values are part of the shape). */
  constants: readonly unknown[] | undefined
  readonly joins: Array<{ alias: string; table: string; on: RawBuilder<unknown> }> = []
  readonly #aliases = new Map<string, string>()
  readonly #counter: { n: number }

  /** `rootAlias` names the root table itself (UPDATE/DELETE refer to it by its table name). */
  constructor(dialect: DialectName, model: AnyModel, outer?: SqlContext, rootAlias?: string) {
    this.dialect = dialect
    this.model = model
    this.outer = outer
    this.#counter = outer ? outer.#counter : { n: 0 }
    this.alias = rootAlias ?? `t${this.#counter.n++}`
    this.#aliases.set('', this.alias)
  }

  /** A fresh alias for a subquery table. */
  nextAlias(): string {
    return `t${this.#counter.n++}`
  }

  /** The alias of the table reached by following `hops` (LEFT JOINs added on first use). */
  aliasFor(hops: readonly RelationInfo[]): string {
    let key = ''
    let alias = this.alias
    for (const hop of hops) {
      const parentAlias = alias
      key += `${hop.name}>`
      let next = this.#aliases.get(key)
      if (next === undefined) {
        next = this.nextAlias()
        this.#aliases.set(key, next)
        const target = hop.target.meta
        const toField = hop.field.spec.toField
          ? target.fields.get(hop.field.spec.toField)!
          : target.pk
        this.joins.push({
          alias: next,
          table: target.table,
          on: sql`${sql.ref(`${parentAlias}.${hop.field.column!}`)} = ${sql.ref(`${next}.${toField.column!}`)}`,
        })
      }
      alias = next
    }
    return alias
  }

  /** The column for a path, joined as needed. */
  column(path: ColumnPath): RawBuilder<unknown> {
    return sql.ref(`${this.aliasFor(path.hops)}.${path.field.column!}`)
  }

  /** Bind query value `index`, encoded for the field it is compared with. */
  slot(
    index: number,
    field: ColumnPath['field'] | undefined,
    transform?: Codec,
  ): RawBuilder<unknown> {
    const encode = field ? encoderFor(valueField(field).spec, this.dialect) : undefined
    const combined =
      transform && encode ? (v: unknown) => encode(transform(v)) : (transform ?? encode)
    if (this.constants !== undefined) {
      const value = this.constants[index]
      return sql`${combined ? combined(value) : value}`
    }
    return sql`${new Slot(index, combined)}`
  }
}
