/**
 * Relations of one instance: explicit loading (`await product.load('category')`) and related
 * managers (`category.related('products')`, `product.related('tags').add(tag)`).
 *
 * A related manager is a query set over the related rows, so everything a query set does works on
 * it (`filter`, `orderBy`, `count`, `all`, async iteration…), plus the writes that make sense for
 * the relation. Many-to-many links are written to the join table directly, in batches, with every
 * value bound; adding a pair that exists already is not an error (the join table's unique
 * constraint absorbs it: `ON CONFLICT DO NOTHING`, or a no-op `ON DUPLICATE KEY UPDATE` on MySQL,
 * where `INSERT IGNORE` would also swallow foreign-key errors).
 *
 * Runtime imports stay clear of the query set and instance modules (they import this one): query
 * sets are reached through `Model.objects`, instance helpers through a dynamic import.
 */

import { sql } from 'kysely'
import { describe, encoderFor, isScalarFor } from './codecs.ts'
import { type Database, databaseFor } from './database.ts'
import { OrmError, QueryError } from './errors.ts'
import type { Instance } from './instance.ts'
import type { FieldInfo, RelationInfo } from './meta.ts'
import type { AnyModel } from './model.ts'
import { lookup } from './query/lookup.ts'
import {
  chunks,
  type JoinInfo,
  joinRows,
  joinSubquery,
  keyOf,
  objectsOf,
  referencedAttr,
  uniqueKeys,
} from './query/prefetch.ts'
import type { QuerySet } from './query/queryset.ts'

type Row = Record<string, unknown>
/** A related row: an instance of the target model, or its primary key. */
export type RelatedItem = object | string | number | bigint

/** Writes a related manager adds to its query set. Which ones work depends on the relation. */
export interface RelatedMethods<M extends AnyModel = AnyModel> {
  /**
   * Many-to-many: link these rows (existing links are kept, not duplicated). Reverse foreign key:
   * point these rows at the owner.
   */
  add(...items: RelatedItem[]): Promise<void>
  /** Many-to-many: unlink these rows. Reverse foreign key (nullable only): set their key to NULL. */
  remove(...items: RelatedItem[]): Promise<void>
  /**
   * Make the related set exactly `items`, in a transaction: link what is new, unlink what is
   * missing (for a reverse foreign key only when it is nullable; otherwise the others stay).
   */
  set(items: Iterable<RelatedItem>): Promise<void>
  /** Many-to-many: unlink every row. Reverse foreign key (nullable only): set every key to NULL. */
  clear(): Promise<void>
  /** Create a target row already related to the owner (the foreign key or the link is set for you). */
  create(values: Record<string, unknown>): Promise<Instance<M>>
}

/**
 * A query set over an instance's related rows, with `add`/`remove`/`set`/`clear`/`create`.
 *
 * @example
 * const tags = product.related('tags')
 * await tags.add(sale, 'new-id') // instances or primary keys
 * const visible = await tags.filter({ hidden: false }).orderBy('name').all()
 * await category.related('products').create({ name: 'Dune', price: '9.99' })
 */
export type RelatedManager<M extends AnyModel = AnyModel> = QuerySet<M> & RelatedMethods<M>

function relationOf(model: AnyModel, name: string): RelationInfo {
  const relation = model.meta.relation(name)
  if (relation === undefined) {
    const known = model.meta.relations().map((r) => r.name)
    throw new QueryError(
      'PLINTH_ORM_BAD_RELATED',
      `${model.name} has no relation "${name}". Known relations: ${known.length ? known.join(', ') : '(none)'}.`,
    )
  }
  return relation
}

function ownerKey(instance: Row, model: AnyModel, attr: string, name: string): unknown {
  const key = instance[attr]
  if (key === null || key === undefined) {
    throw new OrmError(
      'PLINTH_ORM_NOT_SAVED',
      `This ${model.name} has no ${attr} yet; save it before using its "${name}" relation.`,
    )
  }
  return key
}

/** Primary keys of `items` (instances of `target`, or keys), checked. */
async function keysOf(
  items: readonly RelatedItem[],
  target: AnyModel,
  what: string,
): Promise<unknown[]> {
  const { isInstance, modelOf } = await import('./instance.ts')
  const pk = target.meta.pk
  return items.map((item) => {
    let key: unknown = item
    if (typeof item === 'object' && item !== null && !(item instanceof Uint8Array)) {
      if (isInstance(item) && modelOf(item) !== target) {
        throw new QueryError(
          'PLINTH_ORM_BAD_VALUE',
          `${what} takes ${target.name} instances or keys; got a ${modelOf(item).name}.`,
        )
      }
      key = (item as Row)[pk.attr]
      if (key === null || key === undefined)
        throw new QueryError(
          'PLINTH_ORM_BAD_VALUE',
          `${what} was given a ${target.name} without its ${pk.attr}; save it first.`,
        )
    }
    if (key === null || key === undefined || !isScalarFor(pk.spec, key)) {
      throw new QueryError(
        'PLINTH_ORM_BAD_VALUE',
        `${what} takes ${target.name} instances or ${pk.attr} values; got ${describe(key)}.`,
      )
    }
    return key
  })
}

/** Load one relation of `instance` (`instance.load(name)`): an instance or null, or an array. */
export async function loadRelation(
  instance: object,
  relation: RelationInfo,
  db: Database | undefined,
): Promise<unknown> {
  const row = instance as Row
  if (relation.kind === 'forward') {
    const key = row[relation.field.attr]
    if (key === null || key === undefined) return null
    const attr = referencedAttr(relation.target, relation.field)
    const rows = await objectsOf(relation.target, db)
      .filter({ [attr]: key } as never)
      .orderBy()
      .limit(1)
      .all()
    return rows[0] ?? null
  }
  const { modelOf } = await import('./instance.ts')
  const rows = await related(instance, modelOf(instance), relation.name, db).all()
  return relation.single ? (rows[0] ?? null) : rows
}

/**
 * The related manager of `instance` (of `model`) for the reverse foreign key or many-to-many
 * relation `name`. Instances expose it as `instance.related(name)`.
 *
 * @example
 * const cheap = await related(category, Category, 'products').filter({ price: lookup.lt('5') }).all()
 */
export function related(
  instance: object,
  model: AnyModel,
  name: string,
  db?: Database,
): RelatedManager {
  const relation = relationOf(model, name)
  const row = instance as Row
  if (relation.kind === 'forward') {
    throw new QueryError(
      'PLINTH_ORM_BAD_RELATED',
      `"${name}" on ${model.name} points at one ${relation.target.name}; use await instance.load('${name}') instead of related().`,
    )
  }
  if (relation.kind === 'reverse') return reverseManager(row, model, relation, db)
  return manyManager(row, model, relation, db)
}

function reverseManager(
  row: Row,
  model: AnyModel,
  relation: RelationInfo,
  db: Database | undefined,
): RelatedManager {
  const { field: fk, target, name } = relation
  const key = ownerKey(row, model, referencedAttr(model, fk), name)
  const base = objectsOf(target, db)
  const manager = base.filter({ [fk.attr]: key } as never)
  const what = `${model.name}.related('${name}')`
  const nullable = () => {
    if (!fk.spec.null) {
      throw new QueryError(
        'PLINTH_ORM_BAD_WRITE',
        `${target.name}.${fk.name} is not nullable, so ${what} cannot unlink rows; delete them or point them at another ${model.name}.`,
      )
    }
  }
  const pointAt = async (items: readonly RelatedItem[], value: unknown) => {
    const keys = uniqueKeys(await keysOf(items, target, what))
    for (const chunk of chunks(keys)) {
      const rows = value === null ? manager : base
      await rows
        .filter({ [target.meta.pk.attr]: lookup.in(chunk) } as never)
        .update({ [fk.attr]: value } as never)
    }
    // Keep the given instances in step (unlinking touches only those that pointed at the owner).
    for (const item of items) {
      if (typeof item !== 'object' || item === null) continue
      const row = item as Row
      if (value !== null || keyOf(row[fk.attr]) === keyOf(key)) row[fk.attr] = value
    }
  }
  const methods: RelatedMethods = {
    add: (...items) => pointAt(items, key),
    async remove(...items) {
      nullable()
      await pointAt(items, null)
    },
    async set(items) {
      const list = [...items]
      const wanted = new Set((await keysOf(list, target, what)).map(keyOf))
      await databaseFor(target, db).transaction(async () => {
        if (fk.spec.null) {
          const current = (await manager
            .valuesList(target.meta.pk.attr as never, { flat: true })
            .all()) as unknown[]
          const stale = current.filter((k) => !wanted.has(keyOf(k)))
          for (const chunk of chunks(stale))
            await manager
              .filter({ [target.meta.pk.attr]: lookup.in(chunk) } as never)
              .update({ [fk.attr]: null } as never)
        }
        await pointAt(list, key)
      })
    },
    async clear() {
      nullable()
      await manager.update({ [fk.attr]: null } as never)
    },
    create: (values) =>
      base.create({ ...values, [fk.attr]: key } as never) as Promise<Instance<AnyModel>>,
  }
  return Object.assign(manager, methods) as RelatedManager
}

function manyManager(
  row: Row,
  model: AnyModel,
  relation: RelationInfo,
  explicit: Database | undefined,
): RelatedManager {
  const { target, name } = relation
  const join = relation.join!
  const ownerPk = model.meta.pk
  const targetPk = target.meta.pk
  const key = ownerKey(row, model, ownerPk.attr, name)
  const base = objectsOf(target, explicit)
  const manager = base.filter({
    [targetPk.attr]: lookup.in(joinSubquery(join, [key], ownerPk)),
  } as never)
  const what = `${model.name}.related('${name}')`
  const db = () => databaseFor(model, explicit)
  const direct = (method: string) => {
    if (join.through !== undefined) {
      throw new QueryError(
        'PLINTH_ORM_BAD_WRITE',
        `${what}.${method}() is not available: "${name}" goes through ${join.through.name}, whose rows may carry more than the link. Create or delete ${join.through.name} rows instead (${join.through.name}.objects.create({ … })).`,
      )
    }
  }
  const link = async (keys: readonly unknown[]) =>
    insertLinks(db(), join, ownerPk, targetPk, key, keys)
  const methods: RelatedMethods = {
    async add(...items) {
      direct('add')
      await link(uniqueKeys(await keysOf(items, target, what)))
    },
    async remove(...items) {
      direct('remove')
      await deleteLinks(
        db(),
        join,
        ownerPk,
        targetPk,
        key,
        uniqueKeys(await keysOf(items, target, what)),
      )
    },
    async set(items) {
      direct('set')
      const wanted = uniqueKeys(await keysOf([...items], target, what))
      const database = db()
      await database.transaction(async () => {
        const current = (await joinRows(database, join, ownerPk, targetPk, [key])).map(([, t]) => t)
        const have = new Set(current.map(keyOf))
        const keep = new Set(wanted.map(keyOf))
        await deleteLinks(
          database,
          join,
          ownerPk,
          targetPk,
          key,
          current.filter((k) => !keep.has(keyOf(k))),
        )
        await insertLinks(
          database,
          join,
          ownerPk,
          targetPk,
          key,
          wanted.filter((k) => !have.has(keyOf(k))),
        )
      })
    },
    async clear() {
      await deleteLinks(db(), join, ownerPk, targetPk, key, undefined)
    },
    async create(values) {
      direct('create')
      return db().transaction(async () => {
        const created = await base.create(values as never)
        await link([(created as Row)[targetPk.attr]])
        return created as Instance<AnyModel>
      })
    },
  }
  return Object.assign(manager, methods) as RelatedManager
}

function codec(field: FieldInfo, db: Database): (v: unknown) => unknown {
  return encoderFor(field.spec, db.dialect) ?? ((v) => v)
}

/** INSERT the links, ignoring pairs that exist already (the join table's unique constraint). */
async function insertLinks(
  db: Database,
  join: JoinInfo,
  ownerPk: FieldInfo,
  targetPk: FieldInfo,
  key: unknown,
  targets: readonly unknown[],
): Promise<void> {
  const source = codec(ownerPk, db)(key)
  const encode = codec(targetPk, db)
  for (const chunk of chunks(targets, 500)) {
    const insert = db.compiler
      .insertInto(join.table)
      .values(chunk.map((t) => ({ [join.source]: source, [join.target]: encode(t) })))
    const query =
      db.dialect === 'mysql'
        ? insert.onDuplicateKeyUpdate({ [join.source]: sql.ref(join.source) })
        : insert.onConflict((c) => c.doNothing())
    const compiled = query.compile()
    await db.execute({ sql: compiled.sql, params: compiled.parameters, returnsRows: false })
  }
}

/** DELETE the links to `targets` (every link of the owner when undefined). */
async function deleteLinks(
  db: Database,
  join: JoinInfo,
  ownerPk: FieldInfo,
  targetPk: FieldInfo,
  key: unknown,
  targets: readonly unknown[] | undefined,
): Promise<void> {
  const source = codec(ownerPk, db)(key)
  const encode = codec(targetPk, db)
  const run = async (list: readonly unknown[] | undefined) => {
    let query = db.compiler.deleteFrom(join.table).where(join.source, '=', source)
    if (list !== undefined) query = query.where(join.target, 'in', list.map(encode))
    const compiled = query.compile()
    await db.execute({ sql: compiled.sql, params: compiled.parameters, returnsRows: false })
  }
  if (targets === undefined) return run(undefined)
  for (const chunk of chunks(targets)) await run(chunk)
}
