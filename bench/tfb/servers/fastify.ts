/**
 * Fastify 5 written as its documentation recommends: `Fastify({ logger: false })`, async
 * handlers returning values, a response schema on every JSON route (serialized by
 * fast-json-stringify), and Fortunes through `@fastify/view` with Eta, one of the engines it
 * documents (caching compiled templates since NODE_ENV=production).
 *
 * TechEmpower's tuned `fastify` entry differs in ways a user would not normally write:
 * `keepAliveTimeout: 0`, postgres.js with one connection per worker, and Handlebars rather than
 * Eta. `?queries=` gets no querystring schema: TechEmpower wants `foo` or `0` clamped to 1,
 * while a schema would reject them with a 400.
 *
 *   PORT=8080 TFB_DB=postgres npx node --conditions=plinth-source bench/tfb/servers/fastify.ts
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyView from '@fastify/view'
import { Eta } from 'eta'
import Fastify from 'fastify'
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

const worldSchema = {
  type: 'object',
  properties: { id: { type: 'integer' }, randomNumber: { type: 'integer' } },
} as const
const worldsSchema = { type: 'array', items: worldSchema } as const

interface QueriesRequest {
  Querystring: { queries?: string }
}

await launch(async (db, config) => {
  const app = Fastify({ logger: false })
  await app.register(fastifyView, { engine: { eta: new Eta() }, root: VIEWS })

  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('server', 'Fastify')
    done()
  })

  app.get(
    '/json',
    {
      schema: {
        response: {
          200: { type: 'object', properties: { message: { type: 'string' } } },
        },
      },
    },
    async () => ({ message: GREETING }),
  )

  app.get('/plaintext', async () => GREETING)

  app.get('/db', { schema: { response: { 200: worldSchema } } }, () => db.getWorld(randomId()))

  async function readWorlds(queries: string | undefined): Promise<World[]> {
    const count = clampQueries(queries)
    const reads: Promise<World>[] = []
    for (let i = 0; i < count; i++) reads.push(db.getWorld(randomId()))
    return Promise.all(reads)
  }

  app.get<QueriesRequest>('/queries', { schema: { response: { 200: worldsSchema } } }, (request) =>
    readWorlds(request.query.queries),
  )

  app.get('/fortunes', async (_request, reply) => {
    const fortunes = withAdditionalFortune(await db.getFortunes())
    return reply.viewAsync('fortunes.eta', { fortunes })
  })

  app.get<QueriesRequest>(
    '/updates',
    { schema: { response: { 200: worldsSchema } } },
    async (request) => {
      const worlds = await readWorlds(request.query.queries)
      for (const world of worlds) world.randomNumber = randomId()
      await db.updateWorlds(worlds)
      return worlds
    },
  )

  await app.listen({ port: config.port, host: HOST })
  const address = app.server.address()
  return typeof address === 'object' && address !== null ? address.port : config.port
})
