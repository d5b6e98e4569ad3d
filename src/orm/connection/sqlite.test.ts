import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { DatabaseError, PoolTimeoutError } from '../errors.ts'
import { parseDatabaseConfig, type SqliteConfig } from './config.ts'
import { openSqlite } from './sqlite.ts'
import type { Driver, QueryResult, Statement } from './types.ts'

const dir = mkdtempSync(join(tmpdir(), 'plinth-sqlite-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function open(url = 'sqlite::memory:', pool?: { acquireTimeoutMs: number }): Promise<Driver> {
  return openSqlite(parseDatabaseConfig({ url, ...(pool ? { pool } : {}) }) as SqliteConfig)
}

const run = (sql: string, params: unknown[] = []): Statement => ({
  sql,
  params,
  returnsRows: false,
})
const select = (sql: string, params: unknown[] = []): Statement => ({
  sql,
  params,
  returnsRows: true,
})

function sync(result: unknown): QueryResult {
  assert.ok(!(result instanceof Promise), 'answered synchronously')
  return result as QueryResult
}

describe('SQLite driver', () => {
  it('answers synchronously when the connection is free, and waits while it is reserved', async () => {
    const db = await open('sqlite::memory:', { acquireTimeoutMs: 1000 })
    sync(db.execute(run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')))
    sync(db.execute(run('INSERT INTO t (v) VALUES (?)', ['a'])))
    const reserved = await db.reserve()
    reserved.execute(run('BEGIN'))
    reserved.execute(run('INSERT INTO t (v) VALUES (?)', ['b']))
    const waiting = db.execute(select('SELECT COUNT(*) AS n FROM t'))
    assert.ok(waiting instanceof Promise, 'waits for the transaction')
    reserved.execute(run('COMMIT'))
    reserved.release()
    assert.equal((await waiting).rows[0]?.n, 2)
    sync(db.execute(select('SELECT 1')))
    await db.close()
  })

  it('times out a caller while a transaction holds the connection', async () => {
    const db = await open('sqlite::memory:', { acquireTimeoutMs: 20 })
    const reserved = await db.reserve()
    await assert.rejects(async () => db.execute(select('SELECT 1')), PoolTimeoutError)
    reserved.release()
    await db.close()
  })

  it('rolls back a transaction its holder forgot, so it cannot swallow later statements', async () => {
    const db = await open()
    db.execute(run('CREATE TABLE t (v TEXT)'))
    const reserved = await db.reserve()
    reserved.execute(run('BEGIN'))
    reserved.execute(run('INSERT INTO t VALUES (?)', ['lost']))
    reserved.release()
    assert.throws(() => reserved.execute(select('SELECT 1')), /already released/)
    assert.deepEqual(sync(db.execute(select('SELECT COUNT(*) AS n FROM t'))).rows[0]?.n, 0)
    // The in-memory database survives a release(true): it cannot be reopened.
    const again = await db.reserve()
    again.release(true)
    assert.equal(sync(db.execute(select('SELECT COUNT(*) AS n FROM t'))).rows[0]?.n, 0)
    await db.close()
  })

  it('sets WAL, synchronous NORMAL, foreign keys and the busy timeout', async () => {
    const db = await open(`sqlite:${join(dir, 'pragmas.db')}`)
    const pragma = (name: string) =>
      Object.values(sync(db.execute(select(`PRAGMA ${name}`))).rows[0]!)[0]
    assert.equal(pragma('journal_mode'), 'wal')
    assert.equal(pragma('synchronous'), 1) // NORMAL
    assert.equal(pragma('foreign_keys'), 1)
    assert.equal(pragma('busy_timeout'), 5000)
    await db.close()
    const full = await openSqlite(
      parseDatabaseConfig({
        url: `sqlite:${join(dir, 'pragmas.db')}`,
        synchronous: 'full',
      }) as SqliteConfig,
    )
    assert.equal(Object.values(sync(full.execute(select('PRAGMA synchronous'))).rows[0]!)[0], 2)
    await full.close()
  })

  it('binds booleans as 1/0, undefined as NULL, Dates as ISO text, and refuses objects', async () => {
    const db = await open()
    db.execute(run('CREATE TABLE t (a INTEGER, b INTEGER, c TEXT, d TEXT)'))
    db.execute(run('INSERT INTO t VALUES (?, ?, ?, ?)', [true, false, undefined, 'x']))
    const when = new Date('2024-05-06T07:08:09.010Z')
    // A Date in first position would otherwise be taken for named parameters, shifting the rest.
    db.execute(run('INSERT INTO t (d, c) VALUES (?, ?)', [when, 'after']))
    assert.deepEqual(
      sync(db.execute(select('SELECT * FROM t'))).rows.map((r) => ({ ...r })),
      [
        { a: 1, b: 0, c: null, d: 'x' },
        { a: null, b: null, c: 'after', d: '2024-05-06T07:08:09.010Z' },
      ],
    )
    for (const bad of [{ a: 1 }, [1, 2]]) {
      assert.throws(() => db.execute(run('INSERT INTO t (c) VALUES (?)', [bad])), {
        name: 'DatabaseError',
        message: /cannot bind parameter 1/,
      })
    }
    await db.close()
  })

  it('reads BIGINT columns as bigint, other integers as numbers, and refuses silent rounding', async () => {
    const db = await open()
    db.execute(run('CREATE TABLE t (id INTEGER PRIMARY KEY, big BIGINT, plain INTEGER)'))
    db.execute(run('INSERT INTO t (big, plain) VALUES (?, ?)', [2n ** 62n, 7]))
    const [row] = sync(db.execute(select('SELECT id, big, plain FROM t'))).rows
    assert.deepEqual({ ...row }, { id: 1, big: 2n ** 62n, plain: 7 })
    db.execute(run('UPDATE t SET plain = ?', [2n ** 60n]))
    assert.throws(
      () => db.execute(select('SELECT plain FROM t')),
      (error: Error) => {
        assert.ok(error instanceof DatabaseError)
        assert.match(error.message, /MAX_SAFE_INTEGER/)
        return true
      },
    )
    // In a BIGINT statement, an oversized plain integer stays a bigint rather than lose digits.
    const [mixed] = sync(db.execute(select('SELECT big, plain FROM t'))).rows
    assert.equal(mixed?.plain, 2n ** 60n)
    await db.close()
  })

  it('counts rows written by RETURNING statements', async () => {
    const db = await open()
    db.execute(run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'))
    const inserted = sync(
      db.execute(select('INSERT INTO t (v) VALUES (?), (?) RETURNING id', ['a', 'b'])),
    )
    assert.equal(inserted.affected, 2)
    const updated = sync(db.execute(select('UPDATE t SET v = ? RETURNING id', ['c'])))
    assert.equal(updated.affected, 2)
    assert.equal(sync(db.execute(select('SELECT * FROM t'))).affected, 0)
    const cte = select('WITH x AS (SELECT id FROM t) SELECT * FROM x')
    assert.equal(sync(db.execute(cte)).affected, 0)
    await db.close()
  })

  it('reports a file it cannot open as ConnectionError', async () => {
    await assert.rejects(open(`sqlite:${join(dir, 'no', 'such', 'dir.db')}`), {
      code: 'PLINTH_ORM_CONNECTION_FAILED',
      message: /SQLite database .*dir\.db.*unable to open/,
    })
  })

  it('refuses queries after close()', async () => {
    const db = await open()
    await db.close()
    await assert.rejects(async () => db.execute(select('SELECT 1')), /closed/)
  })
})
