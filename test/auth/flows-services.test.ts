/**
 * The flows against real servers: sign-up, login, password change and reset on PostgreSQL (a
 * database of this file's own, so parallel test files cannot collide on the `plinth_auth_*`
 * tables), and the login throttle in Redis shared by two app instances.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import pg from 'pg'
import { authModule, encodeUid, loginThrottle } from 'plinth/auth'
import { migrate } from 'plinth/migrations'
import { createDatabase } from 'plinth/orm'
import { redisRateLimitStore } from 'plinth/security'
import { testClient } from 'plinth/testing'
import { requireService } from '../support/services.ts'
import { flowsApp, lastResetLink } from './flows-support.ts'

const GOOD = 'correct horse battery staple'
const SERVER = 'postgres://postgres@127.0.0.1:5432'
const NAME = 'plinth_test_auth_flows'

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${SERVER}/test` })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

describe('flows on PostgreSQL', () => {
  it('signs up, logs in, changes and resets a password', async (t) => {
    if (!(await requireService(t, 'postgres'))) return
    await admin(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`)
    await admin(`CREATE DATABASE ${NAME}`)
    const db = createDatabase(`${SERVER}/${NAME}`)
    try {
      await migrate(db, { modules: [authModule], log: () => {} })
      const { app, outbox, auth } = await flowsApp({ database: db })
      const client = testClient(app)
      const signed = await client.post('/signup', {
        json: { username: 'ada', email: 'ada@example.com', password: GOOD },
      })
      assert.equal(signed.status, 200, signed.text)
      const taken = await testClient(app).post('/signup', {
        json: { username: 'ADA', password: GOOD },
      })
      assert.equal(taken.json().error.details[0].code, 'username_taken')

      const changed = await client.post('/password', {
        json: { oldPassword: GOOD, newPassword: 'tulip-orbit-basalt' },
      })
      assert.equal(changed.status, 200, changed.text)
      assert.equal((await client.get('/me')).json().username, 'ada')

      // The reset mail goes to the stored address; Unicode look-alikes of it (dotted and dotless
      // i, Django CVE-2019-19844) get nothing.
      await auth.createUser({ username: 'mike', email: 'mike@example.org', password: GOOD })
      for (const email of ['MİKE@example.org', 'mıke@example.org'])
        await client.post('/password-reset', { json: { email } })
      assert.equal(outbox.length, 0)
      await client.post('/password-reset', { json: { email: 'ADA@example.com' } })
      assert.equal(outbox.length, 1)
      assert.deepEqual(outbox[0]!.to, ['ada@example.com'])
      const link = lastResetLink(outbox)
      assert.equal(
        (await client.post(link.path, { json: { newPassword: 'granite-lemon-harbor' } })).status,
        200,
      )
      assert.equal(
        (await client.post(link.path, { json: { newPassword: 'granite-lemon-harbor' } })).status,
        400,
      )
      assert.equal((await client.get('/me')).status, 401, 'the reset ended the session')
      // Ids that cannot be the integer primary key are bad links, not database errors.
      for (const uid of [encodeUid('abc'), encodeUid('1e3'), encodeUid('99999999999999999999')]) {
        const res = await client.post(`/reset/${uid}/${link.token}`, {
          json: { newPassword: 'granite-lemon-harbor' },
        })
        assert.equal(res.status, 400, uid)
      }
      const fresh = testClient(app)
      assert.equal(
        (
          await fresh.post('/login', {
            json: { username: 'ada', password: 'granite-lemon-harbor' },
          })
        ).status,
        200,
      )
      await client.close()
      await fresh.close()
    } finally {
      await db.close()
      await admin(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`)
    }
  })
})

describe('login throttle in Redis', () => {
  it('locks an account for every app instance sharing the store', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const prefix = `plinth:test:flows:${randomBytes(6).toString('hex')}:`
    // This test is about sharing, not outages: a generous timeout keeps a CI machine under full
    // load from turning a slow answer into a fail-closed 429 (timeouts have their own tests).
    const stores = [0, 1].map(() =>
      redisRateLimitStore({ redis: 'redis://127.0.0.1:6379', prefix, timeoutMs: 30_000 }),
    )
    const apps = await Promise.all(
      stores.map((store) =>
        flowsApp({
          throttle: loginThrottle({ store, perAccount: { limit: 4, windowMs: 60_000 } }),
        }),
      ),
    )
    try {
      for (const { auth } of apps) await auth.createUser({ username: 'ada', password: GOOD })
      const [one, two] = apps.map(({ app }) => testClient(app))
      for (let i = 0; i < 4; i++) {
        const res = await (i % 2 ? two! : one!).post('/login', {
          json: { username: 'ada', password: 'wrong' },
        })
        assert.equal(res.status, 400, `wrong password #${i + 1}: ${res.text}`)
      }
      for (const client of [one!, two!]) {
        const res = await client.post('/login', { json: { username: 'Ada', password: GOOD } })
        assert.equal(res.status, 429)
        assert.ok(Number(res.headers['retry-after']) > 0)
      }
      await one!.close()
      await two!.close()
    } finally {
      for (const { db } of apps) await db.close()
      for (const store of stores) await store.close()
    }
  })
})
