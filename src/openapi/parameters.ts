/**
 * Route `params` / `query` / `headers` / `cookies` schemas → OpenAPI parameters.
 *
 * Each is an object schema at runtime (Plinth validates the whole record at once), while OpenAPI
 * lists one parameter per property, so the object's properties are expanded. Schemas that are not
 * plain objects (a union at the root) cannot be expanded and document no parameters.
 */
import type { PatternSegment } from '../routing/index.ts'
import type { StandardSchemaV1 } from '../validation/index.ts'
import { isObject } from './json-schema-walk.ts'
import type { SchemaRegistry } from './schema-registry.ts'
import type { JsonSchema, ParameterObject } from './types.ts'

/**
 * OpenAPI says header parameters with these names "SHALL be ignored": they are described by
 * `requestBody`, `responses` content types and `securitySchemes` instead.
 */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization'])

const WILDCARD_NOTE = 'Matches the rest of the path, so it may contain slashes.'

interface ObjectShape {
  properties: Record<string, JsonSchema>
  required: Set<string>
}

/**
 * Path parameters, one per `:name` / `*name` in order. `templateNames` are the names used in the
 * path template (they differ from the route's own names only when two routes share a path shape).
 */
export function pathParameters(
  segments: readonly PatternSegment[],
  templateNames: readonly string[],
  schema: StandardSchemaV1 | undefined,
  registry: SchemaRegistry,
  context: string,
): ParameterObject[] {
  const shape = schema === undefined ? undefined : expand(schema, registry, `${context}Params`)
  const variables = segments.filter((segment) => segment.kind !== 'static')
  return variables.map((segment, index) => {
    const property = shape?.properties[segment.name]
    const parameter: ParameterObject = {
      name: templateNames[index] ?? segment.name,
      in: 'path',
      required: true,
      schema: property ?? { type: 'string' },
    }
    describe(parameter, property, registry)
    if (segment.kind === 'wildcard') {
      parameter.description =
        parameter.description === undefined
          ? WILDCARD_NOTE
          : `${parameter.description} ${WILDCARD_NOTE}`
    }
    return parameter
  })
}

/** Query, header or cookie parameters from an object schema. */
export function namedParameters(
  location: 'query' | 'header' | 'cookie',
  schema: StandardSchemaV1,
  registry: SchemaRegistry,
  context: string,
): ParameterObject[] {
  const suffix = { query: 'Query', header: 'Headers', cookie: 'Cookies' }[location]
  const shape = expand(schema, registry, context + suffix)
  if (shape === undefined) return []
  const parameters: ParameterObject[] = []
  for (const [name, property] of Object.entries(shape.properties)) {
    if (location === 'header' && IGNORED_HEADERS.has(name.toLowerCase())) continue
    const parameter: ParameterObject = {
      name,
      in: location,
      required: shape.required.has(name),
      schema: property,
    }
    describe(parameter, property, registry)
    // Plinth reads repeated keys (`?tag=a&tag=b`) as an array: say so explicitly.
    if (location === 'query' && isArraySchema(property, registry)) {
      parameter.style = 'form'
      parameter.explode = true
    }
    parameters.push(parameter)
  }
  return parameters
}

function expand(
  schema: StandardSchemaV1,
  registry: SchemaRegistry,
  context: string,
): ObjectShape | undefined {
  const converted = registry.fromStandard(schema, { io: 'input', context, inlineRoot: true })
  return objectShape(converted, registry, 0)
}

/** Properties and required names of an object schema, following `$ref` and merging `allOf`. */
function objectShape(
  schema: JsonSchema,
  registry: SchemaRegistry,
  depth: number,
): ObjectShape | undefined {
  if (depth > 8) return undefined
  const resolved = registry.resolve(schema)
  let found = false
  const shape: ObjectShape = { properties: {}, required: new Set() }
  if (isObject(resolved.properties)) {
    found = true
    for (const [name, property] of Object.entries(resolved.properties))
      if (isObject(property)) shape.properties[name] = property
  }
  if (Array.isArray(resolved.required)) {
    for (const name of resolved.required) if (typeof name === 'string') shape.required.add(name)
  }
  if (Array.isArray(resolved.allOf)) {
    for (const part of resolved.allOf) {
      const inner = isObject(part) ? objectShape(part, registry, depth + 1) : undefined
      if (inner === undefined) continue
      found = true
      Object.assign(shape.properties, inner.properties)
      for (const name of inner.required) shape.required.add(name)
    }
  }
  return found ? shape : undefined
}

function describe(
  parameter: ParameterObject,
  property: JsonSchema | undefined,
  registry: SchemaRegistry,
): void {
  if (property === undefined) return
  const description = property.description ?? registry.resolve(property).description
  if (typeof description === 'string' && description !== '') parameter.description = description
  if (property.deprecated === true) parameter.deprecated = true
}

/** Whether a parameter holds a list; `depth` stops self-referencing unions from looping. */
function isArraySchema(schema: JsonSchema, registry: SchemaRegistry, depth = 0): boolean {
  if (depth > 8) return false
  const resolved = registry.resolve(schema)
  const type = resolved.type
  if (type === 'array' || (Array.isArray(type) && type.includes('array'))) return true
  const alternatives = [resolved.anyOf, resolved.oneOf].filter(Array.isArray).flat()
  return alternatives.some(
    (option) => isObject(option) && isArraySchema(option, registry, depth + 1),
  )
}
