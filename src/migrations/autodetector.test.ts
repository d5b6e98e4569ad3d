import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { FieldMap } from '../orm/fields.ts'
import { field } from '../orm/fields.ts'
import type { ModelOptions } from '../orm/meta.ts'
import { type AnyModel, defineModel } from '../orm/model.ts'
import { lookup } from '../orm/query/lookup.ts'
import { stateDifferences } from './autodetector/verify.ts'
import { type DetectOptions, detectChanges, type ModuleChanges } from './autodetector.ts'
import type { Questioner } from './questioner.ts'
import { ProjectState } from './state.ts'

/** A set of models in a private registry (one "version" of the project). */
function project(define: (model: typeof make) => void): ProjectState {
  const registry: AnyModel[] = []
  const models: AnyModel[] = []
  function make(name: string, fields: FieldMap, options: ModelOptions = {}) {
    const model = defineModel(name, fields, { registry, ...options })
    models.push(model)
    return model
  }
  define(make)
  return ProjectState.fromModels(models)
}

const empty = () => new ProjectState()

/** Detect, then check the operations really turn `from` into `to`. */
async function detect(from: ProjectState, to: ProjectState, options: DetectOptions = {}) {
  const changes = await detectChanges(from, to, options)
  const state = from.clone()
  for (const c of changes) for (const o of c.operations) o.applyState(state, c.module)
  assert.deepEqual(stateDifferences(state, to), [])
  return changes
}

function ops(changes: ModuleChanges[], module = 'app'): string[] {
  return changes.find((c) => c.module === module)?.operations.map((o) => o.describe()) ?? []
}

function code(changes: ModuleChanges[], module = 'app'): string[] {
  return changes.find((c) => c.module === module)?.operations.map((o) => o.toCode(module)) ?? []
}

async function rejects(promise: Promise<unknown>, code: string, message?: RegExp) {
  await assert.rejects(promise, (error: Error & { code?: string }) => {
    assert.equal(error.code, code)
    if (message) assert.match(error.message, message)
    return true
  })
}

function answers(partial: Partial<Questioner> & { log?: string[] }): Questioner {
  const log = partial.log ?? []
  return {
    confirmRename: (q) => {
      log.push(q.text)
      return partial.confirmRename?.(q) ?? false
    },
    fillValue: (q) => {
      log.push(q.text)
      return partial.fillValue?.(q)
    },
    confirmDataLoss: (items) => {
      log.push(`loss: ${items.map((i) => i.description).join(', ')}`)
      return partial.confirmDataLoss?.(items) ?? false
    },
  }
}

const shop = (extra: FieldMap = {}, options: ModelOptions = {}) =>
  project((m) => {
    const Category = m('Category', { name: field.string({ maxLength: 100 }) })
    m(
      'Product',
      {
        title: field.string({ maxLength: 200 }),
        price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
        category: field.foreignKey(() => Category, { onDelete: 'cascade' }),
        ...extra,
      },
      options,
    )
  })

describe('detectChanges: models', () => {
  it('finds nothing when the states are the same', async () => {
    assert.deepEqual(await detect(shop(), shop()), [])
  })

  it('creates models after the models their foreign keys point at', async () => {
    const to = project((m) => {
      m('Product', { category: field.foreignKey('Category', { onDelete: 'cascade' }) })
      m('Category', { parent: field.foreignKey('self', { onDelete: 'cascade', null: true }) })
    })
    const changes = await detect(empty(), to)
    assert.deepEqual(ops(changes), ['Create model Category', 'Create model Product'])
  })

  it('breaks a cycle of foreign keys with a later addField', async () => {
    const to = project((m) => {
      m(
        'Author',
        {
          name: field.string({ maxLength: 50 }),
          favourite: field.foreignKey('Book', { onDelete: 'setNull', null: true }),
        },
        { indexes: [{ fields: ['favourite'] }, { fields: ['name'] }] } as ModelOptions,
      )
      m('Book', { author: field.foreignKey('Author', { onDelete: 'cascade' }) }, {
        indexes: [{ fields: ['author'] }],
      } as ModelOptions)
    })
    const changes = await detect(empty(), to)
    assert.deepEqual(ops(changes), [
      'Create model Author',
      'Create model Book',
      'Add field favourite to Author',
      'Add index ix_author__favourite_id on Author',
    ])
    // Only the index naming the deferred field waits; the others come with their model.
    assert.match(code(changes)[0]!, /ix_author__name/)
    assert.match(code(changes)[1]!, /ix_book__author_id/)
    assert.doesNotMatch(code(changes)[0]!, /favourite/)
    // A new table has no rows: a NOT NULL deferred key needs no fill value.
    assert.doesNotMatch(code(changes)[2]!, /fill/)
  })

  it('creates many-to-many targets and through models before the field needs them', async () => {
    const to = project((m) => {
      m('Order', {
        items: field.manyToMany('Item', { through: 'OrderLine' }),
        tags: field.manyToMany('Tag'),
      })
      m('OrderLine', {
        order: field.foreignKey('Order', { onDelete: 'cascade' }),
        item: field.foreignKey('Item', { onDelete: 'cascade' }),
        quantity: field.integer(),
      })
      m('Item', { name: field.string({ maxLength: 50 }) })
      m('Tag', { name: field.string({ maxLength: 50 }) })
    })
    const changes = await detect(empty(), to)
    const list = ops(changes)
    assert.ok(list.indexOf('Create model Item') < list.indexOf('Create model OrderLine'))
    assert.ok(list.indexOf('Create model Tag') < list.indexOf('Create model Order'))
    assert.ok(list.indexOf('Create model OrderLine') < list.indexOf('Add field items to Order'))
  })

  it('drops models after the models pointing at them, breaking cycles by dropping fields', async () => {
    const from = project((m) => {
      m('Author', { favourite: field.foreignKey('Book', { onDelete: 'setNull', null: true }) })
      m('Book', { author: field.foreignKey('Author', { onDelete: 'cascade' }) })
      m('Review', { book: field.foreignKey('Book', { onDelete: 'cascade' }) })
      m('Keep', {})
    })
    const to = project((m) => m('Keep', {}))
    const changes = await detect(from, to, { allowDataLoss: true })
    assert.deepEqual(ops(changes), [
      'Delete model Review',
      'Remove field favourite from Author',
      'Delete model Book',
      'Delete model Author',
    ])
  })

  it('refuses to drop a model without acknowledgement, listing why', async () => {
    const from = project((m) => m('Note', {}))
    await rejects(
      detect(from, empty()),
      'PLINTH_MIGRATIONS_DATA_LOSS',
      /Delete model Note: drops the table of Note and every row in it[\s\S]*--allow-data-loss/,
    )
    const changes = await detect(from, empty(), { allowDataLoss: true })
    assert.deepEqual(changes[0]!.notes.get(0), [
      '⚠ Loses data: drops the table of Note and every row in it',
    ])
  })

  it('moves a table with alterModelTable', async () => {
    const to = shop({}, { table: 'products' })
    assert.deepEqual(code(await detect(shop(), to)), [
      "op.alterModelTable({ name: 'Product', table: 'products' })",
    ])
  })
})

describe('detectChanges: fields', () => {
  it('adds a nullable field or one with a literal default without asking', async () => {
    const to = shop({
      note: field.text({ null: true }),
      stock: field.integer({ default: 0 }),
    })
    assert.deepEqual(code(await detect(shop(), to)), [
      "op.addField({ model: 'Product', name: 'note', field: field.text({ null: true }) })",
      "op.addField({ model: 'Product', name: 'stock', field: field.integer({ default: 0 }) })",
    ])
  })

  it('needs a fill value for a NOT NULL field without a literal default', async () => {
    const to = shop({
      stock: field.integer(),
      token: field.string({ maxLength: 10, default: () => 'x' }),
    })
    await rejects(
      detect(shop(), to),
      'PLINTH_MIGRATIONS_NEEDS_DEFAULT',
      /app\.Product\.stock[\s\S]*app\.Product\.token[\s\S]*null: true[\s\S]*--default app\.Model\.field=value/,
    )
    const declared = await detect(shop(), to, {
      defaults: { 'app.Product.stock': 5, 'Product.token': 'abc' },
    })
    assert.match(code(declared)[0]!, /name: 'stock', field: field\.integer\(\), fill: 5 \}/)
    assert.match(code(declared)[1]!, /fill: 'abc'/)
    const log: string[] = []
    const asked = await detect(shop(), to, {
      questioner: answers({ log, fillValue: (q) => ({ value: q.field === 'stock' ? 1 : 't' }) }),
    })
    assert.match(code(asked)[0]!, /fill: 1 \}/)
    assert.equal(log[0], 'Product.stock is NOT NULL and has no default; value for existing rows:')
  })

  it('refuses a declared default for a field that does not exist', async () => {
    await rejects(
      detect(shop(), shop(), { defaults: { 'app.Product.stok': 0 } }),
      'PLINTH_MIGRATIONS_DEFAULT_MISMATCH',
      /app\.Product has no field stok/,
    )
  })

  it('refuses to remove a field unless data loss is acknowledged (flag or answer)', async () => {
    const from = shop({ sku: field.string({ maxLength: 20 }) })
    await rejects(detect(from, shop()), 'PLINTH_MIGRATIONS_DATA_LOSS', /Remove field sku/)
    await rejects(
      detect(from, shop(), { questioner: answers({ confirmDataLoss: () => false }) }),
      'PLINTH_MIGRATIONS_DATA_LOSS',
    )
    const changes = await detect(from, shop(), {
      questioner: answers({ confirmDataLoss: () => true }),
    })
    assert.deepEqual(code(changes), ["op.removeField({ model: 'Product', name: 'sku' })"])
    assert.deepEqual(changes[0]!.notes.get(0), [
      '⚠ Loses data: drops the column of Product.sku and its values',
    ])
  })

  it('alters a field: widening freely, narrowing only with acknowledgement', async () => {
    const wider = await detect(shop(), shop({ title: field.string({ maxLength: 300 }) }))
    assert.deepEqual(ops(wider), ['Alter field title on Product'])
    const narrower = shop({ title: field.string({ maxLength: 50 }) })
    await rejects(detect(shop(), narrower), 'PLINTH_MIGRATIONS_DATA_LOSS', /shortens maxLength/)
    const changes = await detect(shop(), narrower, { allowDataLoss: true })
    assert.match(changes[0]!.notes.get(0)![0]!, /shortens maxLength from 200 to 50/)
  })

  it('asks for a value when a nullable field becomes NOT NULL (a literal default is used)', async () => {
    const from = shop({ note: field.text({ null: true }) })
    await rejects(
      detect(from, shop({ note: field.text() })),
      'PLINTH_MIGRATIONS_NEEDS_DEFAULT',
      /app\.Product\.note \(becomes NOT NULL\)/,
    )
    const filled = await detect(from, shop({ note: field.text() }), {
      defaults: { 'app.Product.note': '' },
    })
    assert.match(code(filled)[0]!, /field: field\.text\(\), fill: '' \}/)
    const withDefault = await detect(from, shop({ note: field.text({ default: '-' }) }))
    assert.match(code(withDefault)[0]!, /fill: '-' \}/)
  })

  it('replaces a field that turns into (or out of) a many-to-many', async () => {
    const from = project((m) => {
      m('Tag', {})
      m('Post', { tag: field.foreignKey('Tag', { onDelete: 'cascade' }) })
    })
    const to = project((m) => {
      m('Tag', {})
      m('Post', { tag: field.manyToMany('Tag') })
    })
    const changes = await detect(from, to, { allowDataLoss: true })
    assert.deepEqual(ops(changes), ['Remove field tag from Post', 'Add field tag to Post'])
  })
})

describe('detectChanges: renames', () => {
  const withoutTitle = () =>
    project((m) => {
      const Category = m('Category', { name: field.string({ maxLength: 100 }) })
      m('Product', {
        name: field.string({ maxLength: 200 }),
        price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
        category: field.foreignKey(() => Category, { onDelete: 'cascade' }),
      })
    })

  it('refuses an undeclared rename candidate without a terminal, naming both answers', async () => {
    await rejects(
      detect(shop(), withoutTitle()),
      'PLINTH_MIGRATIONS_AMBIGUOUS_RENAME',
      /app\.Product\.title → app\.Product\.name \(to rename: --rename app\.Product\.title=name\)[\s\S]*--no-renames/,
    )
  })

  it('renames a declared field deterministically', async () => {
    const changes = await detect(shop(), withoutTitle(), {
      renames: [{ model: 'app.Product', from: 'title', to: 'name' }],
    })
    assert.deepEqual(code(changes), [
      "op.renameField({ model: 'Product', from: 'title', to: 'name' })",
    ])
  })

  it('asks in a terminal: yes renames, no removes and adds', async () => {
    const log: string[] = []
    const yes = await detect(shop(), withoutTitle(), {
      questioner: answers({ log, confirmRename: () => true }),
    })
    assert.deepEqual(ops(yes), ['Rename field title on Product to name'])
    assert.equal(log[0], 'Did you rename Product.title to Product.name? [y/N]')
    const no = await detect(shop(), withoutTitle(), {
      questioner: answers({
        confirmRename: () => false,
        confirmDataLoss: () => true,
        fillValue: () => ({ value: '' }),
      }),
    })
    assert.deepEqual(ops(no), ['Remove field title from Product', 'Add field name to Product'])
  })

  it('removes and adds with noRenames (still a data loss to acknowledge)', async () => {
    await rejects(
      detect(shop(), withoutTitle(), { noRenames: true, defaults: { 'app.Product.name': '' } }),
      'PLINTH_MIGRATIONS_DATA_LOSS',
    )
    const changes = await detect(shop(), withoutTitle(), {
      noRenames: true,
      allowDataLoss: true,
      defaults: { 'app.Product.name': '' },
    })
    assert.deepEqual(ops(changes), ['Remove field title from Product', 'Add field name to Product'])
  })

  it('refuses a declared rename that does not match the changes', async () => {
    await rejects(
      detect(shop(), withoutTitle(), {
        renames: [{ model: 'app.Product', from: 'titel', to: 'name' }],
      }),
      'PLINTH_MIGRATIONS_RENAME_MISMATCH',
      /--rename app\.Product\.titel=name[\s\S]*has no field titel/,
    )
    await rejects(
      detect(shop(), shop(), { renames: [{ model: 'app.Item', to: 'Product' }] }),
      'PLINTH_MIGRATIONS_RENAME_MISMATCH',
      /no migration creates app\.Item/,
    )
  })

  it('renames a field and then alters what else changed about it', async () => {
    const to = project((m) => {
      const Category = m('Category', { name: field.string({ maxLength: 100 }) })
      m('Product', {
        name: field.string({ maxLength: 300 }),
        price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
        category: field.foreignKey(() => Category, { onDelete: 'cascade' }),
      })
    })
    const changes = await detect(shop(), to, {
      renames: [{ model: 'Product', from: 'title', to: 'name' }],
    })
    assert.deepEqual(ops(changes), [
      'Rename field title on Product to name',
      'Alter field name on Product',
    ])
  })

  it('renames a model; relations pointing at it follow without an alter', async () => {
    const from = project((m) => {
      const Item = m('Item', { name: field.string({ maxLength: 50 }) })
      m('Line', { item: field.foreignKey(() => Item, { onDelete: 'cascade' }) })
    })
    const to = project((m) => {
      const Product = m('Product', { name: field.string({ maxLength: 50 }) })
      m('Line', { item: field.foreignKey(() => Product, { onDelete: 'cascade' }) })
    })
    await rejects(
      detect(from, to),
      'PLINTH_MIGRATIONS_AMBIGUOUS_RENAME',
      /--rename app\.Item=Product/,
    )
    const declared = await detect(from, to, { renames: [{ model: 'app.Item', to: 'Product' }] })
    assert.deepEqual(code(declared), ["op.renameModel({ from: 'Item', to: 'Product' })"])
    const log: string[] = []
    const asked = await detect(from, to, {
      questioner: answers({ log, confirmRename: () => true }),
    })
    assert.deepEqual(ops(asked), ['Rename model Item to Product'])
    assert.equal(log[0], 'Did you rename the model app.Item to Product? [y/N]')
  })
  it('renames a model and one of its fields together, by old or new model name', async () => {
    const from = project((m) => m('Item', { title: field.string({ maxLength: 50 }) }))
    const to = project((m) => m('Product', { name: field.string({ maxLength: 50 }) }))
    for (const model of ['app.Item', 'Product']) {
      const changes = await detect(from, to, {
        renames: [
          { model: 'app.Item', to: 'Product' },
          { model, from: 'title', to: 'name' },
        ],
      })
      assert.deepEqual(ops(changes), [
        'Rename model Item to Product',
        'Rename field title on Product to name',
      ])
    }
  })
})

describe('detectChanges: indexes and constraints', () => {
  const indexed = (options: ModelOptions) => shop({}, options)

  it('adds, removes and replaces indexes', async () => {
    const one = indexed({ indexes: [{ fields: ['title'] }] } as ModelOptions)
    const added = await detect(shop(), one)
    assert.deepEqual(code(added), [
      "op.addIndex({ model: 'Product', index: { name: 'ix_product__title', fields: ['title'] } })",
    ])
    const removed = await detect(one, shop())
    assert.deepEqual(ops(removed), ['Remove index ix_product__title from Product'])
    const partial = indexed({
      indexes: [
        { name: 'ix_product__title', fields: ['-title'], where: { price: lookup.gt('0') } },
      ],
    } as ModelOptions)
    assert.deepEqual(ops(await detect(one, partial)), [
      'Remove index ix_product__title from Product',
      'Add index ix_product__title on Product',
    ])
  })

  it('adds, removes and replaces unique and check constraints', async () => {
    const check = (min: string) =>
      indexed({
        uniqueTogether: [['title', 'category']],
        constraints: [{ type: 'check', name: 'price_positive', check: { price: lookup.gt(min) } }],
      } as ModelOptions)
    assert.deepEqual(ops(await detect(shop(), check('0'))), [
      'Add constraint price_positive on Product',
      'Add constraint uq_product__title__category_id on Product',
    ])
    assert.deepEqual(ops(await detect(check('0'), check('1'))), [
      'Remove constraint price_positive from Product',
      'Add constraint price_positive on Product',
    ])
    assert.deepEqual(ops(await detect(check('0'), check('0'))), [])
  })

  it('drops an index before dropping the field it covers', async () => {
    const from = shop({ sku: field.string({ maxLength: 20 }) }, {
      indexes: [{ fields: ['sku'] }],
    } as ModelOptions)
    const changes = await detect(from, shop(), { allowDataLoss: true })
    assert.deepEqual(ops(changes), [
      'Remove index ix_product__sku from Product',
      'Remove field sku from Product',
    ])
  })

  it('adds an index after adding the field it covers', async () => {
    const to = shop({ sku: field.string({ maxLength: 20, null: true }) }, {
      indexes: [{ fields: ['sku'] }],
    } as ModelOptions)
    assert.deepEqual(ops(await detect(shop(), to)), [
      'Add field sku to Product',
      'Add index ix_product__sku on Product',
    ])
  })
})

describe('detectChanges: modules', () => {
  const users =
    (extra: FieldMap = {}) =>
    (m: (n: string, f: FieldMap, o?: ModelOptions) => AnyModel) =>
      m('User', { email: field.email(), ...extra }, { module: 'auth' })

  it('depends on the module that holds a related model (created in this run or not)', async () => {
    const to = project((m) => {
      const User = users()(m)
      m('Order', { user: field.foreignKey(() => User, { onDelete: 'cascade' }) })
    })
    const fresh = await detect(empty(), to)
    assert.deepEqual(
      fresh.map((c) => c.module),
      ['app', 'auth'],
    )
    assert.deepEqual(fresh[0]!.dependencies, [{ module: 'auth', created: true }])
    const before = project((m) => users()(m))
    const existing = await detect(before, to)
    assert.deepEqual(
      existing.map((c) => c.module),
      ['app'],
    )
    assert.deepEqual(existing[0]!.dependencies, [{ module: 'auth', created: false }])
  })

  it('makes a dropped model wait for the other module to drop its reference', async () => {
    const from = project((m) => {
      const User = users()(m)
      m('Order', { user: field.foreignKey(() => User, { onDelete: 'cascade' }) })
    })
    const to = project((m) => m('Order', {}))
    const changes = await detect(from, to, { allowDataLoss: true })
    assert.deepEqual(ops(changes, 'app'), ['Remove field user from Order'])
    assert.deepEqual(ops(changes, 'auth'), ['Delete model User'])
    assert.deepEqual(changes.find((c) => c.module === 'auth')!.dependencies, [
      { module: 'app', created: true },
    ])
  })
})

describe('detectChanges: check mode', () => {
  it('asks nothing and refuses nothing, but still reports every change', async () => {
    const from = shop({ sku: field.string({ maxLength: 20 }) })
    const to = project((m) => {
      const Category = m('Category', { name: field.string({ maxLength: 100 }) })
      m('Product', {
        name: field.string({ maxLength: 200 }),
        price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
        category: field.foreignKey(() => Category, { onDelete: 'cascade' }),
        stock: field.integer(),
      })
    })
    const changes = await detect(from, to, { check: true })
    assert.deepEqual(ops(changes), [
      'Remove field title from Product',
      'Remove field sku from Product',
      'Add field name to Product',
      'Add field stock to Product',
    ])
  })
})

describe('detectChanges: indexes and constraints that only change their name', () => {
  it('renames an index and a unique constraint named after a renamed field', async () => {
    const version = (title: string) =>
      project((model) =>
        model(
          'Product',
          { [title]: field.string({ maxLength: 40 }), stock: field.integer() },
          { indexes: [{ fields: [title, '-stock'] }], uniqueTogether: [[title, 'stock']] },
        ),
      )
    const changes = await detect(version('title'), version('name'), {
      renames: [{ model: 'app.Product', from: 'title', to: 'name' }],
    })
    assert.deepEqual(code(changes), [
      "op.renameField({ model: 'Product', from: 'title', to: 'name' })",
      "op.renameIndex({ model: 'Product', from: 'ix_product__title__stock', to: 'ix_product__name__stock' })",
      "op.renameConstraint({ model: 'Product', from: 'uq_product__title__stock', to: 'uq_product__name__stock' })",
    ])
  })

  it('renames a check constraint whose name changed but not its condition', async () => {
    const version = (name: string) =>
      project((model) =>
        model(
          'Product',
          { stock: field.integer() },
          { constraints: [{ type: 'check', name, check: { stock: lookup.gte(0) } }] },
        ),
      )
    assert.deepEqual(code(await detect(version('stock_ok'), version('stock_gte_0'))), [
      "op.renameConstraint({ model: 'Product', from: 'stock_ok', to: 'stock_gte_0' })",
    ])
    // A changed condition is still a drop and an add.
    const changed = project((model) =>
      model(
        'Product',
        { stock: field.integer() },
        { constraints: [{ type: 'check', name: 'stock_gte_0', check: { stock: lookup.gt(0) } }] },
      ),
    )
    assert.deepEqual(ops(await detect(version('stock_ok'), changed)), [
      'Remove constraint stock_ok from Product',
      'Add constraint stock_gte_0 on Product',
    ])
  })
})
