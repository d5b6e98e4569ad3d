/**
 * Model operations on SQLite, PostgreSQL and MariaDB: createModel, deleteModel, renameModel and
 * alterModelTable, applied to tables holding rows, checked against a fresh `createTables`, then
 * reversed and checked again.
 */
import assert from 'node:assert/strict'
import { field, lookup, op } from '../../src/migrations/index.ts'
import { backwards, forwards } from './support/apply.ts'
import { describeTable, tablesLike } from './support/introspect.ts'
import { assertSchemaMatches, forEachDatabase, sql, textRows } from './support/suite.ts'

const P = 'mg_ops_m_'

const createTag = op.createModel({
  name: 'Tag',
  table: `${P}tag`,
  fields: { id: field.autoId(), label: field.string({ maxLength: 30, unique: true }) },
})
const createItem = op.createModel({
  name: 'Item',
  table: `${P}item`,
  fields: {
    id: field.autoId(),
    name: field.string({ maxLength: 50, index: true }),
    price: field.integer(),
    tag: field.foreignKey('Tag', { onDelete: 'cascade', null: true }),
    tags: field.manyToMany('Tag'),
  },
  indexes: [{ name: `${P}item_price_desc`, fields: ['-price'] }],
  constraints: [
    { type: 'check', name: `${P}item_price_pos`, check: { price: lookup.gte(0) } },
    { type: 'unique', name: `${P}item_name_price`, fields: ['name', 'price'] },
  ],
})

// Default table names (snake_case of the model name) so that renaming the model renames them.
const createAuthor = op.createModel({
  name: 'MgOpsMAuthor',
  fields: {
    id: field.autoId(),
    name: field.string({ maxLength: 40, unique: true }),
    born: field.integer({ index: true, null: true }),
    mentor: field.foreignKey('self', { onDelete: 'setNull', null: true }),
  },
})
const createBook = op.createModel({
  name: 'MgOpsMBook',
  fields: {
    id: field.autoId(),
    title: field.string({ maxLength: 40 }),
    author: field.foreignKey('MgOpsMAuthor', { onDelete: 'cascade' }),
    fans: field.manyToMany('MgOpsMAuthor'),
  },
})
const addBooks = op.addField({
  model: 'MgOpsMAuthor',
  name: 'books',
  field: field.manyToMany('MgOpsMBook'),
})

forEachDatabase(P, (s) => {
  s.it(
    'createModel creates the table, join table, indexes and constraints; reversed, drops them',
    async (db) => {
      const applied = await forwards(db, [createTag, createItem])
      assert.deepEqual(await tablesLike(db, P), [`${P}item`, `${P}item_tags`, `${P}tag`])
      await assertSchemaMatches(db, applied.state)
      const item = await describeTable(db, `${P}item`)
      assert.equal(item?.foreignKeys.tag_id?.table, `${P}tag`)
      assert.deepEqual(item?.checks, [`${P}item_price_pos`])
      assert.deepEqual(item?.indexes[`${P}item_price_desc`]?.columns, ['-price'])
      await sql(db, `INSERT INTO "${P}tag" ("label") VALUES ('a')`)
      await sql(db, `INSERT INTO "${P}item" ("name", "price", "tag_id") VALUES ('x', 1, 1)`)
      await assert.rejects(sql(db, `INSERT INTO "${P}item" ("name", "price") VALUES ('y', -1)`))
      await backwards(db, applied)
      assert.deepEqual(await tablesLike(db, P), [])
    },
  )

  s.it('deleteModel drops a table holding rows; reversed, recreates it empty', async (db) => {
    const created = await forwards(db, [createTag, createItem])
    await sql(db, `INSERT INTO "${P}tag" ("label") VALUES ('a'), ('b')`)
    await sql(db, `INSERT INTO "${P}item" ("name", "price", "tag_id") VALUES ('x', 1, 1)`)
    await sql(db, `INSERT INTO "${P}item_tags" ("item_id", "tag_id") VALUES (1, 2)`)
    const deleted = await forwards(db, [op.deleteModel({ name: 'Item' })], { state: created.state })
    assert.deepEqual(await tablesLike(db, P), [`${P}tag`])
    assert.deepEqual(await textRows(db, `${P}tag`, ['id', 'label']), [
      ['1', 'a'],
      ['2', 'b'],
    ])
    await backwards(db, deleted)
    await assertSchemaMatches(db, created.state)
    assert.deepEqual(await textRows(db, `${P}item`, ['id']), [])
  })

  s.it(
    'renameModel renames the table, join tables, their columns and constraint names',
    async (db) => {
      const created = await forwards(db, [createAuthor, createBook, addBooks])
      await sql(db, `INSERT INTO "${P}author" ("name", "born") VALUES ('ann', 1900), ('bob', NULL)`)
      await sql(db, `UPDATE "${P}author" SET "mentor_id" = 1 WHERE "id" = 2`)
      await sql(db, `INSERT INTO "${P}book" ("title", "author_id") VALUES ('t1', 1), ('t2', 2)`)
      await sql(db, `INSERT INTO "${P}author_books" ("${P}author_id", "${P}book_id") VALUES (1, 2)`)
      await sql(db, `INSERT INTO "${P}book_fans" ("${P}book_id", "${P}author_id") VALUES (1, 2)`)

      const renamed = await forwards(
        db,
        [op.renameModel({ from: 'MgOpsMAuthor', to: 'MgOpsMWriter' })],
        {
          state: created.state,
        },
      )
      assert.deepEqual(await tablesLike(db, P), [
        `${P}book`,
        `${P}book_fans`,
        `${P}writer`,
        `${P}writer_books`,
      ])
      await assertSchemaMatches(db, renamed.state)
      const writerRows = [
        ['1', 'ann', '1900', null],
        ['2', 'bob', null, '1'],
      ]
      assert.deepEqual(
        await textRows(db, `${P}writer`, ['id', 'name', 'born', 'mentor_id']),
        writerRows,
      )
      assert.deepEqual(await textRows(db, `${P}writer_books`, [`${P}writer_id`, `${P}book_id`]), [
        ['1', '2'],
      ])
      assert.deepEqual(await textRows(db, `${P}book_fans`, [`${P}book_id`, `${P}writer_id`]), [
        ['1', '2'],
      ])
      assert.equal(
        (await describeTable(db, `${P}book`))?.foreignKeys.author_id?.table,
        `${P}writer`,
      )
      // The foreign keys still hold: a book of a writer that does not exist is refused.
      await assert.rejects(
        sql(db, `INSERT INTO "${P}book" ("title", "author_id") VALUES ('x', 99)`),
      )

      await backwards(db, renamed)
      assert.deepEqual(await tablesLike(db, P), [
        `${P}author`,
        `${P}author_books`,
        `${P}book`,
        `${P}book_fans`,
      ])
      await assertSchemaMatches(db, created.state)
      assert.deepEqual(
        await textRows(db, `${P}author`, ['id', 'name', 'born', 'mentor_id']),
        writerRows,
      )
      assert.deepEqual(await textRows(db, `${P}book_fans`, [`${P}book_id`, `${P}author_id`]), [
        ['1', '2'],
      ])
    },
  )

  s.it('alterModelTable moves a table holding rows, with its join table', async (db) => {
    const created = await forwards(db, [createTag, createItem])
    await sql(db, `INSERT INTO "${P}tag" ("label") VALUES ('a')`)
    await sql(db, `INSERT INTO "${P}item" ("name", "price", "tag_id") VALUES ('x', 3, 1)`)
    await sql(db, `INSERT INTO "${P}item_tags" ("item_id", "tag_id") VALUES (1, 1)`)
    const moved = await forwards(db, [op.alterModelTable({ name: 'Item', table: `${P}goods` })], {
      state: created.state,
    })
    assert.deepEqual(await tablesLike(db, P), [`${P}goods`, `${P}goods_tags`, `${P}tag`])
    await assertSchemaMatches(db, moved.state)
    assert.deepEqual(await textRows(db, `${P}goods`, ['id', 'name', 'price', 'tag_id']), [
      ['1', 'x', '3', '1'],
    ])
    assert.deepEqual(await textRows(db, `${P}goods_tags`, ['item_id', 'tag_id']), [['1', '1']])
    await backwards(db, moved)
    await assertSchemaMatches(db, created.state)
    assert.deepEqual(await textRows(db, `${P}item_tags`, ['item_id', 'tag_id']), [['1', '1']])
  })
})
