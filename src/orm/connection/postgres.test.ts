/** PostgreSQL-specific behaviour (the shared cases are in drivers.test.ts). */
import assert from 'node:assert/strict'
import { after, describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { requireService } from '../../../test/support/services.ts'
import { parseDatabaseConfig, type ServerConfig } from './config.ts'
import { openPostgres } from './postgres.ts'
import type { Driver, Statement } from './types.ts'

const URL = 'postgres://postgres@127.0.0.1:5432/test'
const drivers: Driver[] = []
after(() => Promise.all(drivers.map((d) => d.close())))

async function open(t: TestContext, max = 2): Promise<Driver | undefined> {
  if (!(await requireService(t, 'postgres'))) return undefined
  const config = parseDatabaseConfig({ url: URL, pool: { max, acquireTimeoutMs: 2000 } })
  const driver = await openPostgres(config as ServerConfig)
  drivers.push(driver)
  return driver
}

const q = (sql: string, params: unknown[] = []): Statement => ({ sql, params, returnsRows: true })
const table = () => `plinth_pg_${process.pid}_${Math.random().toString(36).slice(2, 8)}`

describe('PostgreSQL driver', () => {
  it('parses arrays and timestamps without time zone as specified', async (t) => {
    const d = await open(t)
    if (!d) return
    const { rows } = await d.execute(
      q(
        "SELECT ARRAY['2024-01-02'::date] AS dates, ARRAY[1::int8, 9007199254740993::int8] AS bigs, ARRAY[1.10::numeric] AS nums, '2024-01-02 03:04:05.678'::timestamp AS naive, 'infinity'::timestamp AS inf, current_setting('TimeZone') AS tz",
      ),
    )
    assert.deepEqual(rows[0], {
      dates: ['2024-01-02'],
      bigs: ['1', '9007199254740993'],
      nums: ['1.10'],
      naive: new Date('2024-01-02T03:04:05.678Z'),
      inf: Number.POSITIVE_INFINITY,
      tz: 'UTC',
    })
  })

  it('refuses to let COMMIT of an aborted transaction pass for success', async (t) => {
    const d = await open(t)
    if (!d) return
    const conn = await d.reserve()
    try {
      await conn.execute(q('BEGIN'))
      await assert.rejects(async () => conn.execute(q('SELECT 1/0')), { name: 'DatabaseError' })
      await assert.rejects(async () => conn.execute(q('COMMIT')), {
        code: 'PLINTH_ORM_TRANSACTION_ABORTED',
      })
    } finally {
      conn.release()
    }
  })

  it('retries once when a migration invalidated a prepared statement', async (t) => {
    const d = await open(t, 1)
    if (!d) return
    const name = table()
    await d.execute(q(`CREATE TABLE ${name} (a int)`))
    try {
      await d.execute(q(`INSERT INTO ${name} VALUES ($1)`, [1]))
      const select = q(`SELECT * FROM ${name} WHERE a = $1`, [1])
      assert.deepEqual((await d.execute(select)).rows, [{ a: 1 }])
      await d.execute(q(`ALTER TABLE ${name} ADD COLUMN b int`))
      assert.deepEqual((await d.execute(select)).rows, [{ a: 1, b: null }])
    } finally {
      await d.execute(q(`DROP TABLE ${name}`))
    }
  })

  it('closes a connection released inside a transaction instead of reusing it', async (t) => {
    const d = await open(t, 1)
    if (!d) return
    const name = table()
    await d.execute(q(`CREATE TABLE ${name} (a int)`))
    try {
      const conn = await d.reserve()
      await conn.execute(q('BEGIN'))
      await conn.execute(q(`INSERT INTO ${name} VALUES (1)`))
      conn.release() // forgot COMMIT/ROLLBACK
      const { rows } = await d.execute(q(`SELECT count(*)::int AS n FROM ${name}`))
      assert.equal(rows[0]?.n, 0)
    } finally {
      await d.execute(q(`DROP TABLE ${name}`))
    }
  })

  it('replaces an idle connection the server closed', async (t) => {
    const d = await open(t, 2)
    if (!d) return
    const victim = await d.reserve()
    const killer = await d.reserve()
    const { rows } = await victim.execute(q('SELECT pg_backend_pid() AS pid'))
    await killer.execute(q('SELECT pg_terminate_backend($1)', [rows[0]?.pid]))
    await sleep(50) // the client's 'error' event marks it broken
    killer.release()
    victim.release() // released last: the next caller would get it first
    for (let i = 0; i < 3; i++) {
      assert.deepEqual((await d.execute(q('SELECT 1 AS one'))).rows, [{ one: 1 }])
    }
  })
})
