/**
 * The Standard Schema interfaces Plinth accepts, plus helpers to run them.
 *
 * Any validator implementing Standard Schema v1 works (Zod 4, Valibot, ArkType, Plinth's own model
 * schemas). When it also implements Standard JSON Schema, Plinth derives OpenAPI documents,
 * query/path coercion and a compiled response serializer from it.
 */
import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec'

export type { StandardJSONSchemaV1, StandardSchemaV1 }

/** The value a schema produces after validation. */
export type InferOutput<S> = S extends StandardSchemaV1<any, infer O> ? O : unknown
/** The value a schema accepts. */
export type InferInput<S> = S extends StandardSchemaV1<infer I, any> ? I : unknown

/** A JSON Schema document (draft 2020-12), loosely typed. */
export type JsonSchema = { [key: string]: unknown }

/** True for objects implementing Standard Schema v1. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as StandardSchemaV1)['~standard']?.validate === 'function'
  )
}

/**
 * Run a schema. Synchronous validators stay synchronous (no promise allocated on the hot path).
 *
 * @example
 * const result = runSchema(z.object({ q: z.string() }), { q: 'shoes' })
 */
export function runSchema(
  schema: StandardSchemaV1,
  value: unknown,
): StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>> {
  return schema['~standard'].validate(value)
}

/**
 * The JSON Schema (draft 2020-12) of a schema's input or output, or `undefined` when the validator
 * does not implement Standard JSON Schema or cannot represent this schema.
 */
export function toJsonSchema(
  schema: StandardSchemaV1,
  io: 'input' | 'output',
): JsonSchema | undefined {
  const converter = (schema as unknown as StandardJSONSchemaV1)['~standard'].jsonSchema
  if (converter === undefined) return undefined
  try {
    return converter[io]({ target: 'draft-2020-12' }) as JsonSchema
  } catch {
    return undefined
  }
}
