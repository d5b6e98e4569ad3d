/**
 * renameField, addIndex/removeIndex and addConstraint/removeConstraint on SQLite, PostgreSQL and
 * MariaDB, on tables holding rows: renamed columns keep their data, indexes and constraints
 * (named after the new column where Plinth derives the name); indexes and constraints do what
 * they say (duplicates and violating rows refused once added, accepted once removed).
 */
import assert from 'node:assert/strict'
import { field, lookup, op } from '../../src/migrations/index.ts'
import type { Operation } from '../../src/migrations/operations/base.ts'
import type { Database } from '../../src/orm/database.ts'
import { type Applied, backwards, forwards } from './support/apply.ts'
import { describeTable } from './support/introspect.ts'
import { assertSchemaMatches, forEachDatabase, sql, textRows } from './support/suite.ts'

const P = 'mg_ops_r_'
const T = `${P}thing`
const ROWS = [
  ['1', 'alpha', '5', '1'],
  ['2', 'beta', '6', '2'],
  ['3', 'gamma', '0', '1'],
]

async function setup(db: Database): Promise<Applied> {
  const created = await forwards(db, [
    op.createModel({ name: 'Parent', table: `${P}parent`, fields: { id: field.autoId() } }),
    op.createModel({
      name: 'Thing',
      table: T,
      fields: {
        id: field.autoId(),
        name: field.string({ maxLength: 20, unique: true }),
        qty: field.integer({ index: true }),
        parent: field.foreignKey('Parent', { onDelete: 'cascade' }),
      },
      indexes: [{ name: `${P}thing_qty_name`, fields: ['-qty', 'name'] }],
      constraints: [{ type: 'check', name: `${P}thing_qty_pos`, check: { qty: lookup.gte(0) } }],
    }),
  ])
  await sql(db, `INSERT INTO "${P}parent" ("id") VALUES (1), (2)`)
  for (const [, name, qty, parent] of ROWS)
    await sql(db, `INSERT INTO "${T}" ("name", "qty", "parent_id") VALUES (?, ?, ?)`, [
      name,
      Number(qty),
      Number(parent),
    ])
  return created
}

/** Apply `operation`, check, reverse, check the table is back as it was with its rows. */
async function roundTrip(
  db: Database,
  created: Applied,
  operation: Operation,
  columns: string[],
  check: () => Promise<void>,
): Promise<void> {
  const before = await describeTable(db, T)
  const applied = await forwards(db, [operation], { state: created.state })
  await assertSchemaMatches(db, applied.state)
  assert.deepEqual(await textRows(db, T, columns), ROWS)
  await check()
  await backwards(db, applied)
  assert.deepEqual(await describeTable(db, T), before)
  await assertSchemaMatches(db, created.state)
  assert.deepEqual(await textRows(db, T, ['id', 'name', 'qty', 'parent_id']), ROWS)
}

const insert = (db: Database, name: string, qty: number) =>
  sql(db, `INSERT INTO "${T}" ("name", "qty", "parent_id") VALUES (?, ?, 1)`, [name, qty])

forEachDatabase(P, (s) => {
  s.it(
    'renameField: a unique column, and an indexed one named in an index and a check',
    async (db) => {
      const created = await setup(db)
      const rename = op.renameField({ model: 'Thing', from: 'name', to: 'title' })
      await roundTrip(db, created, rename, ['id', 'title', 'qty', 'parent_id'], async () => {
        const info = await describeTable(db, T)
        assert.ok(
          Object.values(info!.indexes).some((i) => i.unique && i.columns.join() === 'title'),
        )
        const duplicate = `INSERT INTO "${T}" ("title", "qty", "parent_id") VALUES ('alpha', 1, 1)`
        await assert.rejects(sql(db, duplicate))
      })
      const renameQty = op.renameField({ model: 'Thing', from: 'qty', to: 'amount' })
      await roundTrip(db, created, renameQty, ['id', 'name', 'amount', 'parent_id'], async () => {
        const info = await describeTable(db, T)
        assert.deepEqual(info?.indexes[`${P}thing_qty_name`]?.columns, ['-amount', 'name'])
        assert.deepEqual(info?.indexes[`ix_${T}__amount`]?.columns, ['amount'])
        assert.deepEqual(info?.checks, [`${P}thing_qty_pos`])
        await assert.rejects(sql(db, `UPDATE "${T}" SET "amount" = -1 WHERE "id" = 1`))
      })
    },
  )

  s.it('renameField: a foreign key column keeps its key, index and data', async (db) => {
    const created = await setup(db)
    const rename = op.renameField({ model: 'Thing', from: 'parent', to: 'owner' })
    await roundTrip(db, created, rename, ['id', 'name', 'qty', 'owner_id'], async () => {
      const info = await describeTable(db, T)
      assert.equal(info?.foreignKeys.owner_id?.table, `${P}parent`)
      if (s.dialect !== 'sqlite')
        assert.equal(info?.foreignKeys.owner_id?.name, `fk_${T}__owner_id`)
      assert.ok(info?.indexes[`ix_${T}__owner_id`])
      await assert.rejects(sql(db, `UPDATE "${T}" SET "owner_id" = 9 WHERE "id" = 1`))
    })
  })

  s.it('addIndex/removeIndex: plain with DESC, unique, partial', async (db) => {
    const created = await setup(db)
    const columns = ['id', 'name', 'qty', 'parent_id']
    const plain = op.addIndex({
      model: 'Thing',
      index: { name: `${P}ix_pq`, fields: ['parent', '-qty'] },
    })
    await roundTrip(db, created, plain, columns, async () => {
      assert.deepEqual((await describeTable(db, T))?.indexes[`${P}ix_pq`], {
        columns: ['parent_id', '-qty'],
        unique: false,
        partial: false,
      })
    })
    const unique = op.addIndex({
      model: 'Thing',
      index: { name: `${P}uq_pq`, fields: ['parent', 'qty'], unique: true },
    })
    await roundTrip(db, created, unique, columns, async () => {
      await assert.rejects(insert(db, 'delta', 5))
    })
    await insert(db, 'delta', 5) // accepted again once the index is gone
    await sql(db, `DELETE FROM "${T}" WHERE "name" = 'delta'`)
    const partial = op.addIndex({
      model: 'Thing',
      // MySQL ignores `where`: unique over every row would refuse the rows already there.
      index: {
        name: `${P}uq_pos`,
        fields: ['parent'],
        unique: s.dialect !== 'mysql',
        where: { qty: lookup.gt(5) },
      },
    })
    const ops = await forwards(
      db,
      [op.removeIndex({ model: 'Thing', name: `${P}thing_qty_name` }), partial],
      {
        state: created.state,
      },
    )
    await assertSchemaMatches(db, ops.state)
    const index = (await describeTable(db, T))?.indexes[`${P}uq_pos`]
    assert.equal(index?.partial, s.dialect !== 'mysql') // MySQL has no partial indexes
    assert.equal((await describeTable(db, T))?.indexes[`${P}thing_qty_name`], undefined)
    if (s.dialect !== 'mysql') await insert(db, 'delta', 0) // outside the partial index
    await backwards(db, ops)
    await assertSchemaMatches(db, created.state)
  })

  s.it(
    'addConstraint/removeConstraint: unique and check refuse, then accept, bad rows',
    async (db) => {
      const created = await setup(db)
      const columns = ['id', 'name', 'qty', 'parent_id']
      const unique = op.addConstraint({
        model: 'Thing',
        constraint: { type: 'unique', name: `${P}uq_parent_qty`, fields: ['parent', 'qty'] },
      })
      await roundTrip(db, created, unique, columns, async () => {
        await assert.rejects(insert(db, 'delta', 5))
      })
      const check = op.addConstraint({
        model: 'Thing',
        constraint: { type: 'check', name: `${P}ck_qty_small`, check: { qty: lookup.lt(100) } },
      })
      await roundTrip(db, created, check, columns, async () => {
        assert.ok((await describeTable(db, T))?.checks.includes(`${P}ck_qty_small`))
        await assert.rejects(insert(db, 'delta', 100))
      })
      const removed = await forwards(
        db,
        [op.removeConstraint({ model: 'Thing', name: `${P}thing_qty_pos` })],
        {
          state: created.state,
        },
      )
      await insert(db, 'delta', -1) // accepted once the check is gone
      await assertSchemaMatches(db, removed.state)
      // Re-adding the check fails on the row that breaks it, and changes nothing.
      const before = await describeTable(db, T)
      await assert.rejects(backwards(db, removed))
      assert.deepEqual(await describeTable(db, T), before)
      await sql(db, `DELETE FROM "${T}" WHERE "qty" < 0`)
      await backwards(db, removed)
      await assertSchemaMatches(db, created.state)
    },
  )

  s.it('renameIndex and renameConstraint keep them working under the new name', async (db) => {
    const created = await setup(db)
    const columns = ['id', 'name', 'qty', 'parent_id']
    const index = op.renameIndex({
      model: 'Thing',
      from: `${P}thing_qty_name`,
      to: `${P}ix_renamed`,
    })
    await roundTrip(db, created, index, columns, async () => {
      const info = await describeTable(db, T)
      assert.equal(info?.indexes[`${P}thing_qty_name`], undefined)
      assert.deepEqual(info?.indexes[`${P}ix_renamed`]?.columns, ['-qty', 'name'])
    })
    const check = op.renameConstraint({
      model: 'Thing',
      from: `${P}thing_qty_pos`,
      to: `${P}ck_renamed`,
    })
    await roundTrip(db, created, check, columns, async () => {
      assert.deepEqual((await describeTable(db, T))?.checks, [`${P}ck_renamed`])
      await assert.rejects(sql(db, `UPDATE "${T}" SET "qty" = -1 WHERE "id" = 1`))
    })
    const withUnique = await forwards(
      db,
      [
        op.addConstraint({
          model: 'Thing',
          constraint: { type: 'unique', name: `${P}uq_qty_parent`, fields: ['qty', 'parent'] },
        }),
      ],
      { state: created.state },
    )
    const unique = op.renameConstraint({
      model: 'Thing',
      from: `${P}uq_qty_parent`,
      to: `${P}uq_renamed`,
    })
    await roundTrip(db, withUnique, unique, columns, async () => {
      await assert.rejects(insert(db, 'delta', 5))
    })
    await backwards(db, withUnique)
    await insert(db, 'delta', 5) // accepted again once the constraint is gone
  })
})
