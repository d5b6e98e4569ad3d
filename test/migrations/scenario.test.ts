/**
 * The issue's scenario: a model walks through a realistic history with rows present (create, add
 * a field with a default, rename a field, change a type, add a foreign key, add an index, split a
 * model with a data migration), forwards one migration at a time and all the way back, on SQLite,
 * PostgreSQL and MariaDB. After every step the rows are read back and compared.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defineModule, migrate } from '../../src/migrations/index.ts'
import { createDatabase, type Database } from '../../src/orm/index.ts'
import { DIALECT_URLS, DIALECTS } from '../orm/support/dialects.ts'
import { requireService } from '../support/services.ts'

const scenario = defineModule({
  name: 'scn',
  models: [],
  migrations: new URL('./fixtures/scenario/migrations/', import.meta.url),
})
const TABLE = 'mg_scn_migrations'
const TABLES = ['mg_scn_item', 'mg_scn_category', 'mg_scn_supplier', TABLE]

async function rows(db: Database, sql: string): Promise<Record<string, unknown>[]> {
  // Drivers hand back null-prototype rows; compare plain objects.
  return (await db.execute({ sql, params: [], returnsRows: true })).rows.map((r) => ({ ...r }))
}

async function to(db: Database, name: string): Promise<void> {
  await migrate(db, { modules: [scenario], target: { module: 'scn', name }, table: TABLE })
}

async function columns(db: Database, table: string): Promise<string[]> {
  const found = await db.kysely.introspection.getTables()
  return (found.find((t) => t.name === table)?.columns ?? []).map((c) => c.name).sort()
}

async function reset(db: Database): Promise<void> {
  const q = (t: string) => (db.dialect === 'mysql' ? `\`${t}\`` : `"${t}"`)
  if (db.dialect === 'mysql')
    await db.execute({ sql: 'SET FOREIGN_KEY_CHECKS = 0', params: [], returnsRows: false })
  for (const t of TABLES)
    await db.execute({
      sql: `DROP TABLE IF EXISTS ${q(t)}${db.dialect === 'postgres' ? ' CASCADE' : ''}`,
      params: [],
      returnsRows: false,
    })
  if (db.dialect === 'mysql')
    await db.execute({ sql: 'SET FOREIGN_KEY_CHECKS = 1', params: [], returnsRows: false })
}

const ITEMS = [
  ['Oak desk', 249, 'Nordwood'],
  ['Desk lamp', 39, 'Lumen & Co'],
  ["Walnut 'tray'", 45, 'Nordwood'],
] as const

for (const dialect of DIALECTS) {
  describe(`migration history scenario on ${dialect}`, () => {
    it('walks forwards and back with every row intact', async (t) => {
      if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return
      if (dialect === 'mysql' && !(await requireService(t, 'mariadb'))) return
      const db = createDatabase(DIALECT_URLS[dialect])
      try {
        await reset(db)
        await to(db, '0001_initial')
        for (const [title, price, supplier] of ITEMS) {
          await db.execute({
            sql:
              db.dialect === 'postgres'
                ? 'INSERT INTO "mg_scn_item" ("title", "price", "supplier") VALUES ($1, $2, $3)'
                : `INSERT INTO ${db.dialect === 'mysql' ? '`mg_scn_item`' : '"mg_scn_item"'} (title, price, supplier) VALUES (?, ?, ?)`,
            params: [title, price, supplier],
            returnsRows: false,
          })
        }
        const items = async (cols: string) =>
          (await rows(db, `SELECT ${cols} FROM mg_scn_item ORDER BY id`)).map((r) =>
            Object.fromEntries(
              Object.entries(r).map(([k, v]) => [
                k,
                typeof v === 'bigint' || (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v))
                  ? Number(v)
                  : v,
              ]),
            ),
          )

        await to(db, '0002_item_stock')
        assert.deepEqual(
          await items('title, stock'),
          ITEMS.map(([title]) => ({ title, stock: 0 })),
        )

        await to(db, '0003_rename_title')
        assert.ok((await columns(db, 'mg_scn_item')).includes('name'))
        assert.ok(!(await columns(db, 'mg_scn_item')).includes('title'))
        assert.deepEqual(
          await items('name, price'),
          ITEMS.map(([name, price]) => ({ name, price })),
        )

        await to(db, '0004_price_decimal')
        assert.deepEqual(
          (await items('price')).map((r) => r.price),
          ITEMS.map(([, price]) => price),
        )

        await to(db, '0006_item_name_index')
        assert.deepEqual(await columns(db, 'mg_scn_category'), ['id', 'name'])
        assert.deepEqual(
          (await items('category_id')).map((r) => r.category_id),
          [null, null, null],
        )

        await to(db, '0009_remove_supplier_text')
        assert.ok(!(await columns(db, 'mg_scn_item')).includes('supplier'))
        const suppliers = await rows(db, 'SELECT id, name FROM mg_scn_supplier ORDER BY name')
        assert.deepEqual(
          suppliers.map((s) => s.name),
          ['Lumen & Co', 'Nordwood'],
        )
        const joined = await rows(
          db,
          'SELECT i.name AS item, s.name AS supplier FROM mg_scn_item i JOIN mg_scn_supplier s ON s.id = i.vendor_id ORDER BY i.id',
        )
        assert.deepEqual(
          joined,
          ITEMS.map(([item, , supplier]) => ({ item, supplier })),
        )

        // And all the way back, one step at a time.
        await to(db, '0008_split_supplier')
        assert.deepEqual(
          (await items('supplier')).map((r) => r.supplier),
          ['', '', ''],
        )
        await to(db, '0007_supplier_model')
        assert.deepEqual(
          await items('name, supplier'),
          ITEMS.map(([name, , supplier]) => ({ name, supplier })),
        )
        await to(db, '0005_category')
        assert.ok(!(await columns(db, 'mg_scn_item')).includes('vendor_id'))
        await to(db, '0003_rename_title')
        assert.deepEqual(await columns(db, 'mg_scn_category'), [])
        assert.deepEqual(
          await items('name, price'),
          ITEMS.map(([name, price]) => ({ name, price })),
        )
        await to(db, '0001_initial')
        assert.deepEqual(await columns(db, 'mg_scn_item'), ['id', 'price', 'supplier', 'title'])
        assert.deepEqual(
          await items('title, supplier'),
          ITEMS.map(([title, , supplier]) => ({ title, supplier })),
        )
        await migrate(db, {
          modules: [scenario],
          target: { module: 'scn', name: 'zero' },
          table: TABLE,
        })
        assert.deepEqual(await columns(db, 'mg_scn_item'), [])
      } finally {
        await reset(db).catch(() => {})
        await db.close()
      }
    })
  })
}
