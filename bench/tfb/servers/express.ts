/**
 * Express 5 written as its documentation recommends: `app.disable('x-powered-by')`, a middleware
 * for the `Server` header, `res.json` / `res.send`, async handlers (Express 5 forwards their
 * rejections), and Fortunes through `res.render` with a view engine registered by
 * `app.engine()` (Eta; Express caches view lookups since NODE_ENV=production).
 *
 * TechEmpower's tuned `express` entry (2025/26 rewrite) differs in ways a user would not
 * normally write: `res.writeHead(...).end(body)` instead of `res.json`/`res.send` (no ETag, no
 * charset negotiation), fast-json-stringify, a template literal instead of a view engine,
 * `server.keepAliveTimeout = 0`, and postgres.js with one connection per worker.
 *
 *   PORT=8080 TFB_DB=postgres npx node --conditions=plinth-source bench/tfb/servers/express.ts
 */
import type { Server } from 'node:http'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Eta } from 'eta'
import express from 'express'
import {
  clampQueries,
  GREETING,
  HOST,
  launch,
  randomId,
  type World,
  withAdditionalFortune,
} from './common.ts'

const VIEWS = join(dirname(fileURLToPath(import.meta.url)), 'views')

// Eta's Express recipe reads and compiles the file on every render; rendering by name with
// `cache: true` compiles it once, which is what a user who measured would do.
const eta = new Eta({ views: VIEWS, cache: true })

/** `?queries=` as Express's default (simple) query parser gives it: a repeat makes an array. */
function firstValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return firstValue(value[0])
  return typeof value === 'string' ? value : undefined
}

await launch(async (db, config) => {
  const app = express()
  app.disable('x-powered-by')
  app.engine('eta', (path, data, callback) => {
    try {
      callback(null, eta.render(relative(VIEWS, path), data as object))
    } catch (error) {
      callback(error)
    }
  })
  app.set('views', VIEWS)
  app.set('view engine', 'eta')

  app.use((_req, res, next) => {
    res.set('Server', 'Express')
    next()
  })

  app.get('/json', (_req, res) => {
    res.json({ message: GREETING })
  })

  app.get('/plaintext', (_req, res) => {
    res.type('text/plain').send(GREETING)
  })

  app.get('/db', async (_req, res) => {
    res.json(await db.getWorld(randomId()))
  })

  function readWorlds(queries: unknown): Promise<World[]> {
    const count = clampQueries(firstValue(queries))
    const reads: Promise<World>[] = []
    for (let i = 0; i < count; i++) reads.push(db.getWorld(randomId()))
    return Promise.all(reads)
  }

  app.get('/queries', async (req, res) => {
    res.json(await readWorlds(req.query.queries))
  })

  app.get('/fortunes', async (_req, res) => {
    res.render('fortunes', { fortunes: withAdditionalFortune(await db.getFortunes()) })
  })

  app.get('/updates', async (req, res) => {
    const worlds = await readWorlds(req.query.queries)
    for (const world of worlds) world.randomNumber = randomId()
    await db.updateWorlds(worlds)
    res.json(worlds)
  })

  return new Promise((resolve, reject) => {
    const server: Server = app.listen(config.port, HOST, (error) => {
      if (error) return reject(error)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : config.port)
    })
  })
})
