import assert from 'node:assert/strict'
import { symlinkSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { binary, file, html, json, noContent, redirect, sse, stream, text } from '../http/index.ts'
import { testClient } from '../testing/index.ts'
import { createApp } from './index.ts'

const quiet = { logger: false } as const
const files = new URL('../../test/fixtures/files/', import.meta.url).pathname

describe('responses', () => {
  it('sends plain values as JSON, strings included', async () => {
    const app = createApp(quiet)
    app.get('/obj', () => ({ a: 1 }))
    app.get('/str', () => 'hi')
    app.get('/null', () => null)
    app.get('/async', async () => [1, 2])
    const client = testClient(app)
    const obj = await client.get('/obj')
    assert.equal(obj.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(obj.text, '{"a":1}')
    assert.equal((await client.get('/str')).text, '"hi"')
    assert.equal((await client.get('/null')).text, 'null')
    assert.equal((await client.get('/async')).text, '[1,2]')
  })

  it('answers 204 when a handler returns nothing', async () => {
    const app = createApp(quiet)
    app.delete('/items/:id', () => undefined)
    const res = await testClient(app).delete('/items/1')
    assert.equal(res.status, 204)
    assert.equal(res.body.length, 0)
  })

  it('applies ctx status, headers and cookies to plain values', async () => {
    const app = createApp(quiet)
    app.post('/things', (ctx) => {
      ctx.setStatus(201).setHeader('location', '/things/1').setCookie('seen', 'yes', { maxAge: 60 })
      return { id: 1 }
    })
    const res = await testClient(app).post('/things')
    assert.equal(res.status, 201)
    assert.equal(res.headers.location, '/things/1')
    assert.deepEqual(res.headers['set-cookie'], [
      'seen=yes; Max-Age=60; Path=/; HttpOnly; SameSite=Lax',
    ])
  })

  it('merges ctx headers under the reply headers and concatenates cookies', async () => {
    const app = createApp(quiet)
    app.get('/', (ctx) => {
      ctx.setHeader('x-a', 'ctx').setHeader('x-b', 'ctx').setCookie('one', '1')
      return json({ ok: 1 }, { headers: { 'x-b': 'reply' } }).cookie('two', '2')
    })
    const res = await testClient(app).get('/')
    assert.equal(res.headers['x-a'], 'ctx')
    assert.equal(res.headers['x-b'], 'reply')
    assert.deepEqual(
      (res.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]),
      ['one=1', 'two=2'],
    )
  })

  it('sends text, html, binary and empty replies with their content types', async () => {
    const app = createApp(quiet)
    app.get('/text', () => text('héllo'))
    app.get('/html', () => html('<p>hi</p>', { status: 202 }))
    app.get('/bin', () => binary(new Uint8Array([1, 2]), 'application/x-thing'))
    app.get('/buffer', () => Buffer.from('raw'))
    app.get('/empty', () => noContent())
    const client = testClient(app)
    const t = await client.get('/text')
    assert.equal(t.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(t.headers['content-length'], '6')
    assert.equal(t.text, 'héllo')
    const h = await client.get('/html')
    assert.equal(h.status, 202)
    assert.equal(h.headers['content-type'], 'text/html; charset=utf-8')
    assert.deepEqual([...(await client.get('/bin')).body], [1, 2])
    assert.equal((await client.get('/buffer')).headers['content-type'], 'application/octet-stream')
    assert.equal((await client.get('/empty')).status, 204)
  })

  it('redirects safely', async () => {
    const app = createApp(quiet)
    app.get('/old', () => redirect('/new', 301))
    app.get('/login', (ctx) => redirect(String(ctx.query.next ?? '/')))
    const client = testClient(app)
    const old = await client.get('/old')
    assert.equal(old.status, 301)
    assert.equal(old.headers.location, '/new')
    const evil = await client.get('/login?next=//evil.example')
    assert.equal(evil.status, 400)
    assert.equal(evil.headers.location, undefined)
    assert.equal(
      (await client.get('/login?next=%0d%0aSet-Cookie:%20a=b')).headers['set-cookie'],
      undefined,
    )
  })

  it('streams Node streams, async iterables and web streams', async () => {
    const app = createApp(quiet)
    app.get('/node', () => stream(Readable.from(['a', 'b', 'c']), { contentType: 'text/plain' }))
    app.get('/iter', () =>
      stream(
        (async function* () {
          yield 'x'
          yield 'y'
        })(),
      ),
    )
    app.get('/web', () => stream(new Blob(['web']).stream()))
    const client = testClient(app)
    const node = await client.get('/node')
    assert.equal(node.text, 'abc')
    assert.equal(node.headers['transfer-encoding'], 'chunked')
    assert.equal((await client.get('/iter')).text, 'xy')
    assert.equal((await client.get('/web')).text, 'web')
  })

  it('sends server-sent events', async () => {
    const app = createApp(quiet)
    app.get('/events', () =>
      sse(
        async function* () {
          yield { event: 'greeting', data: { hello: 'world' } }
          yield { id: '2', data: 'bye' }
        },
        { heartbeat: 0 },
      ),
    )
    const res = await testClient(app).get('/events')
    assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
    assert.equal(res.text, 'event: greeting\ndata: {"hello":"world"}\n\nid: 2\ndata: bye\n\n')
  })

  it('cuts the connection when a stream fails after headers are sent', async () => {
    const app = createApp(quiet)
    app.get('/broken', () =>
      stream(
        (async function* () {
          yield 'partial'
          throw new Error('disk gone')
        })(),
      ),
    )
    app.get('/ok', () => 'ok')
    const client = testClient(app)
    await assert.rejects(client.get('/broken'))
    assert.equal((await client.get('/ok')).status, 200)
  })
})

describe('file responses', () => {
  it('sends a file with type, length, ETag and Last-Modified', async () => {
    const app = createApp(quiet)
    app.get('/f/:name', (ctx) => file(ctx.params.name, { root: files }))
    const res = await testClient(app).get('/f/hello.txt')
    assert.equal(res.status, 200)
    assert.equal(res.text, 'hello file\n')
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(res.headers['content-length'], '11')
    assert.match(String(res.headers.etag), /^W\/"/)
    assert.ok(res.headers['last-modified'])
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
  })

  it('answers conditional requests with 304', async () => {
    const app = createApp(quiet)
    app.get('/f', () => file(join(files, 'hello.txt')))
    const client = testClient(app)
    const first = await client.get('/f')
    const etag = String(first.headers.etag)
    const cached = await client.get('/f', { headers: { 'if-none-match': etag } })
    assert.equal(cached.status, 304)
    assert.equal(cached.body.length, 0)
    const since = await client.get('/f', {
      headers: { 'if-modified-since': String(first.headers['last-modified']) },
    })
    assert.equal(since.status, 304)
    const changed = await client.get('/f', { headers: { 'if-none-match': 'W/"other"' } })
    assert.equal(changed.status, 200)
  })

  it('serves single byte ranges and refuses unsatisfiable ones', async () => {
    const app = createApp(quiet)
    app.get('/f', () => file(join(files, 'hello.txt')))
    const client = testClient(app)
    const part = await client.get('/f', { headers: { range: 'bytes=0-4' } })
    assert.equal(part.status, 206)
    assert.equal(part.text, 'hello')
    assert.equal(part.headers['content-range'], 'bytes 0-4/11')
    assert.equal((await client.get('/f', { headers: { range: 'bytes=-5' } })).text, 'file\n')
    const bad = await client.get('/f', { headers: { range: 'bytes=50-60' } })
    assert.equal(bad.status, 416)
    assert.equal(bad.headers['content-range'], 'bytes */11')
    assert.equal((await client.get('/f', { headers: { range: 'bytes=0-1,3-4' } })).status, 200)
  })

  it('sends downloads with an escaped Content-Disposition', async () => {
    const app = createApp(quiet)
    app.get('/d', () => file(join(files, 'hello.txt'), { download: 'résumé "final".txt' }))
    const res = await testClient(app).get('/d')
    assert.equal(
      res.headers['content-disposition'],
      `attachment; filename="r_sum_ _final_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.txt`,
    )
  })

  it('never serves anything outside the root, dotfiles or missing files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plinth-files-'))
    await writeFile(join(dir, 'ok.txt'), 'ok')
    symlinkSync(join(files, '..', 'outside.txt'), join(dir, 'link.txt'))
    const app = createApp(quiet)
    app.get('/static/*path', (ctx) => file(ctx.params.path, { root: dir }))
    app.get('/fixtures/*path', (ctx) => file(ctx.params.path, { root: files }))
    const client = testClient(app)
    assert.equal((await client.get('/static/ok.txt')).text, 'ok')
    for (const path of [
      '/static/link.txt',
      '/fixtures/.env',
      '/static/missing.txt',
      '/static/',
      '/fixtures/..%252f..%252fpackage.json',
    ]) {
      const res = await client.get(path)
      assert.equal(res.status, 404, path)
    }
  })

  it('answers HEAD for files without a body', async () => {
    const app = createApp(quiet)
    app.get('/f', () => file(join(files, 'hello.txt')))
    const res = await testClient(app).head('/f')
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-length'], '11')
    assert.equal(res.body.length, 0)
  })
})

describe('signed cookies', () => {
  const secretKey = 's'.repeat(32)

  it('round-trips signed cookies and ignores tampered ones', async () => {
    const app = createApp({ ...quiet, secretKey })
    app.get('/set', (ctx) => {
      ctx.setCookie('uid', '42', { signed: true })
      return 'set'
    })
    app.get('/get', (ctx) => ({ uid: ctx.signedCookie('uid') ?? null }))
    const client = testClient(app)
    await client.get('/set')
    assert.deepEqual((await client.get('/get')).json(), { uid: '42' })
    const tampered = String(client.cookies.get('uid')).replace('42', '43')
    client.cookies.set('uid', tampered)
    assert.deepEqual((await client.get('/get')).json(), { uid: null })
  })

  it('answers 500 with a clear message when no secret key is configured', async () => {
    const app = createApp({ ...quiet, debug: true })
    app.get('/set', (ctx) => ctx.setCookie('uid', '1', { signed: true }))
    const res = await testClient(app).get('/set')
    assert.equal(res.status, 500)
    assert.match(res.json().error.message, /secretKey/)
  })
})
