/**
 * The same errors on every dialect: integrity violations naming model fields, pool timeouts and
 * refused connections (without the password in any message).
 */
import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import {
  ConnectionError,
  createDatabase,
  defineModel,
  field,
  HTTP_DESCRIPTION,
  IntegrityError,
  lookup,
  PoolTimeoutError,
  UniqueViolationError,
} from '../../src/orm/index.ts'
import { DIALECT_URLS, forEachDialect } from './support/dialects.ts'

const Owner = defineModel(
  'Owner',
  { email: field.email({ unique: true }), name: field.string({ maxLength: 50 }) },
  { table: 'err_owner' },
)

const LongNames = defineModel(
  'LongNames',
  {
    id: field.uuidId(),
    firstRatherLongFieldNameForConstraints: field.string({ maxLength: 10 }),
    secondRatherLongFieldNameForConstraints: field.string({ maxLength: 10 }),
  },
  {
    table: 'err_a_table_name_long_enough_to_need_hashed_constraint_names',
    uniqueTogether: [
      ['firstRatherLongFieldNameForConstraints', 'secondRatherLongFieldNameForConstraints'],
    ],
  },
)

const Item = defineModel(
  'Item',
  {
    shop: field.string({ maxLength: 20 }),
    sku: field.string({ maxLength: 20, column: 'sku_code' }),
    price: field.decimal({ maxDigits: 8, decimalPlaces: 2 }),
    owner: field.foreignKey(() => Owner, { onDelete: 'restrict', relatedName: 'items' }),
  },
  {
    table: 'err_item',
    uniqueTogether: [['shop', 'sku']],
    constraints: [
      { type: 'check', name: 'err_item_price_positive', check: { price: lookup.gte(0) } },
    ],
  },
)

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error,
  )
}

forEachDialect({ models: [Owner, Item, LongNames] }, (s) => {
  s.it('reports a unique violation on one field with the field name', async () => {
    await Owner.objects.create({ email: 'a@example.com', name: 'A' })
    const error = await rejection(Owner.objects.create({ email: 'a@example.com', name: 'B' }))
    assert.ok(error instanceof UniqueViolationError, String(error))
    assert.ok(error instanceof IntegrityError)
    assert.equal(error.code, 'PLINTH_ORM_UNIQUE_VIOLATION')
    assert.equal(error.kind, 'unique')
    assert.deepEqual(error.fields, ['email'])
    // The message names no value (it could be personal data).
    assert.doesNotMatch(error.message, /a@example\.com/)
    assert.deepEqual(error[HTTP_DESCRIPTION].status, 409)
    assert.deepEqual(error[HTTP_DESCRIPTION].details, { fields: ['email'] })
  })

  s.it(
    'reports a composite unique violation with every field, from create and update',
    async () => {
      const owner = await Owner.objects.create({ email: 'a@example.com', name: 'A' })
      await Item.objects.create({ shop: 's1', sku: 'x', price: '1.00', ownerId: owner.id })
      const other = await Item.objects.create({
        shop: 's2',
        sku: 'x',
        price: '1.00',
        ownerId: owner.id,
      })
      const error = await rejection(
        Item.objects.create({ shop: 's1', sku: 'x', price: '2.00', ownerId: owner.id }),
      )
      assert.ok(error instanceof UniqueViolationError, String(error))
      assert.deepEqual([...error.fields].sort(), ['shop', 'sku'])
      const viaUpdate = await rejection(
        Item.objects.filter({ id: other.id }).update({ shop: 's1' }),
      )
      assert.ok(viaUpdate instanceof UniqueViolationError, String(viaUpdate))
      assert.deepEqual([...viaUpdate.fields].sort(), ['shop', 'sku'])
      other.shop = 's1'
      const viaSave = await rejection(other.save())
      assert.ok(viaSave instanceof UniqueViolationError, String(viaSave))
      assert.deepEqual([...viaSave.fields].sort(), ['shop', 'sku'])
    },
  )

  s.it('names the fields of primary keys and of constraints with hashed names', async () => {
    const a = await LongNames.objects.create({
      firstRatherLongFieldNameForConstraints: 'a',
      secondRatherLongFieldNameForConstraints: 'b',
    })
    const pk = await rejection(
      LongNames.objects.create({
        id: a.id,
        firstRatherLongFieldNameForConstraints: 'x',
        secondRatherLongFieldNameForConstraints: 'y',
      }),
    )
    assert.ok(pk instanceof UniqueViolationError, String(pk))
    assert.deepEqual(pk.fields, ['id'])
    const pair = await rejection(
      LongNames.objects.create({
        firstRatherLongFieldNameForConstraints: 'a',
        secondRatherLongFieldNameForConstraints: 'b',
      }),
    )
    assert.ok(pair instanceof UniqueViolationError, String(pair))
    assert.deepEqual([...pair.fields].sort(), [
      'firstRatherLongFieldNameForConstraints',
      'secondRatherLongFieldNameForConstraints',
    ])
  })

  s.it('reports foreign key violations on insert and on delete', async () => {
    const error = await rejection(
      Item.objects.create({ shop: 's', sku: 'x', price: '1.00', ownerId: 999_999 }),
    )
    assert.ok(error instanceof IntegrityError, String(error))
    assert.equal(error.kind, 'foreign_key')
    assert.equal(error.code, 'PLINTH_ORM_FOREIGN_KEY_VIOLATION')
    const owner = await Owner.objects.create({ email: 'a@example.com', name: 'A' })
    await Item.objects.create({ shop: 's', sku: 'x', price: '1.00', ownerId: owner.id })
    const restricted = await rejection(owner.delete())
    assert.ok(restricted instanceof IntegrityError, String(restricted))
    assert.equal(restricted.kind, 'foreign_key')
    assert.equal(await Owner.objects.count(), 1)
  })

  s.it('reports a not-null violation when validation is bypassed', async () => {
    const owner = await Owner.objects.create({ email: 'a@example.com', name: 'A' })
    const item = Item.objects.build({ shop: 's', sku: 'x', price: '1.00', ownerId: owner.id })
    ;(item as { sku: string | null }).sku = null
    const error = await rejection(item.save({ validate: false }))
    assert.ok(error instanceof IntegrityError, String(error))
    assert.equal(error.kind, 'not_null')
    assert.equal(error.code, 'PLINTH_ORM_NOT_NULL_VIOLATION')
    assert.deepEqual(error.fields, ['sku'])
    assert.equal(await Item.objects.count(), 0)
  })

  s.it('reports a check violation from a model constraint', async () => {
    const owner = await Owner.objects.create({ email: 'a@example.com', name: 'A' })
    const error = await rejection(
      Item.objects.create({ shop: 's', sku: 'x', price: '-0.01', ownerId: owner.id }),
    )
    assert.ok(error instanceof IntegrityError, String(error))
    assert.equal(error.kind, 'check')
    assert.equal(error.code, 'PLINTH_ORM_CHECK_VIOLATION')
    await Item.objects.create({ shop: 's', sku: 'x', price: '0.00', ownerId: owner.id })
    const viaUpdate = await rejection(Item.objects.update({ price: '-5' }))
    assert.ok(viaUpdate instanceof IntegrityError, String(viaUpdate))
    assert.equal(viaUpdate.kind, 'check')
    assert.equal((await Item.objects.get()).price, '0.00')
  })

  s.it('times out waiting for a pool connection held by a transaction', async () => {
    const db = s.open({ pool: { max: 1, acquireTimeoutMs: 50 } })
    const select = { sql: 'SELECT 1 AS one', params: [], returnsRows: true }
    // Opening the connection may take longer than 50 ms on a loaded machine: the pool finishes
    // opening it all the same, so try again until it is there.
    for (let attempt = 1; ; attempt++) {
      try {
        await db.execute(select)
        break
      } catch (error) {
        if (!(error instanceof PoolTimeoutError) || attempt === 100) throw error
      }
    }
    let entered!: () => void
    let release!: () => void
    const inside = new Promise<void>((resolve) => {
      entered = resolve
    })
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const transaction = db.transaction(async () => {
      entered()
      await held
    })
    await inside
    try {
      const error = await rejection(Promise.resolve().then(() => db.execute(select)))
      assert.ok(error instanceof PoolTimeoutError, String(error))
      assert.equal(error.code, 'PLINTH_ORM_POOL_TIMEOUT')
      assert.equal(error[HTTP_DESCRIPTION].status, 503)
      const second = await rejection(db.transaction(() => undefined))
      assert.ok(second instanceof PoolTimeoutError, String(second))
    } finally {
      release()
      await transaction
    }
    // The connection is free again.
    assert.deepEqual((await db.execute(select)).rows.length, 1)
  })

  s.it('reports an unreachable database as ConnectionError without the password', async () => {
    const password = 'pa55-w0rd-SECRET'
    const url = {
      sqlite: 'sqlite:/nonexistent-plinth-dir/sub/db.sqlite3',
      postgres: `postgres://postgres:${password}@127.0.0.1:1/test`,
      mysql: `mysql://root:${password}@127.0.0.1:1/test`,
    }[s.dialect]
    const db = createDatabase({ url, pool: { acquireTimeoutMs: 2000 } })
    try {
      assert.doesNotMatch(db.url, new RegExp(password))
      const error = await rejection(
        Promise.resolve().then(() =>
          db.execute({ sql: 'SELECT 1', params: [], returnsRows: true }),
        ),
      )
      assert.ok(error instanceof ConnectionError, inspect(error))
      assert.equal(error.code, 'PLINTH_ORM_CONNECTION_FAILED')
      for (const text of [
        error.message,
        String(error.stack),
        inspect(error, { depth: 6 }),
        JSON.stringify(error),
      ]) {
        assert.ok(!text.includes(password), text)
      }
      // The model layer reports the same error.
      const viaModel = await rejection(Owner.objects.using(db).count())
      assert.ok(viaModel instanceof ConnectionError, inspect(viaModel))
    } finally {
      await db.close()
    }
    // The real database still works.
    assert.equal(DIALECT_URLS[s.dialect].length > 0, true)
    assert.equal(await Owner.objects.count(), 0)
  })
})
