/**
 * The N+1 warning in a real app: `app.use(queryWatchMiddleware(db))` logs a warning naming the
 * repeated SQL for a request that loads a relation per row, stays quiet for one that uses
 * selectRelated(), and counts concurrent requests apart.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { createApp, type Middleware } from 'plinth'
import { createDatabase, createTables, defineModel, field, queryWatchMiddleware } from 'plinth/orm'
import { testClient } from 'plinth/testing'

const Maker = defineModel('Maker', { name: field.string({ maxLength: 50 }) }, { table: 'qw_maker' })
const Gadget = defineModel(
  'Gadget',
  {
    name: field.string({ maxLength: 50 }),
    maker: field.foreignKey(() => Maker, { onDelete: 'cascade' }),
  },
  { table: 'qw_gadget' },
)
const db = createDatabase({ url: 'sqlite::memory:', models: [Maker, Gadget] })

before(async () => {
  await createTables(db, [Maker, Gadget])
  for (let m = 0; m < 4; m++) {
    const maker = await Maker.objects.create({ name: `maker ${m}` })
    for (let g = 0; g < 5; g++)
      await Gadget.objects.create({ name: `gadget ${m}.${g}`, makerId: maker.id })
  }
})
after(() => db.close())

function appWithLog(threshold?: number) {
  const lines: Array<Record<string, unknown>> = []
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  )
  const app = createApp({ logger })
  app.use(queryWatchMiddleware(db, threshold === undefined ? {} : { threshold }))
  // One query per gadget for its maker: the N+1 pattern.
  app.get('/slow', async () => {
    const gadgets = await Gadget.objects.orderBy('id').all()
    const out = []
    for (const gadget of gadgets)
      out.push({ name: gadget.name, maker: (await Maker.objects.get({ id: gadget.makerId })).name })
    return out
  })
  app.get('/fast', async () => {
    const gadgets = await Gadget.objects.selectRelated('maker').orderBy('id').all()
    return gadgets.map((g) => ({ name: g.name, maker: g.maker.name }))
  })
  // Requests to /together wait for each other, so their queries interleave.
  let arrived = 0
  let release: () => void = () => {}
  const all = new Promise<void>((resolve) => {
    release = resolve
  })
  app.get('/together', async () => {
    if (++arrived === 4) release()
    await all
    for (let i = 0; i < 3; i++) await Maker.objects.get({ id: 1 })
    return { ok: true }
  })
  app.get('/some/:n', async (ctx) => {
    for (let i = 0; i < Number(ctx.params.n); i++) await Maker.objects.get({ id: 1 })
    return { ok: true }
  })
  return { app, warnings: () => lines.filter((l) => l.level === 40) }
}

describe('queryWatchMiddleware', () => {
  it('has the shape of a Plinth middleware', () => {
    const middleware: Middleware = queryWatchMiddleware(db)
    assert.equal(typeof middleware, 'function')
  })

  it('warns when a request runs the same query shape 10 times or more', async () => {
    const { app, warnings } = appWithLog()
    const client = testClient(app)
    const slow = await client.get('/slow')
    assert.equal(slow.status, 200)
    assert.equal(slow.json().length, 20)
    const [warning, ...rest] = warnings()
    assert.equal(rest.length, 0)
    assert.ok(warning)
    assert.equal(warning.count, 20)
    assert.match(String(warning.sql), /qw_maker/)
    assert.equal(
      warning.msg,
      `N+1 suspected: the same query ran 20 times in one request: ${warning.sql}. Use selectRelated()/prefetchRelated().`,
    )
    assert.ok(warning.reqId, 'logged through the request logger')
    await client.close()
  })

  it('stays quiet when the relation is joined', async () => {
    const { app, warnings } = appWithLog()
    const client = testClient(app)
    const fast = await client.get('/fast')
    assert.deepEqual(fast.json()[19], { name: 'gadget 3.4', maker: 'maker 3' })
    assert.deepEqual(warnings(), [])
    await client.close()
  })

  it('counts concurrent requests apart and honours the threshold', async () => {
    const { app, warnings } = appWithLog(5)
    const client = testClient(app)
    // Four requests of 3 queries each run interleaved: 12 in total, never 5 in one request.
    const replies = await Promise.all([1, 2, 3, 4].map(() => client.get('/together')))
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 200, 200],
    )
    assert.deepEqual(warnings(), [])
    await client.get('/some/5')
    assert.equal(warnings().length, 1)
    assert.equal(warnings()[0]!.count, 5)
    await client.close()
  })

  it('logs to the given logger when one is passed', async () => {
    const seen: Array<[object, string]> = []
    const app = createApp({ logger: false })
    app.use(
      queryWatchMiddleware(db, {
        threshold: 2,
        log: { warn: (obj, msg) => seen.push([obj, msg]) },
      }),
    )
    app.get('/twice', async () => {
      await Maker.objects.get({ id: 1 })
      await Maker.objects.get({ id: 2 })
      return null
    })
    const client = testClient(app)
    await client.get('/twice')
    assert.equal(seen.length, 1)
    assert.match(
      seen[0]![1],
      /^N\+1 suspected: the same query ran 2 times in one request: select .*qw_maker/i,
    )
    await client.close()
  })
})
