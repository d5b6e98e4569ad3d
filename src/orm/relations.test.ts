/**
 * Relations on every dialect: `selectRelated` (JOINs), `prefetchRelated` (one query per level,
 * counted), `load()`, related managers, filters and annotations across relations, and what each
 * `onDelete` does to the children of deleted rows.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it, type TestContext } from 'node:test'
import { requireService, type ServiceName } from '../../test/support/services.ts'
import { createDatabase, type Database } from './database.ts'
import { IntegrityError, OrmError, QueryError } from './errors.ts'
import { field } from './fields.ts'
import { type AnyModel, defineModel } from './model.ts'
import { Count } from './query/expressions.ts'
import { lookup } from './query/lookup.ts'
import { createTables, dropTables } from './schema/index.ts'

const Section = defineModel(
  'Section',
  { title: field.string({ maxLength: 50 }) },
  { table: 'rel_section' },
)
const Category = defineModel(
  'Category',
  {
    name: field.string({ maxLength: 50, unique: true }),
    section: field.foreignKey(() => Section, {
      onDelete: 'setNull',
      null: true,
      relatedName: 'categories',
    }),
  },
  { table: 'rel_category', ordering: ['name'] },
)
const Tag = defineModel(
  'Tag',
  { name: field.string({ maxLength: 50 }) },
  { table: 'rel_tag', ordering: ['name'] },
)
const Product = defineModel(
  'Product',
  {
    name: field.string({ maxLength: 100 }),
    price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
    category: field.foreignKey(() => Category, { onDelete: 'cascade', relatedName: 'products' }),
    tags: field.manyToMany(() => Tag, { relatedName: 'products' }),
  },
  { table: 'rel_product', ordering: ['name'] },
)
const Detail = defineModel(
  'Detail',
  {
    text: field.text(),
    product: field.oneToOne(() => Product, { onDelete: 'cascade', relatedName: 'detail' }),
  },
  { table: 'rel_detail' },
)
const Order = defineModel(
  'Order',
  {
    ref: field.string({ maxLength: 20 }),
    products: field.manyToMany(() => Product, {
      through: (): AnyModel => OrderLine,
      relatedName: 'orders',
    }),
  },
  { table: 'rel_order' },
)
const OrderLine = defineModel(
  'OrderLine',
  {
    order: field.foreignKey(() => Order, { onDelete: 'cascade' }),
    product: field.foreignKey(() => Product, { onDelete: 'cascade' }),
    quantity: field.integer(),
  },
  { table: 'rel_order_line' },
)

// onDelete behaviours: one parent model, one child model per behaviour.
let fallbackOwner = 0
const Owner = defineModel(
  'Owner',
  { name: field.string({ maxLength: 20 }) },
  { table: 'rel_owner' },
)
const CascadeChild = defineModel(
  'CascadeChild',
  { owner: field.foreignKey(() => Owner, { onDelete: 'cascade', relatedName: 'cascades' }) },
  { table: 'rel_cascade_child' },
)
const NullChild = defineModel(
  'NullChild',
  {
    owner: field.foreignKey(() => Owner, { onDelete: 'setNull', null: true, relatedName: 'nulls' }),
  },
  { table: 'rel_null_child' },
)
const RestrictChild = defineModel(
  'RestrictChild',
  {
    owner: field.foreignKey(() => Owner, {
      onDelete: 'restrict',
      null: true,
      relatedName: 'restricts',
    }),
  },
  { table: 'rel_restrict_child' },
)
const DefaultChild = defineModel(
  'DefaultChild',
  {
    owner: field.foreignKey(() => Owner, {
      onDelete: 'setDefault',
      default: () => fallbackOwner,
      relatedName: 'defaults',
    }),
  },
  { table: 'rel_default_child' },
)
const NothingChild = defineModel(
  'NothingChild',
  {
    owner: field.foreignKey(() => Owner, {
      onDelete: 'doNothing',
      null: true,
      relatedName: 'nothings',
    }),
  },
  { table: 'rel_nothing_child' },
)
const LooseChild = defineModel(
  'LooseChild',
  {
    owner: field.foreignKey(() => Owner, {
      onDelete: 'doNothing',
      dbConstraint: false,
      relatedName: 'looses',
    }),
  },
  { table: 'rel_loose_child' },
)

const MODELS = [
  Section,
  Category,
  Tag,
  Product,
  Detail,
  Order,
  OrderLine,
  Owner,
  CascadeChild,
  NullChild,
  RestrictChild,
  DefaultChild,
  NothingChild,
  LooseChild,
]
/** Deleted before each test, children first. */
const RESET = [
  OrderLine,
  Order,
  Detail,
  Product,
  Tag,
  Category,
  Section,
  CascadeChild,
  NullChild,
  RestrictChild,
  DefaultChild,
  NothingChild,
  LooseChild,
  Owner,
]

const TARGETS: Array<{ name: string; url: string; service?: ServiceName }> = [
  { name: 'SQLite', url: 'sqlite::memory:' },
  { name: 'PostgreSQL', url: 'postgres://postgres@127.0.0.1:5432/test', service: 'postgres' },
  { name: 'MariaDB', url: 'mysql://root@127.0.0.1:3306/test', service: 'mariadb' },
]

type Row = Record<string, any>

/** Statements run while `fn` runs. */
async function counting<T>(
  db: Database,
  fn: () => Promise<T>,
): Promise<{ result: T; queries: string[] }> {
  const queries: string[] = []
  const stop = db.observe((statement) => queries.push(statement.sql))
  try {
    return { result: await fn(), queries }
  } finally {
    stop()
  }
}

const names = (rows: readonly Row[]) => rows.map((r) => r.name)
/** Filters through reverse relations, which the filter types do not list (names come from other models). */
const reverse = (where: object) => where as never

/** Two sections, three categories (one without a section), four tags, products with tags. */
async function catalogue() {
  const food = await Section.objects.create({ title: 'food' })
  const media = await Section.objects.create({ title: 'media' })
  const books = await Category.objects.create({ name: 'books', sectionId: media.id })
  const fruit = await Category.objects.create({ name: 'fruit', sectionId: food.id })
  const misc = await Category.objects.create({ name: 'misc' })
  const [cheap, fresh, sale, unused] = await Tag.objects.bulkCreate([
    { name: 'cheap' },
    { name: 'fresh' },
    { name: 'sale' },
    { name: 'unused' },
  ])
  const dune = await Product.objects.create({ name: 'Dune', price: '9.99', categoryId: books.id })
  const emma = await Product.objects.create({ name: 'Emma', price: '4.50', categoryId: books.id })
  const apple = await Product.objects.create({ name: 'Apple', price: '0.50', categoryId: fruit.id })
  await dune.related('tags').add(sale!)
  await emma.related('tags').add(cheap!, sale!)
  await apple.related('tags').add(fresh!.id, cheap!.id)
  return {
    food,
    media,
    books,
    fruit,
    misc,
    cheap: cheap!,
    fresh: fresh!,
    sale: sale!,
    unused: unused!,
    dune,
    emma,
    apple,
  }
}

for (const target of TARGETS) {
  describe(`relations on ${target.name}`, () => {
    let db: Database | undefined
    let available = true

    before(async () => {
      db = createDatabase(target.url)
      try {
        await dropTables(db, MODELS)
        await createTables(db, MODELS)
      } catch (error) {
        // An unreachable service: each test reports it through requireService.
        if (target.service === undefined) throw error
        available = false
      }
    })

    after(async () => {
      if (db && available) await dropTables(db, MODELS)
      await db?.close()
    })

    /** Run `body` with fresh rows, the database as the default (db.scope). */
    async function run(t: TestContext, body: (db: Database) => Promise<void>): Promise<void> {
      if (target.service && !(await requireService(t, target.service))) return
      assert.ok(db && available, `${target.name} tables could not be created`)
      const database = db
      await database.scope(async () => {
        for (const model of RESET) await model.objects.delete()
        await body(database)
      })
    }

    it('selectRelated joins forward keys, gives null for a missing one, and follows chains', (t) =>
      run(t, async (db) => {
        await catalogue()
        const { result, queries } = await counting(db, () =>
          Product.objects.selectRelated('category.section').orderBy('name').all(),
        )
        assert.equal(queries.length, 1)
        assert.deepEqual(
          result.map((p) => [p.name, p.category.name, (p.category as Row).section?.title]),
          [
            ['Apple', 'fruit', 'food'],
            ['Dune', 'books', 'media'],
            ['Emma', 'books', 'media'],
          ],
        )
        const categories = await Category.objects.selectRelated('section').all()
        assert.deepEqual(
          categories.map((c) => [c.name, c.section?.title ?? null]),
          [
            ['books', 'media'],
            ['fruit', 'food'],
            ['misc', null],
          ],
        )
      }))

    it('prefetchRelated loads a reverse key in one extra query, in the default ordering', (t) =>
      run(t, async (db) => {
        for (let i = 0; i < 10; i++) {
          const category = await Category.objects.create({ name: `c${i}` })
          for (let j = 0; j < 3; j++)
            await Product.objects.create({
              name: `p${i}-${2 - j}`,
              price: '1.00',
              categoryId: category.id,
            })
        }
        await Category.objects.create({ name: 'empty' })
        const { result, queries } = await counting(db, () =>
          Category.objects.prefetchRelated('products').all(),
        )
        assert.equal(queries.length, 2)
        assert.equal(result.length, 11)
        assert.deepEqual(names(result.find((c) => c.name === 'c3')!.products as Row[]), [
          'p3-0',
          'p3-1',
          'p3-2',
        ])
        assert.deepEqual(result.find((c) => c.name === 'empty')!.products, [])
        // load() reuses what the prefetch attached.
        const { queries: again } = await counting(db, () => result[0]!.load('products'))
        assert.equal(again.length, 0)
      }))

    it('prefetchRelated loads many-to-many from both sides, forward keys and reverse one-to-ones', (t) =>
      run(t, async (db) => {
        const { dune } = await catalogue()
        await Detail.objects.create({ text: 'a classic', productId: dune.id })
        const { result: products, queries } = await counting(db, () =>
          Product.objects.prefetchRelated('tags', 'category', 'detail').all(),
        )
        assert.equal(queries.length, 1 + 2 + 1 + 1)
        assert.deepEqual(
          products.map((p) => [
            p.name,
            names(p.tags),
            p.category.name,
            (p.detail as Row | null)?.text ?? null,
          ]),
          [
            ['Apple', ['cheap', 'fresh'], 'fruit', null],
            ['Dune', ['sale'], 'books', 'a classic'],
            ['Emma', ['cheap', 'sale'], 'books', null],
          ],
        )
        // A tag linked to two products is one instance.
        assert.equal(products[0]!.tags[0], products[2]!.tags[0])
        const tags = await Tag.objects.prefetchRelated('products').all()
        assert.deepEqual(
          tags.map((tag) => [tag.name, names(tag.products as Row[])]),
          [
            ['cheap', ['Apple', 'Emma']],
            ['fresh', ['Apple']],
            ['sale', ['Dune', 'Emma']],
            ['unused', []],
          ],
        )
      }))

    it('prefetchRelated follows dotted paths with one query per level', (t) =>
      run(t, async (db) => {
        await catalogue()
        const { result, queries } = await counting(db, () =>
          Section.objects.orderBy('title').prefetchRelated('categories.products.tags').all(),
        )
        assert.equal(queries.length, 1 + 1 + 1 + 2)
        const media = result[1]!
        assert.deepEqual(names(media.categories as Row[]), ['books'])
        const books = (media.categories as Row[])[0]!
        assert.deepEqual(
          books.products.map((p: Row) => [p.name, names(p.tags)]),
          [
            ['Dune', ['sale']],
            ['Emma', ['cheap', 'sale']],
          ],
        )
        // A forward key already joined by selectRelated costs no query.
        const { queries: joined } = await counting(db, () =>
          Product.objects.selectRelated('category').prefetchRelated('category.products').all(),
        )
        assert.equal(joined.length, 2)
      }))

    it('prefetchRelated chunks long key lists and refuses unknown relations', (t) =>
      run(t, async (db) => {
        const category = await Category.objects.create({ name: 'bulk' })
        await Product.objects.bulkCreate(
          Array.from({ length: 1205 }, (_, i) => ({
            name: `p${i}`,
            price: '1.00',
            categoryId: category.id,
          })),
        )
        const { result, queries } = await counting(db, () =>
          Product.objects.prefetchRelated('category').all(),
        )
        assert.equal(queries.length, 2)
        assert.ok(result.every((p) => p.category.name === 'bulk'))
        const many = await Category.objects.bulkCreate(
          Array.from({ length: 1100 }, (_, i) => ({ name: `k${i}` })),
        )
        const { queries: chunked } = await counting(db, () =>
          Category.objects
            .filter({ id: lookup.in(many.map((c) => c.id)) })
            .prefetchRelated('products')
            .all(),
        )
        assert.equal(chunked.length, 1 + 2)
        await assert.rejects(
          Category.objects.prefetchRelated('goods').all(),
          (error: unknown) =>
            error instanceof QueryError &&
            error.code === 'PLINTH_ORM_BAD_RELATED' &&
            /Known relations: .*products/.test(error.message),
        )
        await assert.rejects(
          Product.objects.prefetchRelated('category.nope').all(),
          /Category has no relation "nope"/,
        )
      }))

    it('load() fetches forward keys, reverse keys and many-to-many once', (t) =>
      run(t, async (db) => {
        const { dune, misc } = await catalogue()
        const fresh = await Product.objects.get({ id: dune.id })
        const category = (await fresh.load('category')) as Row
        assert.equal(category.name, 'books')
        assert.deepEqual(names((await fresh.load('tags')) as Row[]), ['sale'])
        assert.equal(await fresh.load('detail'), null)
        assert.deepEqual(await misc.load('products'), [])
        assert.equal(await misc.load('section'), null)
        const { queries } = await counting(db, () => fresh.load('category'))
        assert.equal(queries.length, 0)
        await assert.rejects(fresh.load('nope'), /no relation "nope"/)
      }))

    it('related managers filter, add, remove, set and clear many-to-many links', (t) =>
      run(t, async () => {
        const { dune, cheap, fresh, sale, unused } = await catalogue()
        const tags = dune.related('tags')
        assert.deepEqual(names(await tags.all()), ['sale'])
        await tags.add(sale, cheap, cheap.id) // existing pair and duplicates are ignored
        assert.deepEqual(names(await tags.all()), ['cheap', 'sale'])
        assert.deepEqual(names(await tags.filter({ name: lookup.startswith('c') }).all()), [
          'cheap',
        ])
        assert.equal(await tags.count(), 2)
        await tags.remove(cheap)
        assert.deepEqual(names(await tags.all()), ['sale'])
        await tags.set([fresh, unused.id])
        assert.deepEqual(names(await tags.all()), ['fresh', 'unused'])
        // From the other side: the same links.
        assert.deepEqual(names(await unused.related('products').all()), ['Dune'])
        await unused.related('products').clear()
        assert.deepEqual(names(await tags.all()), ['fresh'])
        const created = await tags.create({ name: 'new' })
        assert.deepEqual(names(await tags.all()), ['fresh', 'new'])
        assert.deepEqual(names(await created.related('products').all()), ['Dune'])
        await tags.clear()
        assert.equal(await tags.count(), 0)
        await assert.rejects(tags.add(dune), /takes Tag instances or keys; got a Product/)
        await assert.rejects(tags.add({} as never), /without its id/)
      }))

    it('related managers over reverse keys create, add and unlink rows', (t) =>
      run(t, async () => {
        const { books, fruit, misc, apple, media } = await catalogue()
        const products = books.related<typeof Product>('products')
        const made = await products.create({ name: 'Zola', price: '7.00' })
        assert.equal(made.categoryId, books.id)
        assert.deepEqual(names(await products.all()), ['Dune', 'Emma', 'Zola'])
        assert.deepEqual(
          names(
            await products
              .filter({ price: lookup.gt('5') })
              .orderBy('-price')
              .all(),
          ),
          ['Dune', 'Zola'],
        )
        await misc.related('products').add(apple)
        assert.equal(apple.categoryId, misc.id)
        assert.deepEqual(names(await fruit.related('products').all()), [])
        assert.deepEqual(names(await misc.related('products').all()), ['Apple'])
        // Unlinking needs a nullable key.
        await assert.rejects(
          products.remove(made),
          (e: unknown) => e instanceof QueryError && e.code === 'PLINTH_ORM_BAD_WRITE',
        )
        const categories = media.related('categories')
        await categories.remove(books)
        assert.equal(books.sectionId, null)
        assert.equal(await categories.count(), 0)
        await categories.set([books, misc])
        assert.deepEqual(names(await categories.all()), ['books', 'misc'])
        await categories.set([misc])
        assert.deepEqual(names(await categories.all()), ['misc'])
        assert.equal((await Category.objects.get({ id: books.id })).sectionId, null)
        await categories.clear()
        assert.equal(await categories.count(), 0)
        assert.throws(() => books.related('nope'), /Known relations: .*products/)
        assert.throws(() => made.related('category'), /load\('category'\)/)
        assert.throws(
          () =>
            Product.objects
              .build({ name: 'x', price: '1.00', categoryId: books.id })
              .related('tags'),
          (e: unknown) => e instanceof OrmError && e.code === 'PLINTH_ORM_NOT_SAVED',
        )
      }))

    it('many-to-many through a model: prefetch works, direct link writes are refused', (t) =>
      run(t, async (db) => {
        const { dune, emma } = await catalogue()
        const order = await Order.objects.create({ ref: 'A1' })
        await OrderLine.objects.create({ orderId: order.id, productId: dune.id, quantity: 2 })
        await OrderLine.objects.create({ orderId: order.id, productId: emma.id, quantity: 1 })
        const { result, queries } = await counting(db, () =>
          Order.objects.prefetchRelated('products').all(),
        )
        assert.equal(queries.length, 3)
        assert.deepEqual(names(result[0]!.products as Row[]), ['Dune', 'Emma'])
        assert.deepEqual(
          (await dune.related<typeof Order>('orders').all()).map((o) => o.ref),
          ['A1'],
        )
        for (const write of [
          () => order.related('products').add(dune),
          () => order.related('products').set([]),
          () => order.related('products').remove(dune),
        ]) {
          await assert.rejects(
            write(),
            (e: unknown) =>
              e instanceof QueryError &&
              e.code === 'PLINTH_ORM_BAD_WRITE' &&
              /OrderLine rows/.test(e.message),
          )
        }
        await order.related('products').clear()
        assert.equal(await OrderLine.objects.count(), 0)
      }))

    it('filters and annotations go across relations', (t) =>
      run(t, async () => {
        await catalogue()
        assert.deepEqual(names(await Product.objects.filter({ 'category.name': 'books' }).all()), [
          'Dune',
          'Emma',
        ])
        assert.deepEqual(
          names(await Category.objects.filter(reverse({ 'products.price': lookup.gt('5') })).all()),
          ['books'],
        )
        assert.deepEqual(names(await Product.objects.filter({ 'tags.name': 'cheap' }).all()), [
          'Apple',
          'Emma',
        ])
        assert.deepEqual(
          names(await Tag.objects.filter(reverse({ 'products.category.name': 'fruit' })).all()),
          ['cheap', 'fresh'],
        )
        const counted = await Category.objects.annotate({ n: Count('products') }).all()
        assert.deepEqual(
          counted.map((c) => [c.name, c.n]),
          [
            ['books', 2],
            ['fruit', 1],
            ['misc', 0],
          ],
        )
        const tagged = await Product.objects.annotate({ n: Count('tags') }).all()
        assert.deepEqual(
          tagged.map((p) => [p.name, p.n]),
          [
            ['Apple', 2],
            ['Dune', 1],
            ['Emma', 2],
          ],
        )
      }))

    it('onDelete: cascade, setNull, setDefault, and bulk deletes', (t) =>
      run(t, async () => {
        const keep = await Owner.objects.create({ name: 'fallback' })
        fallbackOwner = keep.id
        const [a, b, c] = await Owner.objects.bulkCreate([
          { name: 'a' },
          { name: 'b' },
          { name: 'c' },
        ])
        for (const owner of [a!, b!, c!]) {
          await CascadeChild.objects.create({ ownerId: owner.id })
          await NullChild.objects.create({ ownerId: owner.id })
          await DefaultChild.objects.create({ ownerId: owner.id })
        }
        await a!.delete()
        assert.equal(await CascadeChild.objects.count(), 2)
        assert.equal(await NullChild.objects.filter({ ownerId: null }).count(), 1)
        assert.deepEqual(
          await DefaultChild.objects.orderBy('id').valuesList('ownerId', { flat: true }).all(),
          [keep.id, b!.id, c!.id],
        )
        // A bulk delete applies the same rules to every row.
        assert.equal(await Owner.objects.filter({ name: lookup.in(['b', 'c']) }).delete(), 2)
        assert.equal(await CascadeChild.objects.count(), 0)
        assert.equal(await NullChild.objects.filter({ ownerId: null }).count(), 3)
        assert.deepEqual(await DefaultChild.objects.valuesList('ownerId', { flat: true }).all(), [
          keep.id,
          keep.id,
          keep.id,
        ])
        assert.deepEqual(names(await Owner.objects.all()), ['fallback'])
      }))

    it('onDelete: restrict and doNothing refuse while children exist; without a constraint the key dangles', (t) =>
      run(t, async () => {
        const [r, n, l] = await Owner.objects.bulkCreate([
          { name: 'r' },
          { name: 'n' },
          { name: 'l' },
        ])
        await RestrictChild.objects.create({ ownerId: r!.id })
        await NothingChild.objects.create({ ownerId: n!.id })
        const loose = await LooseChild.objects.create({ ownerId: l!.id })
        const foreignKey = (e: unknown) => e instanceof IntegrityError && e.kind === 'foreign_key'
        await assert.rejects(r!.delete(), foreignKey)
        await assert.rejects(Owner.objects.filter({ name: 'n' }).delete(), foreignKey)
        assert.equal(await Owner.objects.count(), 3)
        await RestrictChild.objects.delete()
        await r!.delete()
        await l!.delete()
        const fresh = await LooseChild.objects.get({ id: loose.id })
        assert.equal(fresh.ownerId, l!.id)
        assert.equal(await fresh.load('owner'), null)
        const [prefetched] = await LooseChild.objects.prefetchRelated('owner').all()
        assert.equal(prefetched!.owner, null)
      }))
  })
}
