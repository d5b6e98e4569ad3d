/**
 * `lockRetries` on PostgreSQL: a migration that hits the lock timeout because another session
 * holds a table lock is rolled back and run again after a pause; once the lock is gone it
 * applies. Without retries (the default) the first timeout fails the run with nothing changed.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { field, MigrationRecorder, migrate, op } from '../../src/migrations/index.ts'
import { makeMigration } from '../../src/migrations/migration.ts'
import { createDatabase, type Database } from '../../src/orm/index.ts'
import { DIALECT_URLS } from '../orm/support/dialects.ts'
import { requireService } from '../support/services.ts'

const RECORD = 'mg_lr_migrations'
const T = 'mg_lr_thing'

const initial = makeMigration('lr', '0001_initial', {
  operations: [
    op.createModel({
      name: 'Thing',
      table: T,
      fields: { id: field.autoId(), name: field.string({ maxLength: 20 }) },
    }),
  ],
})
const rank = makeMigration('lr', '0002_rank', {
  dependencies: ['0001_initial'],
  operations: [op.addField({ model: 'Thing', name: 'rank', field: field.integer({ null: true }) })],
})

async function exec(db: Database, sql: string): Promise<void> {
  await db.execute({ sql, params: [], returnsRows: false })
}

/** Hold an ACCESS EXCLUSIVE lock on the table for `ms` in another session. */
async function holdLock(ms: number): Promise<void> {
  const other = createDatabase(DIALECT_URLS.postgres)
  try {
    await other.transaction(async () => {
      await exec(other, `LOCK TABLE ${T} IN ACCESS EXCLUSIVE MODE`)
      await new Promise((resolve) => setTimeout(resolve, ms))
    })
  } finally {
    await other.close()
  }
}

describe('lock retries on postgres', () => {
  it('fails fast without retries, and applies once the lock is gone with them', async (t) => {
    if (!(await requireService(t, 'postgres'))) return
    const db = createDatabase(DIALECT_URLS.postgres)
    try {
      for (const table of [T, RECORD]) await exec(db, `DROP TABLE IF EXISTS ${table}`)
      await migrate(db, { migrations: [initial], table: RECORD })
      const options = { migrations: [initial, rank], table: RECORD, lockTimeoutMs: 50 }

      let holding = holdLock(400)
      await new Promise((resolve) => setTimeout(resolve, 50))
      await assert.rejects(
        migrate(db, options),
        (e: Error & { code?: string }) => e.code === 'PLINTH_MIGRATIONS_LOCK_TIMEOUT',
      )
      await holding
      const recorded = () => new MigrationRecorder(db, RECORD).records()
      assert.deepEqual([...(await recorded()).keys()], ['lr.0001_initial'])

      holding = holdLock(300)
      await new Promise((resolve) => setTimeout(resolve, 50))
      const lines: string[] = []
      const result = await migrate(db, {
        ...options,
        lockRetries: 4,
        lockRetryDelayMs: 100,
        log: (line) => lines.push(line),
      })
      await holding
      assert.deepEqual(result.applied, ['lr.0002_rank'])
      assert.ok(lines.some((l) => /^Lock timeout; trying again in 100 ms \(retry 1 of 4\)/.test(l)))
      assert.deepEqual([...(await recorded()).keys()], ['lr.0001_initial', 'lr.0002_rank'])
    } finally {
      for (const table of [T, RECORD]) await exec(db, `DROP TABLE IF EXISTS ${table}`)
      await db.close()
    }
  })
})
