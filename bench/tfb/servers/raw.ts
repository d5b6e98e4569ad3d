/**
 * The limit: a bare `node:http` server written like TechEmpower's `nodejs` entry. Routing is a
 * `switch` on the path, `?queries=` is parsed by hand, bodies are `JSON.stringify` or a template
 * literal, and every response's headers go out in one `writeHead` (Node adds Date and
 * Connection). It differs from that entry in two places: the same pg/node:sqlite layer as every
 * peer (database.ts) instead of postgres.js, and `JSON.stringify` instead of a schema serializer.
 * With TFB_PG_MODE=pipelined it is the tuned reference: the same code on pipelined pg clients.
 *
 *   PORT=8080 TFB_DB=postgres npx node --conditions=plinth-source bench/tfb/servers/raw.ts
 */
import { createServer, type ServerResponse } from 'node:http'
import {
  clampQueries,
  type Database,
  escapeHtml,
  type Fortune,
  GREETING,
  HOST,
  launch,
  randomId,
  type World,
  withAdditionalFortune,
} from './common.ts'

const SERVER = 'node'
const PLAINTEXT_LENGTH = Buffer.byteLength(GREETING)

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value)
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    server: SERVER,
  })
  res.end(body)
}

function sendHtml(res: ServerResponse, body: string): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    server: SERVER,
  })
  res.end(body)
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain',
    'content-length': Buffer.byteLength(message),
    server: SERVER,
  })
  res.end(message)
}

/** The raw value of `queries` in a query string, or undefined (no decoding: digits only matter). */
function queriesParam(search: string): string | undefined {
  for (const pair of search.split('&')) {
    if (pair.startsWith('queries=')) return pair.slice(8)
  }
  return undefined
}

function readWorlds(db: Database, count: number): Promise<World[]> {
  const reads: Promise<World>[] = new Array(count)
  for (let i = 0; i < count; i++) reads[i] = db.getWorld(randomId())
  return Promise.all(reads)
}

function fortunesPage(fortunes: Fortune[]): string {
  let rows = ''
  for (const f of fortunes) rows += `<tr><td>${f.id}</td><td>${escapeHtml(f.message)}</td></tr>`
  return `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${rows}</table></body></html>`
}

async function handleDatabase(
  db: Database,
  path: string,
  search: string,
  res: ServerResponse,
): Promise<void> {
  switch (path) {
    case '/db':
      return sendJson(res, await db.getWorld(randomId()))
    case '/queries':
      return sendJson(res, await readWorlds(db, clampQueries(queriesParam(search))))
    case '/fortunes':
      return sendHtml(res, fortunesPage(withAdditionalFortune(await db.getFortunes())))
    case '/updates': {
      const worlds = await readWorlds(db, clampQueries(queriesParam(search)))
      for (const world of worlds) world.randomNumber = randomId()
      await db.updateWorlds(worlds)
      return sendJson(res, worlds)
    }
    default:
      return sendError(res, 404, 'Not Found')
  }
}

await launch(async (db, config) => {
  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    switch (url) {
      case '/json':
        return sendJson(res, { message: GREETING })
      case '/plaintext':
        res.writeHead(200, {
          'content-type': 'text/plain',
          'content-length': PLAINTEXT_LENGTH,
          server: SERVER,
        })
        res.end(GREETING)
        return
    }
    const mark = url.indexOf('?')
    const path = mark === -1 ? url : url.slice(0, mark)
    const search = mark === -1 ? '' : url.slice(mark + 1)
    handleDatabase(db, path, search, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'Internal Server Error')
      else res.destroy()
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, HOST, () => {
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : config.port)
    })
  })
})
