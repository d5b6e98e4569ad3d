/**
 * Hono 4 on Node as its documentation recommends: `serve()` from `@hono/node-server` (default
 * options), `c.json` / `c.text` / `c.html`, a middleware for the `Server` header, and Fortunes
 * through the `html` tagged template from `hono/html`, which escapes interpolated values (JSX,
 * Hono's other way, needs a compile step that type stripping does not do).
 *
 * TechEmpower's `hono` entry is written the same way apart from the database (postgres.js with
 * one connection per worker there, database.ts's pg/node:sqlite layer here).
 *
 *   PORT=8080 TFB_DB=postgres npx node --conditions=plinth-source bench/tfb/servers/hono.ts
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { html } from 'hono/html'
import {
  clampQueries,
  GREETING,
  HOST,
  launch,
  randomId,
  type World,
  withAdditionalFortune,
} from './common.ts'

await launch(async (db, config) => {
  const app = new Hono()

  app.use(async (c, next) => {
    c.header('Server', 'Hono')
    await next()
  })

  app.get('/json', (c) => c.json({ message: GREETING }))

  app.get('/plaintext', (c) => c.text(GREETING))

  app.get('/db', async (c) => c.json(await db.getWorld(randomId())))

  function readWorlds(queries: string | undefined): Promise<World[]> {
    const count = clampQueries(queries)
    const reads: Promise<World>[] = []
    for (let i = 0; i < count; i++) reads.push(db.getWorld(randomId()))
    return Promise.all(reads)
  }

  app.get('/queries', async (c) => c.json(await readWorlds(c.req.query('queries'))))

  app.get('/fortunes', async (c) => {
    const fortunes = withAdditionalFortune(await db.getFortunes())
    return c.html(
      html`<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${fortunes.map(
        (f) => html`<tr><td>${f.id}</td><td>${f.message}</td></tr>`,
      )}</table></body></html>`,
    )
  })

  app.get('/updates', async (c) => {
    const worlds = await readWorlds(c.req.query('queries'))
    for (const world of worlds) world.randomNumber = randomId()
    await db.updateWorlds(worlds)
    return c.json(worlds)
  })

  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: HOST }, (info) =>
      resolve(info.port),
    )
    server.once('error', reject)
  })
})
