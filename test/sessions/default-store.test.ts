/**
 * The default store is the database (Django's default): it works once `sessionsModule` is
 * migrated, and before that the first request says exactly what to do.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { createApp } from 'plinth'
import { migrate } from 'plinth/migrations'
import { createDatabase } from 'plinth/orm'
import { getSession, sessions, sessionsModule } from 'plinth/sessions'
import { testClient } from 'plinth/testing'

function appOn(db: ReturnType<typeof createDatabase>) {
  const app = createApp({ logger: false, debug: true })
  app.use((_ctx, next) => db.scope(next))
  app.use(sessions())
  app.get('/', async (ctx) => {
    const session = await getSession(ctx)
    session.set('n', (session.get<number>('n') ?? 0) + 1)
    return { n: session.get('n') }
  })
  return app
}

it('keeps sessions in the database by default', async () => {
  const db = createDatabase('sqlite::memory:')
  await migrate(db, { modules: [sessionsModule] })
  const client = testClient(appOn(db))
  assert.deepEqual((await client.get('/')).json(), { n: 1 })
  assert.deepEqual((await client.get('/')).json(), { n: 2 })
  const rows = await db.execute({
    sql: 'SELECT count(*) AS n FROM plinth_session',
    params: [],
    returnsRows: true,
  })
  assert.equal(Number((rows.rows[0] as { n: number }).n), 1)
  await client.close()
  await db.close()
})

it('explains a missing session table instead of answering "no such table"', async () => {
  const db = createDatabase('sqlite::memory:')
  const client = testClient(appOn(db))
  const res = await client.get('/')
  assert.equal(res.status, 500)
  assert.match(res.text, /"type":"PlinthError"/)
  assert.match(res.text, /add sessionsModule/)
  await client.close()
  await db.close()
})
