/**
 * How migrations run: PostgreSQL's lock timeout (an atomic migration blocked by another
 * session's lock fails fast with PLINTH_MIGRATIONS_LOCK_TIMEOUT and leaves nothing changed), the
 * same bound on MariaDB's metadata locks, whether each dialect runs a migration in a
 * transaction, and collect-only mode (SQL returned, database untouched) on all three.
 */
import assert from 'node:assert/strict'
import { field, op } from '../../src/migrations/index.ts'
import { createSchemaEditor } from '../../src/migrations/schema-editor/index.ts'
import { createDatabase, type Database } from '../../src/orm/database.ts'
import { DIALECT_URLS } from '../orm/support/dialects.ts'
import { type Applied, forwards } from './support/apply.ts'
import { describeTable, tablesLike } from './support/introspect.ts'
import { forEachDatabase, sql, textRows } from './support/suite.ts'

const P = 'mg_ops_l_'
const T = `${P}thing`

const createThing = op.createModel({
  name: 'Thing',
  table: T,
  fields: { id: field.autoId(), name: field.string({ maxLength: 20 }) },
})

async function setup(db: Database): Promise<Applied> {
  const created = await forwards(db, [createThing])
  await sql(db, `INSERT INTO "${T}" ("name") VALUES ('a'), ('b')`)
  return created
}

/** Operations that create a table, then alter the locked one. */
const blocked = [
  op.createModel({ name: 'Extra', table: `${P}extra`, fields: { id: field.autoId() } }),
  op.addField({ model: 'Thing', name: 'rank', field: field.integer({ null: true }) }),
]

/** Run `fn` while another session holds `lock` on the table (until fn settles). */
async function whileLocked(
  db: Database,
  lock: string,
  fn: () => Promise<unknown>,
): Promise<unknown> {
  const other = createDatabase(DIALECT_URLS[db.dialect])
  try {
    return await other.transaction(async () => {
      await other.execute({ sql: lock, params: [], returnsRows: db.dialect === 'mysql' })
      return await fn().then(
        () => undefined,
        (error: unknown) => error,
      )
    })
  } finally {
    await other.close()
  }
}

forEachDatabase(P, (s) => {
  if (s.dialect === 'postgres') {
    for (const atomic of [true, false]) {
      s.it(
        `a lock held elsewhere fails the migration fast (${atomic ? 'atomic' : 'not atomic'})`,
        async (db) => {
          const created = await setup(db)
          const editor = createSchemaEditor(db, { lockTimeoutMs: 200 })
          const started = performance.now()
          const error = (await whileLocked(db, `LOCK TABLE "${T}" IN ACCESS EXCLUSIVE MODE`, () =>
            forwards(db, blocked, { state: created.state, editor, atomic }),
          )) as Error & { code?: string }
          assert.ok(performance.now() - started < 3000, 'it gave up after the lock timeout')
          assert.equal(error?.code, 'PLINTH_MIGRATIONS_LOCK_TIMEOUT')
          assert.match(error.message, /200 ms/)
          assert.match(error.message, /lockTimeoutMs/)
          assert.match(error.message, new RegExp(T))
          assert.equal((await describeTable(db, T))?.columns.rank, undefined)
          assert.deepEqual(await textRows(db, T, ['name']), [['a'], ['b']])
          // Atomic: the table created before the blocked statement was rolled back too.
          assert.deepEqual(await tablesLike(db, P), atomic ? [T] : [`${P}extra`, T])
          // The session setting did not leak into the pool.
          const { rows } = await db.execute({
            sql: 'SHOW lock_timeout',
            params: [],
            returnsRows: true,
          })
          assert.equal(rows[0]?.lock_timeout, '0')
        },
      )
    }
  }

  if (s.dialect === 'mysql') {
    s.it('a metadata lock held elsewhere fails the migration after lockTimeoutMs', async (db) => {
      const created = await setup(db)
      const editor = createSchemaEditor(db, { lockTimeoutMs: 1000 })
      const error = (await whileLocked(db, `SELECT * FROM \`${T}\``, () =>
        forwards(db, blocked.slice(1), { state: created.state, editor }),
      )) as Error & { code?: string }
      assert.equal(error?.code, 'PLINTH_MIGRATIONS_LOCK_TIMEOUT')
      assert.match(error.message, /resume/)
      assert.equal((await describeTable(db, T))?.columns.rank, undefined)
    })
  }

  s.it('run() is one transaction where DDL is transactional', async (db) => {
    const editor = createSchemaEditor(db)
    const { result, transactional } = await editor.run(true, async () => db.inTransaction)
    assert.equal(transactional, s.dialect !== 'mysql')
    assert.equal(result, s.dialect !== 'mysql')
    assert.equal((await editor.run(false, async () => db.inTransaction)).transactional, false)
  })

  s.it('collect-only mode returns the SQL and changes nothing', async (db) => {
    const created = await setup(db)
    const before = await describeTable(db, T)
    const editor = createSchemaEditor(db, { collectOnly: true })
    assert.equal(editor.collectOnly, true)
    const collected = await forwards(
      db,
      [
        op.createModel({ name: 'Extra', table: `${P}extra`, fields: { id: field.autoId() } }),
        op.addField({
          model: 'Thing',
          name: 'code',
          field: field.string({ maxLength: 5 }),
          fill: 'x',
        }),
        op.alterField({ model: 'Thing', name: 'name', field: field.text() }),
        op.addIndex({ model: 'Thing', index: { name: `${P}ix_name`, fields: ['code'] } }),
      ],
      { state: created.state, editor },
    )
    const text = collected.statements.join(';\n')
    assert.match(text, new RegExp(`CREATE TABLE .${P}extra`))
    assert.match(text, /'x'/) // the fill, inlined as a literal
    assert.match(text, new RegExp(`CREATE INDEX .${P}ix_name`))
    assert.deepEqual(await tablesLike(db, P), [T])
    assert.deepEqual(await describeTable(db, T), before)
    assert.deepEqual(await textRows(db, T, ['name']), [['a'], ['b']])
    // Reads still run: a NOT NULL column without a value is refused as it would be for real.
    const strict = op.addField({ model: 'Thing', name: 'n', field: field.integer() })
    await assert.rejects(forwards(db, [strict], { state: created.state, editor }), {
      code: 'PLINTH_MIGRATIONS_NEEDS_DEFAULT',
    })
  })

  s.it('refuses a bad lockTimeoutMs', () => {
    const db = createDatabase('sqlite::memory:')
    assert.throws(() => createSchemaEditor(db, { lockTimeoutMs: -1 }), {
      code: 'PLINTH_MIGRATIONS_INVALID',
    })
    assert.throws(() => createSchemaEditor(db, { lockTimeoutMs: 1.5 }), /whole number/)
  })
})
