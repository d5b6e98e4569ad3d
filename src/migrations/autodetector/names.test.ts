import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { field } from '../../orm/fields.ts'
import { op } from '../operations/index.ts'
import { autoName, nextNumber, suggestName, validName } from './names.ts'

const NOW = new Date('2025-03-14T09:05:00Z')

describe('suggestName()', () => {
  it('names a single operation after what it does', () => {
    const name = (o: Parameters<typeof suggestName>[0][number]) => suggestName([o], false, NOW)
    const f = field.integer({ null: true })
    assert.equal(name(op.addField({ model: 'Product', name: 'stock', field: f })), 'product_stock')
    assert.equal(
      name(op.addField({ model: 'OrderItem', name: 'unitPrice', field: f })),
      'order_item_unit_price',
    )
    assert.equal(name(op.removeField({ model: 'Product', name: 'sku' })), 'remove_product_sku')
    assert.equal(
      name(op.alterField({ model: 'Product', name: 'sku', field: f })),
      'alter_product_sku',
    )
    assert.equal(
      name(op.renameField({ model: 'Product', from: 'title', to: 'name' })),
      'rename_title_product_name',
    )
    assert.equal(name(op.createModel({ name: 'Product', fields: {} })), 'product')
    assert.equal(name(op.deleteModel({ name: 'Product' })), 'delete_product')
    assert.equal(name(op.renameModel({ from: 'Item', to: 'Product' })), 'rename_item_product')
    assert.equal(name(op.alterModelTable({ name: 'Product', table: 'p' })), 'alter_product_table')
    assert.equal(
      name(op.addIndex({ model: 'Product', index: { name: 'ix_product__sku', fields: ['sku'] } })),
      'product_ix_product_sku',
    )
    assert.equal(
      name(op.removeConstraint({ model: 'Product', name: 'uq_x' })),
      'remove_product_uq_x',
    )
    assert.equal(name(op.runSql({ sql: 'SELECT 1', reverse: '' })), 'auto_20250314_0905')
  })

  it('uses initial for a first migration, model names for several new models, else auto', () => {
    const create = (n: string) => op.createModel({ name: n, fields: {} })
    assert.equal(suggestName([create('Tag')], true, NOW), 'initial')
    assert.equal(suggestName([create('Tag'), create('Category')], false, NOW), 'category_tag')
    assert.equal(
      suggestName([create('Tag'), op.deleteModel({ name: 'Old' })], false, NOW),
      'auto_20250314_0905',
    )
    const long = 'A'.repeat(60)
    assert.equal(suggestName([op.deleteModel({ name: long })], false, NOW), autoName(NOW))
  })
})

describe('nextNumber() and validName()', () => {
  it('counts from the highest file number, 4 digits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plinth-names-'))
    try {
      assert.equal(nextNumber(join(dir, 'missing')), '0001')
      writeFileSync(join(dir, '0001_initial.ts'), '')
      writeFileSync(join(dir, '0007_x.ts'), '')
      writeFileSync(join(dir, 'notes.md'), '')
      assert.equal(nextNumber(dir), '0008')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('accepts lower-case names only', () => {
    assert.equal(validName('add_stock_2'), true)
    assert.equal(validName('Add Stock'), false)
    assert.equal(validName(''), false)
  })
})
