/**
 * SQLite's rebuild-copy-swap: it keeps triggers, views, indexes, the AUTOINCREMENT counter and
 * foreign-key integrity (of the table's own keys and of the tables pointing at it); a rebuild that
 * would leave a dangling key fails and rolls back; native ALTER is used where it is enough.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { field, op } from '../../src/migrations/index.ts'
import { createSchemaEditor } from '../../src/migrations/schema-editor/index.ts'
import { createDatabase, type Database } from '../../src/orm/database.ts'
import { type Applied, backwards, forwards } from './support/apply.ts'
import { describeTable } from './support/introspect.ts'
import { assertSchemaMatches, sql, textRows } from './support/suite.ts'

const P = 'mg_ops_q_'
const CHILD = `${P}child`

async function open(): Promise<Database> {
  return createDatabase('sqlite::memory:')
}

async function read(db: Database, text: string): Promise<Record<string, unknown>[]> {
  const { rows } = await db.execute({ sql: text, params: [], returnsRows: true })
  return rows.map((row) => ({ ...row }))
}

/** Parent, Other, Child (FK to Parent, cascade), a log table, a view and a trigger on Child. */
async function setup(db: Database): Promise<Applied> {
  const created = await forwards(db, [
    op.createModel({
      name: 'Parent',
      table: `${P}parent`,
      fields: { id: field.autoId(), title: field.string({ maxLength: 20 }) },
    }),
    op.createModel({ name: 'Other', table: `${P}other`, fields: { id: field.autoId() } }),
    op.createModel({
      name: 'Child',
      table: CHILD,
      fields: {
        id: field.autoId(),
        qty: field.integer({ index: true }),
        parent: field.foreignKey('Parent', { onDelete: 'cascade' }),
      },
    }),
  ])
  await sql(db, `CREATE TABLE "${P}log" ("msg" text)`)
  await sql(db, `CREATE VIEW "${P}big" AS SELECT "id", "qty" FROM "${CHILD}" WHERE "qty" > 1`)
  await sql(
    db,
    `CREATE TRIGGER "${P}trg" AFTER INSERT ON "${CHILD}" BEGIN INSERT INTO "${P}log" VALUES ('child ' || NEW."id"); END`,
  )
  await sql(db, `INSERT INTO "${P}parent" ("title") VALUES ('p1'), ('p2')`)
  await sql(db, `INSERT INTO "${P}other" ("id") VALUES (1)`)
  await sql(db, `INSERT INTO "${CHILD}" ("qty", "parent_id") VALUES (1, 1), (2, 2), (3, 1), (4, 2)`)
  await sql(db, `DELETE FROM "${CHILD}" WHERE "id" = 4`) // the counter stays at 4
  return created
}

const CHILDREN = [
  ['1', '1', '1'],
  ['2', '2', '2'],
  ['3', '3', '1'],
]

/** The view, the trigger, the index and foreign keys all still work; a new row gets id `next`. */
async function assertIntact(db: Database, next = 5, qty = 'qty'): Promise<void> {
  assert.deepEqual(await textRows(db, CHILD, ['id', qty, 'parent_id']), CHILDREN)
  assert.deepEqual(await read(db, `SELECT count(*) AS n FROM "${P}big"`), [{ n: 2 }])
  assert.ok((await describeTable(db, CHILD))?.indexes[`ix_${CHILD}__${qty}`])
  assert.deepEqual(await read(db, 'PRAGMA foreign_key_check'), [])
  assert.deepEqual(await read(db, 'PRAGMA foreign_keys'), [{ foreign_keys: 1 }])
  await assert.rejects(sql(db, `INSERT INTO "${CHILD}" ("${qty}", "parent_id") VALUES (9, 99)`))
  await sql(db, `INSERT INTO "${CHILD}" ("${qty}", "parent_id") VALUES (9, 2)`)
  const [last] = await read(db, `SELECT max("id") AS id FROM "${CHILD}"`)
  assert.equal(last?.id, next, 'the AUTOINCREMENT counter survived')
  assert.deepEqual(await read(db, `SELECT "msg" FROM "${P}log"`), [
    { msg: 'child 1' },
    { msg: 'child 2' },
    { msg: 'child 3' },
    { msg: 'child 4' },
    { msg: `child ${next}` },
  ])
  await sql(db, `DELETE FROM "${CHILD}" WHERE "id" = ?`, [next])
  await sql(db, `DELETE FROM "${P}log" WHERE "msg" = ?`, [`child ${next}`])
}

describe('sqlite rebuild', () => {
  it('keeps a trigger, a view, an index, the counter and foreign keys', async () => {
    const db = await open()
    const created = await setup(db)
    const alter = op.alterField({
      model: 'Child',
      name: 'qty',
      field: field.bigint({ index: true }),
    })
    const applied = await forwards(db, [alter], { state: created.state })
    assert.ok(applied.statements.some((s) => s.startsWith(`CREATE TABLE "new__${CHILD}"`)))
    await assertSchemaMatches(db, applied.state)
    await assertIntact(db)
    // Sequence rebuilt and renamed again (a rename plus a type change in one alterField).
    const renamed = await forwards(
      db,
      [
        op.alterField({
          model: 'Child',
          name: 'qty',
          field: field.integer({ index: true, column: 'amount' }),
        }),
      ],
      { state: applied.state },
    )
    await assertIntact(db, 6, 'amount')
    await backwards(db, renamed)
    await backwards(db, applied)
    await assertSchemaMatches(db, created.state)
    await assertIntact(db, 7)
    await db.close()
  })

  it('rebuilding a referenced table keeps the keys pointing at it (and their cascade)', async () => {
    const db = await open()
    const created = await setup(db)
    const alter = op.alterField({ model: 'Parent', name: 'title', field: field.text() })
    const applied = await forwards(db, [alter], { state: created.state })
    await assertSchemaMatches(db, applied.state)
    await assertIntact(db)
    await sql(db, `DELETE FROM "${P}parent" WHERE "id" = 2`)
    assert.deepEqual((await textRows(db, CHILD, ['id'])).flat(), ['1', '3'])
    await db.close()
  })

  it('a rebuild that would leave a dangling foreign key fails and changes nothing', async () => {
    const db = await open()
    const created = await setup(db)
    const before = await describeTable(db, CHILD)
    // Children point at parents 1 and 2; Other has only row 1.
    const alter = op.alterField({
      model: 'Child',
      name: 'parent',
      field: field.foreignKey('Other', { onDelete: 'cascade' }),
    })
    await assert.rejects(
      forwards(db, [alter], { state: created.state }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'PLINTH_MIGRATIONS_FOREIGN_KEY_VIOLATION')
        assert.match(e.message, /rolled back/)
        return true
      },
    )
    assert.deepEqual(await describeTable(db, CHILD), before)
    await assertIntact(db)
    await db.close()
  })

  it('uses native ALTER TABLE where it is enough, and rebuilds otherwise', async () => {
    const db = await open()
    const created = await setup(db)
    const native = await forwards(
      db,
      [
        op.addField({ model: 'Child', name: 'note', field: field.text({ null: true }) }),
        op.renameField({ model: 'Child', from: 'note', to: 'remark' }),
        op.removeField({ model: 'Child', name: 'remark' }),
      ],
      { state: created.state },
    )
    assert.deepEqual(native.statements, [
      `ALTER TABLE "${CHILD}" ADD COLUMN "note" text NULL`,
      `ALTER TABLE "${CHILD}" RENAME COLUMN "note" TO "remark"`,
      `ALTER TABLE "${CHILD}" DROP COLUMN "remark"`,
    ])
    const rebuilt = await forwards(
      db,
      [
        op.addField({
          model: 'Child',
          name: 'code',
          field: field.string({ maxLength: 5, unique: true, null: true }),
        }),
      ],
      { state: created.state },
    )
    assert.ok(rebuilt.statements.some((s) => s.startsWith('INSERT INTO "new__')))
    await assertIntact(db)
    await db.close()
  })

  it('outside run() a rebuild wraps itself; inside a transaction with keys on it refuses', async () => {
    const db = await open()
    const created = await setup(db)
    const after = created.state.clone()
    const alter = op.alterField({
      model: 'Child',
      name: 'qty',
      field: field.bigint({ index: true }),
    })
    alter.applyState(after, 'app')
    const Child = [created.state.apps().get('Child'), after.apps().get('Child')] as const
    const [from, to] = Child.map((m) => [m, m.meta.fields.get('qty')!] as const)
    const editor = createSchemaEditor(db)
    await assert.rejects(
      db.transaction(() => editor.alterField(from![0], from![1], to![0], to![1])),
      { code: 'PLINTH_MIGRATIONS_SQLITE_FOREIGN_KEYS' },
    )
    await editor.alterField(from![0], from![1], to![0], to![1])
    await assertSchemaMatches(db, after)
    await assertIntact(db)
    const { transactional } = await editor.run(false, async () => undefined)
    assert.equal(transactional, false)
    await db.close()
  })
})
