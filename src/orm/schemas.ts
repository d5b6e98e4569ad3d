/**
 * Validation schemas derived from a model: `Product.schemas.create`, `.update`, `.partialUpdate`
 * and `.output`. Each is a Standard Schema (synchronous `~standard.validate`) and a Standard JSON
 * Schema, so a route can use it as `body` or `response` and OpenAPI documents it as a named
 * component (`ProductCreate`, `ProductUpdate`, `ProductPartialUpdate`, `Product`).
 *
 * Decisions, in one place:
 * - **Writable fields only.** Input schemas accept the editable columns: not auto ids, not
 *   `autoNow`/`autoNowAdd` timestamps, not `editable: false` fields, and (for `update` and
 *   `partialUpdate`) not the primary key. Any other key is an `unknown_key` issue (422), never
 *   dropped in silence and never written: a body cannot set `id` or `isAdmin`.
 * - **Foreign keys as keys.** `category` is written as `categoryId: 3` (the related row's key;
 *   checked against the target key's type, its existence is left to the database constraint).
 * - **Many-to-many fields are not in the schemas.** They have no column; set them after saving.
 * - **Wire formats** (`schemas-coerce.ts`): datetimes are ISO 8601 strings with a time zone in,
 *   `Date`s out of validation and ISO strings on the wire; bigints are digit strings (exact
 *   numbers accepted in), `bigint`s out of validation; decimals are strings (numbers accepted in),
 *   normalised to the field's scale; dates `'YYYY-MM-DD'`, times `'HH:MM[:SS[.ffffff]]'`; bytes
 *   are base64 strings, `Buffer`s out of validation.
 * - **Rules** are the model's own (`fieldIssues` in `validate.ts`): blank, `maxLength`, choices,
 *   formats, decimal digits, user validators. The model-level `validate` rule runs at `save()`,
 *   where the whole row is known; it also answers 422 through `ModelValidationError`.
 * - **`output`** validates a row or instance (extra keys such as loaded relations are ignored) and
 *   returns its columns; its JSON Schema lists every column, read-only ones marked `readOnly`.
 */
import type { JsonSchema, ValidationIssue } from '../validation/index.ts'
import { ModelValidationError } from './errors.ts'
import type { AnyModel } from './model.ts'
import { document, objectSchema, propertySchema } from './schemas-json.ts'
import type { ModelSchema, ModelSchemas } from './schemas-types.ts'
import {
  buildPlan,
  issue,
  type Plan,
  type SchemaKind,
  SUFFIX,
  validateInput,
  validateOutput,
  writableFields,
} from './schemas-validate.ts'

export type { ChangeOf, CreateOf, ModelSchema, ModelSchemas } from './schemas-types.ts'

/** The object schema (the named definition) of one kind. */
function definitionOf(model: AnyModel, plan: Plan, kind: SchemaKind): JsonSchema {
  const write = kind !== 'output'
  const fields = write ? writableFields(plan, kind) : plan.fields
  const properties = fields.map((f) => {
    const schema = propertySchema(
      { value: f.key?.spec ?? f.info.spec, own: f.info.spec, readOnly: !write && !f.writable },
      write,
    )
    return [f.info.attr, schema] as const
  })
  const required =
    kind === 'output'
      ? fields.map((f) => f.info.attr)
      : kind === 'partialUpdate'
        ? []
        : fields.filter((f) => f.required).map((f) => f.info.attr)
  return objectSchema(model.name + SUFFIX[kind], properties, required)
}

type Validate = (value: unknown) => { value?: unknown; issues: ValidationIssue[] }

function toStandardIssues(issues: ValidationIssue[]) {
  return issues.map((i) => ({ message: i.message, path: i.path, code: i.code }))
}

function makeSchema(
  model: AnyModel,
  name: string,
  validate: Validate,
  json: (target: string) => JsonSchema,
): ModelSchema<any, any> {
  let list: ModelSchema<any, any> | undefined
  const schema: ModelSchema<any, any> = {
    name,
    '~standard': {
      version: 1,
      vendor: 'plinth',
      validate(value) {
        const result = validate(value)
        return result.issues.length > 0
          ? { issues: toStandardIssues(result.issues) }
          : { value: result.value }
      },
      jsonSchema: {
        input: (options) => json(options.target),
        output: (options) => json(options.target),
      },
    },
    parse(value) {
      const result = validate(value)
      if (result.issues.length > 0) throw new ModelValidationError(model.name, result.issues)
      return result.value
    },
    array() {
      list ??= arrayOf(model, name, validate, json)
      return list
    },
  }
  return schema
}

function arrayOf(
  model: AnyModel,
  name: string,
  validate: Validate,
  json: (target: string) => JsonSchema,
): ModelSchema<any, any> {
  const each: Validate = (value) => {
    if (!Array.isArray(value))
      return { issues: [issue([], 'Expected a JSON array.', 'invalid_type')] }
    const issues: ValidationIssue[] = []
    const out = value.map((item, index) => {
      const result = validate(item)
      for (const i of result.issues) issues.push({ ...i, path: [index, ...i.path] })
      return result.value
    })
    return issues.length > 0 ? { issues } : { value: out, issues }
  }
  return makeSchema(model, name, each, (target) => {
    const doc = json(target)
    const { $ref, ...rest } = doc
    return { ...rest, type: 'array', items: { $ref } }
  })
}

/**
 * Build a model's schemas. Called once per model by the `schemas` getter; field metadata (and
 * relation targets) are read on first use, so models may point at models defined later.
 *
 * @example
 * app.post('/products', { body: Product.schemas.create, response: Product.schemas.output, status: 201 },
 *   (ctx) => Product.objects.create(ctx.body))
 */
export function buildSchemas(model: AnyModel): ModelSchemas<any> {
  let plan: Plan | undefined
  const planOf = () => {
    plan ??= buildPlan(model)
    return plan
  }
  const make = (kind: SchemaKind) => {
    let definition: JsonSchema | undefined
    const name = model.name + SUFFIX[kind]
    const validate: Validate =
      kind === 'output'
        ? (value) => validateOutput(planOf(), value)
        : (value) => validateInput(planOf(), kind, value)
    return makeSchema(model, name, validate, (target) => {
      definition ??= definitionOf(model, planOf(), kind)
      return document(target, name, definition)
    })
  }
  return {
    create: make('create'),
    update: make('update'),
    partialUpdate: make('partialUpdate'),
    output: make('output'),
  }
}
