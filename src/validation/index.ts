/**
 * Validation: the Standard Schema bridge used for request inputs and responses.
 *
 * Knows nothing about HTTP beyond the `ValidationIssue` shape; the ORM and jobs use it too. Start
 * with `standard-schema.ts`.
 */
export { compileCoercer } from './coerce.ts'
export { toValidationIssues, type ValidationIssue } from './issues.ts'
export { compileSerializer, type Serializer } from './serializer.ts'
export {
  type InferInput,
  type InferOutput,
  isStandardSchema,
  type JsonSchema,
  runSchema,
  type StandardJSONSchemaV1,
  type StandardSchemaV1,
  toJsonSchema,
} from './standard-schema.ts'
