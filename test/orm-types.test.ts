/**
 * Type-level tests for the ORM: rows, inserts, filters, orderings and projections are typed from
 * the model's fields. `npm run typecheck` (and CI) compiles this file; each `@ts-expect-error`
 * fails the build if the line ever stops being an error. Query sets are lazy, so the runtime part
 * only builds them; terminal methods are typed through `ReturnType` without running SQL. One test
 * runs the accepted filters on in-memory SQLite, so the types never accept what the parser refuses.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import {
  type AnyModel,
  and,
  Count,
  column,
  createDatabase,
  createTables,
  defineModel,
  F,
  field,
  has,
  type Insert,
  type Instance,
  keysetPage,
  lookup,
  not,
  or,
  paginate,
  QuerySet,
  type Row,
  Sum,
  table,
  type Update,
  type Where,
} from 'plinth/orm'

/** `true` when A and B are the same type (not merely assignable). */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function assertType<T extends true>(): T | undefined {
  return undefined
}
/** The element type a query set resolves to. */
type Item<Q> = Q extends QuerySet<any, infer R> ? R : never

const Category = defineModel('Category', {
  name: field.string({ maxLength: 50, unique: true }),
  rank: field.integer({ null: true }),
})
const Tag = defineModel('Tag', { label: field.slug() })
const Product = defineModel('Product', {
  name: field.string({ maxLength: 100 }),
  price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
  description: field.text({ null: true }),
  stock: field.integer({ default: 0 }),
  createdAt: field.datetime({ autoNowAdd: true }),
  releasedOn: field.date({ null: true }),
  status: field.enum(['draft', 'live'], { default: 'draft' }),
  category: field.foreignKey(() => Category, { onDelete: 'cascade', relatedName: 'products' }),
  brand: field.foreignKey(() => Category, {
    onDelete: 'setNull',
    null: true,
    relatedName: 'branded',
  }),
  tags: field.manyToMany(() => Tag, { relatedName: 'products' }),
})
const Article = defineModel('Article', {
  slug: field.uuidId(),
  title: field.string({ maxLength: 80 }),
})
const Comment = defineModel('Comment', {
  article: field.foreignKey(() => Article, { onDelete: 'cascade' }),
  body: field.text(),
})

// ── Rows ──────────────────────────────────────────────────────────────────────────────────────
type ProductRow = Row<typeof Product>
assertType<Equal<ProductRow['price'], string>>()
assertType<Equal<ProductRow['categoryId'], number>>()
assertType<Equal<ProductRow['brandId'], number | null>>()
assertType<Equal<ProductRow['description'], string | null>>()
assertType<Equal<ProductRow['createdAt'], Date>>()
assertType<Equal<ProductRow['id'], number>>()
assertType<Equal<Row<typeof Category>['rank'], number | null>>()
// An explicit primary key replaces the implicit id, and foreign keys take its type.
assertType<Equal<Row<typeof Article>['slug'], string>>()
assertType<Equal<Row<typeof Comment>['articleId'], string>>()
// @ts-expect-error an explicit primary key means no implicit id
export type NoId = Row<typeof Article>['id']
// @ts-expect-error relations are not columns: the row has categoryId, not category
export type NoCategory = ProductRow['category']
// @ts-expect-error many-to-many fields have no column
export type NoTags = ProductRow['tags']

// ── Inserts and updates ───────────────────────────────────────────────────────────────────────
type ProductInsert = Insert<typeof Product>
const insert: ProductInsert = { name: 'Dune', price: '9.99', categoryId: 1 }
const withOptionals: ProductInsert = {
  name: 'Dune',
  price: 9.99,
  categoryId: 1,
  stock: 3,
  description: null,
  brandId: null,
}
// @ts-expect-error price is required
const noPrice: ProductInsert = { name: 'Dune', categoryId: 1 }
// @ts-expect-error the category is required
const noCategory: ProductInsert = { name: 'Dune', price: '9.99' }
// @ts-expect-error stock is a number
const badStock: ProductInsert = { name: 'Dune', price: '9.99', categoryId: 1, stock: 'many' }
// @ts-expect-error no such field
const unknownField: ProductInsert = { name: 'Dune', price: '9.99', categoryId: 1, colour: 'red' }
// @ts-expect-error a foreign key takes the target's key type
const badFk: Insert<typeof Comment> = { articleId: 1, body: 'hi' }
const update: Update<typeof Product> = { stock: F('stock').add(1), price: '1.00' }
// @ts-expect-error name is a string
const badUpdate: Update<typeof Product> = { name: 3 }
function writes() {
  Product.objects.create({ name: 'Dune', price: '9.99', categoryId: 1 })
  // @ts-expect-error create checks the insert type
  Product.objects.create({ name: 'Dune' })
  Product.objects.filter({ id: 1 }).update({ stock: 0 })
  // @ts-expect-error update checks value types
  Product.objects.filter({ id: 1 }).update({ stock: '0' })
  // bulkUpdate takes instances, or objects with the primary key and the fields written.
  const loaded: Array<Instance<typeof Product>> = []
  Product.objects.bulkUpdate(loaded, ['price', 'stock', 'categoryId', 'releasedOn'])
  Product.objects.bulkUpdate([{ id: 1, stock: 3 }], ['stock'], { batchSize: 100 })
  // @ts-expect-error the primary key finds the rows: it is not one of the fields written
  Product.objects.bulkUpdate([{ id: 1 }], ['id'])
  // @ts-expect-error not a field of the model
  Product.objects.bulkUpdate(loaded, ['nope'])
  // @ts-expect-error a relation is written through its key column (categoryId)
  Product.objects.bulkUpdate(loaded, ['category'])
  // @ts-expect-error the objects lack a field being written
  Product.objects.bulkUpdate([{ id: 1 }], ['stock'])
  // @ts-expect-error value types are checked
  Product.objects.bulkUpdate([{ id: 1, stock: '3' }], ['stock'])
  // @ts-expect-error the objects need their primary key
  Product.objects.bulkUpdate([{ stock: 3 }], ['stock'])
}

// ── Filters ───────────────────────────────────────────────────────────────────────────────────
const filters: Array<Where<typeof Product>> = [
  { name: 'Dune' },
  { price: lookup.gte('10') },
  { price: lookup.gte(10) },
  { name: lookup.icontains('dune'), stock: lookup.in([1, 2]) },
  { description: null },
  { description: lookup.isnull() },
  { createdAt: lookup.year(2024) },
  { createdAt: lookup.gte(new Date()) },
  { categoryId: 3 },
  { category: 3 },
  { 'category.name': 'books' },
  { 'category.name': lookup.startswith('b'), 'category.rank': lookup.gt(1) },
  { brand: null },
  { 'tags.label': 'sale' },
  { stock: lookup.gt(F('id')) },
  { price: [lookup.gte('1'), lookup.lt(10)] },
  { 'category.name': lookup.in(['books', 'games']) },
  { 'brand.rank': null },
  { category: lookup.in(Category.objects.filter({ rank: 1 }).valuesList('id', { flat: true })) },
  { tags: 2 },
  { id: lookup.in(Product.objects.filter({ stock: 0 }).valuesList('id', { flat: true })) },
]
Category.objects.filter(has<typeof Product>('products', { price: lookup.gt('5'), stock: 0 }))
// @ts-expect-error has() checks the inner filter against the related model
Category.objects.filter(has<typeof Product>('products', { prise: lookup.gt('5') }))
// @ts-expect-error unknown field
const f1: Where<typeof Product> = { nmae: 'Dune' }
// @ts-expect-error lookups are lookup.*() calls: a plain object is not a filter value
const f2: Where<typeof Product> = { price: { gt: '1' } }
// @ts-expect-error a text lookup on a number
const f3: Where<typeof Product> = { stock: lookup.icontains('1') }
// @ts-expect-error a text lookup on a number, in an array of lookups too
const f3b: Where<typeof Product> = { stock: [lookup.gte(1), lookup.icontains('1')] }
// @ts-expect-error a date part on a string
const f3c: Where<typeof Product> = { name: lookup.year(2024) }
// @ts-expect-error a nested object is not a relation filter: use 'category.name'
const f3d: Where<typeof Product> = { category: { name: 'books' } }
// @ts-expect-error wrong value type
const f4: Where<typeof Product> = { stock: 'many' }
// @ts-expect-error wrong value type in a lookup
const f5: Where<typeof Product> = { stock: lookup.gt('x') }
// @ts-expect-error unknown field across a relation
const f6: Where<typeof Product> = { 'category.nmae': 'x' }
// @ts-expect-error wrong value type across a relation
const f7: Where<typeof Product> = { 'category.rank': 'first' }
// @ts-expect-error wrong lookup kind across a relation
const f7b: Where<typeof Product> = { 'category.rank': lookup.icontains('x') }
// @ts-expect-error the category is not nullable
const f8: Where<typeof Product> = { category: null }
const filtered = Product.objects.filter(
  { 'category.name': 'books' },
  or({ stock: 0 }, { price: lookup.gt('100') }),
)
// @ts-expect-error or() checks its branches against the model
Product.objects.filter(or({ stock: 0 }, { nope: 1 }))
Product.objects.filter(or({ stock: 0 }, and({ price: lookup.gt('1') }, not({ name: 'x' }))))
// @ts-expect-error nested conditions are checked too
Product.objects.filter(or({ stock: 0 }, and({ price: lookup.gt('1') }, not({ nope: 'x' }))))
// A condition built outside a filter names its type.
const standalone = or<Where<typeof Product>>({ stock: 0 }, { name: 'x' })
Product.objects.filter(standalone)
// @ts-expect-error filter() checks field names
Product.objects.filter({ nope: 1 })
// @ts-expect-error exclude() too
Product.objects.exclude({ 'category.nmae': 'x' })

// ── Ordering ──────────────────────────────────────────────────────────────────────────────────
Product.objects.orderBy('-price', 'name', 'category.name', '-categoryId', {
  field: 'description',
  nulls: 'last',
})
// @ts-expect-error unknown field
Product.objects.orderBy('nope')
// @ts-expect-error unknown field after the minus
Product.objects.orderBy('-nope')
// @ts-expect-error unknown field across a relation
Product.objects.orderBy('category.nope')
// @ts-expect-error in the object form too
Product.objects.orderBy({ field: 'nope', nulls: 'first' })
// A string only known at run time (a query parameter) is accepted and checked when the query runs.
const sortParam: string = process.env.SORT ?? 'name'
Product.objects.orderBy(sortParam, '-price')

// ── Projections ───────────────────────────────────────────────────────────────────────────────
const named = Product.objects.values('name', 'price')
assertType<Equal<Item<typeof named>, { name: string; price: string }>>()
assertType<Equal<Awaited<ReturnType<typeof named.all>>, Array<{ name: string; price: string }>>>()
const viaRelation = Product.objects.values('id', 'category.name', 'brand.name')
assertType<
  Equal<
    Item<typeof viaRelation>,
    { id: number; 'category.name': string; 'brand.name': string | null }
  >
>()
// @ts-expect-error unknown field
Product.objects.values('nope')
// @ts-expect-error instance methods are not values
Product.objects.values('save')
const ids = Product.objects.valuesList('id', { flat: true })
assertType<Equal<Awaited<ReturnType<typeof ids.all>>, number[]>>()
const pairs = Product.objects.valuesList('id', 'name')
assertType<Equal<Item<typeof pairs>, [number, string]>>()
// @ts-expect-error unknown field
Product.objects.valuesList('nope', { flat: true })

// ── Relations, annotations, aggregates ───────────────────────────────────────────────────────
const withCategory = Product.objects.selectRelated('category', 'brand')
type WithCategory = Item<typeof withCategory>
assertType<Equal<WithCategory['category']['name'], string>>()
assertType<
  Equal<
    WithCategory['brand'] extends infer B ? (B extends null ? null : 'instance') : never,
    'instance' | null
  >
>()
assertType<Equal<WithCategory['price'], string>>()
// @ts-expect-error not a forward relation
Product.objects.selectRelated('tags')
// @ts-expect-error unknown relation
Product.objects.selectRelated('nope')
const counted = Category.objects.annotate({ n: Count('products') })
assertType<Equal<Item<typeof counted>['n'], number>>()
assertType<Equal<Item<typeof counted>['name'], string>>()
const countedValues = counted.values('name', 'n')
assertType<Equal<Item<typeof countedValues>, { name: string; n: number }>>()
type Totals = Awaited<ReturnType<typeof totals>>
function totals() {
  return Product.objects.aggregate({ total: Sum<string>('price'), n: Count() })
}
assertType<Equal<Totals, { total: string | null; n: number }>>()
// The first row, or undefined.
assertType<
  Equal<Awaited<ReturnType<typeof Product.objects.first>>, Item<typeof Product.objects> | undefined>
>()
// Models keep their name; generic code takes AnyModel.
assertType<Equal<(typeof Product)['name'], 'Product'>>()
const anyModel: AnyModel = Product

// ── Kinds: dates, datetimes, enums ───────────────────────────────────────────────────────────
const kinds: Array<Where<typeof Product>> = [
  { createdAt: '2024-01-01T00:00:00Z' },
  { createdAt: lookup.lt('2024-01-01T00:00:00Z') },
  { releasedOn: '2024-01-01' },
  { releasedOn: [lookup.year(2024), lookup.month(lookup.gte(6))] },
  { status: 'live' },
  { status: lookup.in(['draft', 'live']) },
]
// @ts-expect-error not one of the enum's values
const k1: Where<typeof Product> = { status: 'archived' }
// @ts-expect-error not one of the enum's values, in a lookup
const k2: Where<typeof Product> = { status: lookup.in(['archived']) }
// @ts-expect-error a date is compared with strings, not Date objects
const k3: Where<typeof Product> = { releasedOn: lookup.gt(new Date()) }
// @ts-expect-error text lookups do not apply to a decimal
const k4: Where<typeof Product> = { price: lookup.icontains('9') }

// ── Raw SQL and pagination ───────────────────────────────────────────────────────────────────
const db = createDatabase({ url: 'sqlite::memory:' })
function rawAndPages() {
  const counted = db.sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${table(Product)}`.first()
  assertType<Equal<Awaited<typeof counted>, { n: number } | undefined>>()
  const products =
    db.sql`SELECT * FROM ${table(Product)} WHERE ${column(Product, 'price')} > ${'5'}`
      .as(Product)
      .all()
  assertType<Equal<Awaited<typeof products>, Array<Instance<typeof Product>>>>()
  column(Product, 'categoryId')
  column(Product, 'category')
  // @ts-expect-error not a field of the model
  column(Product, 'nope')
  const page = paginate(Product.objects.filter({ stock: 0 }), { page: 2 })
  assertType<Equal<Awaited<typeof page>['items'], Array<Instance<typeof Product>>>>()
  const values = paginate(Product.objects.values('name'))
  assertType<Equal<Awaited<typeof values>['items'], Array<{ name: string }>>>()
  keysetPage(Product.objects, { orderBy: ['-createdAt', 'id'], after: null, size: 10 })
  // @ts-expect-error not a column of the model
  keysetPage(Product.objects, { orderBy: ['-nope'] })
  // @ts-expect-error keyset pages order by the model's own columns
  keysetPage(Product.objects, { orderBy: ['category.name'] })
}

it('builds the typed query sets without running them', () => {
  assert.ok(filtered instanceof QuerySet)
  assert.ok(withCategory instanceof QuerySet)
  assert.equal(typeof writes, 'function')
  assert.equal(filters.length, 21)
  assert.equal(kinds.length, 6)
  assert.equal(typeof rawAndPages, 'function')
  assert.equal(anyModel.name, 'Product')
  assert.deepEqual(insert, { name: 'Dune', price: '9.99', categoryId: 1 })
  void [
    k1,
    k2,
    k3,
    k4,
    withOptionals,
    noPrice,
    noCategory,
    badStock,
    unknownField,
    badFk,
    update,
    badUpdate,
    f1,
    f2,
    f3,
    f3b,
    f3c,
    f3d,
    f4,
    f5,
    f6,
    f7,
    f7b,
    f8,
  ]
})

it('accepts at run time every filter the types accept', async () => {
  const local = createDatabase({ url: 'sqlite::memory:' })
  try {
    await createTables(local, [Category, Tag, Product])
    for (const where of [...filters, ...kinds])
      assert.equal(await Product.objects.using(local).filter(where).count(), 0)
    const typed = has<typeof Product>('products', { price: lookup.gt('5'), stock: 0 })
    assert.equal(await Category.objects.using(local).filter(typed).count(), 0)
  } finally {
    await local.close()
  }
})
