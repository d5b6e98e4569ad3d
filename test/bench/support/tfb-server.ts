/**
 * A TechEmpower server for the validator's tests: node:http over node:sqlite, correct unless told
 * which mistake to make (one per rule the validator must enforce).
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DatabaseSync } from 'node:sqlite'

export type Fault =
  | 'no-server-header'
  | 'fortunes-charset'
  | 'fortunes-unescaped'
  | 'fortunes-locale-sort'
  | 'fortunes-cached'
  | 'queries-unclamped'
  | 'updates-not-persisted'
  | 'frozen-date'

/** Numeric references (&#60; …), which the validator must treat like the named ones. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A TechEmpower server over node:sqlite, correct unless told which mistake to make. */
export function testServer(file: string, fault?: Fault) {
  const db = new DatabaseSync(file)
  const selectWorld = db.prepare('SELECT id, randomnumber FROM world WHERE id = ?')
  const selectFortunes = db.prepare('SELECT id, message FROM fortune')
  const updateWorld = db.prepare('UPDATE world SET randomnumber = ? WHERE id = ?')
  const randomId = () => Math.floor(Math.random() * 10_000) + 1
  const readRow = () => {
    const row = selectWorld.get(randomId()) as { id: number; randomnumber: number }
    return { id: row.id, randomNumber: row.randomnumber }
  }
  const count = (raw: string | null): number => {
    if (fault !== 'queries-unclamped') return Math.min(Math.max(Number(raw) | 0 || 1, 1), 500)
    const n = Number.parseInt(raw ?? '1', 10)
    if (Number.isNaN(n)) throw new Error('queries is not a number')
    return n
  }
  const send = (res: ServerResponse, type: string, body: string, status = 200) => {
    if (fault === 'frozen-date') {
      res.sendDate = false
      res.setHeader('date', 'Thu, 01 Jan 2026 00:00:00 GMT')
    }
    if (fault !== 'no-server-header') res.setHeader('server', 'Test')
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }
  type Fortune = { id: number; message: string }
  let cachedFortunes: Fortune[] | undefined
  const fortunes = () => {
    const read = () => selectFortunes.all() as Fortune[]
    if (fault === 'fortunes-cached') cachedFortunes ??= read()
    const rows = cachedFortunes ? [...cachedFortunes] : read()
    rows.push({ id: 0, message: 'Additional fortune added at request time.' })
    if (fault === 'fortunes-locale-sort') rows.sort((a, b) => a.message.localeCompare(b.message))
    else rows.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
    const escapeMessage = fault === 'fortunes-unescaped' ? (s: string) => s : escapeHtml
    const cells = rows.map((r) => `<tr><td>${r.id}</td><td>${escapeMessage(r.message)}</td></tr>`)
    return `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${cells.join('')}</table></body></html>`
  }
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const json = 'application/json'
    try {
      switch (url.pathname) {
        case '/json':
          return send(res, json, JSON.stringify({ message: 'Hello, World!' }))
        case '/plaintext':
          return send(res, 'text/plain', 'Hello, World!')
        case '/db':
          return send(res, json, JSON.stringify(readRow()))
        case '/queries': {
          const rows = Array.from({ length: count(url.searchParams.get('queries')) }, readRow)
          return send(res, json, JSON.stringify(rows))
        }
        case '/fortunes': {
          const type = fault === 'fortunes-charset' ? 'text/html' : 'text/html; charset=utf-8'
          return send(res, type, fortunes())
        }
        case '/updates': {
          const rows = Array.from({ length: count(url.searchParams.get('queries')) }, readRow)
          for (const row of rows) {
            // Never the stored value again: a repeat (1 in 10,000 per row) would be "held" by a
            // server that writes nothing, and the not-persisted check counts every row.
            let next = row.randomNumber
            while (next === row.randomNumber) next = Math.floor(Math.random() * 10_000) + 1
            row.randomNumber = next
          }
          if (fault !== 'updates-not-persisted') {
            db.exec('BEGIN')
            for (const row of rows) updateWorld.run(row.randomNumber, row.id)
            db.exec('COMMIT')
          }
          return send(res, json, JSON.stringify(rows))
        }
        default:
          return send(res, 'text/plain', 'Not Found', 404)
      }
    } catch {
      send(res, 'text/plain', 'Internal Server Error', 500)
    }
  })
  return new Promise<{ baseUrl: string; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      const close = () =>
        new Promise<void>((done) => {
          server.closeAllConnections()
          server.close(() => {
            db.close()
            done()
          })
        })
      resolve({ baseUrl: `http://127.0.0.1:${port}`, close })
    })
  })
}

export const FAULTS: Fault[] = [
  'no-server-header',
  'fortunes-charset',
  'fortunes-unescaped',
  'fortunes-locale-sort',
  'fortunes-cached',
  'queries-unclamped',
  'updates-not-persisted',
  'frozen-date',
]
