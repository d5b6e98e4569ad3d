import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type AnyModel, defineModel, field, lookup } from '../orm/index.ts'
import { construct, deconstruct, fieldKey } from './deconstruct.ts'
import { op } from './operations/index.ts'
import { createModelCode } from './operations/models.ts'
import { ProjectState } from './state.ts'

function models() {
  const registry: AnyModel[] = []
  const Category = defineModel(
    'Category',
    {
      name: field.string({ maxLength: 60, unique: true, helpText: 'ignored' }),
      slug: field.slug(),
    },
    { table: 'shop_category', registry },
  )
  const Product = defineModel(
    'Product',
    {
      name: field.string({ maxLength: 120, validators: [() => undefined] }),
      kind: field.enum(['a', 'b'], { default: 'a' }),
      price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
      email: field.email({ maxLength: 100, null: true }),
      category: field.foreignKey(() => Category, { onDelete: 'restrict', relatedName: 'products' }),
      parent: field.foreignKey('self', { onDelete: 'setNull', null: true, index: false }),
      tags: field.manyToMany(() => Category, { relatedName: 'tagged' }),
      created: field.datetime({ autoNowAdd: true }),
      data: field.json({ default: { a: 1 } }),
      token: field.uuid({ default: () => crypto.randomUUID() }),
    },
    {
      registry,
      indexes: [{ fields: ['category', '-price'], where: { price: lookup.gt('0') } }],
      constraints: [{ type: 'check', name: 'price_positive', check: { price: lookup.gte('0') } }],
      uniqueTogether: [['categoryId', 'name']],
    },
  )
  return { Category, Product }
}

describe('project state from models', () => {
  it('keeps what shapes the database and writes it back as builder calls', () => {
    const { Category, Product } = models()
    const state = ProjectState.fromModels([Category, Product])
    assert.equal(
      createModelCode(state.get('app.Product'), 'app'),
      [
        'op.createModel({',
        "  name: 'Product',",
        '  fields: {',
        '    id: field.autoId(),',
        '    name: field.string({ maxLength: 120 }),',
        "    kind: field.enum(['a', 'b'], { default: 'a' }),",
        '    price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),',
        '    email: field.email({ maxLength: 100, null: true }),',
        "    category: field.foreignKey('Category', { onDelete: 'restrict', relatedName: 'products' }),",
        "    parent: field.foreignKey('self', { onDelete: 'setNull', null: true, index: false }),",
        "    tags: field.manyToMany('Category', { relatedName: 'tagged' }),",
        '    created: field.datetime({ autoNowAdd: true }),',
        '    data: field.json({ default: { a: 1 } }),',
        '    token: field.uuid(),',
        '  },',
        "  indexes: [{ name: 'ix_product__category_id__price', fields: ['category', '-price'], where: { price: lookup.gt('0') } }],",
        "  constraints: [{ type: 'check', name: 'price_positive', check: { price: lookup.gte('0') } }, { type: 'unique', name: 'uq_product__category_id__name', fields: ['category', 'name'] }],",
        '})',
      ].join('\n'),
    )
  })

  it('round-trips every field through deconstruct/construct', () => {
    const { Product } = models()
    for (const f of Object.values(Product.fields)) {
      const call = deconstruct(f.spec, 'app', Product)
      assert.equal(fieldKey(construct(call).spec, 'app'), fieldKey(f.spec, 'app', Product))
    }
  })

  it('renders historical models that query and relate among themselves', () => {
    const { Category, Product } = models()
    const apps = ProjectState.fromModels([Category, Product]).apps()
    const P = apps.get('Product')
    const C = apps.get('app.Category')
    assert.notEqual(P, Product)
    assert.equal(P.meta.relation('category')?.target, C)
    assert.equal(C.meta.relation('products')?.target, P)
    assert.equal(P.meta.table, 'product')
    assert.equal(C.meta.table, 'shop_category')
    assert.throws(() => apps.get('Nope'), /No model "Nope" exists at this point/)
  })
})

describe('operations on the state', () => {
  const base = () => {
    const state = new ProjectState()
    op.createModel({
      name: 'Category',
      fields: { id: field.autoId(), name: field.string({ maxLength: 60 }) },
    }).applyState(state, 'app')
    op.createModel({
      name: 'Product',
      fields: {
        id: field.autoId(),
        title: field.string({ maxLength: 60 }),
        category: field.foreignKey('Category', { onDelete: 'cascade' }),
      },
      indexes: [{ name: 'ix_title', fields: ['-title'] }],
      constraints: [{ type: 'unique', name: 'uq_title_cat', fields: ['title', 'category'] }],
    }).applyState(state, 'app')
    return state
  }

  it('renames a model, its default table and relations pointing at it', () => {
    const state = base()
    op.renameModel({ from: 'Category', to: 'Section' }).applyState(state, 'app')
    assert.equal(state.get('app.Section').table, 'section')
    assert.equal(
      deconstruct(state.get('app.Product').fields.get('category')!.spec, 'app').target,
      'app.Section',
    )
    assert.equal(state.apps().get('Product').meta.relation('category')?.target.name, 'Section')
  })

  it('renames a field in indexes and constraints too', () => {
    const state = base()
    op.renameField({ model: 'Product', from: 'title', to: 'name' }).applyState(state, 'app')
    const product = state.get('app.Product')
    assert.deepEqual([...product.fields.keys()], ['id', 'name', 'category'])
    assert.deepEqual(product.indexes[0]!.fields, ['-name'])
    assert.deepEqual((product.constraints[0] as { fields: readonly string[] }).fields, [
      'name',
      'category',
    ])
  })

  it('adds, alters and removes fields, indexes and constraints', () => {
    const state = base()
    op.addField({
      model: 'Product',
      name: 'stock',
      field: field.integer({ default: 0 }),
    }).applyState(state, 'app')
    op.alterField({
      model: 'Product',
      name: 'stock',
      field: field.bigint({ null: true }),
    }).applyState(state, 'app')
    assert.equal(state.get('app.Product').fields.get('stock')!.spec.kind, 'bigint')
    op.removeIndex({ model: 'Product', name: 'ix_title' }).applyState(state, 'app')
    op.removeConstraint({ model: 'Product', name: 'uq_title_cat' }).applyState(state, 'app')
    op.removeField({ model: 'Product', name: 'stock' }).applyState(state, 'app')
    assert.equal(state.get('app.Product').indexes.length, 0)
    assert.equal(state.get('app.Product').constraints.length, 0)
    assert.equal(state.get('app.Product').fields.has('stock'), false)
  })

  it('explains operations that do not fit the history', () => {
    const state = base()
    const code = (fn: () => void) =>
      assert.throws(
        fn,
        (e: Error & { code?: string }) => typeof e.code === 'string' && e.message.length > 20,
      )
    code(() =>
      op.addField({ model: 'Nope', name: 'x', field: field.text() }).applyState(state, 'app'),
    )
    code(() =>
      op
        .addField({ model: 'Product', name: 'title', field: field.text() })
        .applyState(state, 'app'),
    )
    code(() => op.removeField({ model: 'Product', name: 'nope' }).applyState(state, 'app'))
    code(() =>
      op.renameField({ model: 'Product', from: 'title', to: 'category' }).applyState(state, 'app'),
    )
    code(() => op.removeIndex({ model: 'Product', name: 'nope' }).applyState(state, 'app'))
    code(() =>
      op.createModel({ name: 'Product', fields: { id: field.autoId() } }).applyState(state, 'app'),
    )
    code(() => op.renameModel({ from: 'Product', to: 'Category' }).applyState(state, 'app'))
    code(() => op.addIndex({ model: 'Product', index: { name: 'bad name', fields: ['title'] } }))
  })

  it('says which changes lose data', () => {
    const state = base()
    assert.match(
      op.removeField({ model: 'Product', name: 'title' }).dataLoss()!,
      /drops the column/,
    )
    assert.match(op.deleteModel({ name: 'Product' }).dataLoss()!, /drops the table/)
    const alter = (f: ReturnType<typeof field.text>) =>
      op.alterField({ model: 'Product', name: 'title', field: f }).dataLoss(state, 'app')
    assert.match(alter(field.string({ maxLength: 20 }))!, /shortens maxLength from 60 to 20/)
    assert.equal(alter(field.string({ maxLength: 200 })), undefined)
    assert.equal(alter(field.text()), undefined)
    assert.match(alter(field.integer())!, /changes the type from string to integer/)
  })
})
