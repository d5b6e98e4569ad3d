import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CompiledQuery, Kysely, sql } from 'kysely'
import { createKyselyDialect, returnsRows } from './kysely-dialect.ts'
import type { QueryResult, RawRow, Statement } from './types.ts'

describe('createKyselyDialect', () => {
  it("compiles each dialect's SQL without a driver", () => {
    const compile = (dialect: 'sqlite' | 'postgres' | 'mysql') =>
      new Kysely<any>({ dialect: createKyselyDialect(dialect) })
        .selectFrom('product')
        .select('name')
        .where('id', '=', 1)
        .compile().sql
    assert.equal(compile('sqlite'), 'select "name" from "product" where "id" = ?')
    assert.equal(compile('postgres'), 'select "name" from "product" where "id" = $1')
    assert.equal(compile('mysql'), 'select `name` from `product` where `id` = ?')
  })

  it('refuses to run queries without a driver, saying why', async () => {
    const db = new Kysely<any>({ dialect: createKyselyDialect('postgres') })
    await assert.rejects(db.selectFrom('t').selectAll().execute(), /only compiles postgres SQL/)
  })

  it('runs queries through backend.execute, marking which return rows', async () => {
    const seen: Statement[] = []
    const backend = {
      execute(statement: Statement): QueryResult {
        seen.push(statement)
        return { rows: statement.returnsRows ? [{ id: 1 }] : [], affected: 3, insertId: 7 }
      },
    }
    const db = new Kysely<any>({ dialect: createKyselyDialect('sqlite', backend) })
    assert.deepEqual(await db.selectFrom('t').selectAll().execute(), [{ id: 1 }])
    const inserted = await db.insertInto('t').values({ a: 1 }).executeTakeFirst()
    assert.equal(inserted.insertId, 7n)
    assert.equal(inserted.numInsertedOrUpdatedRows, 3n)
    const deleted = await db.deleteFrom('t').executeTakeFirst()
    assert.equal(deleted.numDeletedRows, 3n)
    await db.insertInto('t').values({ a: 1 }).returning('id').execute()
    assert.deepEqual(
      seen.map((s) => s.returnsRows),
      [true, false, false, true],
    )
  })

  it('uses backend.stream when there is one, and refuses transactions without reserve()', async () => {
    const backend = {
      execute: (): QueryResult => ({ rows: [], affected: 0 }),
      async *stream(_s: Statement, size: number): AsyncGenerator<RawRow[]> {
        yield Array.from({ length: size }, (_, i) => ({ i }))
      },
    }
    const db = new Kysely<any>({ dialect: createKyselyDialect('sqlite', backend) })
    const rows: unknown[] = []
    for await (const row of db.selectFrom('t').selectAll().stream(2)) rows.push(row)
    assert.deepEqual(rows, [{ i: 0 }, { i: 1 }])
    await assert.rejects(
      db.transaction().execute(async () => {}),
      /need a backend with reserve\(\)/,
    )
  })

  it('begins transactions as each dialect needs, and quotes savepoint names', async () => {
    for (const [dialect, expected] of [
      ['sqlite', ['BEGIN IMMEDIATE', 'SAVEPOINT "a""b"', 'COMMIT']],
      [
        'postgres',
        ['START TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'SAVEPOINT "a""b"', 'COMMIT'],
      ],
      [
        'mysql',
        [
          'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
          'START TRANSACTION',
          'SAVEPOINT `a"b`',
          'COMMIT',
        ],
      ],
    ] as const) {
      const sent: string[] = []
      const connection = {
        execute: (s: Statement): QueryResult => {
          sent.push(s.sql)
          return { rows: [], affected: 0 }
        },
        stream: () => assert.fail('no stream'),
        release: () => {},
      }
      const backend = {
        execute: connection.execute,
        reserve: async () => connection,
      }
      const db = new Kysely<any>({ dialect: createKyselyDialect(dialect, backend) })
      const start = db.startTransaction()
      const trx = await (dialect === 'sqlite'
        ? start
        : start.setIsolationLevel('serializable')
      ).execute()
      await trx.savepoint('a"b').execute()
      await trx.commit().execute()
      assert.deepEqual(sent, expected)
    }
  })

  it('judges raw SQL by its first word or a RETURNING clause', () => {
    const raw = (text: string) => returnsRows(CompiledQuery.raw(text))
    assert.equal(raw('SELECT 1'), true)
    assert.equal(raw('  with x as (select 1) select * from x'), true)
    assert.equal(raw('PRAGMA table_info(t)'), true)
    assert.equal(raw('DELETE FROM t RETURNING id'), true)
    assert.equal(raw('UPDATE t SET a = 1'), false)
    assert.equal(raw('CREATE TABLE t (a int)'), false)
    const db = new Kysely<any>({ dialect: createKyselyDialect('postgres') })
    assert.equal(returnsRows(sql`select 1`.compile(db)), true)
  })
})
