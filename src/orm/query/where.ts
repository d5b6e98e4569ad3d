/**
 * Filters: from `{ price: lookup.gte('10'), 'category.name': 'books' }` to a resolved condition
 * tree, checked against the model.
 *
 * Parsing does three things in one walk. It resolves every key against model metadata: unknown
 * fields and lookups are errors, and so is a plain object or array where a value belongs, never
 * read as lookups (only `Lookup` instances from `lookup.ts` mean anything but equality); this is
 * where user-supplied filters are made safe. It records the values in order as parameter *slots*.
 * And it writes a *shape* string that identifies the SQL regardless of the values:
 * `statement-cache.ts` caches SQL by shape, so a query shape is compiled by Kysely once and later
 * runs only bind new values.
 */
import type { RawBuilder } from 'kysely'
import { describe, isScalarFor } from '../codecs.ts'
import { QueryError } from '../errors.ts'
import { type FieldInfo, type RelationInfo, valueField } from '../meta.ts'
import type { AnyModel } from '../model.ts'
import {
  Aggregate,
  Arithmetic,
  CONDITION,
  type Condition,
  FieldRef,
  isCondition,
  isExpression,
} from './expressions.ts'
import {
  COMPARE_OPS,
  type CompareOp,
  DATE_PART_NAMES,
  type DatePartName,
  Lookup,
  TEXT_OPS,
  type TextOp,
} from './lookup.ts'
import type { SqlContext } from './sql-context.ts'

/** A lookup name (`exact`, `icontains`, …). */
export type LookupName = CompareOp | TextOp
export type DatePart = DatePartName

const LOOKUPS = new Set<string>([...COMPARE_OPS, ...TEXT_OPS])
const TEXT_LOOKUPS = new Set<string>(TEXT_OPS)
const DATE_PARTS = new Set<string>(DATE_PART_NAMES)
const TEXT_KINDS = new Set([
  'string',
  'text',
  'email',
  'url',
  'slug',
  'enum',
  'uuid',
  'uuidId',
  'json',
])
const DATE_KINDS = new Set(['date', 'datetime'])

/** A column reached from the query's root model: the relation hops, then the field. */
export interface ColumnPath {
  /** Forward relations walked to reach the field (each becomes a LEFT JOIN). */
  readonly hops: readonly RelationInfo[]
  readonly field: FieldInfo
}

/** A value in a condition: a parameter slot, a column, or an arithmetic expression. */
export type Operand =
  | { readonly t: 'slot'; readonly index: number; readonly field: FieldInfo | undefined }
  | { readonly t: 'column'; readonly path: ColumnPath; readonly outer: boolean }
  | { readonly t: 'arith'; readonly left: Operand; readonly op: string; readonly right: Operand }
  | { readonly t: 'subquery'; readonly query: ParsedSubquery }

/** A query set used as a value (`in`) or in `exists`: parsed into the outer query's slots. */
export interface SubqueryHandle {
  readonly __subquery: true
  parseInto(state: ParseState): ParsedSubquery
}

/** A parsed subquery, compiled inside the outer query's SQL context. */
export interface ParsedSubquery {
  compile(outer: SqlContext, mode: 'in' | 'exists'): RawBuilder<unknown>
}

export type Cond =
  | {
      readonly t: 'cmp'
      readonly path: ColumnPath
      readonly part: DatePart | undefined
      readonly lookup: LookupName
      readonly value: Operand | readonly Operand[] | boolean
    }
  | { readonly t: 'and' | 'or'; readonly items: readonly Cond[] }
  | { readonly t: 'not'; readonly item: Cond }
  /** Multi-valued relation (reverse FK, many-to-many): EXISTS (related rows matching `inner`). */
  | {
      readonly t: 'related'
      readonly relation: RelationInfo
      readonly from: ColumnPath['hops']
      readonly inner: Cond
    }
  | { readonly t: 'exists'; readonly query: ParsedSubquery }
  | { readonly t: 'true' }

/** Parameters and shape collected while parsing. */
export class ParseState {
  readonly values: unknown[] = []
  shape = ''
  slot(value: unknown, field: FieldInfo | undefined): Operand {
    this.values.push(value)
    return { t: 'slot', index: this.values.length - 1, field }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function fieldList(model: AnyModel): string {
  const names = [...model.meta.byAttr.keys(), ...model.meta.relations().map((r) => r.name)]
  return [...new Set(names)].join(', ')
}

function unknownField(model: AnyModel, key: string): never {
  throw new QueryError(
    'PLINTH_ORM_UNKNOWN_FIELD',
    `${model.name} has no field "${key}". Known: ${fieldList(model)}.`,
  )
}

/** Resolve `price`, `categoryId`, `category.name` to a column path (forward relations only). */
export function resolvePath(model: AnyModel, path: string): ColumnPath {
  const parts = path.split('.')
  const hops: RelationInfo[] = []
  let current = model
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i]!
    const last = i === parts.length - 1
    const byAttr = current.meta.byAttr.get(key)
    if (byAttr !== undefined && (last || byAttr.spec.target === undefined)) {
      if (!last) unknownField(current, parts.slice(i).join('.'))
      return { hops, field: byAttr }
    }
    const relation = current.meta.relation(key)
    if (relation === undefined) unknownField(current, key)
    if (relation.kind !== 'forward') {
      throw new QueryError(
        'PLINTH_ORM_BAD_PATH',
        `"${key}" on ${current.name} is a many-valued relation; it cannot be used as a single value in "${path}".`,
      )
    }
    if (last) return { hops, field: relation.field }
    hops.push(relation)
    current = relation.target
  }
  unknownField(model, path)
}

/**
 * The fast path for the commonest filter, `{ field: value, … }` with plain scalar values: records
 * exactly the shape and values `parseWhere` would, without building the condition tree (needed
 * only when the statement is not cached yet). Returns false, having recorded nothing, for anything
 * else; `parseWhere` then does the full job (and raises the errors).
 */
export function parseEqualities(model: AnyModel, input: unknown, state: ParseState): boolean {
  if (!isPlainObject(input) || isCondition(input)) return false
  const shapeStart = state.shape
  const valuesStart = state.values.length
  const byAttr = model.meta.byAttr
  let count = 0
  for (const key in input) {
    const value = input[key]
    const type = typeof value
    const field = byAttr.get(key)
    if (
      (type !== 'string' && type !== 'number' && type !== 'bigint' && type !== 'boolean') ||
      field === undefined ||
      field.attr !== key ||
      !isScalarFor(valueField(field).spec, value)
    ) {
      state.shape = shapeStart
      state.values.length = valuesStart
      return false
    }
    state.shape += `${key}.exact?`
    state.values.push(value)
    count++
  }
  if (count === 0) {
    state.shape = shapeStart
    return false
  }
  if (count > 1) state.shape += `&${count}`
  return true
}

/** Parse a filter object or condition against `model`. */
export function parseWhere(
  model: AnyModel,
  input: unknown,
  state: ParseState,
  hops: readonly RelationInfo[] = [],
): Cond {
  if (isCondition(input)) return parseCondition(model, input, state, hops)
  if (!isPlainObject(input)) {
    throw new QueryError(
      'PLINTH_ORM_BAD_FILTER',
      `A filter must be an object like { name: 'x' } or or(...)/and(...)/not(...); got ${describe(input)}.`,
    )
  }
  const items: Cond[] = []
  for (const key of Object.keys(input)) {
    const value = input[key]
    if (value === undefined) {
      throw new QueryError(
        'PLINTH_ORM_BAD_VALUE',
        `Filter value for "${key}" on ${model.name} is undefined; use null to match NULL, or leave the key out.`,
      )
    }
    items.push(parseKey(model, key, value, state, hops))
  }
  if (items.length === 1) return items[0]!
  state.shape += `&${items.length}`
  return { t: 'and', items }
}

function parseCondition(
  model: AnyModel,
  input: Condition,
  state: ParseState,
  hops: readonly RelationInfo[],
): Cond {
  const kind = input[CONDITION]
  if (kind === 'exists') {
    if (!isSubquery(input.subquery))
      throw new QueryError('PLINTH_ORM_BAD_FILTER', 'exists() takes a query set.')
    state.shape += 'E('
    const query = input.subquery.parseInto(state)
    state.shape += ')'
    return { t: 'exists', query }
  }
  state.shape += `${kind}(`
  const items = input.items.map((item) => parseWhere(model, item, state, hops))
  state.shape += ')'
  if (kind === 'not') return { t: 'not', item: items[0] ?? { t: 'true' } }
  return { t: kind, items }
}

function parseKey(
  model: AnyModel,
  key: string,
  value: unknown,
  state: ParseState,
  hops: readonly RelationInfo[],
): Cond {
  const byAttr = model.meta.byAttr.get(key)
  if (byAttr !== undefined && byAttr.attr === key) {
    return parseValue({ hops, field: byAttr }, key, value, state)
  }
  const dot = key.indexOf('.')
  const head = dot === -1 ? key : key.slice(0, dot)
  const relation = model.meta.relation(head)
  if (relation === undefined) unknownField(model, key)
  if (dot !== -1) {
    // `category.name`: follow the relation, filter on the rest of the path.
    const rest = key.slice(dot + 1)
    if (relation.kind === 'forward') {
      state.shape += `${head}>`
      return parseKey(relation.target, rest, value, state, [...hops, relation])
    }
    state.shape += `${head}*(`
    const inner = parseKey(relation.target, rest, value, state, [])
    state.shape += ')'
    return { t: 'related', relation, from: hops, inner }
  }
  if (relation.kind === 'forward') {
    return parseValue(
      { hops, field: relation.field },
      key,
      relationValue(value, relation.target),
      state,
    )
  }
  // Reverse foreign keys and many-to-many: EXISTS over the related rows.
  state.shape += `${key}*(`
  const pk = relation.target.meta.pk
  const inner = isCondition(value)
    ? parseWhere(relation.target, value, state)
    : parseValue({ hops: [], field: pk }, key, relationValue(value, relation.target), state)
  state.shape += ')'
  return { t: 'related', relation, from: hops, inner }
}

/** A related row given as an instance means its primary key. */
function relationValue(value: unknown, target: AnyModel): unknown {
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !isExpression(value) &&
    !(value instanceof Date) &&
    !(value instanceof Lookup) &&
    Object.getPrototypeOf(value) !== Object.prototype &&
    Object.getPrototypeOf(value) !== null
  ) {
    const pk = (value as Record<string, unknown>)[target.meta.pk.attr]
    if (pk !== undefined) return pk
  }
  return value
}

/**
 * A column's filter value: a plain value (equality), a `lookup.*()` result, or an array of them
 * (all must hold). Plain objects are refused: they are what request data looks like, and reading
 * them as lookups would let a client choose the operator.
 */
function parseValue(path: ColumnPath, key: string, value: unknown, state: ParseState): Cond {
  if (value instanceof Lookup) return parseLookup(path, key, value, state)
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Lookup)) {
    const items = value.map((v) => parseLookup(path, key, v as Lookup, state))
    if (items.length === 1) return items[0]!
    state.shape += `&${items.length}`
    return { t: 'and', items }
  }
  if (isPlainObject(value) || Array.isArray(value)) {
    const hint = Array.isArray(value)
      ? `use lookup.in([...]) to match any of several values`
      : path.field.spec.kind === 'json'
        ? `compare JSON with lookup.exact(value)`
        : path.field.spec.target !== undefined
          ? `filter on related fields with "${key}.<field>" keys, and use lookup.*() for comparisons`
          : `use lookup.gt(), lookup.icontains() and friends for comparisons`
    throw new QueryError(
      'PLINTH_ORM_BAD_VALUE',
      `Filter "${key}" got ${describe(value)}: a filter value is a plain value or a lookup; ${hint}. (Objects from request data are never read as lookups.)`,
    )
  }
  return leaf(path, undefined, 'exact', value, state, key)
}

function parseLookup(path: ColumnPath, key: string, found: Lookup, state: ParseState): Cond {
  const field = path.field
  const name = found.op
  if (found.part !== undefined) {
    if (!DATE_KINDS.has(field.spec.kind)) throw badLookup(key, found.part, field)
    if (TEXT_LOOKUPS.has(name)) throw badLookup(`${key}.${found.part}`, name, field)
    return leaf(path, found.part, name as LookupName, found.value, state, key)
  }
  if (!LOOKUPS.has(name)) throw badLookup(key, name, field)
  if (TEXT_LOOKUPS.has(name) && !TEXT_KINDS.has(field.spec.kind)) throw badLookup(key, name, field)
  return leaf(path, undefined, name as LookupName, found.value, state, key)
}

function badLookup(key: string, name: string, field: FieldInfo): QueryError {
  return new QueryError(
    'PLINTH_ORM_UNKNOWN_LOOKUP',
    `"${name}" is not a lookup for "${key}" (a ${field.spec.kind} field). Known lookups: ${[...LOOKUPS].join(', ')}${DATE_KINDS.has(field.spec.kind) ? `, ${[...DATE_PARTS].join(', ')}` : ''}.`,
  )
}

function leaf(
  path: ColumnPath,
  part: DatePart | undefined,
  lookup: LookupName,
  value: unknown,
  state: ParseState,
  key: string,
): Cond {
  const field = path.field
  const valueField = part === undefined ? field : undefined
  state.shape += `${pathKey(path)}${part ? `:${part}` : ''}.${lookup}`
  if (lookup === 'isnull') {
    if (typeof value !== 'boolean') throw badValue(key, lookup, 'true or false', value)
    state.shape += value ? 'T' : 'F'
    return { t: 'cmp', path, part, lookup, value }
  }
  if (lookup === 'in') {
    if (isSubquery(value)) {
      state.shape += '(q:'
      const query = value.parseInto(state)
      state.shape += ')'
      return { t: 'cmp', path, part, lookup, value: { t: 'subquery', query } }
    }
    if (!Array.isArray(value)) throw badValue(key, lookup, 'an array or a query set', value)
    const operands = value.map((v) => scalar(v, valueField, state, key, lookup))
    state.shape += `#${operands.length}`
    return { t: 'cmp', path, part, lookup, value: operands }
  }
  if (lookup === 'range') {
    if (!Array.isArray(value) || value.length !== 2)
      throw badValue(key, lookup, 'a [low, high] pair', value)
    return {
      t: 'cmp',
      path,
      part,
      lookup,
      value: [
        scalar(value[0], valueField, state, key, lookup),
        scalar(value[1], valueField, state, key, lookup),
      ],
    }
  }
  if ((lookup === 'exact' || lookup === 'ne') && value === null) {
    state.shape += 'N'
    return { t: 'cmp', path, part, lookup, value: [] }
  }
  const operand = operandOf(value, valueField, state, key, lookup, path)
  return { t: 'cmp', path, part, lookup, value: operand }
}

function isSubquery(value: unknown): value is SubqueryHandle {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { __subquery?: unknown }).__subquery === true &&
    // The marker alone could come from parsed JSON; a query set also has the method.
    typeof (value as { parseInto?: unknown }).parseInto === 'function'
  )
}

function operandOf(
  value: unknown,
  field: FieldInfo | undefined,
  state: ParseState,
  key: string,
  lookup: string,
  path: ColumnPath,
): Operand {
  if (value instanceof FieldRef || value instanceof Arithmetic) {
    const root = path.hops[0] ? path.hops[0].field.model : path.field.model
    return expressionOperand(root, value, state)
  }
  if (value instanceof Aggregate)
    throw new QueryError(
      'PLINTH_ORM_BAD_VALUE',
      `Aggregates cannot be used in filter(); annotate() them first and filter on the annotation.`,
    )
  return scalar(value, field, state, key, lookup)
}

/** Turn `F('a').add(1)` into an operand over `model`'s columns. */
export function expressionOperand(model: AnyModel, value: unknown, state: ParseState): Operand {
  if (value instanceof FieldRef) {
    state.shape += `F(${value.outer ? '^' : ''}${value.path})`
    if (value.outer)
      return {
        t: 'column',
        path: { hops: [], field: { name: value.path } as FieldInfo },
        outer: true,
      }
    return { t: 'column', path: resolvePath(model, value.path), outer: false }
  }
  if (value instanceof Arithmetic) {
    state.shape += '('
    const left = expressionOperand(model, value.left, state)
    state.shape += value.op
    const right = expressionOperand(model, value.right, state)
    state.shape += ')'
    return { t: 'arith', left, op: value.op, right }
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    state.shape += '?'
    return state.slot(value, undefined)
  }
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) {
    state.shape += '?'
    return state.slot(value, undefined)
  }
  throw new QueryError(
    'PLINTH_ORM_BAD_VALUE',
    `Arithmetic accepts numbers, numeric strings and F() references; got ${describe(value)}.`,
  )
}

function scalar(
  value: unknown,
  field: FieldInfo | undefined,
  state: ParseState,
  key: string,
  lookup: string,
): Operand {
  if (
    field !== undefined
      ? !isScalarFor(valueField(field).spec, value)
      : !(typeof value === 'number' || typeof value === 'string')
  ) {
    throw badValue(key, lookup, field ? `a ${field.spec.kind} value` : 'a number', value)
  }
  if (value === null) throw badValue(key, lookup, 'a non-null value (use isnull)', value)
  state.shape += '?'
  return state.slot(value, field)
}

function badValue(key: string, lookup: string, expected: string, value: unknown): QueryError {
  return new QueryError(
    'PLINTH_ORM_BAD_VALUE',
    `Filter "${key}" (${lookup}) expects ${expected}; got ${describe(value)}.`,
  )
}

function pathKey(path: ColumnPath): string {
  let key = ''
  for (const hop of path.hops) key += `${hop.name}>`
  return key + path.field.attr
}
