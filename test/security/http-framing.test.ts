/**
 * Hostile requests against the HTTP entry point, sent as raw bytes through Node's real parser
 * (security catalogue §2.A, §2.B, §2.D, §2.G, §2.J). Each case asserts the safe answer and that
 * the app keeps serving afterwards.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createApp } from 'plinth'
import { testClient } from 'plinth/testing'
import { z } from 'zod'

let handlerCalls = 0
const app = createApp({ logger: false, limits: { bodySize: 64 * 1024 } })
app.get('/health', () => ({ ok: true }))
app.post('/echo', { body: z.object({ name: z.string() }) }, (ctx) => {
  handlerCalls++
  return ctx.body
})
app.get('/admin/secret.txt', () => 'top secret')
app.get('/header', (ctx) => {
  ctx.setHeader('x-echo', String(ctx.query.v ?? ''))
  return 'ok'
})
const client = testClient(app)
after(() => client.close())

const statusOf = (reply: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0)

async function assertAlive(): Promise<void> {
  const res = await client.get('/health')
  assert.equal(res.status, 200)
}

const cases: Array<[string, string, number]> = [
  [
    'CL and TE together (smuggling)',
    'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    400,
  ],
  [
    'duplicate differing Content-Length',
    'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    400,
  ],
  ['negative Content-Length', 'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', 400],
  [
    'plus-signed Content-Length',
    'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\na',
    400,
  ],
  ['whitespace before the colon', 'GET /health HTTP/1.1\r\nHost : a\r\n\r\n', 400],
  ['bare LF line endings', 'GET /health HTTP/1.1\nHost: a\n\n', 400],
  ['obsolete line folding', 'GET /health HTTP/1.1\r\nHost: a\r\nX-Long: a\r\n  b\r\n\r\n', 400],
  [
    'odd Transfer-Encoding',
    'POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n',
    400,
  ],
  ['missing Host on HTTP/1.1', 'GET /health HTTP/1.1\r\n\r\n', 400],
  [
    'oversized header (20 KB)',
    `GET /health HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    431,
  ],
  ['oversized URL (20 KB)', `GET /health?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: a\r\n\r\n`, 431],
  [
    'oversized Cookie header',
    `GET /health HTTP/1.1\r\nHost: a\r\nCookie: a=${'b'.repeat(20_000)}\r\n\r\n`,
    431,
  ],
  [
    'huge chunk extension',
    `POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;${'x'.repeat(100_000)}\r\na\r\n0\r\n\r\n`,
    413,
  ],
  ['unknown method token', 'FOO /health HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  [
    'absolute-form target',
    'GET http://evil.example/admin/secret.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    400,
  ],
  [
    'encoded slash around a guard',
    'GET /admin%2Fsecret.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    400,
  ],
  ['double slash', 'GET //admin/secret.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 400],
  ['dot segment', 'GET /admin/./secret.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 400],
  [
    'encoded dot-dot',
    'GET /x/%2e%2e/admin/secret.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    400,
  ],
  [
    'encoded backslash',
    'GET /admin%5Csecret.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    400,
  ],
  [
    'NUL in the path',
    'GET /admin/secret%00.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    400,
  ],
  [
    'malformed percent-encoding',
    'GET /%E0%A4%A HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    400,
  ],
  ['TRACE is not routed', 'TRACE /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 405],
  [
    'uppercase path variant is a different route',
    'GET /ADMIN/secret.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    404,
  ],
]

describe('hostile framing and targets', () => {
  for (const [name, request, status] of cases) {
    it(`answers ${status} to ${name} and keeps serving`, async () => {
      const reply = await client.raw(request, { timeout: 1000 })
      assert.equal(statusOf(reply), status, reply.slice(0, 200))
      assert.doesNotMatch(reply, /top secret/)
      await assertAlive()
    })
  }
})

describe('hostile bodies', () => {
  const post = (body: string, type = 'application/json') =>
    client.raw(
      `POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )

  it('never calls the handler for refused bodies', async () => {
    handlerCalls = 0
    const refused: Array<[string, string, number]> = [
      ['{"__proto__":{"isAdmin":true}}', 'application/json', 400],
      ['{"\\u005f_proto__":{"isAdmin":true}}', 'application/json', 400],
      ['{"constructor":{"prototype":{"isAdmin":true}}}', 'application/json', 400],
      [`${'['.repeat(30_000)}${']'.repeat(30_000)}`, 'application/json', 400],
      ['{"name":"x"}', 'text/plain', 415],
      ['{"name":"x"}', 'application/x-www-form-urlencoded', 415],
      ['{"name":"x"}', 'application/json garbage', 415],
      ['{"name":"x"}', 'application/json\u0000x', 400],
      ['"just a string"', 'application/json', 422],
      ['{"name":', 'application/json', 400],
    ]
    for (const [body, type, status] of refused) {
      const reply = await post(body, type)
      assert.equal(statusOf(reply), status, `${type} ${body.slice(0, 40)}`)
    }
    assert.equal(handlerCalls, 0)
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined)
    await assertAlive()
  })

  it('answers 413 for a body over the limit without calling the handler', async () => {
    handlerCalls = 0
    const reply = await post(JSON.stringify({ name: 'x'.repeat(70 * 1024) }))
    assert.equal(statusOf(reply), 413)
    assert.equal(handlerCalls, 0)
  })

  it('survives a client that sends less than its Content-Length and disappears', async () => {
    const reply = await client.raw(
      'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na',
      {
        timeout: 100,
      },
    )
    assert.equal(reply, '')
    await assertAlive()
  })
})

describe('response splitting', () => {
  it('answers 500 instead of emitting an injected header', async () => {
    const reply = await client.raw(
      'GET /header?v=a%0d%0aSet-Cookie:%20evil=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    )
    assert.equal(statusOf(reply), 500)
    assert.doesNotMatch(reply, /evil=1/)
    await assertAlive()
  })
})
