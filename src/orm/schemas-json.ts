/**
 * JSON Schema (draft 2020-12, or draft-07 on request) for the model schemas, built from field
 * metadata: types and formats, `maxLength`, `enum` for choices, decimals as patterned strings,
 * nullable fields as `type: [..., 'null']`, `title` from `verboseName`, `description` from
 * `helpText`, `readOnly` for fields the API cannot write.
 *
 * Every document names its object schema under `$defs` (`ProductCreate`, `Product`) and points at
 * it with a root `$ref`, the shape Zod gives a schema with `.meta({ id })`: the OpenAPI generator
 * turns it into a named component, and the response serializer follows the reference.
 */
import type { JsonSchema } from '../validation/index.ts'
import type { FieldSpec } from './fields.ts'

/** The JSON Schema dialects the converters produce. */
export type JsonTarget = 'draft-2020-12' | 'draft-07'

const DIALECTS: Record<JsonTarget, { uri: string; defs: string }> = {
  'draft-2020-12': { uri: 'https://json-schema.org/draft/2020-12/schema', defs: '$defs' },
  'draft-07': { uri: 'http://json-schema.org/draft-07/schema#', defs: 'definitions' },
}

/** One property of an object schema. */
export interface PropertyPlan {
  /** The spec the value follows (a foreign key's target field for foreign keys). */
  readonly value: FieldSpec
  /** The field's own spec (null, title, description, default). */
  readonly own: FieldSpec
  readonly readOnly: boolean
}

function decimalSchema(spec: FieldSpec): JsonSchema {
  const places = spec.decimalPlaces ?? 0
  const whole = (spec.maxDigits ?? 1) - places
  const wholePattern = whole > 0 ? `\\d{1,${whole}}` : '0'
  const fraction = places > 0 ? `(?:\\.\\d{1,${places}})?` : ''
  const example = `${whole >= 2 ? '19' : whole === 1 ? '9' : '0'}${places > 0 ? `.${'99'.padEnd(places, '0').slice(0, places)}` : ''}`
  return { type: 'string', pattern: `^-?${wholePattern}${fraction}$`, examples: [example] }
}

/** The schema of a value of this kind, before nullability and annotations. */
function valueSchema(spec: FieldSpec): JsonSchema {
  const text = (extra: JsonSchema = {}): JsonSchema => ({
    type: 'string',
    ...(spec.blank || spec.kind === 'enum' ? {} : { minLength: 1 }),
    ...(spec.maxLength === undefined ? {} : { maxLength: spec.maxLength }),
    ...extra,
  })
  switch (spec.kind) {
    case 'autoId':
      return { type: 'integer' }
    case 'integer':
      return { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 }
    case 'duration':
      return { type: 'integer' }
    case 'bigint':
    case 'bigAutoId':
      // A string: JSON numbers lose precision beyond 2^53 in most clients.
      return { type: 'string', pattern: '^-?\\d+$', examples: ['9007199254740993'] }
    case 'float':
      return { type: 'number' }
    case 'decimal':
      return decimalSchema(spec)
    case 'boolean':
      return { type: 'boolean' }
    case 'date':
      return { type: 'string', format: 'date' }
    case 'datetime':
      return { type: 'string', format: 'date-time' }
    case 'time':
      return {
        type: 'string',
        format: 'time',
        pattern: '^\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,6})?)?$',
      }
    case 'json':
      return spec.null ? {} : { type: ['object', 'array', 'string', 'number', 'boolean'] }
    case 'uuid':
    case 'uuidId':
      return { type: 'string', format: 'uuid' }
    case 'email':
      return text({ format: 'email' })
    case 'url':
      return text({ format: 'uri', pattern: '^https?://' })
    case 'slug':
      return text({ pattern: '^[-a-zA-Z0-9_]+$' })
    case 'enum':
      return text({ enum: [...(spec.values ?? [])] })
    case 'binary':
      return { type: 'string', contentEncoding: 'base64' }
    default:
      return text()
  }
}

/** A JavaScript value as it appears on the wire, or `undefined` when it has no JSON form. */
function wire(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString()
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  return undefined
}

/** The schema of one property. `write` adds the field's static default. */
export function propertySchema(plan: PropertyPlan, write: boolean): JsonSchema {
  const { own } = plan
  const schema = valueSchema(plan.value)
  if (own.choices !== undefined) {
    schema.enum = own.choices.map(([value]) => wire(value)).filter((v) => v !== undefined)
  }
  if (own.null && plan.value.kind !== 'json') {
    if (typeof schema.type === 'string') schema.type = [schema.type, 'null']
    if (Array.isArray(schema.enum)) schema.enum = [...schema.enum, null]
  }
  if (own.verboseName !== undefined) schema.title = own.verboseName
  if (own.helpText !== undefined) schema.description = own.helpText
  else if (own.kind === 'duration') schema.description = 'A length of time in milliseconds.'
  if (write && own.hasDefault && typeof own.default !== 'function') {
    const value = wire(own.default)
    if (value !== undefined) schema.default = value
  }
  if (plan.readOnly) schema.readOnly = true
  return schema
}

/** An object schema over `properties`, closed to other keys. */
export function objectSchema(
  title: string,
  properties: ReadonlyArray<readonly [string, JsonSchema]>,
  required: readonly string[],
): JsonSchema {
  return {
    title,
    type: 'object',
    properties: Object.fromEntries(properties),
    ...(required.length > 0 ? { required: [...required] } : {}),
    additionalProperties: false,
  }
}

/** A complete document: `$schema`, the named definition, and a root `$ref` to it. */
export function document(target: string, name: string, definition: JsonSchema): JsonSchema {
  const dialect = DIALECTS[target as JsonTarget]
  if (dialect === undefined) {
    // The Standard JSON Schema spec asks libraries to throw for targets they do not support.
    throw new Error(
      `Model schemas produce JSON Schema "draft-2020-12" or "draft-07", not "${target}".`,
    )
  }
  return {
    $schema: dialect.uri,
    $ref: `#/${dialect.defs}/${name}`,
    [dialect.defs]: { [name]: structuredClone(definition) },
  }
}
