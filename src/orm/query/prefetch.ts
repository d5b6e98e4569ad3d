/**
 * `prefetchRelated`: related rows loaded with one query per relation level (per 1000 keys) and
 * attached to each instance under the relation's name, so a loop over the results runs no query.
 *
 * - forward key (`product.category`): one `IN` query on the target; instance or null. Skipped when
 *   `selectRelated` already joined it.
 * - reverse key (`category.products`): one `IN` query on the children, in their default ordering;
 *   an array (a reverse one-to-one gives an instance or null).
 * - many-to-many, either side (`product.tags`, `tag.products`): the join rows, then the targets
 *   (`pk IN (SELECT target FROM join WHERE source IN (…))`, in their default ordering); an array.
 *   Targets shared by several owners are one instance.
 *
 * Dotted paths (`products.tags`) recurse on the rows the previous level loaded. The helpers below
 * are shared with `relations.ts` (related managers), which must not import the query set module.
 */

import { sql } from 'kysely'
import { decoderFor, encoderFor } from '../codecs.ts'
import { type Database, databaseFor } from '../database.ts'
import { QueryError } from '../errors.ts'
import type { FieldInfo, RelationInfo } from '../meta.ts'
import type { AnyModel } from '../model.ts'
import { lookup } from './lookup.ts'
import type { QuerySet } from './queryset.ts'
import type { QueryState } from './state.ts'
import type { ParsedSubquery, ParseState, SubqueryHandle } from './where.ts'

type Row = Record<string, unknown>
/** The join table of a many-to-many relation, seen from one side. */
export type JoinInfo = NonNullable<RelationInfo['join']>
interface PathTree extends Map<string, PathTree> {}

/** Most keys in one `IN (…)` list: far below every dialect's parameter limit. */
export const CHUNK = 1000
const SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, CHUNK]

/** A comparable key: drivers return one id as a number, a bigint or a string depending on the column. */
export function keyOf(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  return String(value)
}

/** `items` in slices of at most `size`. */
export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Non-null values, without duplicates (by `keyOf`). */
export function uniqueKeys(values: Iterable<unknown>): unknown[] {
  const seen = new Map<string, unknown>()
  for (const value of values)
    if (value !== null && value !== undefined && !seen.has(keyOf(value)))
      seen.set(keyOf(value), value)
  return [...seen.values()]
}

/**
 * An `IN` list padded to one of a few lengths by repeating its last key: every length is a new SQL
 * statement for the statement cache, and a duplicate in `IN (…)` changes nothing.
 */
function padded(keys: readonly unknown[]): unknown[] {
  const size = SIZES.find((s) => s >= keys.length) ?? keys.length
  const out = keys.slice()
  while (out.length < size) out.push(keys[keys.length - 1])
  return out
}

/** `model.objects` on `db` (read at run time: this module may not import the query set module). */
export function objectsOf(model: AnyModel, db: Database | undefined): QuerySet<AnyModel> {
  const objects = (model as unknown as { objects: QuerySet<AnyModel> }).objects
  return db === undefined ? objects : objects.using(db)
}

/** The attribute of `model` a foreign key `fk` (pointing at `model`) holds: `toField`, or the primary key. */
export function referencedAttr(model: AnyModel, fk: FieldInfo): string {
  const to = fk.spec.toField
  return to === undefined ? model.meta.pk.attr : (model.meta.fields.get(to)?.attr ?? to)
}

/**
 * `SELECT target FROM join WHERE source IN (keys)`, as the value of an `in` filter on the target's
 * primary key. Keys are bound, encoded like `sourceField`.
 */
export function joinSubquery(
  join: JoinInfo,
  keys: readonly unknown[],
  sourceField: FieldInfo,
): SubqueryHandle {
  return {
    __subquery: true,
    parseInto(state: ParseState): ParsedSubquery {
      const first = state.values.length
      for (const key of keys) state.slot(key, sourceField)
      state.shape += `{join:${join.table}.${join.source}>${join.target}#${keys.length}}`
      return {
        compile: (outer) => {
          const alias = outer.nextAlias()
          const slots = keys.map((_, i) => outer.slot(first + i, sourceField))
          return sql`SELECT ${sql.ref(`${alias}.${join.target}`)} FROM ${sql.table(join.table)} AS ${sql.id(alias)} WHERE ${sql.ref(`${alias}.${join.source}`)} IN (${sql.join(slots)})`
        },
      }
    },
  }
}

/** Join rows `[source, target]` (decoded like the two primary keys) for `sources`. */
export async function joinRows(
  db: Database,
  join: JoinInfo,
  source: FieldInfo,
  target: FieldInfo,
  sources: readonly unknown[],
): Promise<Array<[unknown, unknown]>> {
  const encode = encoderFor(source.spec, db.dialect) ?? ((v: unknown) => v)
  const decodeSource = decoderFor(source.spec, db.dialect) ?? ((v: unknown) => v)
  const decodeTarget = decoderFor(target.spec, db.dialect) ?? ((v: unknown) => v)
  const out: Array<[unknown, unknown]> = []
  for (const chunk of chunks(sources)) {
    const compiled = db.compiler
      .selectFrom(join.table)
      .select([join.source, join.target])
      .where(join.source, 'in', padded(chunk).map(encode))
      .compile()
    const result = await db.execute({
      sql: compiled.sql,
      params: compiled.parameters,
      returnsRows: true,
    })
    for (const row of result.rows)
      out.push([decodeSource(row[join.source]), decodeTarget(row[join.target])])
  }
  return out
}

function unknownRelation(model: AnyModel, name: string): QueryError {
  const known = model.meta.relations().map((r) => r.name)
  return new QueryError(
    'PLINTH_ORM_BAD_RELATED',
    `prefetchRelated("${name}"): ${model.name} has no relation "${name}". Known relations: ${known.length ? known.join(', ') : '(none)'}.`,
  )
}

function pathTree(paths: readonly string[]): PathTree {
  const root: PathTree = new Map()
  for (const path of paths) {
    let node = root
    for (const part of path.split('.')) {
      let next = node.get(part)
      if (next === undefined) {
        next = new Map()
        node.set(part, next)
      }
      node = next
    }
  }
  return root
}

/** Load `state.prefetch` relations for `rows` (model instances) with one query per relation level. */
export async function prefetch(state: QueryState, rows: object[]): Promise<void> {
  if (state.prefetch.length === 0) return
  if (state.projection.kind !== 'instances') {
    throw new QueryError(
      'PLINTH_ORM_BAD_RELATED',
      'prefetchRelated() attaches related instances to model instances; it cannot be combined with values() or valuesList().',
    )
  }
  const db = rows.length ? databaseFor(state.model, state.db) : undefined
  await prefetchLevel(db, state.model, rows as Row[], pathTree(state.prefetch))
}

/** One level of the tree; with no rows (or no database) it only checks the names. */
async function prefetchLevel(
  db: Database | undefined,
  model: AnyModel,
  instances: Row[],
  tree: PathTree,
): Promise<void> {
  for (const [name, children] of tree) {
    const relation = model.meta.relation(name)
    if (relation === undefined) throw unknownRelation(model, name)
    const found =
      db === undefined || instances.length === 0
        ? []
        : await loadLevel(db, model, relation, instances)
    if (children.size)
      await prefetchLevel(found.length ? db : undefined, relation.target, found, children)
  }
}

/** Attach `relation` to every instance; returns the distinct related instances loaded. */
function loadLevel(
  db: Database,
  model: AnyModel,
  relation: RelationInfo,
  instances: Row[],
): Promise<Row[]> {
  if (relation.kind === 'forward') return loadForward(db, relation, instances)
  if (relation.kind === 'reverse') return loadReverse(db, model, relation, instances)
  return loadMany(db, model, relation, instances)
}

async function loadForward(db: Database, relation: RelationInfo, instances: Row[]): Promise<Row[]> {
  const { name, field, target } = relation
  if (instances.every((i) => i[name] !== undefined)) {
    // Already there (selectRelated joined it): only collect them for deeper levels.
    return instances.map((i) => i[name] as Row | null).filter((r): r is Row => r !== null)
  }
  const toAttr = referencedAttr(target, field)
  const byKey = new Map<string, Row>()
  for (const chunk of chunks(uniqueKeys(instances.map((i) => i[field.attr])))) {
    const rows = (await objectsOf(target, db)
      .filter({ [toAttr]: lookup.in(padded(chunk)) } as never)
      .orderBy()
      .all()) as Row[]
    for (const row of rows) byKey.set(keyOf(row[toAttr]), row)
  }
  for (const instance of instances) {
    const key = instance[field.attr]
    instance[name] = key === null || key === undefined ? null : (byKey.get(keyOf(key)) ?? null)
  }
  return [...byKey.values()]
}

async function loadReverse(
  db: Database,
  model: AnyModel,
  relation: RelationInfo,
  instances: Row[],
): Promise<Row[]> {
  const { name, field, target } = relation
  const ownerAttr = referencedAttr(model, field)
  const groups = new Map<string, Row[]>()
  const found: Row[] = []
  for (const chunk of chunks(uniqueKeys(instances.map((i) => i[ownerAttr])))) {
    // Default ordering of the children applies: each owner's children come from one chunk, in order.
    const rows = (await objectsOf(target, db)
      .filter({ [field.attr]: lookup.in(padded(chunk)) } as never)
      .all()) as Row[]
    for (const row of rows) {
      const key = keyOf(row[field.attr])
      const list = groups.get(key)
      if (list === undefined) groups.set(key, [row])
      else list.push(row)
      found.push(row)
    }
  }
  for (const instance of instances) {
    const list = groups.get(keyOf(instance[ownerAttr])) ?? []
    instance[name] = relation.single ? (list[0] ?? null) : list
  }
  return found
}

async function loadMany(
  db: Database,
  model: AnyModel,
  relation: RelationInfo,
  instances: Row[],
): Promise<Row[]> {
  const { name, target } = relation
  const join = relation.join!
  const ownerPk = model.meta.pk
  const targetPk = target.meta.pk
  const lists = new Map<string, Row[]>()
  const shared = new Map<string, Row>()
  for (const chunk of chunks(uniqueKeys(instances.map((i) => i[ownerPk.attr])))) {
    const owners = new Map<string, string[]>()
    for (const [source, targetKey] of await joinRows(db, join, ownerPk, targetPk, chunk)) {
      const key = keyOf(targetKey)
      const list = owners.get(key)
      if (list === undefined) owners.set(key, [keyOf(source)])
      else list.push(keyOf(source))
    }
    if (owners.size === 0) continue
    const filter = { [targetPk.attr]: lookup.in(joinSubquery(join, padded(chunk), ownerPk)) }
    const rows = (await objectsOf(target, db)
      .filter(filter as never)
      .all()) as Row[]
    for (const row of rows) {
      const key = keyOf(row[targetPk.attr])
      const instance = shared.get(key) ?? row
      shared.set(key, instance)
      for (const owner of owners.get(key) ?? []) {
        const list = lists.get(owner)
        if (list === undefined) lists.set(owner, [instance])
        else list.push(instance)
      }
    }
  }
  for (const instance of instances) instance[name] = lists.get(keyOf(instance[ownerPk.attr])) ?? []
  return [...shared.values()]
}
