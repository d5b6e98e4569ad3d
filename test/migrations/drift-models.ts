/**
 * Models for the schema drift tests: every field kind, foreign keys with each on-delete rule, a
 * one-to-one, a many-to-many with its automatic join table, single and multi-column indexes
 * (unique, descending, partial), unique-together, a check, custom table and column names.
 *
 * They live in a private registry and module `mgdrift`, with tables prefixed `mg_drift_`, so they
 * never meet other test files' models or tables (files run in parallel on the same servers).
 */
import { resolve } from 'node:path'
import { op, ProjectState, renderMigration } from '../../src/migrations/index.ts'
import { defineModel, field, lookup } from '../../src/orm/index.ts'

/** The registry these models are defined into. */
export const registry: never[] = []
const options = { module: 'mgdrift', registry } as const

export const Category = defineModel(
  'Category',
  {
    id: field.autoId(),
    name: field.string({ maxLength: 60, unique: true }),
    slug: field.slug(),
    parent: field.foreignKey('self', { onDelete: 'setNull', null: true }),
  },
  { ...options, table: 'mg_drift_category' },
)

export const Tag = defineModel(
  'Tag',
  { id: field.uuidId(), label: field.string({ maxLength: 30, column: 'tag_label' }) },
  { ...options, table: 'mg_drift_tag' },
)

export const Product = defineModel(
  'Product',
  {
    id: field.bigAutoId(),
    name: field.string({ maxLength: 100 }),
    description: field.text({ null: true }),
    price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
    weight: field.float({ null: true }),
    stock: field.integer({ default: 0 }),
    views: field.bigint({ default: 0n }),
    active: field.boolean({ default: true }),
    released: field.date({ null: true }),
    createdAt: field.datetime({ autoNowAdd: true }),
    opensAt: field.time({ null: true }),
    leadTime: field.duration({ null: true }),
    extra: field.json({ null: true }),
    ref: field.uuid({ unique: true }),
    contact: field.email(),
    site: field.url({ null: true }),
    slug: field.slug(),
    status: field.enum(['draft', 'live'], { maxLength: 10, default: 'draft' }),
    picture: field.binary({ null: true }),
    category: field.foreignKey('Category', { onDelete: 'cascade', column: 'cat_id' }),
    supplier: field.foreignKey('Category', {
      onDelete: 'restrict',
      null: true,
      index: false,
      relatedName: 'supplied',
    }),
    origin: field.foreignKey('Category', {
      onDelete: 'doNothing',
      null: true,
      dbConstraint: false,
      relatedName: 'originated',
    }),
    tags: field.manyToMany('Tag'),
  },
  {
    ...options,
    table: 'mg_drift_product',
    indexes: [
      { fields: ['name', '-price'] },
      { fields: ['slug'], unique: true, where: { active: true } },
      { fields: ['-createdAt'], name: 'mg_drift_product_recent' },
    ],
    constraints: [
      { type: 'unique', fields: ['category', 'name'] },
      { type: 'check', name: 'mg_drift_product_price_positive', check: { price: lookup.gte('0') } },
    ],
  },
)

export const Detail = defineModel(
  'Detail',
  {
    id: field.autoId(),
    product: field.oneToOne('Product', { onDelete: 'cascade' }),
    fallback: field.foreignKey('Category', {
      onDelete: 'setDefault',
      null: true,
      default: 1,
      relatedName: 'fallbacks',
    }),
    note: field.string({ maxLength: 200, column: 'note_text' }),
  },
  { ...options, table: 'mg_drift_detail', uniqueTogether: [['product', 'note']] },
)

/** Parents before children. */
export const models = [Category, Tag, Product, Detail] as const

/** Every table the models create (including the join table). */
export const TABLES = [
  'mg_drift_category',
  'mg_drift_tag',
  'mg_drift_product',
  'mg_drift_product_tags',
  'mg_drift_detail',
]

/** Absolute import path of the migrations module, for generated migration files. */
export const importFrom = resolve(import.meta.dirname, '../../src/migrations/index.ts')

/** `0001_initial`: createModel for every model above, as makemigrations would write it. */
export function initialMigration(): string {
  const operations = ProjectState.fromModels(models)
    .models()
    .map((m) =>
      op.createModel({
        name: m.name,
        table: m.table,
        fields: Object.fromEntries(m.fields),
        indexes: [...m.indexes],
        constraints: [...m.constraints],
      }),
    )
  return renderMigration({
    module: 'mgdrift',
    dependencies: [],
    operations,
    initial: true,
    importFrom,
  })
}
