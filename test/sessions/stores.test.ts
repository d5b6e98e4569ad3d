/**
 * Each session store against the real thing: memory, the database store on SQLite, PostgreSQL
 * and MariaDB (a private database per run, migrated with `sessionsModule`), and Redis (a private
 * key prefix per run).
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, it, type TestContext } from 'node:test'
import { migrate } from 'plinth/migrations'
import { createDatabase, type Database } from 'plinth/orm'
import {
  type DatabaseSessionStore,
  databaseSessionStore,
  memorySessionStore,
  type RedisSessionStore,
  redisSessionStore,
  SessionModel,
  sessionsModule,
} from 'plinth/sessions'
import { requireService } from '../support/services.ts'
import { storeContract } from './store-contract.ts'

describe('memory store', () => {
  const store = memorySessionStore()
  storeContract(async () => store)
})

/** A throw-away database on a server, migrated with the sessions module. */
function serverDatabase(kind: 'postgres' | 'mariadb') {
  const name = `plinth_sessions_${process.pid}`
  const base =
    kind === 'postgres' ? 'postgres://postgres@127.0.0.1:5432' : 'mysql://root@127.0.0.1:3306'
  const admin = createDatabase(`${base}/test`)
  const exec = async (sql: string) => {
    await admin.execute({ sql, params: [], returnsRows: false })
  }
  return {
    async open(): Promise<Database> {
      await exec(`DROP DATABASE IF EXISTS ${name}`)
      await exec(`CREATE DATABASE ${name}`)
      return createDatabase(`${base}/${name}`)
    },
    async drop(): Promise<void> {
      const force = kind === 'postgres' ? ' WITH (FORCE)' : ''
      await exec(`DROP DATABASE IF EXISTS ${name}${force}`).catch(() => {})
      await admin.close()
    },
  }
}

for (const kind of ['sqlite', 'postgres', 'mariadb'] as const) {
  describe(`database store on ${kind}`, () => {
    const server = kind === 'sqlite' ? undefined : serverDatabase(kind)
    let db: Database | undefined
    let store: DatabaseSessionStore | undefined
    const ready = async (t: TestContext) => {
      if (server !== undefined && !(await requireService(t, kind as 'postgres' | 'mariadb')))
        return undefined
      if (store === undefined) {
        db = server === undefined ? createDatabase('sqlite::memory:') : await server.open()
        await migrate(db, { modules: [sessionsModule] })
        store = databaseSessionStore({ database: db })
      }
      return store
    }
    after(async () => {
      await db?.close()
      if (db !== undefined) await server?.drop()
    })

    storeContract(ready)

    it('keeps millisecond timestamps and clears expired sessions', async (t) => {
      const store = await ready(t)
      if (store === undefined) return
      const now = Date.now()
      const live = { data: { a: 2 }, createdAt: now - 456, expiresAt: now + 60_001 }
      await store.set('1'.repeat(64), { data: { a: 1 }, createdAt: now, expiresAt: now - 1 }, 1)
      await store.set('2'.repeat(64), live, 60_001)
      assert.deepEqual(await store.get('2'.repeat(64)), live)
      assert.equal(await store.clearExpiredSessions(new Date(now)), 1)
      const keys = await SessionModel.objects.using(db!).valuesList('key', { flat: true }).all()
      assert.deepEqual(keys, ['2'.repeat(64)])
      await store.delete('2'.repeat(64))
    })
  })
}

describe('redis store', () => {
  const prefix = `plinth:test:sessions:${process.pid}:${randomUUID()}:`
  let store: RedisSessionStore | undefined
  const ready = async (t: TestContext) => {
    if (!(await requireService(t, 'redis'))) return undefined
    store ??= redisSessionStore({ redis: 'redis://127.0.0.1:6379', prefix })
    return store
  }
  after(async () => {
    if (store === undefined) return
    const keys = (await store.redis.command(['KEYS', `${prefix}*`])) as string[]
    if (keys.length > 0) await store.redis.command(['DEL', ...keys])
    await store.close()
  })

  storeContract(ready)

  it('writes one key per session under the prefix, with a PX expiry', async (t) => {
    const store = await ready(t)
    if (store === undefined) return
    const record = { data: { a: 1 }, createdAt: 1, expiresAt: Date.now() + 90_000 }
    await store.set('a'.repeat(64), record, 90_000)
    const pttl = Number(await store.redis.command(['PTTL', `${prefix}${'a'.repeat(64)}`]))
    assert.ok(pttl > 0 && pttl <= 90_000, `PTTL ${pttl}`)
    assert.equal(
      await store.redis.command(['GET', `${prefix}${'a'.repeat(64)}`]),
      JSON.stringify(record),
    )
    await store.delete('a'.repeat(64))
    assert.equal(await store.redis.command(['EXISTS', `${prefix}${'a'.repeat(64)}`]), 0)
  })

  it('treats a corrupt value as absent', async (t) => {
    const store = await ready(t)
    if (store === undefined) return
    await store.redis.command(['SET', `${prefix}${'c'.repeat(64)}`, '{not json', 'PX', 60_000])
    assert.equal(await store.get('c'.repeat(64)), undefined)
  })
})
