/**
 * Test helpers for multipart uploads: hand-built bodies (for input no well-behaved client would
 * send), a per-test upload directory, and an app whose `/upload` route describes what it parsed.
 */
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { createApp, type Limits } from 'plinth'
import type { FormRecord, FormValue } from 'plinth/http'
import { type TestClient, type TestResponse, testClient } from 'plinth/testing'

export const BOUNDARY = 'test-boundary-7MA4YWxkTrZu0gW'
export const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`
/** The only shape a spooled file's name may have: nothing from the client in it. */
export const TEMP_NAME = /^plinth-upload-[0-9a-f]{32}$/

/** A fresh upload directory, removed when the test ends. */
export async function uploadDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'plinth-multipart-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

function describeValue(value: FormValue) {
  if (typeof value === 'string') return value
  return { file: value.name, size: value.size, type: value.type, onDisk: value.path !== null }
}

/** A JSON-friendly view of a parsed form (files as `{ file, size, type, onDisk }`). */
export function describeForm(form: FormRecord): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null)
  for (const [key, value] of Object.entries(form)) {
    out[key] = Array.isArray(value) ? value.map(describeValue) : describeValue(value)
  }
  return out
}

/** A client for an app whose `POST /upload` answers with `describeForm(await ctx.form())`. */
export function uploadApp(dir: string, limits?: Partial<Limits>): TestClient {
  const app = createApp({ logger: false, uploadDir: dir, ...(limits ? { limits } : {}) })
  app.post('/upload', async (ctx) => describeForm(await ctx.form()))
  return testClient(app)
}

export type Part = readonly [headers: string, body: string | Buffer]

/** A text part. */
export function field(name: string, value: string | Buffer): Part {
  return [`Content-Disposition: form-data; name="${name}"`, value]
}

/** A file part, with an optional `Content-Type`. */
export function filePart(
  name: string,
  filename: string,
  body: string | Buffer,
  type?: string,
): Part {
  const headers = `Content-Disposition: form-data; name="${name}"; filename="${filename}"`
  return [type === undefined ? headers : `${headers}\r\nContent-Type: ${type}`, body]
}

/** A hand-built multipart body; `end: false` leaves out the closing boundary. */
export function multipart(parts: readonly Part[], options: { end?: boolean } = {}): Buffer {
  const chunks: Buffer[] = []
  for (const [headers, body] of parts) {
    chunks.push(
      Buffer.from(`--${BOUNDARY}\r\n${headers}\r\n\r\n`),
      Buffer.from(body),
      Buffer.from('\r\n'),
    )
  }
  if (options.end ?? true) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`))
  return Buffer.concat(chunks)
}

/** POST a raw body to `/upload` as multipart (with `BOUNDARY` unless `content-type` is given). */
export function post(
  client: TestClient,
  body: string | Buffer,
  headers: Record<string, string> = {},
  path = '/upload',
): Promise<TestResponse> {
  return client.post(path, { body, headers: { 'content-type': MULTIPART, ...headers } })
}

/** Assert an error response's status, code and (for limits) `connection: close`. */
export function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text)
  assert.equal(res.json().error.code, code)
  if (status === 413) assert.equal(res.headers.connection, 'close')
}

/** Poll until `dir` is empty (cleanup runs just after the response); returns what is left. */
export async function waitUntilEmpty(dir: string, timeoutMs = 2000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs
  while (readdirSync(dir).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return readdirSync(dir)
}

/** Poll until `check` holds; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A response read off a raw socket. */
export interface RawReply {
  status: number
  headers: Record<string, string>
  body: string
}

/** Parse the first response in what `client.raw()` returned. */
export function parseRawReply(reply: string): RawReply {
  const headEnd = reply.indexOf('\r\n\r\n')
  const [statusLine = '', ...lines] = reply.slice(0, headEnd).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = Number(headers['content-length'] ?? 0)
  const body = Buffer.from(reply.slice(headEnd + 4))
    .subarray(0, length)
    .toString()
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}

/** The head of a raw multipart POST to `/upload`. */
export function rawHead(headers: Record<string, string | number>, contentType = MULTIPART): string {
  const lines = Object.entries({ host: 't', 'content-type': contentType, ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  return `POST /upload HTTP/1.1\r\n${lines}\r\n`
}

/** Frame a body as HTTP/1.1 chunks, one per piece, with the terminating zero chunk. */
export function chunked(pieces: readonly Buffer[]): Buffer {
  const framed = pieces.flatMap((piece) => [
    Buffer.from(`${piece.length.toString(16)}\r\n`),
    piece,
    Buffer.from('\r\n'),
  ])
  return Buffer.concat([...framed, Buffer.from('0\r\n\r\n')])
}
