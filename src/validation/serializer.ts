/**
 * A JSON serializer compiled from a response's JSON Schema.
 *
 * Two jobs: (1) only the properties the schema declares are written, so a handler that returns a
 * whole record cannot leak fields such as `passwordHash` (FastAPI's `response_model` filtering);
 * (2) known shapes skip `JSON.stringify`'s generic property walk. Built from closures, not
 * generated source code, so it runs where `eval` is forbidden and can be read in a debugger.
 * Parts of a schema it does not understand (`anyOf`, `additionalProperties`, …) fall back to
 * `JSON.stringify` for that value only.
 */
import type { JsonSchema } from './standard-schema.ts'

/** Serialises one value to JSON text. */
export type Serializer = (value: unknown) => string

// Strings that need no escaping can be quoted directly.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON must escape.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\u009f\ud800-\udfff]/

function stringify(value: unknown): string {
  return JSON.stringify(value) ?? 'null'
}

function writeString(value: unknown): string {
  if (typeof value !== 'string') return stringify(value)
  return value.length < 5000 && !NEEDS_ESCAPE.test(value) ? `"${value}"` : JSON.stringify(value)
}

function writeNumber(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null'
  return stringify(value)
}

function writeBoolean(value: unknown): string {
  return value === true ? 'true' : value === false ? 'false' : stringify(value)
}

interface Context {
  defs: Record<string, unknown>
  cache: Map<unknown, Serializer>
}

function compileNode(schema: unknown, ctx: Context): Serializer {
  if (schema === null || typeof schema !== 'object') return stringify
  const cached = ctx.cache.get(schema)
  if (cached) return cached
  let resolved: Serializer = stringify
  // Recursive schemas refer to themselves: register a trampoline before compiling children.
  const trampoline: Serializer = (value) => resolved(value)
  ctx.cache.set(schema, trampoline)
  resolved = build(schema as JsonSchema, ctx)
  ctx.cache.set(schema, resolved)
  return resolved
}

function build(schema: JsonSchema, ctx: Context): Serializer {
  const ref = schema.$ref
  if (typeof ref === 'string') {
    const match = /^#\/\$defs\/(.+)$/.exec(ref)
    const target = match ? ctx.defs[decodeURIComponent(match[1]!)] : undefined
    return target === undefined ? stringify : compileNode(target, ctx)
  }
  if (schema.anyOf || schema.oneOf || schema.allOf || schema.not || schema.if) return stringify
  switch (schema.type) {
    case 'string':
      return writeString
    case 'integer':
    case 'number':
      return writeNumber
    case 'boolean':
      return writeBoolean
    case 'null':
      return () => 'null'
    case 'array':
      return buildArray(schema, ctx)
    case 'object':
      return buildObject(schema, ctx)
    default:
      return stringify
  }
}

function buildArray(schema: JsonSchema, ctx: Context): Serializer {
  if (
    schema.prefixItems !== undefined ||
    schema.items === undefined ||
    typeof schema.items !== 'object'
  )
    return stringify
  const item = compileNode(schema.items, ctx)
  return (value) => {
    if (!Array.isArray(value)) return stringify(value)
    if (value.length === 0) return '[]'
    let out = `[${item(value[0])}`
    for (let i = 1; i < value.length; i++) out += `,${item(value[i])}`
    return `${out}]`
  }
}

function buildObject(schema: JsonSchema, ctx: Context): Serializer {
  const extra = schema.additionalProperties
  const properties = schema.properties as Record<string, unknown> | undefined
  // Open objects (additional properties allowed with a schema) and maps are left to JSON.stringify.
  if (
    properties === undefined ||
    (extra !== undefined && extra !== false) ||
    schema.patternProperties
  ) {
    return stringify
  }
  const keys = Object.keys(properties)
  const prefixes = keys.map((key) => `${JSON.stringify(key)}:`)
  const writers = keys.map((key) => compileNode(properties[key], ctx))
  const n = keys.length
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return stringify(value)
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return stringify(value)
    const record = value as Record<string, unknown>
    let out = '{'
    let first = true
    for (let i = 0; i < n; i++) {
      const v = record[keys[i]!]
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
      out += first ? prefixes[i]! + writers[i]!(v) : `,${prefixes[i]!}${writers[i]!(v)}`
      first = false
    }
    return `${out}}`
  }
}

/**
 * Compile a serializer for a JSON Schema (draft 2020-12, local `$defs` references supported).
 *
 * @example
 * const write = compileSerializer({ type: 'object', properties: { id: { type: 'integer' } } })
 * write({ id: 1, secret: 'x' }) // '{"id":1}'
 */
export function compileSerializer(schema: JsonSchema): Serializer {
  const defs = (schema.$defs ?? schema.definitions ?? {}) as Record<string, unknown>
  return compileNode(schema, { defs, cache: new Map() })
}
