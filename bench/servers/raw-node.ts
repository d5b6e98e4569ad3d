/**
 * The baseline: a bare `node:http` server in the style of TechEmpower's `nodejs` entry (one
 * `switch` on `req.url`, the JSON object serialized per request, headers in one `writeHead`).
 *
 * It sends the same headers Plinth does (content type and length; Node adds Date, Connection and
 * Keep-Alive) and no `Server` header, so the comparison measures the framework, not the bytes.
 *
 *   npx node bench/servers/raw-node.ts [port]   # prints {"port":N} once listening
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

const GREETING = 'Hello, World!'
const PLAINTEXT_LENGTH = Buffer.byteLength(GREETING)

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 9 })
  res.end('Not Found')
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  switch (req.url) {
    case '/json': {
      const body = JSON.stringify({ message: GREETING })
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      })
      res.end(body)
      return
    }
    case '/plaintext':
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': PLAINTEXT_LENGTH })
      res.end(GREETING)
      return
    default:
      notFound(res)
  }
})

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`,
  )
})

// Exit cleanly on SIGTERM/SIGINT so `--cpu-prof` and `--prof` can write their output.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0))
