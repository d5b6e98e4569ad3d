import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { field } from '../../orm/fields.ts'
import { defineModel } from '../../orm/model.ts'
import { lookup } from '../../orm/query/lookup.ts'
import { ProjectState } from '../state.ts'
import { expectedSchema, modelsSchema } from './expected.ts'

const registry: never[] = []
const Author = defineModel(
  'Author',
  { id: field.uuidId(), name: field.string({ maxLength: 40, column: 'full_name' }) },
  { module: 'lib', registry, table: 'lib_author' },
)
const Book = defineModel(
  'Book',
  {
    id: field.autoId(),
    title: field.string({ maxLength: 80 }),
    author: field.foreignKey('Author', { onDelete: 'setDefault', default: 'x', index: false }),
    editor: field.foreignKey('Author', {
      onDelete: 'doNothing',
      null: true,
      dbConstraint: false,
      relatedName: 'edited',
    }),
    isbn: field.string({ maxLength: 13, unique: true }),
    readers: field.manyToMany('Author', { relatedName: 'read' }),
  },
  {
    module: 'lib',
    registry,
    table: 'lib_book',
    indexes: [{ fields: ['-title'], where: { isbn: lookup.isnull(false) } }],
    constraints: [{ type: 'check', name: 'lib_book_title', check: { title: lookup.ne('') } }],
  },
)

describe('modelsSchema()', () => {
  it('describes columns, keys, indexes and constraints as createTables makes them', () => {
    const book = modelsSchema([Author, Book], 'postgres').tables.get('lib_book')!
    assert.deepEqual(
      book.columns.map((c) => [c.name, c.sqlType, c.nullable, c.primaryKey]),
      [
        ['id', 'integer', false, true],
        ['title', 'varchar(80)', false, false],
        ['author_id', 'uuid', false, false],
        ['editor_id', 'uuid', true, false],
        ['isbn', 'varchar(13)', false, false],
      ],
    )
    assert.deepEqual(book.uniques, [
      { name: 'uq_lib_book__isbn', columns: ['isbn'], unique: true, partial: false },
    ])
    // No index for author (index: false), one for editor; no foreign key for editor.
    assert.deepEqual(
      book.indexes.map((i) => [i.name, i.columns, i.partial]),
      [
        ['ix_lib_book__editor_id', ['editor_id'], false],
        ['ix_lib_book__title', ['-title'], true],
      ],
    )
    assert.deepEqual(book.foreignKeys, [
      {
        name: 'fk_lib_book__author_id',
        columns: ['author_id'],
        references: { table: 'lib_author', columns: ['id'] },
        onDelete: 'SET DEFAULT',
      },
    ])
    assert.deepEqual(book.checks, ['lib_book_title'])
  })

  it('adds automatic join tables and applies MySQL limits', () => {
    const tables = modelsSchema([Author, Book], 'mysql').tables
    assert.deepEqual([...tables.keys()], ['lib_author', 'lib_book', 'lib_book_readers'])
    const join = tables.get('lib_book_readers')!
    assert.deepEqual(
      join.columns.map((c) => [c.name, c.type]),
      [
        ['id', 'int'],
        ['book_id', 'int'],
        ['author_id', 'char(36)'],
      ],
    )
    assert.deepEqual(
      join.foreignKeys.map((f) => [f.name, f.references.table, f.onDelete]),
      [
        ['fk_lib_book_readers__book_id', 'lib_book', 'CASCADE'],
        ['fk_lib_book_readers__author_id', 'lib_author', 'CASCADE'],
      ],
    )
    const book = tables.get('lib_book')!
    assert.equal(book.foreignKeys[0]!.onDelete, 'NO ACTION', 'InnoDB has no SET DEFAULT')
    assert.equal(book.indexes[1]!.partial, false, 'MySQL has no partial indexes')
  })

  it('gives the same description through a migration state', () => {
    for (const dialect of ['sqlite', 'postgres', 'mysql'] as const) {
      const fromState = expectedSchema(ProjectState.fromModels([Author, Book]), dialect)
      assert.deepEqual(fromState, modelsSchema([Author, Book], dialect), dialect)
    }
  })
})
