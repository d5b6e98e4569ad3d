/**
 * Schema drift on SQLite, PostgreSQL and MariaDB: tables made by `createTables` match the state
 * of the same models exactly, and each change made by hand afterwards is reported, exactly once
 * and nothing else. Tables are `mg_drift_*`; the check is limited to them because other test
 * files use the same server databases at the same time.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it, type TestContext } from 'node:test'
import { checkSchema, type DriftItem, ProjectState } from '../../src/migrations/index.ts'
import type { DialectName } from '../../src/orm/connection/types.ts'
import { createDatabase, createTables, type Database, dropTables } from '../../src/orm/index.ts'
import { DIALECT_URLS, DIALECTS } from '../orm/support/dialects.ts'
import { requireService } from '../support/services.ts'
import { models } from './drift-models.ts'

const mine = (name: string) => name.startsWith('mg_drift_')
const STRAY = 'mg_drift_stray'

async function run(db: Database, sql: string): Promise<void> {
  await db.execute({ sql, params: [], returnsRows: false })
}

const q = (db: Database, name: string) => (db.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`)

/**
 * SQLite cannot alter columns or constraints in place: rebuild `table` from its own CREATE
 * statement, edited, and put its indexes back.
 */
async function rebuild(db: Database, table: string, edit: (sql: string) => string): Promise<void> {
  const { rows } = await db.execute({
    sql: 'SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL',
    params: [table],
    returnsRows: true,
  })
  const create = String(rows.find((r) => r.type === 'table')!.sql)
  const edited = edit(create)
  assert.notEqual(edited, create, 'the edit must change the table')
  await run(db, 'PRAGMA foreign_keys = OFF')
  await run(db, `DROP TABLE "${table}"`)
  await run(db, edited)
  for (const r of rows) if (r.type === 'index') await run(db, String(r.sql))
  await run(db, 'PRAGMA foreign_keys = ON')
}

/** Drift items reduced to what identifies them. */
const brief = (items: readonly DriftItem[]) =>
  items.map((i) => ({ kind: i.kind, table: i.table, ...(i.name ? { name: i.name } : {}) }))

async function check(db: Database, strict = false) {
  return checkSchema(db, { state: ProjectState.fromModels(models), tables: mine, strict })
}

type Change = Record<DialectName, (db: Database) => Promise<void>>

const sameEverywhere = (sql: (db: Database) => string): Change => {
  const change = (db: Database) => run(db, sql(db))
  return { sqlite: change, postgres: change, mysql: change }
}

/** A hand-made change per dialect and the drift it must produce. */
const SCENARIOS: Array<{ name: string; change: Change; drift: ReturnType<typeof brief> }> = [
  {
    name: 'a column added by hand',
    change: sameEverywhere(
      (db) => `ALTER TABLE ${q(db, 'mg_drift_tag')} ADD COLUMN ${q(db, 'color')} varchar(20) NULL`,
    ),
    drift: [{ kind: 'extra-column', table: 'mg_drift_tag', name: 'color' }],
  },
  {
    name: 'a dropped index',
    change: {
      sqlite: (db) => run(db, 'DROP INDEX "ix_mg_drift_product__name__price"'),
      postgres: (db) => run(db, 'DROP INDEX "ix_mg_drift_product__name__price"'),
      mysql: (db) => run(db, 'DROP INDEX `ix_mg_drift_product__name__price` ON `mg_drift_product`'),
    },
    drift: [
      {
        kind: 'missing-index',
        table: 'mg_drift_product',
        name: 'ix_mg_drift_product__name__price',
      },
    ],
  },
  {
    name: 'an index added by hand',
    change: sameEverywhere(
      (db) =>
        `CREATE INDEX ${q(db, 'mg_drift_handmade')} ON ${q(db, 'mg_drift_tag')} (${q(db, 'tag_label')})`,
    ),
    drift: [{ kind: 'extra-index', table: 'mg_drift_tag', name: 'mg_drift_handmade' }],
  },
  {
    name: 'a changed column type',
    change: {
      sqlite: (db) =>
        rebuild(db, 'mg_drift_product', (s) =>
          s.replace('"price" decimal(10, 2)', '"price" numeric(8,2)'),
        ),
      postgres: (db) =>
        run(db, 'ALTER TABLE "mg_drift_product" ALTER COLUMN "price" TYPE numeric(8,2)'),
      mysql: (db) => run(db, 'ALTER TABLE `mg_drift_product` MODIFY `price` decimal(8,2) NOT NULL'),
    },
    drift: [{ kind: 'type-mismatch', table: 'mg_drift_product', name: 'price' }],
  },
  {
    name: 'a column made nullable',
    change: {
      sqlite: (db) =>
        rebuild(db, 'mg_drift_tag', (s) =>
          s.replace('"tag_label" varchar(30) NOT NULL', '"tag_label" varchar(30) NULL'),
        ),
      postgres: (db) =>
        run(db, 'ALTER TABLE "mg_drift_tag" ALTER COLUMN "tag_label" DROP NOT NULL'),
      mysql: (db) => run(db, 'ALTER TABLE `mg_drift_tag` MODIFY `tag_label` varchar(30) NULL'),
    },
    drift: [{ kind: 'nullability-mismatch', table: 'mg_drift_tag', name: 'tag_label' }],
  },
  {
    name: 'a dropped foreign key',
    change: {
      sqlite: (db) =>
        rebuild(db, 'mg_drift_product_tags', (s) =>
          s.replace(
            ',\n  CONSTRAINT "fk_mg_drift_product_tags__tag_id" FOREIGN KEY ("tag_id") REFERENCES "mg_drift_tag" ("id") ON DELETE CASCADE',
            '',
          ),
        ),
      postgres: (db) =>
        run(
          db,
          'ALTER TABLE "mg_drift_product_tags" DROP CONSTRAINT "fk_mg_drift_product_tags__tag_id"',
        ),
      mysql: (db) =>
        run(
          db,
          'ALTER TABLE `mg_drift_product_tags` DROP FOREIGN KEY `fk_mg_drift_product_tags__tag_id`',
        ),
    },
    drift: [
      {
        kind: 'missing-foreign-key',
        table: 'mg_drift_product_tags',
        name: 'fk_mg_drift_product_tags__tag_id',
      },
    ],
  },
  {
    name: 'a foreign key with another ON DELETE rule',
    change: {
      sqlite: (db) =>
        rebuild(db, 'mg_drift_product', (s) =>
          s.replace(
            'REFERENCES "mg_drift_category" ("id") ON DELETE CASCADE',
            'REFERENCES "mg_drift_category" ("id") ON DELETE RESTRICT',
          ),
        ),
      postgres: async (db) => {
        await run(
          db,
          'ALTER TABLE "mg_drift_product" DROP CONSTRAINT "fk_mg_drift_product__cat_id"',
        )
        await run(
          db,
          'ALTER TABLE "mg_drift_product" ADD CONSTRAINT "fk_mg_drift_product__cat_id" FOREIGN KEY ("cat_id") REFERENCES "mg_drift_category" ("id") ON DELETE RESTRICT',
        )
      },
      mysql: async (db) => {
        await run(
          db,
          'ALTER TABLE `mg_drift_product` DROP FOREIGN KEY `fk_mg_drift_product__cat_id`',
        )
        await run(
          db,
          'ALTER TABLE `mg_drift_product` ADD CONSTRAINT `fk_mg_drift_product__cat_id` FOREIGN KEY (`cat_id`) REFERENCES `mg_drift_category` (`id`) ON DELETE RESTRICT',
        )
      },
    },
    drift: [
      {
        kind: 'foreign-key-mismatch',
        table: 'mg_drift_product',
        name: 'fk_mg_drift_product__cat_id',
      },
    ],
  },
  {
    name: 'a dropped unique constraint',
    change: {
      sqlite: (db) =>
        rebuild(db, 'mg_drift_category', (s) =>
          s.replace(',\n  CONSTRAINT "uq_mg_drift_category__name" UNIQUE ("name")', ''),
        ),
      postgres: (db) =>
        run(db, 'ALTER TABLE "mg_drift_category" DROP CONSTRAINT "uq_mg_drift_category__name"'),
      mysql: (db) =>
        run(db, 'ALTER TABLE `mg_drift_category` DROP INDEX `uq_mg_drift_category__name`'),
    },
    drift: [
      { kind: 'missing-unique', table: 'mg_drift_category', name: 'uq_mg_drift_category__name' },
    ],
  },
  {
    name: 'a dropped check constraint',
    change: {
      sqlite: (db) =>
        rebuild(db, 'mg_drift_product', (s) =>
          s.replace(`,\n  CONSTRAINT "mg_drift_product_price_positive" CHECK ("price" >= '0')`, ''),
        ),
      postgres: (db) =>
        run(db, 'ALTER TABLE "mg_drift_product" DROP CONSTRAINT "mg_drift_product_price_positive"'),
      mysql: (db) =>
        run(db, 'ALTER TABLE `mg_drift_product` DROP CONSTRAINT `mg_drift_product_price_positive`'),
    },
    drift: [
      { kind: 'missing-check', table: 'mg_drift_product', name: 'mg_drift_product_price_positive' },
    ],
  },
  {
    name: 'a dropped table',
    change: sameEverywhere((db) => `DROP TABLE ${q(db, 'mg_drift_detail')}`),
    drift: [{ kind: 'missing-table', table: 'mg_drift_detail' }],
  },
]

const SERVICE = { postgres: 'postgres', mysql: 'mariadb' } as const

for (const dialect of DIALECTS) {
  describe(`schema drift on ${dialect}`, () => {
    let db: Database | undefined
    const ready = async (t: TestContext): Promise<Database | undefined> => {
      if (dialect !== 'sqlite' && !(await requireService(t, SERVICE[dialect]))) return undefined
      return db
    }
    const reset = async (database: Database) => {
      await run(database, `DROP TABLE IF EXISTS ${q(database, STRAY)}`)
      await dropTables(database, models)
      await createTables(database, models)
    }
    before(async () => {
      db = createDatabase(DIALECT_URLS[dialect])
    })
    beforeEach(async () => {
      // A server that is down leaves the tests to skip (or fail in CI) through `ready`.
      if (db && (dialect === 'sqlite' || (await canConnect(db)))) await reset(db)
    })
    after(async () => {
      if (!db) return
      if (dialect === 'sqlite' || (await canConnect(db))) {
        await run(db, `DROP TABLE IF EXISTS ${q(db, STRAY)}`)
        await dropTables(db, models)
      }
      await db.close()
    })

    it('finds no drift between createTables and the same models', async (t) => {
      const database = await ready(t)
      if (!database) return
      const result = await check(database)
      assert.deepEqual(brief(result.drift), [])
      assert.equal(result.tables, 5)
    })

    for (const scenario of SCENARIOS) {
      it(`reports ${scenario.name}`, async (t) => {
        const database = await ready(t)
        if (!database) return
        await scenario.change[dialect](database)
        const result = await check(database)
        assert.deepEqual(brief(result.drift), scenario.drift)
      })
    }

    it('says what differs in words, with both sides', async (t) => {
      const database = await ready(t)
      if (!database) return
      await SCENARIOS.find((s) => s.name === 'a changed column type')!.change[dialect](database)
      const [item] = (await check(database)).drift
      const expected = {
        sqlite: 'decimal(10, 2)',
        postgres: 'numeric(10, 2)',
        mysql: 'decimal(10, 2)',
      }
      const actual = { sqlite: 'numeric(8,2)', postgres: 'numeric(8,2)', mysql: 'decimal(8,2)' }
      assert.equal(item?.expected, expected[dialect])
      assert.equal(item?.actual, actual[dialect])
      assert.equal(
        item?.message,
        `mg_drift_product.price is ${actual[dialect]} in the database but ${expected[dialect]} in the migrations.`,
      )
    })

    it('reports a table nothing knows only when strict', async (t) => {
      const database = await ready(t)
      if (!database) return
      await run(database, `CREATE TABLE ${q(database, STRAY)} (id integer)`)
      assert.deepEqual(brief((await check(database)).drift), [])
      const strict = await check(database, true)
      assert.deepEqual(brief(strict.drift), [{ kind: 'unknown-table', table: STRAY }])
      assert.match(strict.drift[0]!.message, /no model or migration knows it/)
    })
  })
}

async function canConnect(db: Database): Promise<boolean> {
  try {
    await db.execute({ sql: 'SELECT 1', params: [], returnsRows: true })
    return true
  } catch {
    return false
  }
}
