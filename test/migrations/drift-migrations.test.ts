/**
 * `checkSchema` end to end on SQLite, PostgreSQL and MariaDB: migration files in a temporary
 * directory, a record table saying which ran, and tables in the database. Only the migrations
 * recorded as applied count (in full, in part after a failed run, or not at all), and a record
 * table that cannot be read is a clear error.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import {
  checkSchema,
  defineModule,
  field,
  type MigrationModule,
  MigrationRecorder,
  op,
  renderMigration,
} from '../../src/migrations/index.ts'
import { createDatabase, createTables, type Database, dropTables } from '../../src/orm/index.ts'
import { DIALECT_URLS, DIALECTS } from '../orm/support/dialects.ts'
import { requireService } from '../support/services.ts'
import { importFrom, initialMigration, models, TABLES } from './drift-models.ts'

const RECORD = 'mg_drift_record'
const mine = (name: string) => name.startsWith('mg_drift_')
/** `0002_tag_color`: two operations, so a run can stop between them. */
function second(): string {
  return renderMigration({
    module: 'mgdrift',
    dependencies: ['0001_initial'],
    operations: [
      op.addField({
        model: 'Tag',
        name: 'color',
        field: field.string({ maxLength: 20, null: true }),
      }),
      op.addIndex({ model: 'Tag', index: { name: 'mg_drift_tag_color', fields: ['color'] } }),
    ],
    importFrom,
  })
}

const q = (db: Database, name: string) => (db.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`)

async function run(db: Database, sql: string, params: unknown[] = []): Promise<void> {
  await db.execute({ sql, params, returnsRows: false })
}

async function record(db: Database, name: string, done: number | null = null): Promise<void> {
  await new MigrationRecorder(db, RECORD).recordApplied('mgdrift', name, done ?? undefined)
}

async function resetRecord(db: Database): Promise<void> {
  await run(db, `DROP TABLE IF EXISTS ${q(db, RECORD)}`)
  await new MigrationRecorder(db, RECORD).ensureTable()
}

const SERVICE = { postgres: 'postgres', mysql: 'mariadb' } as const

describe('checkSchema with migration files', () => {
  let root: string
  let oneMigration: MigrationModule
  let twoMigrations: MigrationModule
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mg-drift-'))
    const dirA = join(root, 'a')
    const dirB = join(root, 'b')
    mkdirSync(dirA)
    mkdirSync(dirB)
    writeFileSync(join(dirA, '0001_initial.ts'), initialMigration())
    writeFileSync(join(dirB, '0001_initial.ts'), initialMigration())
    writeFileSync(join(dirB, '0002_tag_color.ts'), second())
    oneMigration = defineModule({ name: 'mgdrift', models, migrations: dirA })
    twoMigrations = defineModule({ name: 'mgdrift', models, migrations: dirB })
  })
  after(() => rmSync(root, { recursive: true, force: true }))

  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      let db: Database | undefined
      const open = async (t: TestContext) => {
        if (dialect !== 'sqlite' && !(await requireService(t, SERVICE[dialect]))) return undefined
        db ??= createDatabase(DIALECT_URLS[dialect])
        await run(db, `DROP TABLE IF EXISTS ${q(db, RECORD)}`)
        await dropTables(db, models)
        await createTables(db, models)
        return db
      }
      after(async () => {
        if (!db) return
        await run(db, `DROP TABLE IF EXISTS ${q(db, RECORD)}`)
        await dropTables(db, models)
        await db.close()
      })
      const check = (database: Database, module: MigrationModule) =>
        checkSchema(database, { modules: [module], table: RECORD, tables: mine })

      it('without a record table, nothing is applied and every model table is extra', async (t) => {
        const database = await open(t)
        if (!database) return
        const result = await check(database, oneMigration)
        assert.deepEqual(result.applied, [])
        assert.deepEqual(result.pending, ['mgdrift.0001_initial'])
        assert.equal(result.tables, 0)
        assert.deepEqual(
          result.drift.map((i) => [i.kind, i.table]),
          [...TABLES].sort().map((table) => ['extra-table', table]),
        )
        assert.match(result.drift[0]!.message, /no applied migration creates it/)
      })

      it('replays the recorded migration and finds no drift', async (t) => {
        const database = await open(t)
        if (!database) return
        await resetRecord(database)
        await record(database, '0001_initial')
        const result = await check(database, oneMigration)
        assert.deepEqual(result.drift, [])
        assert.deepEqual(result.applied, ['mgdrift.0001_initial'])
        assert.deepEqual(result.pending, [])
        assert.equal(result.tables, 5)
      })

      it('leaves unapplied migrations out, and reports what an applied one did not do', async (t) => {
        const database = await open(t)
        if (!database) return
        await resetRecord(database)
        await record(database, '0001_initial')
        let result = await check(database, twoMigrations)
        assert.deepEqual(result.drift, [])
        assert.deepEqual(result.pending, ['mgdrift.0002_tag_color'])

        await record(database, '0002_tag_color')
        result = await check(database, twoMigrations)
        assert.deepEqual(result.applied, ['mgdrift.0001_initial', 'mgdrift.0002_tag_color'])
        assert.deepEqual(
          result.drift.map((i) => [i.kind, i.table, i.name]),
          [
            ['missing-column', 'mg_drift_tag', 'color'],
            ['missing-index', 'mg_drift_tag', 'mg_drift_tag_color'],
          ],
        )
        assert.equal(
          result.drift[0]!.message,
          'Column mg_drift_tag.color is missing from the database; the migrations have it as varchar(20) NULL.',
        )
      })

      it('compares a migration stopped part-way with the operations that ran', async (t) => {
        const database = await open(t)
        if (!database) return
        await resetRecord(database)
        await record(database, '0001_initial')
        await record(database, '0002_tag_color', 1)
        await run(
          database,
          `ALTER TABLE ${q(database, 'mg_drift_tag')} ADD COLUMN color varchar(20) NULL`,
        )
        const result = await check(database, twoMigrations)
        assert.deepEqual(result.partial, ['mgdrift.0002_tag_color'])
        assert.deepEqual(result.applied, ['mgdrift.0001_initial'])
        assert.deepEqual(result.drift, [])
      })

      it('refuses a record table without module and name columns', async (t) => {
        const database = await open(t)
        if (!database) return
        await run(database, `DROP TABLE IF EXISTS ${q(database, RECORD)}`)
        await run(database, `CREATE TABLE ${q(database, RECORD)} (id integer, label varchar(20))`)
        await assert.rejects(check(database, oneMigration), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'PLINTH_MIGRATIONS_RECORD_UNREADABLE')
          assert.match(e.message, /mg_drift_record.*columns module, name/s)
          return true
        })
      })
    })
  }

  it('needs modules or a state', async () => {
    const db = createDatabase('sqlite::memory:')
    try {
      await assert.rejects(
        checkSchema(db, {} as never),
        (e: Error & { code?: string }) =>
          e.code === 'PLINTH_MIGRATIONS_CONFIG_INVALID' && /modules/.test(e.message),
      )
    } finally {
      await db.close()
    }
  })
})
