/**
 * Statements outside transactions sharing PostgreSQL connections (pool.pipeline), against the
 * real server: fewer connections than statements, each statement its own transaction and error,
 * transactions still isolated and never starved, and `pipeline: false` reserving as before.
 */
import assert from 'node:assert/strict'
import { after, describe, it, type TestContext } from 'node:test'
import { requireService } from '../../../test/support/services.ts'
import { parseDatabaseConfig, type ServerConfig } from './config.ts'
import { openPostgres } from './postgres.ts'
import type { Driver, Statement } from './types.ts'

const URL = 'postgres://postgres@127.0.0.1:5432/test'
const drivers: Driver[] = []
after(() => Promise.all(drivers.map((d) => d.close())))

async function open(
  t: TestContext,
  pool: { max: number; pipeline?: boolean },
): Promise<{ driver: Driver; name: string } | undefined> {
  if (!(await requireService(t, 'postgres'))) return undefined
  const name = `plinth_pipe_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const config = parseDatabaseConfig({
    url: `${URL}?application_name=${name}`,
    pool: { acquireTimeoutMs: 5000, ...pool },
  })
  const driver = await openPostgres(config as ServerConfig)
  drivers.push(driver)
  return { driver, name }
}

const q = (sql: string, params: unknown[] = []): Statement => ({ sql, params, returnsRows: true })

/** Backend pids that ran the statements: how many connections carried them. */
function backends(rows: readonly { pid?: unknown }[]): number {
  return new Set(rows.map((row) => row.pid)).size
}

describe('PostgreSQL pipelining (pool.pipeline)', () => {
  it('carries 200 concurrent statements on at most `max` connections, each with its answer', async (t) => {
    const opened = await open(t, { max: 2 })
    if (!opened) return
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        opened.driver.execute(q('SELECT $1::int AS n, pg_backend_pid() AS pid', [i])),
      ),
    )
    assert.deepEqual(
      results.map((r) => r.rows[0]!.n),
      Array.from({ length: 200 }, (_, i) => i),
    )
    const rows = results.map((r) => r.rows[0]!)
    assert.ok(backends(rows) <= 2, `used ${backends(rows)} connections`)
  })

  it('fails only the failing statement; those pipelined beside it answer normally', async (t) => {
    const opened = await open(t, { max: 1 })
    if (!opened) return
    const settled = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        opened.driver.execute(q('SELECT 10 / ($1::int - 15) AS n', [i])),
      ),
    )
    settled.forEach((result, i) => {
      if (i === 15) {
        assert.equal(result.status, 'rejected')
        assert.match(String((result as PromiseRejectedResult).reason), /division by zero/)
      } else {
        assert.equal(result.status, 'fulfilled', `statement ${i}`)
      }
    })
    // The connection is still good afterwards.
    assert.equal((await opened.driver.execute(q('SELECT 1 AS one'))).rows[0]!.one, 1)
  })

  it('gives each write its own transaction: a failing one rolls back alone', async (t) => {
    const opened = await open(t, { max: 1 })
    if (!opened) return
    const { driver, name } = opened
    await driver.execute(q(`CREATE TABLE ${name} (id int PRIMARY KEY)`))
    try {
      // The third insert collides with the first; the ones around it must still be saved.
      const settled = await Promise.allSettled(
        [1, 2, 1, 3, 4].map((id) => driver.execute(q(`INSERT INTO ${name} VALUES ($1)`, [id]))),
      )
      assert.deepEqual(
        settled.map((s) => s.status),
        ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      )
      const { rows } = await driver.execute(q(`SELECT id FROM ${name} ORDER BY id`))
      assert.deepEqual(
        rows.map((r) => r.id),
        [1, 2, 3, 4],
      )
    } finally {
      await driver.execute(q(`DROP TABLE ${name}`))
    }
  })

  it('keeps a transaction isolated from statements pipelined meanwhile, and never starves it', async (t) => {
    const opened = await open(t, { max: 2 })
    if (!opened) return
    const { driver, name } = opened
    await driver.execute(q(`CREATE TABLE ${name} (id int PRIMARY KEY)`))
    try {
      let stop = false
      // A steady stream of shared statements keeping both connections busy.
      const load = (async () => {
        let count = 0
        while (!stop) {
          const batch = await Promise.all(
            Array.from({ length: 20 }, () =>
              driver.execute(q(`SELECT count(*)::int AS n FROM ${name}`)),
            ),
          )
          for (const { rows } of batch) assert.equal(rows[0]!.n, 0, 'saw uncommitted rows')
          count += batch.length
        }
        return count
      })()
      const connection = await driver.reserve()
      try {
        await connection.execute(q('BEGIN'))
        await connection.execute(q(`INSERT INTO ${name} VALUES (1)`))
        await new Promise((resolve) => setTimeout(resolve, 50))
        await connection.execute(q('ROLLBACK'))
      } finally {
        connection.release()
        stop = true
      }
      assert.ok((await load) > 0)
    } finally {
      await driver.execute(q(`DROP TABLE ${name}`))
    }
  })

  it('does not share a statement that changes the session (a bare BEGIN)', async (t) => {
    const opened = await open(t, { max: 2 })
    if (!opened) return
    // A bare BEGIN through execute() runs on a reserved connection (closed afterwards, as it is
    // left inside a transaction): no SELECT pipelined meanwhile may run inside that transaction.
    // Each autocommit statement gets a transaction id of its own; inside one they would repeat.
    const [, ...selects] = await Promise.all([
      opened.driver.execute(q('BEGIN')),
      ...Array.from({ length: 10 }, () => opened.driver.execute(q('SELECT txid_current() AS x'))),
    ])
    assert.equal(new Set(selects.map(({ rows }) => rows[0]!.x)).size, 10)
  })

  it('with pipeline: false, reserves one connection per statement as before', async (t) => {
    const opened = await open(t, { max: 2, pipeline: false })
    if (!opened) return
    const results = await Promise.all(
      Array.from({ length: 40 }, () => opened.driver.execute(q('SELECT pg_backend_pid() AS pid'))),
    )
    assert.ok(backends(results.map((r) => r.rows[0]!)) <= 2)
  })
})
