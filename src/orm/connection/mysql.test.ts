/** MySQL/MariaDB-specific behaviour (the shared cases are in drivers.test.ts). */
import assert from 'node:assert/strict'
import { after, describe, it, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { requireService } from '../../../test/support/services.ts'
import { UniqueViolationError } from '../errors.ts'
import { parseDatabaseConfig, type ServerConfig } from './config.ts'
import { openMysql } from './mysql.ts'
import type { Driver, Statement } from './types.ts'

const URL = 'mysql://root@127.0.0.1:3306/test'
const drivers: Driver[] = []
after(() => Promise.all(drivers.map((d) => d.close())))

async function open(t: TestContext, max = 2): Promise<Driver | undefined> {
  if (!(await requireService(t, 'mariadb'))) return undefined
  const config = parseDatabaseConfig({ url: URL, pool: { max, acquireTimeoutMs: 2000 } })
  const driver = await openMysql(config as ServerConfig)
  drivers.push(driver)
  return driver
}

const q = (sql: string, params: unknown[] = []): Statement => ({
  sql,
  params,
  returnsRows: /^\s*SELECT/i.test(sql),
})
const table = () => `plinth_my_${process.pid}_${Math.random().toString(36).slice(2, 8)}`

describe('MySQL driver', () => {
  it('runs sessions in UTC and strict mode', async (t) => {
    const d = await open(t)
    if (!d) return
    const { rows } = await d.execute(
      q('SELECT @@session.time_zone AS tz, @@session.sql_mode AS mode'),
    )
    assert.equal(rows[0]?.tz, '+00:00')
    assert.match(String(rows[0]?.mode), /STRICT_ALL_TABLES/)
    assert.doesNotMatch(String(rows[0]?.mode), /ANSI_QUOTES/)
    const name = table()
    await d.execute(q(`CREATE TABLE ${name} (s VARCHAR(3))`))
    try {
      // Strict: an error, not a silent truncation to 'abc'.
      await assert.rejects(async () => d.execute(q(`INSERT INTO ${name} VALUES (?)`, ['abcdef'])), {
        name: 'DatabaseError',
        message: /too long/i,
      })
    } finally {
      await d.execute(q(`DROP TABLE ${name}`))
    }
  })

  it('names the columns of a duplicate primary key', async (t) => {
    const d = await open(t)
    if (!d) return
    const name = table()
    await d.execute(q(`CREATE TABLE ${name} (id INT PRIMARY KEY)`))
    try {
      await d.execute(q(`INSERT INTO ${name} VALUES (?)`, [1]))
      await assert.rejects(
        async () => d.execute(q(`INSERT INTO ${name} VALUES (?)`, [1])),
        (e) => {
          assert.ok(e instanceof UniqueViolationError)
          assert.deepEqual([e.table, e.columns, e.constraint], [name, ['id'], 'PRIMARY'])
          return true
        },
      )
    } finally {
      await d.execute(q(`DROP TABLE ${name}`))
    }
  })

  it('closes a connection released inside a transaction instead of reusing it', async (t) => {
    const d = await open(t, 1)
    if (!d) return
    const name = table()
    await d.execute(q(`CREATE TABLE ${name} (a INT) ENGINE=InnoDB`))
    try {
      const conn = await d.reserve()
      await conn.execute(q('START TRANSACTION'))
      await conn.execute(q(`INSERT INTO ${name} VALUES (?)`, [1]))
      conn.release() // forgot COMMIT/ROLLBACK
      const { rows } = await d.execute(q(`SELECT COUNT(*) AS n FROM ${name}`))
      assert.equal(Number(rows[0]?.n), 0)
    } finally {
      await d.execute(q(`DROP TABLE ${name}`))
    }
  })

  it('replaces an idle connection the server closed', async (t) => {
    const d = await open(t, 2)
    if (!d) return
    const victim = await d.reserve()
    const killer = await d.reserve()
    const { rows } = await victim.execute(q('SELECT CONNECTION_ID() AS id'))
    await killer.execute(q(`KILL ${Number(rows[0]?.id)}`))
    await sleep(50) // the connection's 'error' event marks it broken
    killer.release()
    victim.release() // released last: the next caller would get it first
    for (let i = 0; i < 3; i++) {
      assert.equal(Number((await d.execute(q('SELECT 1 AS one'))).rows[0]?.one), 1)
    }
  })
})
