/**
 * The catalogue's models. One definition gives the tables, typed queries, validation and the
 * request/response schemas the routes use (`Product.schemas.create`, `.output`).
 *
 * Tables are prefixed `catalog_` (the app's name), as Django prefixes them with the app label, so
 * the example can share a database with other code.
 */
import { defineModel, field, lookup } from 'plinth/orm'

export const Category = defineModel(
  'Category',
  {
    name: field.string({ maxLength: 60, unique: true }),
    slug: field.slug({ unique: true }),
  },
  { table: 'catalog_category', ordering: ['name'], verboseNamePlural: 'categories' },
)

export const Product = defineModel(
  'Product',
  {
    name: field.string({ maxLength: 120 }),
    description: field.text({ blank: true, default: '' }),
    price: field.decimal({ maxDigits: 10, decimalPlaces: 2, helpText: 'Price in euros' }),
    stock: field.integer({
      default: 0,
      validators: [(n) => (n < 0 ? 'Stock cannot be negative.' : undefined)],
    }),
    // Restrict: deleting a category that still has products is refused (409), never a cascade.
    category: field.foreignKey(() => Category, { onDelete: 'restrict', relatedName: 'products' }),
    // Set by the upload endpoint only (a URL path under /media), never by a JSON body.
    image: field.string({ maxLength: 200, null: true, editable: false }),
    createdAt: field.datetime({ autoNowAdd: true }),
    updatedAt: field.datetime({ autoNow: true }),
  },
  {
    table: 'catalog_product',
    ordering: ['name'],
    // The "newest first" listing reads this index backwards.
    indexes: [{ fields: ['createdAt'] }],
    constraints: [
      { type: 'check', name: 'catalog_product_stock_gte_0', check: { stock: lookup.gte(0) } },
    ],
  },
)
