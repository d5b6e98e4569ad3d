/**
 * Query sets on every dialect: filters and lookups, ordering, slicing, reading methods and writes.
 */
import assert from 'node:assert/strict'
import {
  and,
  createTables,
  F,
  lookup,
  ModelValidationError,
  MultipleObjectsError,
  NotFoundError,
  not,
  or,
} from '../../src/orm/index.ts'
import { forEachDialect } from './support/dialects.ts'
import { queryModels } from './support/query-models.ts'

const { Category, Product, Counter, Account, seed, names } = queryModels('qry')

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

  s.it(
    'fetches by primary key without LIMIT, and keeps LIMIT 2 where several rows may match',
    async (db) => {
      const { dune } = await seed()
      const sql: string[] = []
      const stop = db.observe((statement) => {
        if (/^\s*SELECT/i.test(statement.sql)) sql.push(statement.sql)
      })
      try {
        assert.equal((await Product.objects.get({ id: dune.id })).name, 'Dune')
        await assert.rejects(Product.objects.get({ id: 987654 }), NotFoundError)
        assert.equal(sql.length, 2)
        for (const text of sql) assert.doesNotMatch(text, /LIMIT/i)
        sql.length = 0
        // A filtered, sliced or looked-up fetch could match several rows: LIMIT 2 tells.
        await Product.objects.filter({ stock: 10 }).get({ id: dune.id })
        await Product.objects.get({ id: lookup.in([dune.id]) })
        await Product.objects.get({ id: dune.id, name: 'Dune' })
        assert.equal(sql.length, 3, sql.join('\n'))
        for (const text of sql) assert.match(text, /LIMIT/i)
      } finally {
        stop()
      }
    },
  )

  s.it(
    'query sets derived alike on every call (sharing cached statements) keep their own projections and orders',
    async (db) => {
      const { dune, emma } = await seed()
      const selects: string[] = []
      const stop = db.observe((statement) => {
        if (/^\s*SELECT/i.test(statement.sql)) selects.push(statement.sql)
      })
      try {
        for (let round = 0; round < 3; round++) {
          // Each chain is made afresh per round, as a handler would per request.
          assert.equal((await Product.objects.get({ id: dune.id })).name, 'Dune')
          assert.deepEqual(await Product.objects.values('name').get({ id: emma.id }), {
            name: 'Emma',
          })
          assert.deepEqual(await Product.objects.values('price', 'stock').get({ id: dune.id }), {
            price: '9.99',
            stock: 10,
          })
          assert.equal(
            await Product.objects.valuesList('name', { flat: true }).get({ id: emma.id }),
            'Emma',
          )
          assert.deepEqual(await Product.objects.valuesList('name', 'stock').get({ id: dune.id }), [
            'Dune',
            10,
          ])
          assert.equal((await Product.objects.orderBy('name').first())?.name, 'Chess')
          assert.equal((await Product.objects.orderBy('-name').first())?.name, 'Go_Board')
          assert.equal((await Product.objects.orderBy('stock', 'name').last())?.name, 'Dune')
          assert.equal((await Product.objects.using(db).get({ id: emma.id })).stock, 0)
          assert.deepEqual(
            await names(Product.objects.selectRelated('category').filter({ stock: lookup.gt(2) })),
            ['Chess', 'Dune'],
          )
        }
        // The same SQL each round: nothing leaked from one projection or order into another.
        const perRound = selects.length / 3
        assert.ok(Number.isInteger(perRound), selects.join('\n'))
        assert.deepEqual(selects.slice(perRound, 2 * perRound), selects.slice(0, perRound))
        assert.deepEqual(selects.slice(2 * perRound), selects.slice(0, perRound))
      } finally {
        stop()
      }
    },
  )

  s.it(
    'refuses a bad primary-key value alike before and after its statement is cached',
    async () => {
      const { dune } = await seed()
      const bad = () => Product.objects.get({ id: 'not a number' as unknown as number })
      const cold = await bad().then(
        () => assert.fail('a text id must be refused'),
        (error: unknown) => error as Error & { code?: string },
      )
      assert.equal((await Product.objects.get({ id: dune.id })).name, 'Dune')
      await assert.rejects(bad(), (error: Error & { code?: string }) => {
        assert.equal(error.code, cold.code)
        assert.equal(error.message, cold.message)
        return true
      })
      await assert.rejects(Product.objects.get({ id: 987654 }), NotFoundError)
    },
  )

  // Two SQLite memory databases hold different rows; the servers' second connections would not.
  if (s.dialect === 'sqlite')
    s.it(
      'a primary-key get through using() reads the database it names, whichever ran first',
      async (db) => {
        const other = s.open()
        await createTables(other, [Category, Product])
        const { dune } = await seed()
        await Product.objects
          .using(other)
          .create({ id: dune.id, name: 'Other Dune', price: '1.00', cost: '1.00' })
        for (let round = 0; round < 3; round++) {
          assert.equal((await Product.objects.using(db).get({ id: dune.id })).name, 'Dune')
          assert.equal((await Product.objects.using(other).get({ id: dune.id })).name, 'Other Dune')
          assert.equal((await Product.objects.get({ id: dune.id })).name, 'Dune')
        }
      },
    )

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
})
