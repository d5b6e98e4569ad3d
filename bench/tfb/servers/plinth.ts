/**
 * The Plinth contender of the TechEmpower-style suite, written the way Plinth's docs teach a user
 * to write this app: ORM models (`plinth/orm`), routes with Zod schemas, a template with a layout
 * rendered by the app's templates plugin, and `serve()` / `serveCluster()` from `plinth/server`.
 * Only public imports: nothing here reaches into `src/`.
 *
 *   PORT=8080 TFB_DB=postgres TFB_DATABASE=postgres://postgres@127.0.0.1:5432/plinth_tfb \
 *     TFB_POOL=4 TFB_WORKERS=2 NODE_ENV=production \
 *     npx node --conditions=plinth-source bench/tfb/servers/plinth.ts
 *
 * Prints `{"port":N}` once listening (in a cluster, once every worker listens), as the suite's
 * server contract asks; SIGTERM/SIGINT stop it (and, in a cluster, every worker).
 */
import { createApp, render, templates, text } from 'plinth'
import { createDatabase } from 'plinth/orm'
import { serve, serveCluster } from 'plinth/server'
import { createEnvironment, fileSystemLoader } from 'plinth/templates'
import { z } from 'zod'
import { Fortune, World } from './plinth/models.ts'

const HOST = '127.0.0.1'
const port = Number(process.env.PORT ?? 8080)
const workers = Number(process.env.TFB_WORKERS ?? 1)
if (workers > 1 && port === 0) throw new Error('A cluster needs a fixed PORT (workers share it).')

/** The ORM takes URLs only: a SQLite file path becomes `sqlite:<path>`. */
function databaseUrl(): string {
  const kind = process.env.TFB_DB
  const target = process.env.TFB_DATABASE
  if (!target) throw new Error('TFB_DATABASE must name the database (a URL or a SQLite file).')
  if (kind === 'postgres') return target
  if (kind === 'sqlite') return `sqlite:${target}`
  throw new Error(`TFB_DB must be "postgres" or "sqlite", got ${JSON.stringify(kind)}.`)
}

const randomWorldId = () => Math.floor(Math.random() * 10_000) + 1

/**
 * `?queries=N`. TechEmpower clamps instead of refusing: missing, non-integer or below 1 is 1,
 * above 500 is 500. Plinth coerces the query string to a number for `z.number()`; `catch(1)`
 * turns a failed check into 1 instead of a 422, and `transform` clamps what remains.
 */
const QueriesQuery = z.object({
  queries: z
    .number()
    .int()
    .catch(1)
    .transform((n) => Math.min(500, Math.max(1, n))),
})

/** TechEmpower sorts by plain code-unit comparison, not `localeCompare`. */
function byMessage(a: { message: string }, b: { message: string }): number {
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0
}

/** The app of one process (every cluster worker builds its own, with its own pool). */
export function createTfbApp() {
  const db = createDatabase({
    url: databaseUrl(),
    // TFB_PG_MODE=pool: each statement reserves a connection, as before pipelining existed
    // (the `plinth-reserved` reference contender); otherwise Plinth's default.
    pool: { max: Number(process.env.TFB_POOL ?? 4), pipeline: process.env.TFB_PG_MODE !== 'pool' },
    models: [World, Fortune],
  })
  // TechEmpower requires a Server header on every response, errors and 404s included.
  const app = createApp({ logger: false, headers: { server: 'Plinth' } })
  app.hook('shutdown', () => db.close())
  app.register(
    templates(
      createEnvironment({
        loader: fileSystemLoader(new URL('./plinth/templates/', import.meta.url)),
        trimBlocks: true,
        lstripBlocks: true,
      }),
    ),
  )

  app.get('/json', () => ({ message: 'Hello, World!' }))
  app.get('/plaintext', () => text('Hello, World!'))

  // Instances from get(), as the ORM guide's routes return them (the guide gives no advice to
  // use values() for read-only JSON). `response` makes the compiled serializer write the row.
  app.get('/db', { response: World.schemas.output }, () =>
    World.objects.get({ id: randomWorldId() }),
  )

  app.get('/queries', { query: QueriesQuery, response: World.schemas.output.array() }, (ctx) =>
    Promise.all(
      Array.from({ length: ctx.query.queries }, () => World.objects.get({ id: randomWorldId() })),
    ),
  )

  app.get('/fortunes', async (ctx) => {
    const fortunes: Array<{ id: number; message: string }> = await Fortune.objects.all()
    fortunes.push({ id: 0, message: 'Additional fortune added at request time.' })
    fortunes.sort(byMessage)
    return render(ctx, 'fortunes.html', { fortunes })
  })

  app.get(
    '/updates',
    { query: QueriesQuery, response: World.schemas.output.array() },
    async (ctx) => {
      const worlds = await Promise.all(
        Array.from({ length: ctx.query.queries }, () => World.objects.get({ id: randomWorldId() })),
      )
      for (const world of worlds) world.randomNumber = randomWorldId()
      // One UPDATE for all rows (TechEmpower allows a bulk write). bulkUpdate writes in primary
      // key order, so concurrent requests lock rows in the same order and cannot deadlock.
      await World.objects.bulkUpdate(worlds, ['randomNumber'])
      return worlds
    },
  )
  return app
}

function announce(listeningPort: number): void {
  process.stdout.write(`${JSON.stringify({ port: listeningPort })}\n`)
}

if (workers > 1) {
  // Every worker re-runs this file; serveCluster calls createTfbApp in the workers only, and in
  // the primary resolves once all of them listen. SIGTERM to the primary stops them all.
  const cluster = await serveCluster(createTfbApp, { workers, port, host: HOST, logger: false })
  if (cluster.isPrimary) announce(port)
} else {
  // serve() owns the process: SIGTERM/SIGINT drain the server, close the pool and exit.
  const server = await serve(createTfbApp(), { port, host: HOST })
  announce(server.port)
}
