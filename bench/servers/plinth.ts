/**
 * The Plinth contender: the hello routes through the full stack (context, router, lifecycle,
 * JSON write path).
 *
 *   npx node bench/servers/plinth.ts [--listener server|handler] [port]
 *
 * `--listener server` (default) serves the app with `createServer` from `plinth/server` (timeouts,
 * graceful-shutdown bookkeeping); `--listener handler` uses `http.createServer(app.handler)`, so
 * the difference between the two is the cost of the server wrapper alone.
 * Prints {"port":N} once listening.
 */
import { createServer as createHttpServer, type Server } from 'node:http'
import { createApp, text } from 'plinth'
import { createServer } from 'plinth/server'

const args = process.argv.slice(2)
const listenerIndex = args.indexOf('--listener')
const listener = listenerIndex === -1 ? 'server' : args.splice(listenerIndex, 2)[1]
if (listener !== 'server' && listener !== 'handler') {
  throw new Error(`--listener must be "server" or "handler", got ${listener}`)
}

const app = createApp({ logger: false })
app.get('/json', () => ({ message: 'Hello, World!' }))
app.get('/plaintext', () => text('Hello, World!'))
await app.start()

const server: Server =
  listener === 'server' ? createServer(app).server : createHttpServer(app.handler)

server.listen(Number(args[0] ?? 0), '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`,
  )
})

// Exit cleanly on SIGTERM/SIGINT so `--cpu-prof` and `--prof` can write their output.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0))
