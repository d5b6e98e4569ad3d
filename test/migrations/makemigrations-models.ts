/**
 * A rich model set for makemigrations tests, in versions: every field kind, a foreign key to
 * itself, many-to-many with and without a through model, indexes (partial, descending), check
 * constraints with lookups and or/not, unique together, custom table and column names, enums,
 * decimals, and a relation into a second module. Each call defines fresh models in a private
 * registry, so versions never meet.
 */
import { fileURLToPath } from 'node:url'
import type { MigrationModule } from '../../src/migrations/index.ts'
import { defineModule, lookup, not, or } from '../../src/migrations/index.ts'
import { type AnyModel, defineModel, field } from '../../src/orm/index.ts'

/** Absolute path of the migrations source, for generated files (`importFrom`). */
export const MIGRATIONS_SOURCE = fileURLToPath(
  new URL('../../src/migrations/index.ts', import.meta.url),
)

/** What changes between versions of the models. */
export interface Version {
  /** `name` instead of `title`. */
  renamed?: boolean
  /** Add `rating` (nullable). */
  rating?: boolean
  /** `stock` as a bigint instead of an integer. */
  bigStock?: boolean
  /** An index on `rating`. */
  ratingIndex?: boolean
  /** Drop `description`. */
  noDescription?: boolean
}

/** The `auth` and `app` modules at `version`, their migrations in `dirs`. */
export function shopModules(
  dirs: { app: string; auth: string },
  version: Version = {},
): MigrationModule[] {
  const registry: AnyModel[] = []
  const User = defineModel(
    'User',
    { email: field.email({ unique: true }), active: field.boolean({ default: true }) },
    { registry, module: 'auth' },
  )
  const Category = defineModel(
    'Category',
    {
      name: field.string({ maxLength: 100, unique: true }),
      slug: field.slug(),
      parent: field.foreignKey('self', {
        onDelete: 'setNull',
        null: true,
        relatedName: 'children',
      }),
    },
    { registry, table: 'shop_category' },
  )
  const Tag = defineModel(
    'Tag',
    { label: field.string({ maxLength: 30, column: 'tag_label' }) },
    { registry },
  )
  const title = version.renamed ? 'name' : 'title'
  const Product = defineModel(
    'Product',
    {
      id: field.bigAutoId(),
      sku: field.string({ maxLength: 20 }),
      [title]: field.string({ maxLength: 200 }),
      ...(version.noDescription ? {} : { description: field.text({ null: true }) }),
      price: field.decimal({ maxDigits: 10, decimalPlaces: 2, default: '0.00' }),
      stock: version.bigStock ? field.bigint({ default: 0n }) : field.integer({ default: 0 }),
      weight: field.float({ null: true }),
      views: field.bigint({ default: 0n }),
      active: field.boolean({ default: true }),
      releasedOn: field.date({ null: true }),
      createdAt: field.datetime({ autoNowAdd: true }),
      updatedAt: field.datetime({ autoNow: true }),
      opensAt: field.time({ null: true }),
      warranty: field.duration({ null: true }),
      attributes: field.json({ default: { colour: 'red', sizes: [1, 2] } }),
      ref: field.uuid({ null: true }),
      contact: field.email({ null: true }),
      homepage: field.url({ maxLength: 300, null: true }),
      status: field.enum(['draft', 'published', 'archived'], { default: 'draft' }),
      image: field.binary({ null: true }),
      category: field.foreignKey(() => Category, { onDelete: 'cascade', relatedName: 'products' }),
      categoryName: field.foreignKey(() => Category, {
        onDelete: 'doNothing',
        toField: 'name',
        dbConstraint: false,
        null: true,
        column: 'category_label',
        relatedName: 'labelled',
      }),
      owner: field.foreignKey('auth.User', { onDelete: 'setNull', null: true }),
      tags: field.manyToMany(() => Tag, { relatedName: 'products' }),
      suppliers: field.manyToMany('Supplier', { through: 'Supply', relatedName: 'products' }),
      ...(version.rating ? { rating: field.integer({ null: true }) } : {}),
      validated: field.string({ maxLength: 10, null: true, validators: [() => undefined] }),
    },
    {
      registry,
      indexes: [
        { fields: [title], name: 'ix_product_title' },
        { fields: ['-price', 'stock'], name: 'ix_price_desc' },
        { fields: ['sku'], unique: true, where: { active: true } },
        ...(version.ratingIndex ? [{ fields: ['rating'] }] : []),
      ] as never,
      constraints: [
        { type: 'check', name: 'product_price_positive', check: { price: lookup.gte('0') } },
        {
          type: 'check',
          name: 'product_stock_sane',
          check: or({ stock: lookup.gte(0) }, not({ active: true })),
        },
        { type: 'unique', name: 'uq_product_category_title', fields: ['category', title] },
      ] as never,
      uniqueTogether: [['sku', 'category']] as never,
    },
  )
  const Supplier = defineModel(
    'Supplier',
    { id: field.uuidId(), name: field.string({ maxLength: 100 }) },
    { registry },
  )
  const Supply = defineModel(
    'Supply',
    {
      product: field.foreignKey(() => Product, { onDelete: 'cascade' }),
      supplier: field.foreignKey(() => Supplier, { onDelete: 'cascade' }),
      since: field.date({ null: true }),
    },
    { registry },
  )
  const Detail = defineModel(
    'Detail',
    { product: field.oneToOne(() => Product, { onDelete: 'cascade' }), notes: field.text() },
    { registry },
  )
  return [
    defineModule({ name: 'auth', models: [User], migrations: dirs.auth }),
    defineModule({
      name: 'app',
      models: [Category, Tag, Product, Supplier, Supply, Detail],
      migrations: dirs.app,
    }),
  ]
}
