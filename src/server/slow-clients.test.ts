import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createApp } from '../index.ts'
import { type ServeHandle, serve } from './serve.ts'

interface Exchange {
  /** Everything the server sent. */
  text: string
  /** Whether the server closed the connection (within the wait). */
  closed: boolean
}

/**
 * Open a raw connection, write `parts` with `delay` ms between them (stopping once the server
 * hangs up), and collect the reply until the connection closes or `wait` ms pass.
 */
async function exchange(
  port: number,
  parts: readonly string[],
  { delay = 0, wait = 5_000 }: { delay?: number; wait?: number } = {},
): Promise<Exchange> {
  const socket = connect(port, '127.0.0.1')
  let text = ''
  let closed = false
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1')
  })
  socket.on('error', () => {})
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, wait)
    socket.once('close', () => {
      closed = true
      clearTimeout(timer)
      resolve()
    })
  })
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  for (const part of parts) {
    if (closed || socket.destroyed) break
    socket.write(part)
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
  }
  await done
  socket.destroy()
  return { text, closed }
}

describe('serve() with slow and malformed clients', () => {
  let handle: ServeHandle

  before(async () => {
    const app = createApp({ logger: false })
    app.get('/', () => ({ ok: true }))
    app.post('/echo', async (ctx) => ({ received: (await ctx.text()).length }))
    handle = await serve(app, {
      port: 0,
      signals: false,
      headersTimeout: 1_000,
      requestTimeout: 2_000,
    })
  })

  after(async () => {
    await handle.close()
  })

  it('answers 408 and closes the connection when headers trickle in past headersTimeout', async () => {
    const lines = ['GET / HTTP/1.1\r\n', 'Host: test\r\n']
    for (let i = 0; i < 20; i++) lines.push(`X-Trickle-${i}: ${i}\r\n`)
    const { text, closed } = await exchange(handle.port, lines, { delay: 300 })
    assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/)
    assert.equal(closed, true)
  })

  it('answers 408 and closes the connection when the body trickles in past requestTimeout', async () => {
    const head =
      'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n'
    const { text, closed } = await exchange(handle.port, [head, ...'x'.repeat(40)], {
      delay: 300,
    })
    assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/)
    assert.equal(closed, true)
  })

  it('answers 431 to 20 KB of headers', async () => {
    const big = `X-Big: ${'a'.repeat(20 * 1024)}\r\n`
    const { text, closed } = await exchange(handle.port, [
      `GET / HTTP/1.1\r\nHost: test\r\n${big}\r\n`,
    ])
    assert.match(text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/)
    assert.equal(closed, true)
  })

  it('answers 400 to a request with both Content-Length and Transfer-Encoding (smuggling)', async () => {
    const smuggle =
      'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: test\r\n\r\n'
    const { text, closed } = await exchange(handle.port, [smuggle])
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.doesNotMatch(text, /200 OK/)
    assert.equal(closed, true)
  })

  it('answers 400 to bare-LF line endings', async () => {
    const { text, closed } = await exchange(handle.port, ['GET / HTTP/1.1\nHost: test\n\n'])
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/)
    assert.equal(closed, true)
  })

  it('keeps serving normal requests after hostile clients', async () => {
    const response = await fetch(`${handle.url}/`)
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { ok: true })
  })
})
