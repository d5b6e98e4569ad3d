/**
 * `bulkUpdate` on every dialect: one CASE-per-field UPDATE per batch, values encoded as save()
 * encodes them, duplicates, batches in one transaction, and every argument error raised before SQL.
 */
import assert from 'node:assert/strict'
import { defineModel, field, lookup } from '../../src/orm/index.ts'
import { capture, forEachDialect } from './support/dialects.ts'

const Shelf = defineModel(
  'Shelf',
  { label: field.string({ maxLength: 20 }) },
  { table: 'bup_shelf' },
)
const Item = defineModel(
  'Item',
  {
    name: field.string({ maxLength: 20, unique: true }),
    price: field.decimal({ maxDigits: 8, decimalPlaces: 2 }),
    stock: field.integer({ default: 0 }),
    weight: field.bigint({ default: 0n }),
    active: field.boolean({ default: true }),
    releasedOn: field.date({ null: true }),
    seenAt: field.datetime({ null: true }),
    data: field.json({ null: true }),
    note: field.text({ null: true }),
    shelf: field.foreignKey(() => Shelf, { onDelete: 'setNull', null: true, relatedName: 'items' }),
    tags: field.manyToMany(() => Shelf, { relatedName: 'taggedItems' }),
    updatedAt: field.datetime({ autoNow: true }),
  },
  {
    table: 'bup_item',
    // Never true for the rows below: bulkUpdate does not validate, as Django's bulk_update.
    validate: (row: { stock: number }) =>
      row.stock > 1000 ? [{ field: 'stock', message: 'too many' }] : [],
  },
)

/** The UPDATE statements among captured SQL. */
const updates = (statements: string[]) => statements.filter((s) => /^UPDATE/.test(s))

async function fiveItems() {
  const rows = Array.from({ length: 5 }, (_, i) => ({ name: `item${i}`, price: `${i}.50` }))
  return Item.objects.bulkCreate(rows)
}

forEachDialect({ models: [Shelf, Item] }, (s) => {
  s.it(
    'updates several fields of many rows with one statement, encoded as save() does',
    async (db) => {
      const shelf = await Shelf.objects.create({ label: 'top' })
      const items = await fiveItems()
      const before = (await Item.objects.get({ id: items[4]!.id })).updatedAt
      const [a, b, c, d] = items as [
        (typeof items)[0],
        (typeof items)[0],
        (typeof items)[0],
        (typeof items)[0],
      ]
      Object.assign(a, {
        price: '12.34',
        stock: 5000,
        weight: 9007199254740993n,
        active: false,
        releasedOn: '2024-02-29',
        seenAt: new Date('2024-01-02T03:04:05.678Z'),
        data: { tags: ['x', 'y'], n: 1 },
        note: 'first',
        shelfId: shelf.id,
      })
      Object.assign(b, {
        price: 7,
        stock: 2,
        data: [1, 2],
        note: null,
        seenAt: '2023-06-01T00:00:00Z',
      })
      Object.assign(c, { active: false, data: 'just text', releasedOn: null })
      d.note = 'fourth'
      const fields = [
        'price',
        'stock',
        'weight',
        'active',
        'releasedOn',
        'seenAt',
        'data',
        'note',
        'shelfId',
      ] as const
      const statements = await capture(db, async () => {
        assert.equal(await Item.objects.bulkUpdate([a, b, c, d], fields), 4)
      })
      assert.equal(updates(statements).length, 1)
      assert.match(statements[0]!, /SET .*CASE .*WHEN/)

      const rows = await Item.objects.orderBy('id').all()
      assert.deepEqual(
        rows.map((r) => [
          r.name,
          r.price,
          r.stock,
          r.weight,
          r.active,
          r.releasedOn,
          r.seenAt?.toISOString() ?? null,
          r.data,
          r.note,
          r.shelfId,
        ]),
        [
          [
            'item0',
            '12.34',
            5000,
            9007199254740993n,
            false,
            '2024-02-29',
            '2024-01-02T03:04:05.678Z',
            { tags: ['x', 'y'], n: 1 },
            'first',
            shelf.id,
          ],
          ['item1', '7.00', 2, 0n, true, null, '2023-06-01T00:00:00.000Z', [1, 2], null, null],
          ['item2', '2.50', 0, 0n, false, null, null, 'just text', null, null],
          ['item3', '3.50', 0, 0n, true, null, null, null, 'fourth', null],
          ['item4', '4.50', 0, 0n, true, null, null, null, null, null],
        ],
      )
      // autoNow moves on the rows written (and on the instances), as with update(); others keep theirs.
      assert.ok(rows[0]!.updatedAt.getTime() >= before.getTime())
      assert.equal(rows[0]!.updatedAt.getTime(), a.updatedAt.getTime())
      assert.equal(rows[4]!.updatedAt.getTime(), before.getTime())
      // The instances now know the database holds these values: save() writes only its own autoNow.
      const saved = updates(await capture(db, () => a.save({ validate: false })))
      assert.equal(saved.length, 1)
      assert.match(saved[0]!, /SET [`"]updated_at[`"] = \S+ WHERE/)
    },
  )

  s.it('counts the rows matched, including rows already holding the values', async () => {
    const items = await fiveItems()
    // Nothing changes: every dialect still reports the 5 rows matched (MySQL through mysql2's
    // default FOUND_ROWS flag), not 0 rows changed.
    assert.equal(await Item.objects.bulkUpdate(items, ['price', 'stock']), 5)
    // A key no row has is simply not matched.
    const gone = { ...items[0]!, id: items[4]!.id + 100, price: '1.00' }
    assert.equal(await Item.objects.bulkUpdate([gone, items[1]!], ['price']), 1)
  })

  s.it('splits the rows into batches of batchSize, in one transaction', async (db) => {
    const items = await fiveItems()
    for (const item of items) item.stock = item.id
    const statements = await capture(db, () =>
      Item.objects.bulkUpdate(items, ['stock'], { batchSize: 2 }),
    )
    assert.equal(updates(statements).length, 3)
    assert.deepEqual(
      await Item.objects.orderBy('id').valuesList('stock', { flat: true }).all(),
      items.map((i) => i.id),
    )

    // The last batch fails in the database (a duplicate unique name): the first ones are undone.
    const again = await Item.objects.orderBy('id').all()
    again.forEach((item, i) => {
      item.name = `renamed${i}`
    })
    again[4]!.name = 'renamed0'
    await assert.rejects(Item.objects.bulkUpdate(again, ['name'], { batchSize: 2 }), {
      code: 'PLINTH_ORM_UNIQUE_VIOLATION',
    })
    assert.deepEqual(await Item.objects.orderBy('id').valuesList('name', { flat: true }).all(), [
      'item0',
      'item1',
      'item2',
      'item3',
      'item4',
    ])
  })

  s.it('lets the last of several instances with the same key win', async () => {
    const [first] = await fiveItems()
    const copy = await Item.objects.get({ id: first!.id })
    first!.price = '1.11'
    copy.price = '2.22'
    const third = { ...copy, price: '3.33' }
    assert.equal(await Item.objects.bulkUpdate([first!, copy, third], ['price']), 1)
    assert.equal((await Item.objects.get({ id: first!.id })).price, '3.33')
    // Duplicates are dropped before the rows are split into batches.
    first!.price = '4.44'
    assert.equal(
      await Item.objects.bulkUpdate([third, first!, copy, first!], ['price'], { batchSize: 1 }),
      1,
    )
    assert.equal((await Item.objects.get({ id: first!.id })).price, '4.44')
  })

  s.it('runs nothing for an empty list', async (db) => {
    const statements = await capture(db, async () => {
      assert.equal(await Item.objects.bulkUpdate([], ['price']), 0)
    })
    assert.deepEqual(statements, [])
  })

  s.it('joins the current transaction, and rolls back with it', async (db) => {
    const items = await fiveItems()
    for (const item of items) item.note = 'changed'
    await assert.rejects(
      db.transaction(async () => {
        assert.equal(await Item.objects.bulkUpdate(items, ['note'], { batchSize: 2 }), 5)
        assert.equal(await Item.objects.filter({ note: 'changed' }).count(), 5)
        throw new Error('undo')
      }),
      /undo/,
    )
    assert.equal(await Item.objects.filter({ note: 'changed' }).count(), 0)
  })

  s.it('changes only the rows the query set matches', async () => {
    const items = await fiveItems()
    await Item.objects
      .filter({ id: lookup.in([items[0]!.id, items[1]!.id]) })
      .update({ active: false })
    for (const item of items) item.stock = 7
    assert.equal(await Item.objects.filter({ active: true }).bulkUpdate(items, ['stock']), 3)
    assert.deepEqual(
      await Item.objects.orderBy('id').valuesList('stock', { flat: true }).all(),
      [0, 0, 7, 7, 7],
    )
  })

  s.it('refuses bad arguments before running any SQL', async (db) => {
    const items = await fiveItems()
    const unsaved = Item.objects.build({ name: 'new', price: '1.00' })
    const bad = async (run: () => Promise<unknown>, code: string) => {
      const statements = await capture(db, () => assert.rejects(run(), { code }))
      assert.deepEqual(statements, [], code)
    }
    await bad(
      () => Item.objects.bulkUpdate([items[0]!, unsaved], ['price']),
      'PLINTH_ORM_NO_PRIMARY_KEY',
    )
    // @ts-expect-error not a field of Item
    await bad(() => Item.objects.bulkUpdate(items, ['nope']), 'PLINTH_ORM_UNKNOWN_FIELD')
    const shelf = await Shelf.objects.create({ label: 'top' })
    // @ts-expect-error a reverse relation has no column here
    await bad(() => Shelf.objects.bulkUpdate([shelf], ['items']), 'PLINTH_ORM_UNKNOWN_FIELD')
    // @ts-expect-error the primary key finds the rows; it cannot be changed with them
    await bad(() => Item.objects.bulkUpdate(items, ['id']), 'PLINTH_ORM_BAD_WRITE')
    // @ts-expect-error many-to-many fields are changed through related()
    await bad(() => Item.objects.bulkUpdate(items, ['tags']), 'PLINTH_ORM_BAD_WRITE')
    await bad(() => Item.objects.bulkUpdate(items, []), 'PLINTH_ORM_BAD_WRITE')
    await bad(
      () => Item.objects.bulkUpdate(items, ['price'], { batchSize: 0 }),
      'PLINTH_ORM_BAD_WRITE',
    )
    await bad(() => Item.objects.slice(0, 2).bulkUpdate(items, ['price']), 'PLINTH_ORM_BAD_WRITE')
    await bad(() => Item.objects.bulkUpdate([null as never], ['price']), 'PLINTH_ORM_BAD_WRITE')
    // A bad value in the last batch stops the first batch from running too.
    items[4]!.active = 'yes' as never
    await bad(
      () => Item.objects.bulkUpdate(items, ['active'], { batchSize: 1 }),
      'PLINTH_ORM_BAD_VALUE',
    )
    items[4]!.active = true
    items[4]!.price = 'cheap'
    await bad(
      () => Item.objects.bulkUpdate(items, ['price'], { batchSize: 1 }),
      'PLINTH_ORM_BAD_VALUE',
    )
    items[4]!.price = undefined as never
    await bad(() => Item.objects.bulkUpdate(items, ['price']), 'PLINTH_ORM_BAD_VALUE')
    // Even with nothing to update, the fields are checked.
    // @ts-expect-error not a field of Item
    await bad(() => Item.objects.bulkUpdate([], ['nope']), 'PLINTH_ORM_UNKNOWN_FIELD')
  })
})

// node:sqlite binds at most 32766 parameters: a batch shrinks below batchSize to fit.
forEachDialect({ models: [Shelf, Item], dialects: ['sqlite'] }, (s) => {
  s.it('keeps each statement within the parameter limit', async (db) => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({ name: `n${i}`, price: '1.00' }))
    const items = await Item.objects.bulkCreate(rows)
    for (const item of items) item.stock = 3
    const fields = [
      'price',
      'stock',
      'weight',
      'active',
      'releasedOn',
      'seenAt',
      'data',
      'note',
      'shelfId',
    ] as const
    const seen: number[] = []
    const stop = db.observe((statement) => {
      if (statement.sql.startsWith('UPDATE')) seen.push(statement.params.length)
    })
    try {
      assert.equal(await Item.objects.bulkUpdate(items, fields, { batchSize: 5000 }), 2000)
    } finally {
      stop()
    }
    // 19 parameters per row (a key and a value per field, the key in IN), plus updatedAt's: 1724
    // rows fit in 32766.
    assert.deepEqual(seen, [1724 * 19 + 1, 276 * 19 + 1])
    assert.equal(await Item.objects.filter({ stock: 3 }).count(), 2000)
  })
})
