import assert from 'node:assert/strict'
import { connect, createServer as createNetServer, type Socket } from 'node:net'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { get } from '../../test/support/child-process.ts'
import { createApp, stream } from '../index.ts'
import { serve } from './serve.ts'

/** Resolves with the connection error code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
  })
}

async function freePort(): Promise<number> {
  const probe = createNetServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

/** Read from a raw socket until `predicate(text so far)` holds. */
function readUntil(socket: Socket, predicate: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8')
      if (predicate(text)) {
        socket.off('data', onData)
        resolve(text)
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
  })
}

const quietApp = () => createApp({ logger: false })

describe('serve()', () => {
  it('serves requests on a real port and reports the bound port and URL', async () => {
    const app = quietApp()
    app.get('/hello', () => ({ hello: 'world' }))
    const handle = await serve(app, { port: 0, signals: false })
    try {
      assert.ok(handle.port > 0)
      assert.equal(handle.url, `http://127.0.0.1:${handle.port}`)
      const res = await get(`${handle.url}/hello`)
      assert.equal(res.status, 200)
      assert.deepEqual(JSON.parse(res.body), { hello: 'world' })
    } finally {
      await handle.close()
    }
  })

  it('runs startup hooks to completion before the port accepts connections', async () => {
    const port = await freePort()
    const app = quietApp()
    let duringStartup = ''
    app.hook('startup', async () => {
      duringStartup = await tryConnect(port)
    })
    const handle = await serve(app, { port, signals: false })
    try {
      assert.equal(duringStartup, 'ECONNREFUSED')
      assert.equal(await tryConnect(port), 'connected')
    } finally {
      await handle.close()
    }
  })

  it('lets an in-flight request finish with Connection: close, refuses new connections, then runs shutdown hooks', async () => {
    const app = quietApp()
    const events: string[] = []
    let handlerEntered!: () => void
    const entered = new Promise<void>((resolve) => {
      handlerEntered = resolve
    })
    app.get('/slow', async () => {
      handlerEntered()
      await sleep(500)
      events.push('response')
      return { done: true }
    })
    app.hook('shutdown', () => {
      events.push('shutdown hook')
    })
    const handle = await serve(app, { port: 0, signals: false })
    const response = get(`${handle.url}/slow`)
    await entered
    const closed = handle.close()
    assert.equal(handle.close(), closed, 'close() is idempotent')
    assert.equal(await tryConnect(handle.port), 'ECONNREFUSED')
    const res = await response
    assert.equal(res.status, 200)
    assert.equal(res.headers.connection, 'close')
    assert.deepEqual(JSON.parse(res.body), { done: true })
    assert.deepEqual(await closed, { drained: true })
    assert.deepEqual(events, ['response', 'shutdown hook'])
  })

  it('answers 503 with Connection: close to a new request on a kept-alive socket during shutdown', async () => {
    const app = quietApp()
    app.get('/stream', () =>
      stream(
        (async function* () {
          yield 'first;'
          await sleep(300)
          yield 'last'
        })(),
      ),
    )
    app.get('/slow', async () => {
      await sleep(1_500)
      return { done: true }
    })
    app.get('/hello', () => ({ hello: 'world' }))
    const handle = await serve(app, { port: 0, signals: false })
    // The slow request keeps the drain waiting while the kept-alive socket is reused.
    const slow = get(`${handle.url}/slow`)
    const socket = connect(handle.port, '127.0.0.1')
    try {
      socket.write('GET /stream HTTP/1.1\r\nHost: test\r\n\r\n')
      await readUntil(socket, (text) => text.includes('first;'))
      const closed = handle.close()
      // The streamed response started before shutdown, so it ends keeping the socket open.
      const first = await readUntil(socket, (text) => text.endsWith('0\r\n\r\n'))
      assert.match(first, /last/)
      const ended = new Promise<void>((resolve) => socket.once('end', resolve))
      socket.write('GET /hello HTTP/1.1\r\nHost: test\r\n\r\n')
      const second = await readUntil(socket, (text) => text.includes('shutting_down'))
      assert.match(second, /^HTTP\/1\.1 503 /)
      assert.match(second, /\r\nconnection: close\r\n/i)
      await ended
      assert.equal((await slow).status, 200)
      assert.deepEqual(await closed, { drained: true })
    } finally {
      socket.destroy()
    }
  })

  it('cuts requests still running at shutdownTimeout, reports it, and still runs shutdown hooks', async () => {
    const app = quietApp()
    let hookRan = false
    app.hook('shutdown', () => {
      hookRan = true
    })
    let handlerEntered!: () => void
    const entered = new Promise<void>((resolve) => {
      handlerEntered = resolve
    })
    app.get('/stuck', async () => {
      handlerEntered()
      await sleep(10_000, undefined, { ref: false })
      return { never: 'sent' }
    })
    const handle = await serve(app, { port: 0, signals: false, shutdownTimeout: 300 })
    const response = get(`${handle.url}/stuck`)
    await entered
    const startedAt = Date.now()
    const report = await handle.close()
    const elapsed = Date.now() - startedAt
    assert.deepEqual(report, { drained: false })
    assert.ok(elapsed >= 250 && elapsed < 5_000, `closed after ${elapsed} ms`)
    await assert.rejects(response, /socket hang up|ECONNRESET/)
    assert.equal(hookRan, true)
  })

  it('rejects close() with the shutdown hook errors after the server has stopped', async () => {
    const app = quietApp()
    app.hook('shutdown', () => {
      throw new Error('pool already closed')
    })
    const handle = await serve(app, { port: 0, signals: false })
    await assert.rejects(handle.close(), (error: AggregateError) => {
      assert.equal(error.errors.length, 1)
      return true
    })
    assert.equal(handle.server.listening, false)
  })

  it('rejects with PLINTH_SERVER_PORT_IN_USE naming the port when it is taken, and runs shutdown hooks', async () => {
    const blocker = createNetServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as { port: number }
    const app = quietApp()
    let stopped = false
    app.hook('shutdown', () => {
      stopped = true
    })
    try {
      await assert.rejects(
        serve(app, { port, signals: false }),
        (error: Error & { code: string }) => {
          assert.equal(error.code, 'PLINTH_SERVER_PORT_IN_USE')
          assert.match(error.message, new RegExp(`Port ${port} is already in use`))
          return true
        },
      )
      assert.equal(stopped, true)
    } finally {
      blocker.close()
    }
  })

  it('rejects invalid options before running startup hooks', async () => {
    const app = quietApp()
    let started = false
    app.hook('startup', () => {
      started = true
    })
    await assert.rejects(serve(app, { port: 70_000, signals: false }), {
      code: 'PLINTH_SERVER_INVALID_PORT',
    })
    await assert.rejects(serve(app, { shutdownTimeout: -1, signals: false }), {
      code: 'PLINTH_SERVER_INVALID_SHUTDOWN_TIMEOUT',
    })
    await assert.rejects(serve(app, { headersTimeout: 5_000, requestTimeout: 1_000 }), {
      code: 'PLINTH_CONFIG_INVALID',
    })
    assert.equal(started, false)
  })

  it('installs process signal and error listeners while serving and removes them on close', async () => {
    const events = ['SIGTERM', 'SIGINT', 'uncaughtException', 'unhandledRejection'] as const
    const count = () => events.map((name) => process.listenerCount(name))
    const before = count()
    const handle = await serve(quietApp(), { port: 0 })
    assert.deepEqual(
      count(),
      before.map((n) => n + 1),
    )
    await handle.close()
    assert.deepEqual(count(), before)
  })

  it('installs no process listeners with signals: false', async () => {
    const before = process.listenerCount('SIGTERM')
    const handle = await serve(quietApp(), { port: 0, signals: false })
    assert.equal(process.listenerCount('SIGTERM'), before)
    await handle.close()
  })
})
