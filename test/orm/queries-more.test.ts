/**
 * Query sets on every dialect: iteration, aggregates and annotations, subqueries and instances.
 */
import assert from 'node:assert/strict'
import {
  Avg,
  Count,
  createTables,
  exists,
  F,
  has,
  lookup,
  Max,
  Min,
  ModelValidationError,
  not,
  OuterRef,
  Sum,
} from '../../src/orm/index.ts'
import { capture, forEachDialect } from './support/dialects.ts'
import { queryModels } from './support/query-models.ts'

const { Category, Product, Counter, Account, events, seed, names } = queryModels('qrm')

forEachDialect({ models: [Category, Product, Counter, Account] }, (s) => {
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
