import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defineModel, field, OrmConfigError } from './index.ts'
import type { AnyModel } from './model.ts'
import { modelRegistry, moduleOf, registryOf } from './registry.ts'

describe('model registries and references by name', () => {
  it('keeps models of a private registry apart from the process-wide one', () => {
    const registry: AnyModel[] = []
    const Shelf = defineModel('Shelf', { label: field.string({ maxLength: 20 }) }, { registry })
    assert.equal(registryOf(Shelf), registry)
    assert.ok(registry.includes(Shelf))
    assert.ok(!modelRegistry.includes(Shelf))
  })

  it('resolves "Name" and "module.Name" within the registry, and reverse relations there only', () => {
    const registry: AnyModel[] = []
    const Author = defineModel('Author', { name: field.text() }, { module: 'lib', registry })
    const Book = defineModel(
      'Book',
      {
        author: field.foreignKey('lib.Author', { onDelete: 'cascade', relatedName: 'books' }),
        editor: field.foreignKey('Author', { onDelete: 'cascade', null: true }),
        sequel: field.foreignKey('self', { onDelete: 'setNull', null: true }),
      },
      { module: 'lib', registry },
    )
    assert.equal(moduleOf(Book), 'lib')
    assert.equal(Book.meta.relation('author')?.target, Author)
    assert.equal(Book.meta.relation('editor')?.target, Author)
    assert.equal(Book.meta.relation('sequel')?.target, Book)
    assert.equal(Author.meta.relation('books')?.target, Book)
    // A model of the same name in another registry does not see these relations.
    const other = defineModel('Author', { name: field.text() }, { module: 'lib', registry: [] })
    assert.equal(other.meta.relation('books'), undefined)
  })

  it('explains unknown and ambiguous names', () => {
    const registry: AnyModel[] = []
    defineModel('Tag', { name: field.text() }, { module: 'a', registry })
    defineModel('Tag', { name: field.text() }, { module: 'b', registry })
    const Post = defineModel(
      'Post',
      { tag: field.foreignKey('Tag', { onDelete: 'cascade' }) },
      { registry },
    )
    assert.throws(
      () => Post.meta,
      (e: unknown) =>
        e instanceof OrmConfigError && /several modules; write "module.Tag"/.test(e.message),
    )
    const Lost = defineModel(
      'Lost',
      { tag: field.foreignKey('Nope', { onDelete: 'cascade' }) },
      { registry },
    )
    assert.throws(() => Lost.meta, /points at "Nope", but no model of that name is defined/)
  })
})
