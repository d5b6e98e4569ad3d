import assert from 'node:assert/strict'
import type { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { formatSseEvent, sse } from './sse.ts'

describe('formatSseEvent', () => {
  it('encodes objects as JSON data and splits multi-line strings', () => {
    assert.equal(formatSseEvent({ a: 1 }), 'data: {"a":1}\n\n')
    assert.equal(
      formatSseEvent({ data: 'one\ntwo', event: 'msg', id: '7', retry: 1500 }),
      'event: msg\nid: 7\nretry: 1500\ndata: one\ndata: two\n\n',
    )
    assert.equal(formatSseEvent({ comment: 'hi' }), ': hi\n\n')
  })

  it('refuses line breaks in event names and ids (event injection)', () => {
    assert.throws(() => formatSseEvent({ event: 'a\ndata: forged', data: 1 }), {
      code: 'PLINTH_SSE_INVALID_FIELD',
    })
    assert.throws(() => formatSseEvent({ id: '1\r\n', data: 1 }), {
      code: 'PLINTH_SSE_INVALID_FIELD',
    })
  })
})

describe('sse', () => {
  it('streams events lazily and ends when the generator returns', async () => {
    let started = false
    const reply = sse(
      async function* () {
        started = true
        yield { event: 'a', data: 1 }
        yield 'plain'
      },
      { heartbeat: 0 },
    )
    assert.equal(reply.headers['content-type'], 'text/event-stream; charset=utf-8')
    assert.equal(reply.headers['cache-control'], 'no-cache')
    await new Promise((r) => setTimeout(r, 10))
    assert.equal(started, false)
    let out = ''
    for await (const chunk of reply.stream as Readable) out += chunk
    assert.equal(out, 'event: a\ndata: 1\n\ndata: plain\n\n')
  })

  it('stops the generator and aborts its signal when the consumer goes away', async () => {
    let cleanedUp = false
    let aborted = false
    const reply = sse(
      async function* (signal) {
        signal.addEventListener('abort', () => {
          aborted = true
        })
        try {
          for (let i = 0; ; i++) {
            yield { data: i }
            await new Promise((r) => setTimeout(r, 5))
          }
        } finally {
          cleanedUp = true
        }
      },
      { heartbeat: 0 },
    )
    const stream = reply.stream as Readable
    await new Promise<void>((resolve) => stream.once('data', () => resolve()))
    stream.destroy()
    await new Promise((r) => setTimeout(r, 30))
    assert.equal(aborted, true)
    assert.equal(cleanedUp, true)
  })

  it('sends heartbeat comments while the source is idle', async () => {
    const reply = sse(
      async function* () {
        await new Promise((r) => setTimeout(r, 60))
        yield 'done'
      },
      { heartbeat: 15 },
    )
    let out = ''
    for await (const chunk of reply.stream as Readable) out += chunk
    assert.match(out, /^: ping\n\n/)
    assert.match(out, /data: done\n\n$/)
  })
})
