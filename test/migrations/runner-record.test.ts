/**
 * The record table and the migration lock on SQLite, PostgreSQL and MariaDB (no schema editor
 * involved: these are the runner's own pieces).
 */
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { advisoryLockKey, namedLock, withMigrationLock } from '../../src/migrations/lock.ts'
import { makeMigration } from '../../src/migrations/migration.ts'
import {
  MigrationRecorder,
  recordBackwards,
  recordForwards,
} from '../../src/migrations/recorder.ts'
import type { DialectName } from '../../src/orm/connection/types.ts'
import { createDatabase, type Database } from '../../src/orm/index.ts'
import { DIALECT_URLS, DIALECTS } from '../orm/support/dialects.ts'
import { requireService } from '../support/services.ts'

async function open(t: TestContext, dialect: DialectName): Promise<Database | undefined> {
  if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return undefined
  if (dialect === 'mysql' && !(await requireService(t, 'mariadb'))) return undefined
  return createDatabase(DIALECT_URLS[dialect])
}

async function drop(db: Database, table: string): Promise<void> {
  const q = db.dialect === 'mysql' ? `\`${table}\`` : `"${table}"`
  await db.execute({ sql: `DROP TABLE IF EXISTS ${q}`, params: [], returnsRows: false })
}

const code = (expected: string, pattern: RegExp) => (e: Error & { code?: string }) =>
  e.code === expected && pattern.test(e.message)

for (const dialect of DIALECTS) {
  describe(`migration record on ${dialect}`, () => {
    it('creates its table once and records applied, partial and unapplied migrations', async (t) => {
      const db = await open(t, dialect)
      if (!db) return
      const table = 'mg_rec_basic'
      try {
        await drop(db, table)
        const recorder = new MigrationRecorder(db, table)
        assert.equal(await recorder.exists(), false)
        assert.equal((await recorder.records()).size, 0, 'no table reads as nothing applied')
        await recorder.ensureTable()
        await recorder.ensureTable()
        assert.equal(await recorder.exists(), true)

        const before = Date.now()
        await recorder.recordApplied('app', '0001_initial')
        await recorder.recordApplied('app', '0002_stock', 1)
        let records = await recorder.records()
        assert.deepEqual([...records.keys()], ['app.0001_initial', 'app.0002_stock'])
        assert.equal(records.get('app.0001_initial')!.operationsDone, undefined)
        assert.equal(records.get('app.0002_stock')!.operationsDone, 1)
        const at = records.get('app.0001_initial')!.appliedAt
        assert.ok(at instanceof Date && Math.abs(at.getTime() - before) < 60_000, String(at))
        assert.deepEqual([...MigrationRecorder.appliedKeys(records)], ['app.0001_initial'])

        // Progress moves on, then the migration completes: still one row.
        await recorder.recordApplied('app', '0002_stock', 2)
        await recorder.recordApplied('app', '0002_stock', 2)
        assert.equal((await recorder.record('app', '0002_stock'))!.operationsDone, 2)
        await recorder.recordApplied('app', '0002_stock')
        records = await recorder.records()
        assert.equal(records.size, 2)
        assert.equal(records.get('app.0002_stock')!.operationsDone, undefined)

        await recorder.recordUnapplied('app', '0002_stock')
        assert.deepEqual([...(await recorder.records()).keys()], ['app.0001_initial'])
        assert.equal(await recorder.record('app', '0002_stock'), undefined)
      } finally {
        await drop(db, table).catch(() => {})
        await db.close()
      }
    })

    it('records squashed migrations together with the ones they replace', async (t) => {
      const db = await open(t, dialect)
      if (!db) return
      const table = 'mg_rec_squash'
      const m = (name: string, replaces: string[] = []) =>
        makeMigration('app', name, { operations: [], replaces })
      const all = [
        m('0001_initial'),
        m('0002_a'),
        m('0001_squashed_0002', ['0001_initial', '0002_a']),
      ]
      try {
        await drop(db, table)
        const recorder = new MigrationRecorder(db, table)
        await recorder.ensureTable()
        const keys = async () => [...(await recorder.records()).keys()].sort()

        await recordForwards(recorder, all[2]!, all)
        assert.deepEqual(await keys(), ['app.0001_initial', 'app.0001_squashed_0002', 'app.0002_a'])
        await recordBackwards(recorder, all[2]!, all)
        assert.deepEqual(await keys(), [])

        // Applying the originals one by one records the squash with the last of them.
        await recordForwards(recorder, all[0]!, all)
        assert.deepEqual(await keys(), ['app.0001_initial'])
        await recordForwards(recorder, all[1]!, all)
        assert.deepEqual(await keys(), ['app.0001_initial', 'app.0001_squashed_0002', 'app.0002_a'])
        // Unapplying an original forgets the squash.
        await recordBackwards(recorder, all[1]!, all)
        assert.deepEqual(await keys(), ['app.0001_initial'])
      } finally {
        await drop(db, table).catch(() => {})
        await db.close()
      }
    })

    it('refuses a record table name that is not a plain identifier', () => {
      const db = createDatabase('sqlite::memory:')
      assert.throws(
        () => new MigrationRecorder(db, 'x; DROP TABLE y'),
        code('PLINTH_MIGRATIONS_CONFIG_INVALID', /letters, digits and _/),
      )
      return db.close()
    })

    it('lets one holder at a time take the migration lock', async (t) => {
      const db = await open(t, dialect)
      if (!db) return
      try {
        if (dialect === 'sqlite') {
          // No session lock: each migration's BEGIN IMMEDIATE excludes other writers instead.
          assert.equal(await withMigrationLock(db, { table: 'mg_rec_lock' }, async () => 7), 7)
          return
        }
        const events: string[] = []
        let releaseFirst!: () => void
        const firstHolds = new Promise<void>((resolve) => {
          releaseFirst = resolve
        })
        let firstIn!: () => void
        const entered = new Promise<void>((resolve) => {
          firstIn = resolve
        })
        const first = withMigrationLock(db, { table: 'mg_rec_lock' }, async () => {
          events.push('first in')
          firstIn()
          await firstHolds
          events.push('first out')
        })
        await entered
        // Another table's lock is independent.
        assert.equal(await withMigrationLock(db, { table: 'mg_rec_other' }, async () => 1), 1)
        // A short wait gives up with a clear error, and leaves the holder alone.
        await assert.rejects(
          withMigrationLock(db, { table: 'mg_rec_lock', waitMs: 300, pollMs: 50 }, async () => {
            events.push('impatient in')
          }),
          code('PLINTH_MIGRATIONS_LOCKED', /Another migrate is running .*--lock-wait/),
        )
        const second = withMigrationLock(db, { table: 'mg_rec_lock', pollMs: 20 }, async () => {
          events.push('second in')
        })
        await new Promise((resolve) => setTimeout(resolve, 200))
        assert.deepEqual(events, ['first in'], 'the second waits while the first holds the lock')
        releaseFirst()
        await Promise.all([first, second])
        assert.deepEqual(events, ['first in', 'first out', 'second in'])
        // Released even when the work throws.
        await assert.rejects(
          withMigrationLock(db, { table: 'mg_rec_lock' }, async () => {
            throw new Error('boom')
          }),
          /boom/,
        )
        assert.equal(
          await withMigrationLock(db, { table: 'mg_rec_lock', waitMs: 0 }, async () => 'free'),
          'free',
        )
      } finally {
        await db.close()
      }
    })
  })
}

describe('lock names', () => {
  it('derive a stable key per record table that fits each database', () => {
    assert.equal(advisoryLockKey('plinth_migrations'), advisoryLockKey('plinth_migrations'))
    assert.notEqual(advisoryLockKey('plinth_migrations'), advisoryLockKey('other'))
    const key = advisoryLockKey('plinth_migrations')
    assert.ok(key >= -(2n ** 63n) && key < 2n ** 63n)
    assert.equal(namedLock('plinth_migrations'), 'plinth_migrations:plinth_migrations')
    assert.ok(namedLock('x'.repeat(63)).length <= 64)
  })
})
