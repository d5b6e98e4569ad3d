/**
 * The database store on SQLite, the shipped migration (it matches the model: the autodetector
 * finds nothing to do), and `clearExpiredSessions()`. PostgreSQL and MariaDB run the same store
 * in test/sessions/stores.test.ts.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createApp } from '../app/index.ts'
import {
  detectChanges,
  loadModuleMigrations,
  makeMigrations,
  migrate,
  ProjectState,
  replay,
} from '../migrations/index.ts'
import { createDatabase } from '../orm/index.ts'
import { testClient } from '../testing/index.ts'
import { databaseSessionStore } from './database-store.ts'
import { getSession, sessions } from './middleware.ts'
import { SessionModel } from './model.ts'
import { sessionsModule } from './module.ts'

describe('sessionsModule migrations', () => {
  it('match the Session model (makemigrations --check finds no changes)', async () => {
    const result = await makeMigrations({ modules: [sessionsModule], check: true })
    assert.equal(result.changed, false, result.output)
    const from = replay(await loadModuleMigrations(sessionsModule))
    const to = ProjectState.fromModels([SessionModel])
    assert.deepEqual(await detectChanges(from, to), [])
  })

  it('create the plinth_session table with an index on expires_at', async () => {
    const db = createDatabase('sqlite::memory:')
    try {
      const { applied } = await migrate(db, { modules: [sessionsModule] })
      assert.deepEqual(applied, ['sessions.0001_initial'])
      const indexes = await db.execute({
        sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'plinth_session'",
        params: [],
        returnsRows: true,
      })
      assert.match(JSON.stringify(indexes.rows), /expires_at/)
    } finally {
      await db.close()
    }
  })
})

describe('databaseSessionStore on SQLite', () => {
  const db = createDatabase('sqlite::memory:')
  const store = databaseSessionStore({ database: db })
  before(() => migrate(db, { modules: [sessionsModule] }))
  after(() => db.close())

  it('creates, replaces, reads and deletes records', async () => {
    const record = {
      data: { user: 7, cart: ['a', 'ü'] },
      createdAt: 1_000,
      expiresAt: 2_000_000_000_000,
    }
    await store.set('a'.repeat(64), record, 1000)
    assert.deepEqual(await store.get('a'.repeat(64)), record)
    await store.set('a'.repeat(64), record, 1000) // same values again: still one row
    const changed = { ...record, data: { user: 8 } }
    await store.set('a'.repeat(64), changed, 1000)
    assert.deepEqual(await store.get('a'.repeat(64)), changed)
    assert.equal(await SessionModel.objects.using(db).count(), 1)
    await store.delete('a'.repeat(64))
    await store.delete('a'.repeat(64))
    assert.equal(await store.get('a'.repeat(64)), undefined)
  })

  it('treats a row with corrupt data as absent', async () => {
    const now = new Date()
    await SessionModel.objects
      .using(db)
      .create({ key: 'b'.repeat(64), data: 'not json', expiresAt: now, createdAt: now })
    assert.equal(await store.get('b'.repeat(64)), undefined)
    await store.delete('b'.repeat(64))
  })

  it('clearExpiredSessions() deletes expired rows only', async () => {
    const now = Date.now()
    await store.set('c'.repeat(64), { data: { a: 1 }, createdAt: now, expiresAt: now - 1 }, 1)
    await store.set('d'.repeat(64), { data: { a: 1 }, createdAt: now, expiresAt: now - 60_000 }, 1)
    await store.set(
      'e'.repeat(64),
      { data: { a: 1 }, createdAt: now, expiresAt: now + 60_000 },
      60_000,
    )
    assert.equal(await store.clearExpiredSessions(new Date(now)), 2)
    assert.ok(await store.get('e'.repeat(64)))
    assert.equal(await store.get('c'.repeat(64)), undefined)
    await store.delete('e'.repeat(64))
  })

  it('stores the token hash as the key, never the token', async () => {
    const app = createApp({ logger: false })
    app.use(sessions({ store }))
    app.post('/login', async (ctx) => {
      ;(await getSession(ctx)).set('userId', 42)
      return { ok: true }
    })
    const client = testClient(app)
    await client.post('/login')
    const token = client.cookies.get('__Host-session')!
    const rows = await SessionModel.objects.using(db).all()
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.key, createHash('sha256').update(token).digest('hex'))
    assert.equal(rows[0]!.data, '{"userId":42}')
    assert.doesNotMatch(JSON.stringify(rows), new RegExp(token))
    await client.close()
    await store.delete(rows[0]!.key)
  })

  it('uses the database of the enclosing db.scope() when none is given', async () => {
    const ambient = databaseSessionStore()
    const record = { data: { scoped: true }, createdAt: 1, expiresAt: Date.now() + 60_000 }
    await db.scope(() => ambient.set('f'.repeat(64), record, 60_000))
    assert.deepEqual(await store.get('f'.repeat(64)), record)
    await assert.rejects(ambient.get('f'.repeat(64)), { code: 'PLINTH_ORM_NO_DATABASE' })
    await store.delete('f'.repeat(64))
  })
})
