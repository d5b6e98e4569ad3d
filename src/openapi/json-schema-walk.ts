/**
 * Keyword-aware traversal of JSON Schema (draft 2020-12, plus the draft-07 spellings validators
 * still emit).
 *
 * A generic object walk would be wrong: a property literally named `$ref` or `$defs` inside
 * `properties`, or a `$ref` key inside an `example` value, is data, not a keyword. So only the
 * keywords whose values are subschemas are descended into.
 */
import type { JsonSchema } from '../validation/index.ts'

/** Keywords whose value is a map of name → subschema. */
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']
/** Keywords whose value is one subschema. */
const SCHEMA_VALUES = [
  'items',
  'additionalItems',
  'additionalProperties',
  'unevaluatedItems',
  'unevaluatedProperties',
  'propertyNames',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'contentSchema',
]
/** Keywords whose value is a list of subschemas (`items` was one in draft-07). */
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']

/** True for plain (non-array) objects. */
export function isObject(value: unknown): value is JsonSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Escape one JSON Pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1')
}

/**
 * Visit a schema and every subschema below it, parents first, with each node's JSON Pointer
 * (relative to `pointer`). The callback may delete keys of the node it is given (say, `$defs`)
 * before its children are listed, and they are then not visited.
 */
export function walkSchema(
  node: JsonSchema,
  pointer: string,
  visit: (node: JsonSchema, pointer: string) => void,
): void {
  visit(node, pointer)
  for (const key of SCHEMA_MAPS) {
    const map = node[key]
    if (!isObject(map)) continue
    for (const [name, child] of Object.entries(map)) {
      if (isObject(child)) walkSchema(child, `${pointer}/${key}/${escapePointer(name)}`, visit)
    }
  }
  for (const key of SCHEMA_VALUES) {
    const child = node[key]
    if (isObject(child)) walkSchema(child, `${pointer}/${key}`, visit)
  }
  for (const key of SCHEMA_LISTS) {
    const list = node[key]
    if (!Array.isArray(list)) continue
    list.forEach((child, index) => {
      if (isObject(child)) walkSchema(child, `${pointer}/${key}/${index}`, visit)
    })
  }
}

/**
 * JSON with object keys sorted, so two structurally equal schemas produce the same text whatever
 * order their generator wrote the keys in.
 */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stableStringify(value[key])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
