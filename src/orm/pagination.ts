/**
 * Pagination of query sets: numbered pages (`paginate`) and keyset pages (`keysetPage`).
 *
 * Numbered pages are simple and let users jump anywhere, but each page costs a COUNT and an
 * OFFSET that grows with the page number, and rows shift between pages when data changes. Keyset
 * pages ("load more", infinite scroll, API cursors) continue from the last row seen: every page is
 * one indexed range query, and rows are never skipped or repeated while others are inserted.
 *
 * Page numbers and cursors usually come from a URL, so everything is checked and bad input throws
 * `QueryError` (rendered as 400 by the app layer) before any SQL runs. A cursor is base64url JSON
 * of the last row's key values plus a checksum; it is not signed and not secret: a client can only
 * choose where a page of the same query set starts, and every value is bound as a parameter.
 */

import { createHash } from 'node:crypto'
import { describe } from './codecs.ts'
import { QueryError } from './errors.ts'
import type { FieldInfo } from './meta.ts'
import type { AnyModel } from './model.ts'
import { or } from './query/expressions.ts'
import { lookup } from './query/lookup.ts'
import type { QuerySet } from './query/queryset.ts'
import type { OrderEntry } from './query/state.ts'
import type { WritableKey } from './types.ts'

/** Options of `paginate`. */
export interface PageOptions {
  /** 1-based page number (default 1). */
  page?: number
  /** Rows per page (default 20), capped at `maxPageSize`. */
  pageSize?: number
  /** Largest page size accepted (default 100): keeps `?pageSize=1000000` from loading a table. */
  maxPageSize?: number
}

/** One numbered page. */
export interface Page<R> {
  items: R[]
  page: number
  pageSize: number
  /** Rows across all pages. */
  total: number
  /** Number of pages (at least 1, so page 1 of an empty list exists). */
  pages: number
  hasNext: boolean
  hasPrevious: boolean
}

function positiveInteger(value: unknown, what: string, code: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new QueryError(
      code,
      `${what} must be a whole number of at least 1; got ${typeof value === 'number' ? String(value) : describe(value)}.`,
    )
  }
  return value
}

/** `true` when the ordering already names the primary key (so every row's key is unique). */
function ordersByPk(model: AnyModel, order: readonly OrderEntry[]): boolean {
  const pk = model.meta.pk
  return order.some((entry) => {
    const name = (typeof entry === 'string' ? entry : entry.field).replace(/^-/, '')
    return name === pk.attr || name === pk.name
  })
}

/**
 * A numbered page of `queryset`. Rows are ordered by the query set's ordering with the primary key
 * added as a tie-breaker, so pages never overlap. A page past the last one is empty.
 *
 * @example
 * const page = await paginate(Product.objects.orderBy('name'), { page: 2, pageSize: 25 })
 * // { items: [...], page: 2, pageSize: 25, total: 60, pages: 3, hasNext: true, hasPrevious: true }
 */
export async function paginate<M extends AnyModel, R>(
  queryset: QuerySet<M, R>,
  options: PageOptions = {},
): Promise<Page<R>> {
  const page = positiveInteger(options.page ?? 1, 'The page number', 'PLINTH_ORM_BAD_PAGE')
  const maxPageSize = positiveInteger(
    options.maxPageSize ?? 100,
    'maxPageSize',
    'PLINTH_ORM_BAD_PAGE',
  )
  const pageSize = Math.min(
    positiveInteger(options.pageSize ?? 20, 'The page size', 'PLINTH_ORM_BAD_PAGE'),
    maxPageSize,
  )
  const state = queryset.state
  const model = state.model
  const order = state.order ?? model.meta.ordering
  let ordered = queryset
  // A tie-breaker only where it cannot change the result: grouped (values + annotate) and DISTINCT
  // queries would group or select by it too.
  if (state.projection.kind === 'instances' && !state.distinct && !ordersByPk(model, order)) {
    ordered = queryset.orderBy(...(order as never[]), model.meta.pk.attr as never)
  }
  const total = await queryset.count()
  const pages = Math.max(1, Math.ceil(total / pageSize))
  const start = (page - 1) * pageSize
  const items = start < total ? await ordered.slice(start, start + pageSize).all() : []
  return { items, page, pageSize, total, pages, hasNext: page < pages, hasPrevious: page > 1 }
}

/** A keyset ordering key: a column field, `-field` for descending. */
export type KeysetKey<M extends AnyModel> =
  | WritableKey<M['fields']>
  | `-${WritableKey<M['fields']>}`

/** Options of `keysetPage`. */
export interface KeysetOptions<M extends AnyModel> {
  /** Column fields to order by; the primary key is added when missing, to make keys unique. */
  orderBy: ReadonlyArray<KeysetKey<M>>
  /** The `next` cursor of the previous page; absent or null for the first page. */
  after?: string | null
  /** Rows per page (default 20), capped at `maxSize`. */
  size?: number
  /** Largest size accepted (default 100). */
  maxSize?: number
}

/** One keyset page: the rows and the cursor of the next page (null on the last one). */
export interface KeysetPage<R> {
  items: R[]
  next: string | null
}

interface Key {
  readonly field: FieldInfo
  readonly desc: boolean
  /** The spec the value follows: the field's own, or for a foreign key, the target key's. */
  readonly kind: string
}

const UNORDERABLE = new Set(['json', 'binary', 'manyToMany'])

function resolveKeys(model: AnyModel, orderBy: readonly string[]): Key[] {
  const meta = model.meta
  if (!Array.isArray(orderBy))
    throw new QueryError(
      'PLINTH_ORM_BAD_ORDER',
      'keysetPage() needs orderBy: an array of field names.',
    )
  const keys: Key[] = []
  for (const entry of orderBy) {
    if (typeof entry !== 'string')
      throw new QueryError(
        'PLINTH_ORM_BAD_ORDER',
        `keysetPage() orders by field names; got ${describe(entry)}.`,
      )
    const desc = entry.startsWith('-')
    const name = desc ? entry.slice(1) : entry
    const field = meta.byAttr.get(name) ?? meta.fields.get(name)
    if (field?.column === undefined || UNORDERABLE.has(field.spec.kind)) {
      throw new QueryError(
        'PLINTH_ORM_BAD_ORDER',
        `keysetPage() cannot order ${model.name} by "${name}": use column fields of the model (${meta.columns.map((c) => c.attr).join(', ')}).`,
      )
    }
    if (keys.some((k) => k.field === field))
      throw new QueryError('PLINTH_ORM_BAD_ORDER', `keysetPage() orders by "${name}" twice.`)
    // NULL compares as unknown, so a page boundary on a NULL key would lose rows.
    if (field.spec.null)
      throw new QueryError(
        'PLINTH_ORM_BAD_ORDER',
        `keysetPage() cannot order by "${name}": it is nullable. Order by non-null fields.`,
      )
    keys.push({ field, desc, kind: valueKind(field) })
  }
  // The last key must be unique or rows sharing a boundary value would be skipped.
  if (!keys.some((k) => k.field === meta.pk))
    keys.push({ field: meta.pk, desc: false, kind: valueKind(meta.pk) })
  return keys
}

function valueKind(field: FieldInfo): string {
  const spec = field.spec
  if (spec.kind !== 'foreignKey' && spec.kind !== 'oneToOne') return spec.kind
  const target = field.model.meta.relation(field.name)?.target
  const to = target && (spec.toField ? target.meta.fields.get(spec.toField) : target.meta.pk)
  return to ? valueKind(to) : 'integer'
}

/**
 * A page of `queryset` in keyset order, starting after the cursor `after`. Walking `next` until it
 * is null visits every row exactly once, ties and mixed directions included.
 *
 * @example
 * const first = await keysetPage(Post.objects.filter({ published: true }), { orderBy: ['-createdAt'], size: 20 })
 * const second = await keysetPage(Post.objects.filter({ published: true }), { orderBy: ['-createdAt'], after: first.next, size: 20 })
 */
export async function keysetPage<M extends AnyModel, R>(
  queryset: QuerySet<M, R>,
  options: KeysetOptions<M>,
): Promise<KeysetPage<R>> {
  const state = queryset.state
  const model = state.model
  const size = Math.min(
    positiveInteger(options.size ?? 20, 'The page size', 'PLINTH_ORM_BAD_PAGE'),
    positiveInteger(options.maxSize ?? 100, 'maxSize', 'PLINTH_ORM_BAD_PAGE'),
  )
  if (state.limit !== undefined || state.offset !== undefined) {
    throw new QueryError(
      'PLINTH_ORM_BAD_PAGE',
      'keysetPage() takes an unsliced query set: it sets the limit itself.',
    )
  }
  const keys = resolveKeys(model, options.orderBy)
  const { projection } = state
  if (projection.kind !== 'instances') {
    const missing = keys.filter(
      (k) => projection.kind === 'list' || !projection.keys.includes(k.field.attr),
    )
    if (missing.length > 0) {
      throw new QueryError(
        'PLINTH_ORM_BAD_VALUES',
        `keysetPage() reads the keys from each row: use instances or values() including ${missing.map((k) => k.field.attr).join(', ')}.`,
      )
    }
  }
  const signature = `${model.meta.table}|${keys.map((k) => (k.desc ? '-' : '') + k.field.attr).join(',')}`
  let query = queryset.orderBy(...(keys.map((k) => (k.desc ? '-' : '') + k.field.attr) as never[]))
  if (options.after !== undefined && options.after !== null) {
    const values = decodeCursor(options.after, keys, signature)
    // (k1 > v1) OR (k1 = v1 AND k2 > v2) OR … with < for descending keys.
    const branches = keys.map((key, i) => {
      const branch: Record<string, unknown> = {}
      for (let j = 0; j < i; j++) branch[keys[j]!.field.attr] = values[j]
      branch[key.field.attr] = key.desc ? lookup.lt(values[i]) : lookup.gt(values[i])
      return branch
    })
    query = query.filter(or(...branches) as never)
  }
  const rows = await query.slice(0, size + 1).all()
  if (rows.length <= size) return { items: rows, next: null }
  const items = rows.slice(0, size)
  const last = items[size - 1] as Record<string, unknown>
  return {
    items,
    next: encodeCursor(
      keys.map((k) => last[k.field.attr]),
      signature,
    ),
  }
}

function checksum(signature: string, payload: string): string {
  return createHash('sha256')
    .update(signature)
    .update('\0')
    .update(payload)
    .digest()
    .subarray(0, 12)
    .toString('base64url')
}

function encodeCursor(values: unknown[], signature: string): string {
  const json = JSON.stringify(
    values.map((v) =>
      v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? String(v) : v,
    ),
  )
  const payload = Buffer.from(json).toString('base64url')
  return `${payload}.${checksum(signature, payload)}`
}

function badCursor(why: string): never {
  throw new QueryError(
    'PLINTH_ORM_BAD_CURSOR',
    `The page cursor is not valid (${why}); start again from the first page.`,
  )
}

function decodeCursor(cursor: unknown, keys: readonly Key[], signature: string): unknown[] {
  if (typeof cursor !== 'string' || cursor.length > 4096) badCursor('not a cursor string')
  const [payload, sum, ...rest] = cursor.split('.')
  if (!payload || !sum || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(payload))
    badCursor('malformed')
  // The checksum also ties the cursor to this model and ordering.
  if (sum !== checksum(signature, payload))
    badCursor('checksum mismatch, or made for another ordering')
  let values: unknown
  try {
    values = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    badCursor('not JSON')
  }
  if (!Array.isArray(values) || values.length !== keys.length) badCursor('wrong number of keys')
  return keys.map((key, i) => decodeValue(key.kind, values[i]))
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)$/

function decodeValue(kind: string, value: unknown): unknown {
  switch (kind) {
    case 'datetime': {
      const date = typeof value === 'string' ? new Date(value) : undefined
      if (date === undefined || Number.isNaN(date.getTime()) || date.toISOString() !== value)
        badCursor('bad date')
      return date
    }
    case 'bigint':
    case 'bigAutoId':
      if (typeof value !== 'string' || !/^-?\d{1,20}$/.test(value)) badCursor('bad integer')
      return BigInt(value)
    case 'integer':
    case 'autoId':
    case 'duration':
      if (!Number.isSafeInteger(value)) badCursor('bad integer')
      return value
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) badCursor('bad number')
      return value
    case 'decimal':
      if (typeof value !== 'string' || !DECIMAL.test(value)) badCursor('bad decimal')
      return value
    case 'boolean':
      if (typeof value !== 'boolean') badCursor('bad boolean')
      return value
    default:
      if (typeof value !== 'string') badCursor('bad text')
      return value
  }
}
