import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createDatabase, type Database } from '../../orm/index.ts'
import { introspect } from './index.ts'

describe('SQLite introspection of tables Plinth did not write', () => {
  let db: Database
  before(async () => {
    db = createDatabase('sqlite::memory:')
    for (const sql of [
      'CREATE TABLE "the parent" ("key" text PRIMARY KEY, "x" int)',
      `CREATE TABLE child (
         id INTEGER PRIMARY KEY,
         "parent key" text REFERENCES "the parent" ON DELETE SET NULL,
         code TEXT UNIQUE,
         CONSTRAINT "named check" CHECK (code <> ''),
         CHECK (id > 0)
       )`,
      'CREATE INDEX "child lower" ON child (lower(code), id DESC)',
    ])
      await db.execute({ sql, params: [], returnsRows: false })
  })
  after(() => db.close())

  it('describes unnamed constraints, implicit key targets and expression indexes', async () => {
    const schema = await introspect(db)
    assert.deepEqual([...schema.tables.keys()], ['child', 'the parent'])
    const child = schema.tables.get('child')!
    assert.deepEqual(
      child.columns.map((c) => [c.name, c.type, c.nullable, c.primaryKey]),
      [
        ['id', 'integer', false, true],
        ['parent key', 'text', true, false],
        ['code', 'text', true, false],
      ],
    )
    assert.deepEqual(child.foreignKeys, [
      {
        name: undefined,
        columns: ['parent key'],
        references: { table: 'the parent', columns: ['key'] },
        onDelete: 'SET NULL',
      },
    ])
    assert.deepEqual(child.uniques, [
      { name: 'sqlite_autoindex_child_1', columns: ['code'], unique: true, partial: false },
    ])
    assert.deepEqual(child.indexes, [
      { name: 'child lower', columns: ['(expression)', '-id'], unique: false, partial: false },
    ])
    assert.deepEqual(child.checks, ['named check'])
    // The primary key's own index is not an index or a unique constraint of the table.
    assert.deepEqual(schema.tables.get('the parent')!.uniques, [])
  })

  it('keeps only the tables the filter accepts', async () => {
    const schema = await introspect(db, { tables: (name) => name === 'child' })
    assert.deepEqual([...schema.tables.keys()], ['child'])
  })
})
