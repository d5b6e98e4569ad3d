/**
 * alterField on SQLite, PostgreSQL and MariaDB, on tables holding rows: type changes (integer →
 * bigint, → string and back, maxLength up and down), NULL ↔ NOT NULL (with a fill; refused
 * without one), unique and index on/off, foreign keys retargeted or with a new onDelete, and a
 * primary key whose type change must follow into the columns pointing at it.
 */
import assert from 'node:assert/strict'
import { field, op } from '../../src/migrations/index.ts'
import type { Database } from '../../src/orm/database.ts'
import type { AnyField } from '../../src/orm/fields.ts'
import { type Applied, backwards, forwards } from './support/apply.ts'
import { describeTable } from './support/introspect.ts'
import { assertSchemaMatches, forEachDatabase, sql, textRows } from './support/suite.ts'

const P = 'mg_ops_f_'
const T = `${P}thing`
const COLUMNS = ['id', 'name', 'qty', 'note', 'parent_id']
const ROWS = [
  ['1', 'alpha', '5', 'x', '1'],
  ['2', 'beta', '6', null, '2'],
  ['3', 'gamma', '7', null, '1'],
]

async function setup(db: Database): Promise<Applied> {
  const created = await forwards(db, [
    op.createModel({
      name: 'Parent',
      table: `${P}parent`,
      fields: { id: field.autoId(), title: field.string({ maxLength: 20 }) },
    }),
    op.createModel({ name: 'Other', table: `${P}other`, fields: { id: field.autoId() } }),
    op.createModel({
      name: 'Thing',
      table: T,
      fields: {
        id: field.autoId(),
        name: field.string({ maxLength: 20 }),
        qty: field.integer(),
        note: field.string({ maxLength: 20, null: true }),
        parent: field.foreignKey('Parent', { onDelete: 'cascade', null: true }),
      },
    }),
  ])
  await sql(db, `INSERT INTO "${P}parent" ("title") VALUES ('p1'), ('p2')`)
  await sql(db, `INSERT INTO "${P}other" ("id") VALUES (1), (2)`)
  for (const [, name, qty, note, parent] of ROWS)
    await sql(db, `INSERT INTO "${T}" ("name", "qty", "note", "parent_id") VALUES (?, ?, ?, ?)`, [
      name,
      Number(qty),
      note,
      Number(parent),
    ])
  return created
}

/** alterField `name` of Thing to `f`, check, reverse, check the table is back with its rows. */
async function roundTrip(
  db: Database,
  created: Applied,
  name: string,
  f: AnyField,
  check: () => Promise<void>,
  options: { fill?: unknown; rows?: (string | null)[][] } = {},
): Promise<void> {
  const before = await describeTable(db, T)
  const alter = op.alterField({
    model: 'Thing',
    name,
    field: f,
    ...('fill' in options ? { fill: options.fill } : {}),
  })
  const applied = await forwards(db, [alter], { state: created.state })
  await assertSchemaMatches(db, applied.state)
  await check()
  await backwards(db, applied)
  assert.deepEqual(await describeTable(db, T), before)
  await assertSchemaMatches(db, created.state)
  assert.deepEqual(await textRows(db, T, COLUMNS), options.rows ?? ROWS)
}

const qtyOf = (db: Database) => textRows(db, T, ['qty']).then((r) => r.flat())

forEachDatabase(P, (s) => {
  s.it(
    'type changes: integer → bigint, integer → string and back, keep every value',
    async (db) => {
      const created = await setup(db)
      await roundTrip(db, created, 'qty', field.bigint(), async () => {
        assert.match((await describeTable(db, T))!.columns.qty!.type, /bigint/)
        assert.deepEqual(await qtyOf(db), ['5', '6', '7'])
      })
      await roundTrip(db, created, 'qty', field.string({ maxLength: 10 }), async () => {
        assert.match((await describeTable(db, T))!.columns.qty!.type, /char/)
        assert.deepEqual(await qtyOf(db), ['5', '6', '7'])
      })
    },
  )

  s.it('maxLength up, and down while every value fits', async (db) => {
    const created = await setup(db)
    for (const maxLength of [100, 5]) {
      await roundTrip(db, created, 'name', field.string({ maxLength }), async () => {
        assert.match(
          (await describeTable(db, T))!.columns.name!.type,
          new RegExp(`\\(${maxLength}\\)`),
        )
        assert.deepEqual((await textRows(db, T, ['name'])).flat(), ['alpha', 'beta', 'gamma'])
      })
    }
  })

  if (s.dialect !== 'sqlite') {
    // SQLite does not enforce lengths; the others must refuse rather than cut values.
    s.it('maxLength down refuses values that do not fit; nothing changes', async (db) => {
      const created = await setup(db)
      const before = await describeTable(db, T)
      const alter = op.alterField({
        model: 'Thing',
        name: 'name',
        field: field.string({ maxLength: 4 }),
      })
      await assert.rejects(forwards(db, [alter], { state: created.state }))
      assert.deepEqual(await describeTable(db, T), before)
      assert.deepEqual(await textRows(db, T, COLUMNS), ROWS)
    })
  }

  s.it('NULL → NOT NULL with a fill; without one, refused before any change', async (db) => {
    const created = await setup(db)
    const before = await describeTable(db, T)
    const strict = field.string({ maxLength: 20 })
    const alter = op.alterField({ model: 'Thing', name: 'note', field: strict })
    await assert.rejects(
      forwards(db, [alter], { state: created.state }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'PLINTH_MIGRATIONS_NEEDS_DEFAULT')
        assert.match(e.message, /2 row\(s\)/)
        assert.match(e.message, /app\.Thing\.note/)
        return true
      },
    )
    assert.deepEqual(await describeTable(db, T), before)
    const filled = ROWS.map((r) => [...r.slice(0, 3), r[3] ?? '-', r[4]!])
    await roundTrip(
      db,
      created,
      'note',
      strict,
      async () => {
        assert.equal((await describeTable(db, T))!.columns.note!.nullable, false)
        assert.deepEqual(await textRows(db, T, COLUMNS), filled)
      },
      { fill: '-', rows: filled },
    )
  })

  s.it('NOT NULL → NULL; reversed, NULLs written meanwhile get the restore value', async (db) => {
    const created = await setup(db)
    const rows = ROWS.map((r, i) => (i === 2 ? [r[0]!, '', ...r.slice(2)] : r))
    await roundTrip(
      db,
      created,
      'name',
      field.string({ maxLength: 20, null: true }),
      async () => {
        assert.equal((await describeTable(db, T))!.columns.name!.nullable, true)
        await sql(db, `UPDATE "${T}" SET "name" = NULL WHERE "id" = 3`)
      },
      { rows },
    )
  })

  s.it('unique and index on and off', async (db) => {
    const created = await setup(db)
    await roundTrip(db, created, 'qty', field.integer({ unique: true }), async () => {
      const indexes = Object.values((await describeTable(db, T))!.indexes)
      assert.ok(indexes.some((i) => i.unique && i.columns.join() === 'qty'))
      await assert.rejects(sql(db, `UPDATE "${T}" SET "qty" = 5 WHERE "id" = 2`))
    })
    await roundTrip(db, created, 'name', field.string({ maxLength: 20, index: true }), async () => {
      assert.deepEqual((await describeTable(db, T))!.indexes[`ix_${T}__name`]?.columns, ['name'])
    })
  })

  s.it('foreign key: new onDelete, new target, constraint dropped', async (db) => {
    const created = await setup(db)
    const fk = async () => (await describeTable(db, T))!.foreignKeys.parent_id
    const setNull = field.foreignKey('Parent', { onDelete: 'setNull', null: true })
    await roundTrip(db, created, 'parent', setNull, async () => {
      assert.equal((await fk())?.onDelete, 'SET NULL')
      await sql(db, `DELETE FROM "${P}parent" WHERE "id" = 2`)
      assert.deepEqual((await textRows(db, T, ['parent_id'])).flat(), ['1', null, '1'])
      await sql(db, `INSERT INTO "${P}parent" ("id", "title") VALUES (2, 'p2')`)
      await sql(db, `UPDATE "${T}" SET "parent_id" = 2 WHERE "id" = 2`)
    })
    const other = field.foreignKey('Other', { onDelete: 'cascade', null: true })
    await roundTrip(db, created, 'parent', other, async () => {
      assert.equal((await fk())?.table, `${P}other`)
      await sql(db, `INSERT INTO "${P}parent" ("title") VALUES ('p3')`)
      // Parent 3 exists, Other 3 does not: the key now checks Other.
      await assert.rejects(sql(db, `UPDATE "${T}" SET "parent_id" = 3 WHERE "id" = 1`))
    })
    const unindexed = field.foreignKey('Parent', { onDelete: 'cascade', null: true, index: false })
    await roundTrip(db, created, 'parent', unindexed, async () => {
      assert.equal((await describeTable(db, T))!.indexes[`ix_${T}__parent_id`], undefined)
      assert.equal((await fk())?.table, `${P}parent`)
    })
    const loose = field.foreignKey('Parent', {
      onDelete: 'cascade',
      null: true,
      dbConstraint: false,
    })
    await roundTrip(db, created, 'parent', loose, async () => {
      assert.equal(await fk(), undefined)
    })
  })

  s.it('a primary key becoming bigint takes the foreign keys pointing at it along', async (db) => {
    const created = await setup(db)
    const alter = op.alterField({ model: 'Parent', name: 'id', field: field.bigAutoId() })
    const applied = await forwards(db, [alter], { state: created.state })
    await assertSchemaMatches(db, applied.state)
    assert.deepEqual(await textRows(db, T, COLUMNS), ROWS)
    await assert.rejects(sql(db, `UPDATE "${T}" SET "parent_id" = 9 WHERE "id" = 1`))
    await backwards(db, applied)
    await assertSchemaMatches(db, created.state)
    assert.deepEqual(await textRows(db, T, COLUMNS), ROWS)
  })

  s.it('many-to-many: cannot become a column; renamed, its join table follows', async (db) => {
    const created = await setup(db)
    const added = await forwards(
      db,
      [op.addField({ model: 'Thing', name: 'others', field: field.manyToMany('Other') })],
      { state: created.state },
    )
    const alter = op.alterField({
      model: 'Thing',
      name: 'others',
      field: field.integer({ null: true }),
    })
    await assert.rejects(forwards(db, [alter], { state: added.state }), {
      code: 'PLINTH_MIGRATIONS_UNSUPPORTED_ALTER',
    })
    assert.ok(await describeTable(db, `${T}_others`))
    // Renaming the field moves its join table (and keeps the links).
    await sql(db, `INSERT INTO "${T}_others" ("thing_id", "other_id") VALUES (1, 2), (3, 1)`)
    const rename = op.renameField({ model: 'Thing', from: 'others', to: 'extras' })
    const renamed = await forwards(db, [rename], { state: added.state })
    await assertSchemaMatches(db, renamed.state)
    const links = [
      ['1', '2'],
      ['3', '1'],
    ]
    assert.deepEqual(await textRows(db, `${T}_extras`, ['thing_id', 'other_id']), links)
    await backwards(db, renamed)
    await assertSchemaMatches(db, added.state)
    assert.deepEqual(await textRows(db, `${T}_others`, ['thing_id', 'other_id']), links)
  })
})
