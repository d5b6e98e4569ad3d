/** `createApp({ headers })`: fixed headers on every kind of response, and bad options refused. */
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { HttpError, html, json, noContent, stream, text } from '../http/index.ts'
import { testClient } from '../testing/index.ts'
import { createApp } from './index.ts'

describe('createApp({ headers })', () => {
  it('sends them with every kind of response, errors and 404s included', async () => {
    const app = createApp({ logger: false, headers: { Server: 'shop', 'X-Team': 'blue' } })
    app.get('/json', () => ({ a: 1 }))
    app.get('/text', () => text('hi'))
    app.get('/html', () => html('<p>hi</p>'))
    app.get('/empty', () => noContent())
    app.get('/stream', () => stream(Readable.from(['a', 'b'])))
    app.get('/teapot', () => {
      throw new HttpError(418, 'No coffee.')
    })
    app.get('/crash', () => {
      throw new Error('boom')
    })
    const client = testClient(app)
    for (const path of [
      '/json',
      '/text',
      '/html',
      '/empty',
      '/stream',
      '/teapot',
      '/crash',
      '/nowhere',
    ]) {
      const res = await client.get(path)
      assert.equal(res.headers.server, 'shop', path)
      assert.equal(res.headers['x-team'], 'blue', path)
    }
    assert.equal((await client.get('/json')).text, '{"a":1}')
    await client.close()
  })

  it('yields to headers set by middleware, the handler or the reply', async () => {
    const app = createApp({ logger: false, headers: { server: 'shop', 'x-a': '1', 'x-b': '1' } })
    app.use((ctx, next) => {
      ctx.setHeader('x-a', 'middleware')
      return next()
    })
    app.get('/', () => json({}, { headers: { 'x-b': 'reply', server: 'special' } }))
    const res = await testClient(app).get('/')
    assert.equal(res.headers['x-a'], 'middleware')
    assert.equal(res.headers['x-b'], 'reply')
    assert.equal(res.headers.server, 'special')
  })

  it('refuses bad names and values, and per-response headers, at startup', () => {
    for (const headers of [
      'server: shop',
      { 'bad name': 'x' },
      { server: 'a\r\nSet-Cookie: x=1' },
      { server: 1 },
      { 'Content-Type': 'text/plain' },
      { 'set-cookie': 'a=1' },
      { 'content-length': '3' },
    ]) {
      assert.throws(() => createApp({ headers: headers as never }), {
        code: 'PLINTH_CONFIG_INVALID',
        message: /Option "headers"/,
      })
    }
  })
})
