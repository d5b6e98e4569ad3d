/**
 * Driver conformance: the same cases on every dialect (SQLite in memory and in a file,
 * PostgreSQL, MariaDB/MySQL). Where the dialects legitimately differ (how a date or a boolean
 * comes back) the expectation says so per dialect; everything else must be identical.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import { Kysely } from 'kysely'
import { isReachable, requireService, type ServiceName } from '../../../test/support/services.ts'
import {
  ConnectionError,
  IntegrityError,
  PoolTimeoutError,
  UniqueViolationError,
} from '../errors.ts'
import { type DatabaseConfigInput, parseDatabaseConfig } from './config.ts'
import { connect } from './index.ts'
import { createKyselyDialect } from './kysely-dialect.ts'
import type { DialectName, Driver, QueryResult, Statement } from './types.ts'

const SECRET = 'Sup3r-s3cret-pw'
const dir = mkdtempSync(join(tmpdir(), 'plinth-drivers-'))
after(() => rmSync(dir, { recursive: true, force: true }))

interface Target {
  name: string
  dialect: DialectName
  url: string
  service?: ServiceName
  /** A URL that cannot connect, carrying a password that must not leak. */
  unreachable: string
}

const TARGETS: Target[] = [
  {
    name: 'SQLite (memory)',
    dialect: 'sqlite',
    url: 'sqlite::memory:',
    unreachable: `sqlite:${join(dir, 'missing-dir', 'x.db')}`,
  },
  {
    name: 'SQLite (file)',
    dialect: 'sqlite',
    url: `sqlite:${join(dir, 'test.db')}`,
    unreachable: `sqlite:${join(dir, 'missing-dir', 'y.db')}`,
  },
  {
    name: 'PostgreSQL',
    dialect: 'postgres',
    url: 'postgres://postgres@127.0.0.1:5432/test',
    service: 'postgres',
    unreachable: `postgres://postgres:${SECRET}@127.0.0.1:1/test`,
  },
  {
    name: 'MariaDB',
    dialect: 'mysql',
    url: 'mysql://root@127.0.0.1:3306/test',
    service: 'mariadb',
    unreachable: `mysql://root:${SECRET}@127.0.0.1:1/test`,
  },
]

/** Column types per dialect. */
const TYPES = {
  sqlite: {
    id: 'INTEGER PRIMARY KEY',
    text: 'TEXT',
    date: 'DATE',
    time: 'TEXT',
    dec: 'TEXT',
    big: 'BIGINT',
    json: 'TEXT',
    bytes: 'BLOB',
    bool: 'INTEGER',
  },
  postgres: {
    id: 'SERIAL PRIMARY KEY',
    text: 'TEXT',
    date: 'DATE',
    time: 'TIMESTAMPTZ',
    dec: 'NUMERIC(14,2)',
    big: 'BIGINT',
    json: 'JSONB',
    bytes: 'BYTEA',
    bool: 'BOOLEAN',
  },
  mysql: {
    id: 'INT AUTO_INCREMENT PRIMARY KEY',
    text: 'VARCHAR(200)',
    date: 'DATE',
    time: 'DATETIME(3)',
    dec: 'DECIMAL(14,2)',
    big: 'BIGINT',
    json: 'JSON',
    bytes: 'BLOB',
    bool: 'BOOLEAN',
  },
} as const

let tableCount = 0

for (const target of TARGETS) {
  describe(`driver: ${target.name}`, () => {
    const { dialect } = target
    const T = TYPES[dialect]
    const tables: string[] = []
    let driver: Driver | undefined

    before(async () => {
      if (target.service && !(await isReachable(target.service))) return
      driver = await connect(parseDatabaseConfig(target.url))
    })
    after(async () => {
      if (driver === undefined) return
      for (const table of tables.reverse()) await driver.execute(q(`DROP TABLE IF EXISTS ${table}`))
      await driver.close()
    })

    /** The driver, or undefined when the test was skipped (service down, outside CI). */
    async function ready(t: TestContext): Promise<Driver | undefined> {
      if (target.service && !(await requireService(t, target.service))) return undefined
      assert.ok(driver, 'driver opened in before()')
      return driver
    }

    /** A statement; `?` placeholders become `$n` on PostgreSQL. */
    function q(sql: string, params: unknown[] = [], returnsRows = /^\s*SELECT/i.test(sql)) {
      let n = 0
      const text = dialect === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql
      return { sql: text, params, returnsRows } satisfies Statement
    }

    async function table(d: Driver, columns: string, suffix = ''): Promise<string> {
      const name = `plinth_t${process.pid}_${++tableCount}${suffix}`
      tables.push(name)
      await d.execute(q(`CREATE TABLE ${name} (${columns})`))
      return name
    }

    async function rows(d: Driver, sql: string, params: unknown[] = []) {
      return (await d.execute(q(sql, params, true))).rows
    }

    it('inserts, selects, updates and deletes with affected counts and insert ids', async (t) => {
      const d = await ready(t)
      if (!d) return
      const name = await table(d, `id ${T.id}, label ${T.text}, n INTEGER`)
      const insert = q(`INSERT INTO ${name} (label, n) VALUES (?, ?)`, ['a', 1])
      const first: QueryResult = await d.execute(insert)
      assert.equal(first.affected, 1)
      if (dialect !== 'postgres') assert.equal(Number(first.insertId), 1)
      const second = await d.execute(q(`INSERT INTO ${name} (label, n) VALUES (?, ?)`, ['b', 2]))
      if (dialect !== 'postgres') assert.equal(Number(second.insertId), 2)
      const selected = await d.execute(q(`SELECT id, label, n FROM ${name} ORDER BY id`))
      assert.equal(selected.affected, 0)
      assert.deepEqual(plain(selected.rows), [
        { id: 1, label: 'a', n: 1 },
        { id: 2, label: 'b', n: 2 },
      ])
      const updated = await d.execute(q(`UPDATE ${name} SET n = n + 10`))
      assert.equal(updated.affected, 2)
      const none = await d.execute(q(`UPDATE ${name} SET n = 0 WHERE id = ?`, [99]))
      assert.equal(none.affected, 0)
      const deleted = await d.execute(q(`DELETE FROM ${name} WHERE id = ?`, [1]))
      assert.equal(deleted.affected, 1)
      assert.deepEqual(plain(await rows(d, `SELECT n FROM ${name}`)), [{ n: 12 }])
      if (dialect !== 'mysql') {
        const returning = await d.execute(
          q(`INSERT INTO ${name} (label, n) VALUES (?, ?) RETURNING id`, ['c', 3], true),
        )
        assert.deepEqual(plain(returning.rows), [{ id: 3 }])
        assert.equal(returning.affected, 1)
      }
    })

    it('binds hostile strings as literals', async (t) => {
      const d = await ready(t)
      if (!d) return
      const name = await table(d, `id ${T.id}, label ${T.text}`)
      const hostile = [
        `'; DROP TABLE ${name}; --`,
        "O'Reilly",
        'back\\slash',
        '"double" `back` quotes',
        '$1 ? :name',
        'ünïcødé ✓ 🎉',
      ]
      for (const value of hostile) {
        await d.execute(q(`INSERT INTO ${name} (label) VALUES (?)`, [value]))
      }
      const found = await rows(d, `SELECT label FROM ${name} ORDER BY id`)
      assert.deepEqual(
        found.map((r) => r.label),
        hostile,
      )
      const match = await rows(d, `SELECT id FROM ${name} WHERE label = ?`, [hostile[0]])
      assert.equal(match.length, 1)
    })

    it('round-trips dates, decimals, big integers, JSON, bytes and booleans', async (t) => {
      const d = await ready(t)
      if (!d) return
      const name = await table(
        d,
        `id ${T.id}, d ${T.date}, ts ${T.time}, amount ${T.dec}, big ${T.big}, small ${T.big}, doc ${T.json}, bin ${T.bytes}, flag ${T.bool}, off ${T.bool}`,
      )
      const instant = new Date('2024-03-10T23:30:00.123Z')
      const big = '9007199254740993' // 2^53 + 1: a JS number would round it
      const doc = { a: [1, 'two', { three: null }], 'quote"key': true }
      const bytes = Buffer.from([0, 1, 2, 254, 255])
      await d.execute(
        q(
          `INSERT INTO ${name} (d, ts, amount, big, small, doc, bin, flag, off) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            '2024-03-10',
            dialect === 'sqlite' ? instant.toISOString() : instant,
            '123456789012.25',
            dialect === 'sqlite' ? BigInt(big) : big,
            dialect === 'sqlite' ? 5n : '5',
            JSON.stringify(doc),
            bytes,
            true,
            false,
          ],
        ),
      )
      const [row] = await rows(
        d,
        `SELECT d, ts, amount, big, small, doc, bin, flag, off FROM ${name}`,
      )
      assert.ok(row)
      assert.equal(row.d, '2024-03-10', 'DATE is a plain string, never a local-midnight Date')
      assert.equal(row.amount, '123456789012.25', 'decimals are exact strings')
      if (dialect === 'sqlite') {
        assert.equal(row.ts, instant.toISOString())
        assert.equal(row.big, BigInt(big), 'BIGINT columns read as bigint')
        assert.equal(row.small, 5n)
        assert.equal(row.doc, JSON.stringify(doc), 'JSON is text on SQLite')
        assert.deepEqual([row.flag, row.off], [1, 0])
      } else {
        assert.ok(row.ts instanceof Date)
        assert.equal(row.ts.getTime(), instant.getTime())
        assert.equal(row.big, big, 'BIGINT columns read as strings')
        assert.equal(row.small, '5')
        assert.deepEqual(row.doc, doc, 'JSON columns are parsed')
        assert.deepEqual([row.flag, row.off], dialect === 'postgres' ? [true, false] : [1, 0])
      }
      assert.ok(row.bin instanceof Uint8Array)
      assert.ok(Buffer.from(row.bin).equals(bytes))
    })

    it('runs transactions with savepoints on a reserved connection', async (t) => {
      const d = await ready(t)
      if (!d) return
      const name = await table(d, `id ${T.id}, label ${T.text}`)
      const insert = (label: string) => q(`INSERT INTO ${name} (label) VALUES (?)`, [label])
      const conn = await d.reserve()
      try {
        await conn.execute(q('BEGIN'))
        await conn.execute(insert('rolled back'))
        await conn.execute(q('ROLLBACK'))
        await conn.execute(q('BEGIN'))
        await conn.execute(insert('kept'))
        await conn.execute(q('SAVEPOINT sp1'))
        await conn.execute(insert('undone'))
        await conn.execute(q('ROLLBACK TO SAVEPOINT sp1'))
        await conn.execute(q('RELEASE SAVEPOINT sp1'))
        const inside = await conn.execute(q(`SELECT label FROM ${name}`))
        assert.deepEqual(
          inside.rows.map((r) => r.label),
          ['kept'],
        )
        await conn.execute(q('COMMIT'))
      } finally {
        conn.release()
      }
      assert.deepEqual(
        (await rows(d, `SELECT label FROM ${name}`)).map((r) => r.label),
        ['kept'],
      )
    })

    it('runs Kysely queries and transactions on the driver', async (t) => {
      const d = await ready(t)
      if (!d) return
      const name = await table(d, `id ${T.id}, label ${T.text}`)
      const db = new Kysely<any>({ dialect: createKyselyDialect(dialect, d) })
      const inserted = await db.insertInto(name).values({ label: 'one' }).executeTakeFirst()
      assert.equal(inserted.numInsertedOrUpdatedRows, 1n)
      if (dialect !== 'postgres') assert.equal(inserted.insertId, 1n)
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await trx.insertInto(name).values({ label: 'two' }).execute()
          throw new Error('abort')
        }),
        /abort/,
      )
      const trx = await db.startTransaction().execute()
      await trx.insertInto(name).values({ label: 'three' }).execute()
      const sp = await trx.savepoint('sp').execute()
      await sp.insertInto(name).values({ label: 'four' }).execute()
      await sp.rollbackToSavepoint('sp').execute()
      await trx.commit().execute()
      const labels = await db.selectFrom(name).select('label').orderBy('id').execute()
      assert.deepEqual(
        labels.map((r) => r.label),
        ['one', 'three'],
      )
      const updated = await db.updateTable(name).set({ label: 'x' }).executeTakeFirst()
      assert.equal(updated.numUpdatedRows, 2n)
      const chunks: number[] = []
      for await (const r of db.selectFrom(name).selectAll().stream(1)) chunks.push(r.id)
      assert.equal(chunks.length, 2)
    })

    it('streams 1000 rows in chunks, and survives a consumer that stops early', async (t) => {
      const d = await ready(t)
      if (!d) return
      const name = await table(d, `id ${T.id}, n INTEGER`)
      const values = Array.from({ length: 1000 }, (_, i) => i)
      await d.execute(
        q(`INSERT INTO ${name} (n) VALUES ${values.map(() => '(?)').join(', ')}`, values),
      )
      const conn = await d.reserve()
      try {
        const sizes: number[] = []
        let sum = 0
        const select = q(`SELECT n FROM ${name} WHERE n >= ? ORDER BY n`, [0])
        for await (const chunk of conn.stream(select, 300)) {
          sizes.push(chunk.length)
          for (const row of chunk) sum += Number(row.n)
        }
        assert.deepEqual(sizes, [300, 300, 300, 100])
        assert.equal(sum, (999 * 1000) / 2)
        for await (const chunk of conn.stream(select, 10)) {
          assert.equal(chunk.length, 10)
          break
        }
        const after = await conn.execute(q(`SELECT COUNT(*) AS c FROM ${name}`))
        assert.equal(Number(after.rows[0]?.c), 1000)
      } finally {
        conn.release()
      }
    })

    it('times out with PoolTimeoutError when every connection is reserved', async (t) => {
      if (!(await ready(t))) return
      const input: DatabaseConfigInput = { url: target.url, pool: { max: 1, acquireTimeoutMs: 50 } }
      const small = await connect(parseDatabaseConfig(input))
      try {
        const held = await small.reserve()
        await assert.rejects(async () => small.execute(q('SELECT 1 AS one')), PoolTimeoutError)
        await assert.rejects(small.reserve(), PoolTimeoutError)
        held.release()
        const { rows: after } = await small.execute(q('SELECT 1 AS one'))
        assert.equal(Number(after[0]?.one), 1)
      } finally {
        await small.close()
      }
    })

    it('normalizes every kind of integrity error', async (t) => {
      const d = await ready(t)
      if (!d) return
      const parent = await table(d, `id ${T.id}`, '_p')
      const ck = `${parent}_qty_ck`
      const uq = `${parent}_ab_uq`
      const child = await table(
        d,
        `id ${T.id}, parent_id INTEGER REFERENCES ${parent} (id), a INTEGER, b INTEGER, name ${T.text} NOT NULL, qty INTEGER, CONSTRAINT ${uq} UNIQUE (a, b), CONSTRAINT ${ck} CHECK (qty >= 0)`,
        '_c',
      )
      await d.execute(q(`INSERT INTO ${parent} (id) VALUES (1)`))
      const insert = (values: unknown[]) =>
        d.execute(
          q(`INSERT INTO ${child} (parent_id, a, b, name, qty) VALUES (?, ?, ?, ?, ?)`, values),
        )
      await insert([1, 1, 1, 'ok', 1])

      const unique = await caught(() => insert([1, 1, 1, 'dup', 1]))
      assert.ok(unique instanceof UniqueViolationError, String(unique))
      assert.equal(unique.kind, 'unique')
      assert.equal(unique.code, 'PLINTH_ORM_UNIQUE_VIOLATION')
      assert.deepEqual(unique.columns, ['a', 'b'])
      assert.equal(unique.table, child)
      if (dialect !== 'sqlite') assert.equal(unique.constraint, uq)
      assert.ok(unique.cause instanceof Error)

      const fk = await caught(() => insert([99, 2, 2, 'orphan', 1]))
      assert.ok(fk instanceof IntegrityError && fk.kind === 'foreign_key', String(fk))
      if (dialect !== 'sqlite') {
        assert.equal(fk.table, child)
        assert.deepEqual(fk.columns, ['parent_id'])
      }
      const fkParent = await caught(() => d.execute(q(`DELETE FROM ${parent} WHERE id = ?`, [1])))
      assert.ok(fkParent instanceof IntegrityError && fkParent.kind === 'foreign_key')

      const notNull = await caught(() => insert([1, 3, 3, null, 1]))
      assert.ok(notNull instanceof IntegrityError && notNull.kind === 'not_null', String(notNull))
      assert.deepEqual(notNull.columns, ['name'])

      const check = await caught(() => insert([1, 4, 4, 'negative', -1]))
      assert.ok(check instanceof IntegrityError && check.kind === 'check', String(check))
      assert.equal(check.constraint, ck)

      // Messages name columns and constraints, never the offending values.
      for (const error of [unique, fk, notNull, check]) {
        assert.ok(!/\bdup\b|orphan|negative/.test(error.message), error.message)
      }
    })

    it('reports an unreachable database as ConnectionError without the password', async (t) => {
      if (!(await ready(t))) return
      const error = await caught(async () => {
        const bad = await connect(parseDatabaseConfig(target.unreachable))
        try {
          await bad.execute(q('SELECT 1 AS one'))
        } finally {
          await bad.close()
        }
      })
      assert.ok(error instanceof ConnectionError, String(error))
      assert.equal(error.code, 'PLINTH_ORM_CONNECTION_FAILED')
      assert.ok(!error.message.includes(SECRET), error.message)
      assert.ok(!String(error.stack).includes(SECRET))
    })
  })
}

/** The error `run` throws or rejects with (SQLite's driver throws synchronously). */
async function caught(run: () => unknown): Promise<Error & Record<string, any>> {
  try {
    await run()
  } catch (error) {
    return error as Error & Record<string, any>
  }
  assert.fail('expected a rejection')
}

/** Rows as plain objects (node:sqlite returns null-prototype objects). */
function plain(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) => ({ ...row }))
}
