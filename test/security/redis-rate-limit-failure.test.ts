/**
 * What the Redis rate-limit store does when Redis cannot be reached: against a closed port and
 * against a Redis that goes away and comes back. `onError: 'deny'` (the default) answers 429 with
 * `Retry-After: 1`; `onError: 'allow'` lets requests through. Each outage and each recovery is
 * logged once.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createApp } from 'plinth'
import {
  type RateLimitRule,
  type RateLimitStoreLogger,
  type RedisRateLimitStoreOptions,
  rateLimit,
  redisRateLimitStore,
} from 'plinth/security'
import { testClient } from 'plinth/testing'
import { createClient } from 'redis'
import { closedPort } from '../support/net.ts'
import { deleteRedisKeys } from '../support/redis.ts'
import { requireService } from '../support/services.ts'

const PREFIX = `plinth:test:rl-failure:${process.pid}:${randomUUID().slice(0, 8)}:`

after(() => deleteRedisKeys(PREFIX))

function recordingLogger() {
  const lines: Array<{ level: 'error' | 'info'; message: string }> = []
  const logger: RateLimitStoreLogger = {
    error: (_details, message) => lines.push({ level: 'error', message }),
    info: (_details, message) => lines.push({ level: 'info', message }),
  }
  return { logger, lines }
}

/** A node-redis client that tried the closed port once and gave up. */
async function unreachableClient() {
  const client = createClient({
    url: `redis://127.0.0.1:${await closedPort()}`,
    socket: { reconnectStrategy: false },
  })
  client.on('error', () => {})
  await assert.rejects(client.connect(), /ECONNREFUSED/)
  return client
}

async function appWith(options: Omit<RedisRateLimitStoreOptions, 'logger'>) {
  const { logger, lines } = recordingLogger()
  const store = redisRateLimitStore({ ...options, logger })
  const calls = { n: 0 }
  const app = createApp({ logger: false })
  app.use(rateLimit({ limit: 2, windowMs: 60_000, store }))
  app.get('/', () => {
    calls.n++
    return { ok: true }
  })
  return { client: testClient(app), calls, lines }
}

describe('Redis rate-limit store with Redis unreachable (closed port)', () => {
  it('fails closed by default: 429 with Retry-After: 1, the handler is not reached', async () => {
    const { client, calls, lines } = await appWith({ redis: await unreachableClient() })
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await client.get('/')
        assert.equal(answer.status, 429)
        assert.equal(answer.headers['retry-after'], '1')
      }
      assert.equal(calls.n, 0)
      assert.deepEqual(
        lines.map((l) => l.level),
        ['error'],
      )
      assert.match(lines[0]!.message, /refusing requests \(onError: 'deny'\)/)
    } finally {
      await client.close()
    }
  })

  it("fails open with onError: 'allow': requests go through, uncounted", async () => {
    const { client, calls, lines } = await appWith({
      redis: await unreachableClient(),
      onError: 'allow',
    })
    try {
      for (let i = 0; i < 4; i++) assert.equal((await client.get('/')).status, 200)
      assert.equal(calls.n, 4)
      assert.equal(lines.length, 1)
      assert.match(lines[0]!.message, /letting requests through \(onError: 'allow'\)/)
    } finally {
      await client.close()
    }
  })
})

/** A TCP proxy to the real Redis that can drop every connection (Redis "going away"). */
async function redisProxy(options: { delayMs?: number } = {}) {
  const sockets = new Set<Socket>()
  let up = true
  const server: Server = createServer(async (inbound) => {
    sockets.add(inbound)
    inbound.on('close', () => sockets.delete(inbound))
    inbound.on('error', () => {})
    if (!up) return inbound.destroy()
    // A slow network or an overloaded machine: the connection takes a while to be usable.
    if (options.delayMs) await sleep(options.delayMs)
    const outbound = tcpConnect(6379, '127.0.0.1')
    sockets.add(outbound)
    outbound.on('close', () => sockets.delete(outbound))
    outbound.on('error', () => inbound.destroy())
    inbound.pipe(outbound).pipe(inbound)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `redis://127.0.0.1:${(server.address() as { port: number }).port}`,
    down() {
      up = false
      for (const socket of sockets) socket.destroy()
    },
    up() {
      up = true
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(resolve)
      }),
  }
}

describe('Redis rate-limit store opening its connection', () => {
  it('gives the first hits the connect timeout, not timeoutMs, so a slow start is no outage', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const proxy = await redisProxy({ delayMs: 400 })
    const { logger, lines } = recordingLogger()
    const store = redisRateLimitStore({
      redis: proxy.url,
      prefix: `${PREFIX}slow-start:`,
      timeoutMs: 100,
      logger,
    })
    const rule: RateLimitRule = { algorithm: 'sliding-window', limit: 3, windowMs: 3_600_000 }
    try {
      const first = await store.hit('k', rule, 0)
      assert.equal(first.allowed, true)
      assert.equal(first.remaining, 2)
      assert.deepEqual(lines, [], 'no outage was logged')
      assert.equal((await store.hit('k', rule, 0)).remaining, 1)
    } finally {
      await store.close()
      await proxy.close()
    }
  })
})

describe('Redis rate-limit store when Redis goes away and comes back', () => {
  for (const onError of ['deny', 'allow'] as const) {
    it(`answers by onError: '${onError}' during the outage, then counts again`, async (t) => {
      if (!(await requireService(t, 'redis'))) return
      const proxy = await redisProxy()
      const { logger, lines } = recordingLogger()
      const store = redisRateLimitStore({
        redis: proxy.url,
        prefix: `${PREFIX}${onError}:`,
        onError,
        logger,
      })
      const rule: RateLimitRule = { algorithm: 'sliding-window', limit: 3, windowMs: 3_600_000 }
      try {
        assert.equal((await store.hit('k', rule, 0)).remaining, 2)
        proxy.down()
        for (let i = 0; i < 5; i++) {
          assert.equal((await store.hit('k', rule, 0)).allowed, onError === 'allow')
        }
        proxy.up()
        // Wait (bounded) for the client to reconnect; then the count resumes where Redis left it.
        let result = await store.hit('k', rule, 0)
        for (let i = 0; i < 100 && lines.length < 2; i++) {
          await sleep(50)
          result = await store.hit('k', rule, 0)
        }
        assert.deepEqual(
          lines.map((l) => l.level),
          ['error', 'info'],
        )
        assert.equal(result.allowed, true)
        assert.equal(
          result.remaining,
          1,
          'the hits refused or let through meanwhile were not counted',
        )
      } finally {
        await store.close()
        await proxy.close()
      }
    })
  }
})
