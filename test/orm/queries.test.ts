/**
 * Query sets on every dialect: filters and lookups, ordering, slicing, reading methods, writes,
 * aggregates, subqueries and instances.
 */
import assert from 'node:assert/strict'
import {
  Avg,
  and,
  Count,
  createTables,
  defineModel,
  exists,
  F,
  field,
  has,
  lookup,
  Max,
  Min,
  ModelValidationError,
  MultipleObjectsError,
  NotFoundError,
  not,
  OuterRef,
  or,
  Sum,
} from '../../src/orm/index.ts'
import { capture, forEachDialect } from './support/dialects.ts'

const Category = defineModel(
  'Category',
  { name: field.string({ maxLength: 50, unique: true }), rank: field.integer({ null: true }) },
  { table: 'qry_category', ordering: ['-rank', 'name'] },
)

const Product = defineModel(
  'Product',
  {
    name: field.string({ maxLength: 100 }),
    price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
    cost: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
    stock: field.integer({ default: 0 }),
    note: field.string({ maxLength: 100, null: true }),
    releasedAt: field.datetime({ null: true }),
    category: field.foreignKey(() => Category, {
      onDelete: 'cascade',
      relatedName: 'products',
      null: true,
    }),
  },
  { table: 'qry_product' },
)

const Counter = defineModel('Counter', { n: field.integer() }, { table: 'qry_counter' })

const events: string[] = []
const Account = defineModel(
  'Account',
  {
    email: field.email(),
    low: field.integer({ default: 0 }),
    high: field.integer({ default: 10 }),
  },
  {
    table: 'qry_account',
    validate: (row: { low: number; high: number }) =>
      row.low > row.high ? [{ field: 'low', message: 'low must not exceed high' }] : [],
    hooks: {
      beforeSave: (a: { email: string }, { created }) => {
        events.push(`beforeSave:${a.email}:${created}`)
      },
      afterSave: (a: { email: string }, { created }) => {
        events.push(`afterSave:${a.email}:${created}`)
      },
      beforeDelete: (a: { email: string }) => {
        events.push(`beforeDelete:${a.email}`)
      },
      afterDelete: (a: { email: string }) => {
        events.push(`afterDelete:${a.email}`)
      },
    },
  },
)

async function seed() {
  const books = await Category.objects.create({ name: 'Books', rank: 2 })
  const games = await Category.objects.create({ name: 'Games', rank: 1 })
  const toys = await Category.objects.create({ name: 'Toys', rank: null })
  const dune = await Product.objects.create({
    name: 'Dune',
    price: '9.99',
    cost: '5.00',
    stock: 10,
    note: 'sci-fi classic',
    releasedAt: new Date('2021-05-03T10:15:00Z'), // a Monday
    categoryId: books.id,
  })
  const emma = await Product.objects.create({
    name: 'Emma',
    price: '19.50',
    cost: '20.00',
    stock: 0,
    note: null,
    releasedAt: new Date('2020-12-31T23:30:00Z'), // a Thursday
    categoryId: books.id,
  })
  const chess = await Product.objects.create({
    name: 'Chess',
    price: '25.00',
    cost: '10.00',
    stock: 3,
    note: '100% wood',
    categoryId: games.id,
  })
  const go = await Product.objects.create({
    name: 'Go_Board',
    price: '40.00',
    cost: '45.00',
    stock: 1,
    note: 'a_b*c\\d',
  })
  return { books, games, toys, dune, emma, chess, go }
}

const names = async (qs: {
  valuesList(key: 'name', o: { flat: true }): { all(): Promise<unknown[]> }
}) => ((await qs.valuesList('name', { flat: true }).all()) as string[]).sort()

forEachDialect({ models: [Category, Product, Counter, Account] }, (s) => {
  s.it('filters, excludes and keeps NULL rows out of exclude() matches', async () => {
    await seed()
    assert.deepEqual(await names(Product.objects.filter({ name: 'Dune' })), ['Dune'])
    assert.deepEqual(await names(Product.objects.exclude({ note: 'sci-fi classic' })), [
      'Chess',
      'Emma',
      'Go_Board',
    ])
    assert.deepEqual(await names(Product.objects.exclude({ 'category.name': 'Books' })), [
      'Chess',
      'Go_Board',
    ])
    assert.deepEqual(await names(Product.objects.exclude({ stock: lookup.gt(2) })), [
      'Emma',
      'Go_Board',
    ])
    assert.deepEqual(
      await names(Product.objects.filter({ 'category.name': 'Books' }).exclude({ stock: 0 })),
      ['Dune'],
    )
    assert.deepEqual(
      await names(Product.objects.filter({ stock: lookup.gte(1), price: lookup.lt('30') })),
      ['Chess', 'Dune'],
    )
  })

  s.it('supports the comparison lookups', async () => {
    await seed()
    const p = Product.objects
    assert.deepEqual(await names(p.filter({ name: lookup.exact('Emma') })), ['Emma'])
    assert.deepEqual(await names(p.filter({ stock: lookup.ne(0) })), ['Chess', 'Dune', 'Go_Board'])
    assert.deepEqual(await names(p.filter({ name: lookup.in(['Dune', 'Emma', 'Nope']) })), [
      'Dune',
      'Emma',
    ])
    assert.deepEqual(await names(p.filter({ name: lookup.in([]) })), [])
    assert.deepEqual(await names(p.exclude({ name: lookup.in([]) })), [
      'Chess',
      'Dune',
      'Emma',
      'Go_Board',
    ])
    assert.deepEqual(await names(p.filter({ price: lookup.gt('19.50') })), ['Chess', 'Go_Board'])
    assert.deepEqual(await names(p.filter({ price: lookup.gte('19.50') })), [
      'Chess',
      'Emma',
      'Go_Board',
    ])
    assert.deepEqual(await names(p.filter({ price: lookup.lt('19.50') })), ['Dune'])
    assert.deepEqual(await names(p.filter({ price: lookup.lte(19.5) })), ['Dune', 'Emma'])
    assert.deepEqual(await names(p.filter({ price: lookup.range('9.99', '25') })), [
      'Chess',
      'Dune',
      'Emma',
    ])
    assert.deepEqual(await names(p.filter({ stock: lookup.range(1, 3) })), ['Chess', 'Go_Board'])
    // Several lookups on one field: all must hold.
    assert.deepEqual(await names(p.filter({ price: [lookup.gte('9.99'), lookup.lt(25)] })), [
      'Dune',
      'Emma',
    ])
    assert.deepEqual(await names(p.exclude({ price: [lookup.gt('9.99'), lookup.lt(25)] })), [
      'Chess',
      'Dune',
      'Go_Board',
    ])
    assert.deepEqual(await names(p.filter({ note: lookup.isnull() })), ['Emma'])
    assert.deepEqual(await names(p.filter({ note: null })), ['Emma'])
    assert.deepEqual(await names(p.filter({ note: lookup.isnull(false) })), [
      'Chess',
      'Dune',
      'Go_Board',
    ])
    assert.deepEqual(await names(p.filter({ category: null })), ['Go_Board'])
    assert.deepEqual(await names(p.filter({ categoryId: lookup.isnull() })), ['Go_Board'])
  })

  s.it('matches text case-sensitively, or not with i* lookups', async () => {
    await seed()
    const p = Product.objects
    assert.deepEqual(await names(p.filter({ name: lookup.iexact('dUNE') })), ['Dune'])
    assert.deepEqual(await names(p.filter({ name: 'dune' })), s.dialect === 'mysql' ? ['Dune'] : [])
    assert.deepEqual(await names(p.filter({ name: lookup.contains('un') })), ['Dune'])
    assert.deepEqual(await names(p.filter({ name: lookup.contains('UN') })), [])
    assert.deepEqual(await names(p.filter({ name: lookup.icontains('UN') })), ['Dune'])
    assert.deepEqual(await names(p.filter({ name: lookup.startswith('Du') })), ['Dune'])
    assert.deepEqual(await names(p.filter({ name: lookup.startswith('du') })), [])
    assert.deepEqual(await names(p.filter({ name: lookup.istartswith('du') })), ['Dune'])
    assert.deepEqual(await names(p.filter({ name: lookup.endswith('ss') })), ['Chess'])
    assert.deepEqual(await names(p.filter({ name: lookup.endswith('SS') })), [])
    assert.deepEqual(await names(p.filter({ name: lookup.iendswith('SS') })), ['Chess'])
    assert.deepEqual(await names(p.filter({ note: lookup.icontains('SCI-FI') })), ['Dune'])
  })

  s.it('matches %, _, *, ? and backslash in the search text literally', async () => {
    await seed()
    await Product.objects.create({ name: 'Go-Board', price: '1', cost: '1', note: 'abc' })
    await Product.objects.create({ name: 'Plain', price: '1', cost: '1', note: '100 wood' })
    const p = Product.objects
    assert.deepEqual(await names(p.filter({ note: lookup.contains('%') })), ['Chess'])
    assert.deepEqual(await names(p.filter({ note: lookup.contains('100%') })), ['Chess'])
    assert.deepEqual(await names(p.filter({ note: lookup.icontains('100%') })), ['Chess'])
    assert.deepEqual(await names(p.filter({ name: lookup.startswith('Go_') })), ['Go_Board'])
    assert.deepEqual(await names(p.filter({ name: lookup.istartswith('go_') })), ['Go_Board'])
    assert.deepEqual(await names(p.filter({ name: lookup.contains('_') })), ['Go_Board'])
    assert.deepEqual(await names(p.filter({ note: lookup.contains('*') })), ['Go_Board'])
    assert.deepEqual(await names(p.filter({ note: lookup.endswith('*c\\d') })), ['Go_Board'])
    assert.deepEqual(await names(p.filter({ note: lookup.iendswith('*C\\D') })), ['Go_Board'])
    assert.deepEqual(await names(p.filter({ note: lookup.contains('\\') })), ['Go_Board'])
    assert.deepEqual(await names(p.filter({ note: lookup.icontains('\\') })), ['Go_Board'])
    assert.deepEqual(await names(p.filter({ note: lookup.contains('?') })), [])
    assert.deepEqual(await names(p.filter({ note: lookup.contains('[') })), [])
    assert.deepEqual(await names(p.filter({ note: lookup.startswith('%') })), [])
    assert.deepEqual(await names(p.filter({ note: lookup.istartswith('_') })), [])
  })

  s.it('matches regular expressions', async () => {
    await seed()
    const p = Product.objects
    assert.deepEqual(await names(p.filter({ name: lookup.regex('^D.n') })), ['Dune'])
    assert.deepEqual(await names(p.filter({ name: lookup.regex('^d') })), [])
    assert.deepEqual(await names(p.filter({ name: lookup.iregex('^d') })), ['Dune'])
    assert.deepEqual(await names(p.filter({ name: lookup.regex('(ss|ma)$') })), ['Chess', 'Emma'])
    assert.deepEqual(await names(p.exclude({ note: lookup.regex('wood') })), [
      'Dune',
      'Emma',
      'Go_Board',
    ])
  })

  s.it('filters on date parts', async () => {
    await seed()
    const p = Product.objects
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.year(2021) })), ['Dune'])
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.year(lookup.gte(2020)) })), [
      'Dune',
      'Emma',
    ])
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.month(12) })), ['Emma'])
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.day(3) })), ['Dune'])
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.weekDay(2) })), ['Dune']) // Sunday = 1
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.weekDay(5) })), ['Emma'])
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.hour(23) })), ['Emma'])
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.hour(lookup.lt(12)) })), ['Dune'])
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.date('2020-12-31') })), ['Emma'])
    await p.filter({ name: 'Dune' }).update({ releasedAt: new Date('2021-05-03T10:15:42.750Z') })
    assert.deepEqual(
      await names(p.filter({ releasedAt: [lookup.minute(15), lookup.second(42)] })),
      ['Dune'],
    )
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.second(lookup.gte(42)) })), ['Dune'])
    assert.deepEqual(await names(p.filter({ releasedAt: lookup.date(lookup.gt('2021-01-01')) })), [
      'Dune',
    ])
  })

  s.it('combines filters with or(), and() and not()', async () => {
    await seed()
    const p = Product.objects
    assert.deepEqual(await names(p.filter(or({ name: 'Dune' }, { stock: 0 }))), ['Dune', 'Emma'])
    assert.deepEqual(
      await names(p.filter(and({ stock: lookup.gt(0) }, or({ name: 'Dune' }, { name: 'Chess' })))),
      ['Chess', 'Dune'],
    )
    assert.deepEqual(await names(p.filter(not({ stock: 0 }))), ['Chess', 'Dune', 'Go_Board'])
    assert.deepEqual(await names(p.filter(not({ note: 'sci-fi classic' }))), [
      'Chess',
      'Emma',
      'Go_Board',
    ])
    assert.deepEqual(await names(p.filter(or({ 'category.name': 'Games' }, { category: null }))), [
      'Chess',
      'Go_Board',
    ])
    assert.deepEqual(await names(p.filter(or())), [])
  })

  s.it('compares columns with F()', async () => {
    await seed()
    const p = Product.objects
    assert.deepEqual(await names(p.filter({ price: lookup.gt(F('cost')) })), ['Chess', 'Dune'])
    assert.deepEqual(await names(p.filter({ price: lookup.gt(F('cost').mul(2)) })), ['Chess'])
    assert.deepEqual(await names(p.filter({ price: lookup.lte(F('cost')) })), ['Emma', 'Go_Board'])
    assert.deepEqual(await names(p.filter({ stock: lookup.gt(F('category.rank')) })), [
      'Chess',
      'Dune',
    ])
  })

  s.it('orders by fields, relations and NULL placement', async () => {
    await seed()
    const p = Product.objects
    assert.deepEqual(await p.orderBy('price').valuesList('name', { flat: true }).all(), [
      'Dune',
      'Emma',
      'Chess',
      'Go_Board',
    ])
    assert.deepEqual(await p.orderBy('-price').valuesList('name', { flat: true }).all(), [
      'Go_Board',
      'Chess',
      'Emma',
      'Dune',
    ])
    assert.deepEqual(
      await p
        .orderBy({ field: 'category.name', nulls: 'first' }, '-name')
        .valuesList('name', { flat: true })
        .all(),
      ['Go_Board', 'Emma', 'Dune', 'Chess'],
    )
    assert.deepEqual(
      await p
        .orderBy({ field: 'category.name', nulls: 'last' }, 'name')
        .valuesList('name', { flat: true })
        .all(),
      ['Dune', 'Emma', 'Chess', 'Go_Board'],
    )
    assert.deepEqual(
      await p.orderBy({ field: '-note', nulls: 'last' }).valuesList('name', { flat: true }).all(),
      ['Dune', 'Go_Board', 'Chess', 'Emma'],
    )
    assert.deepEqual(
      await p.orderBy({ field: 'note', nulls: 'first' }).valuesList('name', { flat: true }).all(),
      ['Emma', 'Chess', 'Go_Board', 'Dune'],
    )
    // The model's default ordering: -rank, name (NULL rank placed by the dialect, so filtered out).
    assert.deepEqual(
      await Category.objects
        .filter({ rank: lookup.isnull(false) })
        .valuesList('name', { flat: true })
        .all(),
      ['Books', 'Games'],
    )
    assert.deepEqual(
      await Category.objects.orderBy('name').valuesList('name', { flat: true }).all(),
      ['Books', 'Games', 'Toys'],
    )
  })

  s.it('limits, offsets and slices', async () => {
    await seed()
    const ordered = Product.objects.orderBy('name')
    assert.deepEqual(await ordered.limit(2).valuesList('name', { flat: true }).all(), [
      'Chess',
      'Dune',
    ])
    assert.deepEqual(await ordered.offset(2).valuesList('name', { flat: true }).all(), [
      'Emma',
      'Go_Board',
    ])
    assert.deepEqual(await ordered.slice(1, 3).valuesList('name', { flat: true }).all(), [
      'Dune',
      'Emma',
    ])
    assert.deepEqual(await ordered.slice(1, 3).slice(1).valuesList('name', { flat: true }).all(), [
      'Emma',
    ])
    assert.deepEqual(await ordered.slice(3).valuesList('name', { flat: true }).all(), ['Go_Board'])
    assert.deepEqual(await ordered.slice(10, 20).all(), [])
    assert.equal(await ordered.slice(1, 3).count(), 2)
  })

  s.it('reads first, last, get, count and exists', async () => {
    const { dune } = await seed()
    assert.equal((await Product.objects.orderBy('price').first())?.name, 'Dune')
    assert.equal((await Product.objects.orderBy('price').last())?.name, 'Go_Board')
    assert.equal((await Product.objects.first())?.name, 'Dune')
    assert.equal((await Product.objects.last())?.name, 'Go_Board')
    assert.equal(
      (await Category.objects.filter({ rank: lookup.isnull(false) }).first())?.name,
      'Books',
    )
    assert.equal(
      (await Category.objects.filter({ rank: lookup.isnull(false) }).last())?.name,
      'Games',
    )
    assert.equal(await Product.objects.filter({ name: 'Nope' }).first(), undefined)
    assert.equal((await Product.objects.get({ id: dune.id })).name, 'Dune')
    assert.equal((await Product.objects.filter({ stock: 10 }).get()).name, 'Dune')
    await assert.rejects(Product.objects.get({ name: 'Nope' }), NotFoundError)
    await assert.rejects(Product.objects.get({ 'category.name': 'Books' }), MultipleObjectsError)
    assert.equal(await Product.objects.count(), 4)
    assert.equal(await Product.objects.filter({ stock: 0 }).count(), 1)
    assert.equal(await Product.objects.exists(), true)
    assert.equal(await Product.objects.filter({ name: 'Nope' }).exists(), false)
  })

  s.it('returns values(), valuesList() and distinct rows, through relations too', async () => {
    const { books, games } = await seed()
    assert.deepEqual(await Product.objects.orderBy('name').values('name', 'category.name').all(), [
      { name: 'Chess', 'category.name': 'Games' },
      { name: 'Dune', 'category.name': 'Books' },
      { name: 'Emma', 'category.name': 'Books' },
      { name: 'Go_Board', 'category.name': null },
    ])
    assert.deepEqual(
      await Product.objects.filter({ name: 'Dune' }).values('price', 'categoryId').all(),
      [{ price: '9.99', categoryId: books.id }],
    )
    assert.deepEqual(
      await Product.objects.orderBy('name').valuesList('name', 'stock').limit(2).all(),
      [
        ['Chess', 3],
        ['Dune', 10],
      ],
    )
    assert.deepEqual(
      await Product.objects
        .filter({ 'category.name': lookup.in(['Books', 'Games']) })
        .orderBy('category.name')
        .valuesList('category.name', { flat: true })
        .distinct()
        .all(),
      ['Books', 'Games'],
    )
    assert.deepEqual(
      await Product.objects
        .filter({ categoryId: lookup.isnull(false) })
        .orderBy('categoryId')
        .valuesList('categoryId', { flat: true })
        .distinct()
        .all(),
      [books.id, games.id].sort((a, b) => a - b),
    )
    assert.equal(await Product.objects.values('categoryId').distinct().count(), 3)
  })

  s.it('updates with F() arithmetic atomically', async () => {
    const { dune, emma } = await seed()
    assert.equal(
      await Product.objects.filter({ id: dune.id }).update({ stock: F('stock').sub(1) }),
      1,
    )
    assert.equal((await Product.objects.get({ id: dune.id })).stock, 9)
    await Promise.all(
      Array.from({ length: 5 }, () =>
        Product.objects.filter({ id: dune.id }).update({ stock: F('stock').sub(1) }),
      ),
    )
    assert.equal((await Product.objects.get({ id: dune.id })).stock, 4)
    // A guarded decrement never goes below zero.
    assert.equal(
      await Product.objects
        .filter({ id: emma.id, stock: lookup.gt(0) })
        .update({ stock: F('stock').sub(1) }),
      0,
    )
    assert.equal((await Product.objects.get({ id: emma.id })).stock, 0)
    assert.equal(
      await Product.objects
        .filter({ 'category.name': 'Books' })
        .update({ price: F('price').add('0.01'), note: 'x' }),
      2,
    )
    assert.deepEqual(
      await Product.objects
        .filter({ note: 'x' })
        .orderBy('name')
        .valuesList('price', { flat: true })
        .all(),
      ['10.00', '19.51'],
    )
    assert.equal(await Product.objects.filter({ name: 'Nope' }).update({ stock: 1 }), 0)
    assert.equal(await Product.objects.orderBy('name').slice(0, 1).update({ stock: 77 }), 1)
    assert.equal((await Product.objects.get({ name: 'Chess' })).stock, 77)
  })

  s.it('deletes in bulk, through relations and slices', async () => {
    await seed()
    assert.equal(await Product.objects.filter({ stock: 0 }).delete(), 1)
    assert.equal(await Product.objects.filter({ 'category.name': 'Games' }).delete(), 1)
    assert.deepEqual(await names(Product.objects), ['Dune', 'Go_Board'])
    assert.equal(await Product.objects.orderBy('name').slice(0, 1).delete(), 1)
    assert.deepEqual(await names(Product.objects), ['Go_Board'])
    // Cascades.
    await Category.objects.filter({ name: 'Books' }).delete()
    assert.equal(await Product.objects.count(), 1)
  })

  s.it('creates rows one by one and in bulk, with ids set', async () => {
    const books = await Category.objects.create({ name: 'Books' })
    const one = await Product.objects.create({
      name: 'One',
      price: '1.00',
      cost: '0.50',
      category: books,
    })
    assert.equal(typeof one.id, 'number')
    assert.equal(one.categoryId, books.id)
    assert.equal(one.stock, 0)
    const many = await Product.objects.bulkCreate(
      Array.from({ length: 5 }, (_, i) => ({
        name: `B${i}`,
        price: `${i}.25`,
        cost: '0',
        categoryId: books.id,
      })),
      { batchSize: 2 },
    )
    assert.equal(new Set(many.map((p) => p.id)).size, 5)
    for (const p of many) assert.equal((await Product.objects.get({ id: p.id })).name, p.name)
    assert.deepEqual(
      await Product.objects
        .filter({ name: lookup.startswith('B') })
        .orderBy('name')
        .valuesList('price', { flat: true })
        .all(),
      ['0.25', '1.25', '2.25', '3.25', '4.25'],
    )
    await assert.rejects(
      Product.objects.bulkCreate([
        { name: 'ok', price: '1', cost: '1' },
        { name: 'bad', price: 'x', cost: '1' },
      ]),
      ModelValidationError,
    )
    assert.equal(await Product.objects.filter({ name: 'ok' }).count(), 0)
  })

  s.it('gets or creates, updates or creates, and fetches in bulk', async () => {
    const [a, created] = await Category.objects.getOrCreate({ name: 'Books' }, { rank: 5 })
    assert.equal(created, true)
    assert.equal(a.rank, 5)
    const [b, again] = await Category.objects.getOrCreate({ name: 'Books' }, { rank: 9 })
    assert.equal(again, false)
    assert.equal(b.id, a.id)
    assert.equal(b.rank, 5)
    const [c, createdC] = await Category.objects.updateOrCreate({ name: 'Books' }, { rank: 7 })
    assert.equal(createdC, false)
    assert.equal(c.id, a.id)
    assert.equal((await Category.objects.get({ id: a.id })).rank, 7)
    const [d, createdD] = await Category.objects.updateOrCreate({ name: 'Games' }, { rank: 1 })
    assert.equal(createdD, true)
    assert.equal(d.rank, 1)
    const bulk = await Category.objects.inBulk([a.id, d.id, 999_999])
    assert.deepEqual([...bulk.keys()].sort(), [a.id, d.id].sort())
    assert.equal(bulk.get(d.id)?.name, 'Games')
    assert.equal((await Category.objects.inBulk([])).size, 0)
    const byName = await Category.objects.inBulk(['Games'], { field: 'name' })
    assert.equal(byName.get('Games')?.id, d.id)
  })

  s.it('iterates over many rows in chunks', async () => {
    await Counter.objects.bulkCreate(Array.from({ length: 2000 }, (_, i) => ({ n: i })))
    let count = 0
    let sum = 0
    let previous = -1
    let ordered = true
    for await (const row of Counter.objects.orderBy('n').iterate({ chunkSize: 300 })) {
      count++
      sum += row.n
      if (row.n <= previous) ordered = false
      previous = row.n
    }
    assert.equal(count, 2000)
    assert.equal(sum, (1999 * 2000) / 2)
    assert.ok(ordered)
    let filtered = 0
    for await (const row of Counter.objects.filter({ n: lookup.lt(10) }))
      filtered += row.n >= 0 ? 1 : 0
    assert.equal(filtered, 10)
    // Breaking out early releases the connection: later queries still run.
    for await (const _ of Counter.objects.iterate({ chunkSize: 10 })) break
    assert.equal(await Counter.objects.count(), 2000)
  })

  s.it('aggregates: Count, exact Sum, Avg, Min, Max', async () => {
    await seed()
    const result = await Product.objects.aggregate({
      n: Count(),
      total: Sum('price'),
      stock: Sum('stock'),
      avg: Avg('stock'),
      cheapest: Min('price'),
      dearest: Max('price'),
      latest: Max('releasedAt'),
    })
    assert.deepEqual(result, {
      n: 4,
      total: '94.49',
      stock: 14,
      avg: 3.5,
      cheapest: '9.99',
      dearest: '40.00',
      latest: new Date('2021-05-03T10:15:00Z'),
    })
    const empty = await Product.objects
      .filter({ name: 'Nope' })
      .aggregate({ n: Count(), total: Sum('price'), avg: Avg('stock') })
    assert.deepEqual(empty, { n: 0, total: null, avg: null })
    await Product.objects.delete()
    await Product.objects.bulkCreate([
      { name: 'a', price: '0.10', cost: '0' },
      { name: 'b', price: '0.20', cost: '0' },
      { name: 'c', price: '0.01', cost: '0' },
    ])
    assert.deepEqual(await Product.objects.aggregate({ total: Sum('price') }), { total: '0.31' })
    assert.deepEqual(
      await Product.objects
        .filter({ name: lookup.in(['a', 'b']) })
        .aggregate({ total: Sum('price') }),
      { total: '0.30' },
    )
  })

  s.it('annotates rows, and groups with values().annotate()', async () => {
    const { books, games } = await seed()
    const counted = await Category.objects
      .annotate({ n: Count('products'), total: Sum('products.price') })
      .orderBy('name')
      .all()
    assert.deepEqual(
      counted.map((c) => [c.name, c.n, c.total]),
      [
        ['Books', 2, '29.49'],
        ['Games', 1, '25.00'],
        ['Toys', 0, null],
      ],
    )
    assert.deepEqual(
      await Category.objects
        .annotate({ n: Count('products') })
        .filter({ name: 'Toys' })
        .values('name', 'n')
        .all(),
      [{ name: 'Toys', n: 0 }],
    )
    const grouped = await Product.objects
      .filter({ categoryId: lookup.isnull(false) })
      .values('categoryId')
      .annotate({ n: Count(), total: Sum('price'), top: Max('price') })
      .orderBy('categoryId')
      .all()
    assert.deepEqual(
      grouped,
      [
        { categoryId: books.id, n: 2, total: '29.49', top: '19.50' },
        { categoryId: games.id, n: 1, total: '25.00', top: '25.00' },
      ].sort((a, b) => a.categoryId - b.categoryId),
    )
    // count() of a grouped query counts the groups.
    assert.equal(await Product.objects.values('categoryId').annotate({ n: Count() }).count(), 3)
    assert.equal(
      await Product.objects
        .filter({ categoryId: lookup.isnull(false) })
        .values('categoryId')
        .annotate({ n: Count() })
        .count(),
      2,
    )
    const byName = await Product.objects
      .filter({ categoryId: lookup.isnull(false) })
      .values('category.name')
      .annotate({ n: Count() })
      .orderBy('-n')
      .all()
    assert.deepEqual(byName, [
      { 'category.name': 'Books', n: 2 },
      { 'category.name': 'Games', n: 1 },
    ])
    const margins = await Product.objects
      .annotate({ margin: F('price').sub(F('cost')) })
      .orderBy('name')
      .limit(1)
      .all()
    assert.equal(Number(margins[0]!.margin), 15)
    assert.deepEqual(
      (
        await Category.objects
          .annotate({ inStock: Count('products', { filter: { stock: lookup.gt(0) } }) })
          .orderBy('name')
          .all()
      ).map((c) => c.inStock),
      [1, 1, 0],
    )
  })

  s.it('filters with subqueries: in and exists(OuterRef)', async () => {
    await seed()
    const bookIds = Category.objects.filter({ name: 'Books' }).valuesList('id', { flat: true })
    assert.deepEqual(await names(Product.objects.filter({ categoryId: lookup.in(bookIds) })), [
      'Dune',
      'Emma',
    ])
    assert.deepEqual(
      await names(
        Product.objects.filter({
          category: lookup.in(Category.objects.filter({ rank: lookup.gte(1) })),
        }),
      ),
      ['Chess', 'Dune', 'Emma'],
    )
    assert.deepEqual(await names(Product.objects.exclude({ categoryId: lookup.in(bookIds) })), [
      'Chess',
      'Go_Board',
    ])
    const withProducts = await Category.objects
      .filter(exists(Product.objects.filter({ category: OuterRef('id') })))
      .orderBy('name')
      .valuesList('name', { flat: true })
      .all()
    assert.deepEqual(withProducts, ['Books', 'Games'])
    const withStock = await Category.objects
      .filter(exists(Product.objects.filter({ category: OuterRef('id'), stock: 0 })))
      .valuesList('name', { flat: true })
      .all()
    assert.deepEqual(withStock, ['Books'])
    assert.deepEqual(
      await Category.objects
        .filter(not(exists(Product.objects.filter({ category: OuterRef('id') }))))
        .valuesList('name', { flat: true })
        .all(),
      ['Toys'],
    )
    // Reverse relations in filters.
    assert.deepEqual(
      await Category.objects
        .filter({ 'products.stock': lookup.gte(3) } as never)
        .orderBy('name')
        .valuesList('name', { flat: true })
        .all(),
      ['Books', 'Games'],
    )
    // Each dotted key is its own EXISTS; has() puts several conditions on the same related row.
    const categories = (where: object) =>
      Category.objects
        .filter(where as never)
        .orderBy('name')
        .valuesList('name', { flat: true })
        .all()
    assert.deepEqual(await categories({ 'products.stock': 0, 'products.price': lookup.lt('10') }), [
      'Books',
    ])
    assert.deepEqual(
      await categories(has<typeof Product>('products', { stock: 0, price: lookup.lt('10') })),
      [],
    )
    assert.deepEqual(
      await categories(has<typeof Product>('products', { stock: 10, price: lookup.lt('10') })),
      ['Books'],
    )
    assert.deepEqual(await categories({ 'products.category.rank': 1 }), ['Games'])
    // The related row, its key, or lookups on the key.
    const { books, games } = await Category.objects
      .inBulk(['Books', 'Games'], { field: 'name' })
      .then((m) => ({ books: m.get('Books')!, games: m.get('Games')! }))
    assert.deepEqual(await names(Product.objects.filter({ category: books })), ['Dune', 'Emma'])
    assert.deepEqual(await names(Product.objects.filter({ category: games.id })), ['Chess'])
    assert.deepEqual(
      await names(Product.objects.filter({ category: lookup.in([books.id, games.id]) })),
      ['Chess', 'Dune', 'Emma'],
    )
    assert.deepEqual(await names(Product.objects.filter({ category: lookup.ne(books.id) })), [
      'Chess',
    ])
    assert.deepEqual(
      await names(Product.objects.filter({ 'category.name': lookup.icontains('OOK') })),
      ['Dune', 'Emma'],
    )
  })

  s.it('saves only the changed fields, and nothing when nothing changed', async () => {
    const { dune } = await seed()
    const product = await Product.objects.get({ id: dune.id })
    const none = await capture(s.db, () => product.save())
    assert.deepEqual(none, [])
    product.price = '11.11'
    const sqls = await capture(s.db, () => product.save())
    assert.equal(sqls.length, 1)
    assert.match(sqls[0]!, /^UPDATE/)
    assert.match(sqls[0]!, /price/)
    for (const other of ['name', 'cost', 'stock', 'note', 'released_at', 'category_id'])
      assert.doesNotMatch(sqls[0]!, new RegExp(other))
    assert.deepEqual(await capture(s.db, () => product.save()), [])
    const fresh = await Product.objects.get({ id: dune.id })
    assert.equal(fresh.price, '11.11')
    assert.equal(fresh.name, 'Dune')
    // An unchanged Date, bigint or JSON value is not a change either.
    fresh.releasedAt = new Date(fresh.releasedAt!.getTime())
    assert.deepEqual(await capture(s.db, () => fresh.save()), [])
  })

  s.it('refreshes and deletes instances', async () => {
    const { dune } = await seed()
    const a = await Product.objects.get({ id: dune.id })
    await Product.objects.filter({ id: dune.id }).update({ stock: 42 })
    a.note = 'local'
    await a.refresh()
    assert.equal(a.stock, 42)
    assert.equal(a.note, 'sci-fi classic')
    await a.delete()
    assert.equal(await Product.objects.filter({ id: dune.id }).exists(), false)
    await assert.rejects(a.refresh())
  })

  s.it('runs save and delete hooks', async () => {
    events.length = 0
    const a = await Account.objects.create({ email: 'a@example.com' })
    a.high = 20
    await a.save()
    await a.delete()
    assert.deepEqual(events, [
      'beforeSave:a@example.com:true',
      'afterSave:a@example.com:true',
      'beforeSave:a@example.com:false',
      'afterSave:a@example.com:false',
      'beforeDelete:a@example.com',
      'afterDelete:a@example.com',
    ])
  })

  s.it('validates fields and model rules with field paths', async () => {
    const error = await Account.objects.create({ email: 'not-an-email', low: 1.5 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.ok(error instanceof ModelValidationError)
    assert.deepEqual(error.issues.map((i) => i.path).sort(), [['email'], ['low']])
    const rule = await Account.objects.create({ email: 'a@example.com', low: 11 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.ok(rule instanceof ModelValidationError)
    assert.deepEqual(
      rule.issues.map((i) => [i.path, i.message]),
      [[['low'], 'low must not exceed high']],
    )
    const ok = await Account.objects.create({ email: 'a@example.com', low: 1 })
    ok.high = 0
    assert.throws(() => ok.validate(), ModelValidationError)
    await assert.rejects(ok.save(), ModelValidationError)
    assert.equal((await Account.objects.get({ id: ok.id })).high, 10)
    assert.equal(await Account.objects.count(), 1)
  })

  s.it('keeps slices inside subqueries, aggregates, exists() and writes', async () => {
    await seed()
    const p = Product.objects
    const cheapest = p.orderBy('price').limit(1).valuesList('id', { flat: true })
    const dearest = p.orderBy('-price').limit(1).valuesList('id', { flat: true })
    // Same filter shape, different ordering: two different statements.
    assert.deepEqual(
      await p
        .filter({ id: lookup.in(cheapest) })
        .valuesList('name', { flat: true })
        .all(),
      ['Dune'],
    )
    assert.deepEqual(
      await p
        .filter({ id: lookup.in(dearest) })
        .valuesList('name', { flat: true })
        .all(),
      ['Go_Board'],
    )
    assert.deepEqual(
      await p
        .filter({ id: lookup.in(p.orderBy('price').slice(1, 3).valuesList('id', { flat: true })) })
        .orderBy('name')
        .valuesList('name', { flat: true })
        .all(),
      ['Chess', 'Emma'],
    )
    assert.deepEqual(
      await p
        .orderBy('price')
        .limit(2)
        .aggregate({ total: Sum('price'), n: Count() }),
      { total: '29.49', n: 2 },
    )
    assert.deepEqual(await p.orderBy('price').slice(3).aggregate({ n: Count() }), { n: 1 })
    assert.equal(await p.orderBy('price').slice(1, 1).exists(), false)
    assert.equal(await p.orderBy('price').slice(3).exists(), true)
    assert.equal(await p.orderBy('price').slice(4).exists(), false)
    assert.equal(await p.orderBy('price').slice(0, 1).update({ note: 'cheapest' }), 1)
    assert.equal(await p.orderBy('-price').slice(0, 1).update({ note: 'dearest' }), 1)
    assert.deepEqual(
      await p
        .filter({ note: lookup.in(['cheapest', 'dearest']) })
        .orderBy('price')
        .valuesList('name', { flat: true })
        .all(),
      ['Dune', 'Go_Board'],
    )
    assert.equal(await p.orderBy('price').slice(0, 1).delete(), 1)
    assert.equal(await p.orderBy('-price').slice(0, 1).delete(), 1)
    assert.deepEqual(await p.orderBy('name').valuesList('name', { flat: true }).all(), [
      'Chess',
      'Emma',
    ])
  })

  s.it('returns every column from valuesList() without keys', async () => {
    const { books } = await seed()
    const rows = await Product.objects.filter({ name: 'Dune' }).valuesList().all()
    assert.equal(rows.length, 1)
    const row = rows[0] as unknown[]
    assert.ok(row.includes('Dune') && row.includes('9.99') && row.includes(books.id))
  })

  s.it('lets the body of an iterate() loop run queries', async () => {
    // A short pool wait, so that a loop holding the only connection fails fast.
    const db = s.open({ pool: { acquireTimeoutMs: 300 } })
    if (s.dialect === 'sqlite') await createTables(db, [Counter])
    await Counter.objects.using(db).bulkCreate([{ n: 1 }, { n: 2 }, { n: 3 }])
    const seen: number[] = []
    for await (const row of Counter.objects.using(db).orderBy('n').iterate({ chunkSize: 2 })) {
      seen.push(
        await Counter.objects
          .using(db)
          .filter({ n: lookup.lte(row.n) })
          .count(),
      )
    }
    assert.deepEqual(seen, [1, 2, 3])
  })
})
