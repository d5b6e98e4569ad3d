import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type AnyField, field } from '../orm/fields.ts'
import { lookup } from '../orm/query/lookup.ts'
import type { Operation } from './operations/base.ts'
import { op } from './operations/index.ts'
import { canonicalState, optimize } from './optimizer.ts'
import { ProjectState } from './state.ts'

const replayed = (ops: readonly Operation[], start = new ProjectState()) => {
  const state = start.clone()
  for (const o of ops) o.applyState(state, 'app')
  return canonicalState(state)
}
const codes = (ops: readonly Operation[]) => ops.map((o) => o.toCode('app'))

/** Optimize, check the state is unchanged and the result is `expected`. */
function check(ops: Operation[], expected: Operation[], start?: ProjectState): Operation[] {
  const out = optimize(ops, 'app', start ? { state: start } : {})
  assert.equal(
    replayed(out, start),
    replayed(ops, start),
    'the optimized list leaves another state',
  )
  assert.deepEqual(codes(out), codes(expected))
  return out
}

const product = (extra: Record<string, ReturnType<typeof field.integer>> = {}) =>
  op.createModel({
    name: 'Product',
    fields: { id: field.autoId(), name: field.string({ maxLength: 80 }), ...extra },
  })
const category = () =>
  op.createModel({
    name: 'Category',
    fields: { id: field.autoId(), title: field.string({ maxLength: 40 }) },
  })
/** A state where Product and Category exist already (migrations before the list). */
const existing = () => {
  const state = new ProjectState()
  for (const o of [category(), product({ stock: field.integer({ default: 0 }) })])
    o.applyState(state, 'app')
  return state
}
const stock = (options: Parameters<typeof field.integer>[0] = {}) => field.integer(options)

describe('optimize(): createModel absorbs later changes of its model', () => {
  it('folds addField (dropping fill: a new table has no rows), alterField and removeField', () => {
    check(
      [
        product(),
        op.addField({ model: 'Product', name: 'stock', field: stock(), fill: 0 }),
        op.alterField({ model: 'Product', name: 'name', field: field.string({ maxLength: 120 }) }),
        op.addField({ model: 'Product', name: 'sku', field: field.string({ maxLength: 20 }) }),
        op.removeField({ model: 'Product', name: 'sku' }),
      ],
      [
        op.createModel({
          name: 'Product',
          fields: { id: field.autoId(), name: field.string({ maxLength: 120 }), stock: stock() },
        }),
      ],
    )
  })

  it('folds renameField into the field and the indexes and constraints that name it', () => {
    check(
      [
        product({ stock: stock() }),
        op.addIndex({ model: 'Product', index: { name: 'ix_stock', fields: ['-stock'] } }),
        op.addConstraint({
          model: 'Product',
          constraint: { type: 'check', name: 'stock_positive', check: { stock: lookup.gte(0) } },
        }),
        op.renameField({ model: 'Product', from: 'stock', to: 'quantity' }),
      ],
      [
        op.createModel({
          name: 'Product',
          fields: { id: field.autoId(), name: field.string({ maxLength: 80 }), quantity: stock() },
          indexes: [{ name: 'ix_stock', fields: ['-quantity'] }],
          constraints: [
            { type: 'check', name: 'stock_positive', check: { quantity: lookup.gte(0) } },
          ],
        }),
      ],
    )
  })

  it('folds index and constraint removals, a table change and a model rename', () => {
    check(
      [
        product(),
        op.addIndex({ model: 'Product', index: { name: 'ix_name', fields: ['name'] } }),
        op.addConstraint({
          model: 'Product',
          constraint: { type: 'unique', name: 'uq_name', fields: ['name'] },
        }),
        op.removeIndex({ model: 'Product', name: 'ix_name' }),
        op.alterModelTable({ name: 'Product', table: 'shop_product' }),
        op.renameModel({ from: 'Product', to: 'Item' }),
      ],
      [
        op.createModel({
          name: 'Item',
          table: 'shop_product',
          fields: { id: field.autoId(), name: field.string({ maxLength: 80 }) },
          constraints: [{ type: 'unique', name: 'uq_name', fields: ['name'] }],
        }),
      ],
    )
  })

  it('keeps removeField apart when an index of the new model still names the field', () => {
    const ops = [
      op.createModel({
        name: 'Product',
        fields: { id: field.autoId(), sku: field.string({ maxLength: 20 }) },
        indexes: [{ name: 'ix_sku', fields: ['sku'] }],
      }),
      op.removeField({ model: 'Product', name: 'sku' }),
    ]
    check(ops, ops)
  })

  it('cancels createModel … deleteModel, also across unrelated operations', () => {
    check(
      [
        product(),
        category(),
        op.addField({ model: 'Category', name: 'rank', field: stock() }),
        op.deleteModel({ name: 'Product' }),
      ],
      [
        op.createModel({
          name: 'Category',
          fields: { id: field.autoId(), title: field.string({ maxLength: 40 }), rank: stock() },
        }),
      ],
    )
  })

  it('does not cancel a model another model still points at', () => {
    const ops = [
      category(),
      op.createModel({
        name: 'Product',
        fields: {
          id: field.autoId(),
          category: field.foreignKey('Category', { onDelete: 'cascade' }),
        },
      }),
      op.deleteModel({ name: 'Category' }),
    ]
    check(ops, ops)
  })

  it('moves a field change past a model that points at the model, but not one aimed at that field', () => {
    const fk = (options: Record<string, unknown> = {}) =>
      op.createModel({
        name: 'Product',
        fields: {
          id: field.autoId(),
          category: field.foreignKey('Category', { onDelete: 'cascade', ...options }),
        },
      })
    check(
      [category(), fk(), op.addField({ model: 'Category', name: 'rank', field: stock() })],
      [
        op.createModel({
          name: 'Category',
          fields: { id: field.autoId(), title: field.string({ maxLength: 40 }), rank: stock() },
        }),
        fk(),
      ],
    )
    const aimed = [
      category(),
      fk({ toField: 'title' }),
      op.alterField({ model: 'Category', name: 'title', field: field.string({ maxLength: 50 }) }),
    ]
    check(aimed, aimed)
  })

  it('moves nothing across runSql or runCode', () => {
    for (const barrier of [
      op.runSql({ sql: 'select 1', elidable: true }),
      op.runCode({ forward: () => {} }),
    ]) {
      const ops = [
        product(),
        barrier,
        op.addField({ model: 'Product', name: 'stock', field: stock() }),
      ]
      check(ops, ops)
    }
  })
})

describe('optimize(): field rules', () => {
  it('folds addField + alterField; rows keep the value they would have had', () => {
    const nullable = op.addField({ model: 'Product', name: 'rank', field: stock({ null: true }) })
    check(
      [nullable, op.alterField({ model: 'Product', name: 'rank', field: stock(), fill: 5 })],
      [op.addField({ model: 'Product', name: 'rank', field: stock(), fill: 5 })],
      existing(),
    )
    check(
      [
        nullable,
        op.alterField({ model: 'Product', name: 'rank', field: stock({ null: true, default: 3 }) }),
      ],
      [
        op.addField({
          model: 'Product',
          name: 'rank',
          field: stock({ null: true, default: 3 }),
          fill: null,
        }),
      ],
      existing(),
    )
    check(
      [
        op.addField({ model: 'Product', name: 'rank', field: stock({ default: 1 }) }),
        op.alterField({ model: 'Product', name: 'rank', field: stock({ default: 2 }) }),
      ],
      [op.addField({ model: 'Product', name: 'rank', field: stock({ default: 2 }), fill: 1 })],
      existing(),
    )
  })

  it('keeps addField + alterField apart when the value would change type or nullability', () => {
    const typed = [
      op.addField({ model: 'Product', name: 'rank', field: stock(), fill: 0 }),
      op.alterField({ model: 'Product', name: 'rank', field: field.string({ maxLength: 9 }) }),
    ]
    check(typed, typed, existing())
    const nulled = [
      op.addField({ model: 'Product', name: 'rank', field: stock(), fill: 0 }),
      op.alterField({ model: 'Product', name: 'rank', field: stock({ null: true }) }),
    ]
    check(nulled, nulled, existing())
  })

  it('cancels addField + removeField and folds addField + renameField', () => {
    check(
      [
        op.addField({ model: 'Product', name: 'rank', field: stock(), fill: 0 }),
        op.addField({ model: 'Category', name: 'rank', field: stock(), fill: 0 }),
        op.removeField({ model: 'Product', name: 'rank' }),
        op.renameField({ model: 'Category', from: 'rank', to: 'position' }),
      ],
      [op.addField({ model: 'Category', name: 'position', field: stock(), fill: 0 })],
      existing(),
    )
  })

  it('keeps the field order: a later addField on the model does not move earlier', () => {
    check(
      [
        op.addField({ model: 'Product', name: 'a', field: stock(), fill: 0 }),
        op.addField({ model: 'Product', name: 'b', field: stock(), fill: 0 }),
        op.alterField({ model: 'Product', name: 'a', field: stock({ default: 4 }) }),
      ],
      [
        op.addField({ model: 'Product', name: 'a', field: stock({ default: 4 }), fill: 0 }),
        op.addField({ model: 'Product', name: 'b', field: stock(), fill: 0 }),
      ],
      existing(),
    )
  })

  it('keeps the last of two alterFields when the first loses nothing', () => {
    check(
      [
        op.alterField({ model: 'Product', name: 'name', field: field.string({ maxLength: 100 }) }),
        op.alterField({ model: 'Product', name: 'name', field: field.text() }),
      ],
      [op.alterField({ model: 'Product', name: 'name', field: field.text() })],
      existing(),
    )
    // NULLs filled by the first change stay filled: the type may not change after, and the
    // fill carries over.
    const nullable = existing()
    op.alterField({ model: 'Product', name: 'stock', field: stock({ null: true }) }).applyState(
      nullable,
      'app',
    )
    check(
      [
        op.alterField({ model: 'Product', name: 'stock', field: stock(), fill: 7 }),
        op.alterField({ model: 'Product', name: 'stock', field: field.bigint() }),
      ],
      [
        op.alterField({ model: 'Product', name: 'stock', field: stock(), fill: 7 }),
        op.alterField({ model: 'Product', name: 'stock', field: field.bigint() }),
      ],
      nullable,
    )
    check(
      [
        op.alterField({ model: 'Product', name: 'stock', field: stock(), fill: 7 }),
        op.alterField({ model: 'Product', name: 'stock', field: stock({ default: 1 }) }),
      ],
      [op.alterField({ model: 'Product', name: 'stock', field: stock({ default: 1 }), fill: 7 })],
      nullable,
    )
  })

  it('keeps two alterFields apart when the first one narrows, or without a known old field', () => {
    const narrowing = [
      op.alterField({ model: 'Product', name: 'name', field: field.string({ maxLength: 10 }) }),
      op.alterField({ model: 'Product', name: 'name', field: field.string({ maxLength: 80 }) }),
    ]
    check(narrowing, narrowing, existing())
    assert.deepEqual(codes(optimize(narrowing, 'app')), codes(narrowing))
  })

  it('drops an alterField before a removeField of the same field', () => {
    check(
      [
        op.alterField({ model: 'Product', name: 'stock', field: field.bigint() }),
        op.removeField({ model: 'Product', name: 'stock' }),
      ],
      [op.removeField({ model: 'Product', name: 'stock' })],
      existing(),
    )
  })

  it('collapses renameField chains, and cancels a rename back', () => {
    check(
      [
        op.renameField({ model: 'Product', from: 'stock', to: 'qty' }),
        op.renameField({ model: 'Product', from: 'qty', to: 'quantity' }),
      ],
      [op.renameField({ model: 'Product', from: 'stock', to: 'quantity' })],
      existing(),
    )
    check(
      [
        op.renameField({ model: 'Product', from: 'stock', to: 'qty' }),
        op.renameField({ model: 'Product', from: 'qty', to: 'stock' }),
      ],
      [],
      existing(),
    )
  })
})

describe('optimize(): indexes, models', () => {
  it('cancels addIndex + removeIndex and addConstraint + removeConstraint', () => {
    check(
      [
        op.addIndex({ model: 'Product', index: { name: 'ix_stock', fields: ['stock'] } }),
        op.addField({ model: 'Product', name: 'rank', field: stock(), fill: 0 }),
        op.addConstraint({
          model: 'Product',
          constraint: { type: 'unique', name: 'uq_name', fields: ['name'] },
        }),
        op.removeIndex({ model: 'Product', name: 'ix_stock' }),
        op.removeConstraint({ model: 'Product', name: 'uq_name' }),
      ],
      [op.addField({ model: 'Product', name: 'rank', field: stock(), fill: 0 })],
      existing(),
    )
  })

  it('collapses renameModel chains and cancels a rename back', () => {
    check(
      [
        op.renameModel({ from: 'Product', to: 'Item' }),
        op.renameModel({ from: 'Item', to: 'Article' }),
      ],
      [op.renameModel({ from: 'Product', to: 'Article' })],
      existing(),
    )
    check(
      [
        op.renameModel({ from: 'Product', to: 'Item' }),
        op.renameModel({ from: 'Item', to: 'Product' }),
      ],
      [],
      existing(),
    )
  })

  it('drops changes of a model that is deleted afterwards', () => {
    check(
      [
        op.addField({ model: 'Product', name: 'rank', field: stock(), fill: 0 }),
        op.addIndex({ model: 'Product', index: { name: 'ix_stock', fields: ['stock'] } }),
        op.alterModelTable({ name: 'Product', table: 'items' }),
        op.deleteModel({ name: 'Product' }),
      ],
      [op.deleteModel({ name: 'Product' })],
      existing(),
    )
  })

  it('does not fold a rename into a createModel when an older model already points at the name', () => {
    const start = new ProjectState()
    op.createModel({
      name: 'Order',
      fields: { id: field.autoId(), item: field.foreignKey('Product', { onDelete: 'cascade' }) },
    }).applyState(start, 'app')
    const ops = [product(), op.renameModel({ from: 'Product', to: 'Item' })]
    check(ops, ops, start)
  })

  it('leaves operations on models it does not know where they are', () => {
    const ops = [
      op.addField({ model: 'Product', name: 'rank', field: stock(), fill: 0 }),
      op.removeField({ model: 'Product', name: 'rank' }),
    ]
    assert.deepEqual(codes(optimize(ops, 'app')), codes(ops))
  })
})

/** A small seeded random generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A random valid history: each operation is kept only if it applies to the state so far. */
function history(rand: () => number, length: number, state: ProjectState): Operation[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!
  const models = ['A', 'B', 'C', 'D']
  const names = ['f1', 'f2', 'f3', 'ref']
  const existing = () => state.models().map((m) => m.name)
  const fieldsOf = (model: string) =>
    [...(state.has(`app.${model}`) ? state.get(`app.${model}`).fields.keys() : [])].filter(
      (n) => n !== 'id',
    )
  const someField = (): AnyField => {
    const kind = rand()
    if (kind < 0.3)
      return field.integer({ null: rand() < 0.5, default: rand() < 0.5 ? 1 : undefined })
    if (kind < 0.6) return field.string({ maxLength: pick([10, 20, 40]), null: rand() < 0.3 })
    if (kind < 0.8) return field.text({ null: rand() < 0.5 })
    const target = existing().length > 0 ? pick(existing()) : 'A'
    return field.foreignKey(target, {
      onDelete: 'cascade',
      null: true,
      ...(rand() < 0.2 ? { toField: 'f1' } : {}),
    })
  }
  const out: Operation[] = []
  for (let tries = 0; out.length < length && tries < length * 20; tries++) {
    const model = existing().length > 0 && rand() < 0.85 ? pick(existing()) : pick(models)
    const fields = fieldsOf(model)
    const choices: (() => Operation)[] = [
      () =>
        op.createModel({
          name: model,
          fields: { id: field.autoId(), f1: field.integer({ null: true }) },
          ...(rand() < 0.3 ? { indexes: [{ name: `ix_${model}_f1`, fields: ['f1'] }] } : {}),
        }),
      () => op.deleteModel({ name: model }),
      () => op.renameModel({ from: model, to: pick(models) }),
      () => op.alterModelTable({ name: model, table: pick(['t1', 't2', model.toLowerCase()]) }),
      () => op.addField({ model, name: pick(names), field: someField(), fill: 0 }),
      () => op.addField({ model, name: pick(names), field: someField() }),
      () => op.removeField({ model, name: pick(fields) }),
      () =>
        op.alterField({
          model,
          name: pick(fields),
          field: someField(),
          ...(rand() < 0.5 ? { fill: 2 } : {}),
        }),
      () => op.renameField({ model, from: pick(fields), to: pick(names) }),
      () => op.addIndex({ model, index: { name: pick(['ix1', 'ix2']), fields: [pick(fields)] } }),
      () => op.removeIndex({ model, name: pick(['ix1', 'ix2', `ix_${model}_f1`]) }),
      () =>
        op.addConstraint({
          model,
          constraint:
            rand() < 0.5
              ? { type: 'unique', name: 'uq1', fields: [pick(fields)] }
              : { type: 'check', name: 'ck1', check: { [pick(fields)]: lookup.gte(0) } },
        }),
      () => op.removeConstraint({ model, name: pick(['uq1', 'ck1']) }),
    ]
    let operation: Operation
    try {
      operation = rand() < 0.04 ? op.runSql({ sql: 'select 1', elidable: true }) : pick(choices)()
      const trial = state.clone()
      operation.applyState(trial, 'app')
      operation.applyState(state, 'app')
    } catch {
      continue
    }
    out.push(operation)
  }
  return out
}

describe('optimize(): random histories', () => {
  it('never changes the state a history leaves, and never makes it longer', () => {
    let shortened = 0
    for (let seed = 1; seed <= 400; seed++) {
      const rand = random(seed)
      const state = new ProjectState()
      const prefix = history(rand, Math.floor(rand() * 6), state)
      const start = state.clone()
      const ops = history(rand, 4 + Math.floor(rand() * 16), state)
      const out = optimize(ops, 'app', { state: start })
      assert.ok(out.length <= ops.length, `seed ${seed} made the list longer`)
      assert.equal(
        replayed(out, start),
        replayed(ops, start),
        `seed ${seed} (prefix ${prefix.length})`,
      )
      assert.deepEqual(
        codes(optimize(out, 'app', { state: start })),
        codes(out),
        `seed ${seed}: not a fixpoint`,
      )
      if (out.length < ops.length) shortened++
    }
    assert.ok(shortened > 100, `only ${shortened} of 400 histories got shorter`)
  })
})
