/**
 * String coercion for path, query, header and cookie values, driven by the schema's JSON Schema.
 *
 * Everything in a URL is a string. FastAPI converts `?page=2` to an int because the annotation says
 * so; Plinth does the same by reading the input JSON Schema: `integer`/`number` properties get
 * numbers (when the text is a clean number), `boolean` ones get `true`/`false`, `array` ones get a
 * one-element array for a single value. Anything that does not convert is left as the string, so
 * the validator reports it with a precise message.
 */
import type { JsonSchema } from './standard-schema.ts'

type Kind = 'number' | 'integer' | 'boolean' | 'array' | 'other'
type Coercer = (input: Record<string, unknown>) => Record<string, unknown>

const NUMBER = /^-?(?:\d+|\d*\.\d+)(?:[eE][+-]?\d+)?$/

function kindOf(schema: unknown): Kind {
  if (schema === null || typeof schema !== 'object') return 'other'
  const s = schema as JsonSchema
  const type = s.type
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type]
  for (const t of types)
    if (t === 'integer' || t === 'number' || t === 'boolean' || t === 'array') return t
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const list = s[key]
    if (Array.isArray(list)) {
      for (const item of list) {
        const k = kindOf(item)
        if (k !== 'other') return k
      }
    }
  }
  return 'other'
}

function coerceScalar(kind: Kind, value: unknown): unknown {
  if (typeof value !== 'string') return value
  if (kind === 'integer' || kind === 'number') return NUMBER.test(value) ? Number(value) : value
  if (kind === 'boolean') {
    if (value === 'true' || value === '1' || value === 'on' || value === 'yes') return true
    if (value === 'false' || value === '0' || value === 'off' || value === 'no') return false
  }
  return value
}

/**
 * The object schema at the root, following a root `$ref` into the document's own definitions: a
 * named schema (Zod's `.meta({ id })`, a model schema) is written `{ $ref: '#/$defs/Name' }`.
 */
function rootObject(schema: JsonSchema | undefined): JsonSchema | undefined {
  const ref = schema?.$ref
  if (typeof ref !== 'string') return schema
  const match = /^#\/(\$defs|definitions)\/([^/%]+)$/.exec(ref)
  if (match === null) return undefined
  const defs = schema![match[1]!] as Record<string, unknown> | undefined
  const target = defs?.[match[2]!]
  return target !== null && typeof target === 'object' ? (target as JsonSchema) : undefined
}

/**
 * Build a coercer for an object schema, or `undefined` when nothing needs coercing (the common case
 * for all-string inputs, which then pay nothing).
 */
export function compileCoercer(schema: JsonSchema | undefined): Coercer | undefined {
  const properties = rootObject(schema)?.properties
  if (properties === null || typeof properties !== 'object') return undefined
  const plan: Array<[string, Kind, Kind]> = []
  for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
    const kind = kindOf(property)
    if (kind === 'other') continue
    const itemKind = kind === 'array' ? kindOf((property as JsonSchema).items) : 'other'
    plan.push([name, kind, itemKind])
  }
  if (plan.length === 0) return undefined
  return (input) => {
    const out: Record<string, unknown> = Object.assign(Object.create(null), input)
    for (const [name, kind, itemKind] of plan) {
      const value = out[name]
      if (value === undefined) continue
      if (kind === 'array') {
        const list = Array.isArray(value) ? value : [value]
        out[name] = itemKind === 'other' ? list : list.map((item) => coerceScalar(itemKind, item))
      } else {
        out[name] = coerceScalar(kind, value)
      }
    }
    return out
  }
}
