/**
 * A page of rows as the API returns it: `{ items, total, page, pageSize, pages }`, documented in
 * OpenAPI with the model's own output schema for the items.
 *
 * Any Standard Schema works as a route's `response`; this one wraps `Product.schemas.output`, so
 * the items are checked and filtered by the same rules as a single product.
 */
import type { Page } from 'plinth/orm'
import type { JsonSchema, StandardJSONSchemaV1, StandardSchemaV1 } from 'plinth/validation'

type PageBody<T> = Pick<Page<T>, 'items' | 'total' | 'page' | 'pageSize' | 'pages'>
type ItemSchema<T> = StandardSchemaV1<T, T> & StandardJSONSchemaV1<T, T> & { readonly name: string }

/** The page schema for `item` (a model's output schema), named `<Item>Page` in OpenAPI. */
export function pageSchema<T>(
  item: ItemSchema<T>,
): StandardSchemaV1<PageBody<T>> & StandardJSONSchemaV1<PageBody<T>> {
  const name = `${item.name}Page`
  const json = (options: StandardJSONSchemaV1.Options): Record<string, unknown> => {
    const doc = item['~standard'].jsonSchema.output(options) as JsonSchema
    // The item document is `{ $schema, $defs: { Product }, $ref }` (`definitions` in draft-07).
    const defsKey = '$defs' in doc ? '$defs' : 'definitions'
    const integer = { type: 'integer', minimum: 0 }
    const page = {
      type: 'object',
      properties: {
        items: { type: 'array', items: { $ref: doc.$ref } },
        total: integer,
        page: { type: 'integer', minimum: 1 },
        pageSize: { type: 'integer', minimum: 1 },
        pages: { type: 'integer', minimum: 1 },
      },
      required: ['items', 'total', 'page', 'pageSize', 'pages'],
      additionalProperties: false,
    }
    const defs = { ...(doc[defsKey] as object), [name]: page }
    return { $schema: doc.$schema, [defsKey]: defs, $ref: `#/${defsKey}/${name}` }
  }
  return {
    '~standard': {
      version: 1,
      vendor: 'catalog',
      validate(value) {
        const body = value as PageBody<unknown>
        const issues: StandardSchemaV1.Issue[] = []
        const checked = (body?.items ?? []).map((row, index) => {
          const result = item['~standard'].validate(row)
          if (result instanceof Promise)
            throw new TypeError('Model schemas validate synchronously.')
          if (result.issues)
            issues.push(
              ...result.issues.map((i) => ({ ...i, path: ['items', index, ...(i.path ?? [])] })),
            )
          return result.issues ? undefined : result.value
        })
        if (issues.length > 0) return { issues }
        return { value: { ...body, items: checked as T[] } }
      },
      jsonSchema: { input: json, output: json },
    },
  }
}
