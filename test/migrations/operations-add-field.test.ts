/**
 * addField and removeField on SQLite, PostgreSQL and MariaDB, on tables holding rows: nullable
 * columns, NOT NULL with a fill (or the field's default), NOT NULL without one (refused before
 * anything changes), unique, foreign keys, many-to-many; each checked against a fresh
 * `createTables`, reversed, and checked again.
 */
import assert from 'node:assert/strict'
import { field, op } from '../../src/migrations/index.ts'
import type { Database } from '../../src/orm/database.ts'
import { type Applied, backwards, forwards } from './support/apply.ts'
import { describeTable, tablesLike } from './support/introspect.ts'
import { assertSchemaMatches, forEachDatabase, sql, textRows } from './support/suite.ts'

const P = 'mg_ops_a_'
const T = `${P}thing`

/** Parent (2 rows) and Thing (3 rows: a, b, c pointing at parents 1, 2, 1). */
async function setup(db: Database): Promise<Applied> {
  const created = await forwards(db, [
    op.createModel({
      name: 'Parent',
      table: `${P}parent`,
      fields: { id: field.autoId(), title: field.string({ maxLength: 20 }) },
    }),
    op.createModel({
      name: 'Thing',
      table: T,
      fields: {
        id: field.autoId(),
        name: field.string({ maxLength: 40 }),
        parent: field.foreignKey('Parent', { onDelete: 'cascade', null: true }),
      },
    }),
  ])
  await sql(db, `INSERT INTO "${P}parent" ("title") VALUES ('p1'), ('p2')`)
  await sql(db, `INSERT INTO "${T}" ("name", "parent_id") VALUES ('a', 1), ('b', 2), ('c', 1)`)
  return created
}

const BASE = [
  ['1', 'a', '1'],
  ['2', 'b', '2'],
  ['3', 'c', '1'],
]
const baseRows = (db: Database) => textRows(db, T, ['id', 'name', 'parent_id'])

/** Apply `operation` after `setup`, check, reverse, check that the table is as it was. */
async function roundTrip(
  db: Database,
  created: Applied,
  operation: Parameters<typeof forwards>[1][number],
  check: (applied: Applied) => Promise<void>,
): Promise<void> {
  const before = await describeTable(db, T)
  const applied = await forwards(db, [operation], { state: created.state })
  await assertSchemaMatches(db, applied.state)
  await check(applied)
  await backwards(db, applied)
  assert.deepEqual(await describeTable(db, T), before)
  await assertSchemaMatches(db, created.state)
  assert.deepEqual(await baseRows(db), BASE)
}

forEachDatabase(P, (s) => {
  s.it('addField: a nullable column; existing rows hold NULL', async (db) => {
    const created = await setup(db)
    const add = op.addField({ model: 'Thing', name: 'rank', field: field.integer({ null: true }) })
    await roundTrip(db, created, add, async () => {
      assert.deepEqual((await describeTable(db, T))?.columns.rank?.nullable, true)
      assert.deepEqual(await textRows(db, T, ['id', 'name', 'rank']), [
        ['1', 'a', null],
        ['2', 'b', null],
        ['3', 'c', null],
      ])
    })
  })

  s.it('addField: NOT NULL with a fill, or with the field default', async (db) => {
    const created = await setup(db)
    const withFill = op.addField({
      model: 'Thing',
      name: 'code',
      field: field.string({ maxLength: 10 }),
      fill: "it's",
    })
    await roundTrip(db, created, withFill, async () => {
      assert.equal((await describeTable(db, T))?.columns.code?.nullable, false)
      assert.deepEqual((await textRows(db, T, ['code'])).flat(), ["it's", "it's", "it's"])
      await assert.rejects(sql(db, `INSERT INTO "${T}" ("name") VALUES ('d')`))
    })
    const withDefault = op.addField({
      model: 'Thing',
      name: 'stock',
      field: field.integer({ default: 7 }),
    })
    await roundTrip(db, created, withDefault, async () => {
      assert.deepEqual((await textRows(db, T, ['stock'])).flat(), ['7', '7', '7'])
    })
  })

  s.it(
    'addField: NOT NULL without a fill on a table with rows is refused, nothing changes',
    async (db) => {
      const created = await setup(db)
      const before = await describeTable(db, T)
      const add = op.addField({ model: 'Thing', name: 'stock', field: field.integer() })
      await assert.rejects(
        forwards(db, [add], { state: created.state }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'PLINTH_MIGRATIONS_NEEDS_DEFAULT')
          assert.match(error.message, /app\.Thing\.stock/)
          assert.match(error.message, /fill/)
          assert.match(error.message, /--default Thing\.stock=/)
          return true
        },
      )
      assert.deepEqual(await describeTable(db, T), before)
      assert.deepEqual(await baseRows(db), BASE)
      // On an empty table the same operation needs no value.
      await sql(db, `DELETE FROM "${T}"`)
      const applied = await forwards(db, [add], { state: created.state })
      assert.equal((await describeTable(db, T))?.columns.stock?.nullable, false)
      await backwards(db, applied)
    },
  )

  s.it('addField: a unique column refuses duplicates; reversed, accepts them', async (db) => {
    const created = await setup(db)
    const add = op.addField({
      model: 'Thing',
      name: 'email',
      field: field.email({ null: true, unique: true }),
    })
    await roundTrip(db, created, add, async () => {
      await sql(db, `UPDATE "${T}" SET "email" = 'a@x' WHERE "id" = 1`)
      await assert.rejects(sql(db, `UPDATE "${T}" SET "email" = 'a@x' WHERE "id" = 2`))
    })
  })

  s.it(
    'addField: a NOT NULL foreign key filled with a parent, checked by the database',
    async (db) => {
      const created = await setup(db)
      const add = op.addField({
        model: 'Thing',
        name: 'owner',
        field: field.foreignKey('Parent', { onDelete: 'restrict', relatedName: 'owned' }),
        fill: 2,
      })
      await roundTrip(db, created, add, async () => {
        const info = await describeTable(db, T)
        assert.equal(info?.foreignKeys.owner_id?.table, `${P}parent`)
        assert.ok(info?.indexes[`ix_${T}__owner_id`])
        assert.deepEqual((await textRows(db, T, ['owner_id'])).flat(), ['2', '2', '2'])
        await assert.rejects(sql(db, `UPDATE "${T}" SET "owner_id" = 99 WHERE "id" = 1`))
      })
    },
  )

  s.it('addField: many-to-many creates the join table; reversed, drops it', async (db) => {
    const created = await setup(db)
    const add = op.addField({ model: 'Thing', name: 'parents', field: field.manyToMany('Parent') })
    await roundTrip(db, created, add, async () => {
      assert.ok(await describeTable(db, `${T}_parents`))
      await sql(db, `INSERT INTO "${T}_parents" ("thing_id", "parent_id") VALUES (1, 2)`)
    })
    assert.deepEqual(await tablesLike(db, P), [`${P}parent`, T])
  })

  s.it(
    'removeField: plain, unique and foreign-key columns; reversed, they come back',
    async (db) => {
      const created = await setup(db)
      const added = await forwards(
        db,
        [
          op.addField({ model: 'Thing', name: 'note', field: field.text({ null: true }) }),
          op.addField({
            model: 'Thing',
            name: 'code',
            field: field.slug({ unique: true, null: true }),
          }),
        ],
        { state: created.state },
      )
      await sql(db, `UPDATE "${T}" SET "note" = 'n', "code" = "name"`)
      for (const name of ['note', 'code', 'parent']) {
        const removed = await forwards(db, [op.removeField({ model: 'Thing', name })], {
          state: added.state,
        })
        const column = name === 'parent' ? 'parent_id' : name
        const info = await describeTable(db, T)
        assert.equal(info?.columns[column], undefined)
        assert.equal(Object.keys(info?.foreignKeys ?? {}).length, name === 'parent' ? 0 : 1)
        await assertSchemaMatches(db, removed.state)
        assert.deepEqual(
          await textRows(db, T, ['id', 'name']),
          BASE.map((r) => r.slice(0, 2)),
        )
        await backwards(db, removed)
        await assertSchemaMatches(db, added.state)
        // The values are gone (NULL comes back); every other column kept its data.
        assert.deepEqual((await textRows(db, T, [column])).flat(), [null, null, null])
        await sql(db, `UPDATE "${T}" SET "note" = 'n', "code" = "name", "parent_id" = 1`)
      }
    },
  )

  s.it('removeField: many-to-many drops the join table and its rows', async (db) => {
    const created = await setup(db)
    const added = await forwards(
      db,
      [op.addField({ model: 'Thing', name: 'parents', field: field.manyToMany('Parent') })],
      { state: created.state },
    )
    await sql(db, `INSERT INTO "${T}_parents" ("thing_id", "parent_id") VALUES (1, 2)`)
    const removed = await forwards(db, [op.removeField({ model: 'Thing', name: 'parents' })], {
      state: added.state,
    })
    assert.deepEqual(await tablesLike(db, P), [`${P}parent`, T])
    await backwards(db, removed)
    await assertSchemaMatches(db, added.state)
    assert.deepEqual(await textRows(db, `${T}_parents`, ['thing_id']), [])
    assert.deepEqual(await baseRows(db), BASE)
  })
})

forEachDatabase(P, (s) => {
  s.it(
    'removeField of a NOT NULL foreign key: reversing it with rows is refused, nothing changed',
    async (db) => {
      const created = await setup(db)
      const added = await forwards(
        db,
        [
          op.addField({
            model: 'Thing',
            name: 'owner',
            field: field.foreignKey('Parent', { onDelete: 'cascade' }),
            fill: 2,
          }),
        ],
        { state: created.state },
      )
      assert.deepEqual(await textRows(db, T, ['id', 'owner_id']), [
        ['1', '2'],
        ['2', '2'],
        ['3', '2'],
      ])
      const removed = await forwards(db, [op.removeField({ model: 'Thing', name: 'owner' })], {
        state: added.state,
      })
      const before = await describeTable(db, T)
      await assert.rejects(
        backwards(db, removed),
        (e: Error & { code?: string }) =>
          e.code === 'PLINTH_MIGRATIONS_NEEDS_DEFAULT' && /owner/.test(e.message),
      )
      assert.deepEqual(await describeTable(db, T), before)
      assert.deepEqual(await baseRows(db), BASE)
    },
  )
})
