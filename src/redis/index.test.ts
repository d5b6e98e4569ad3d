/**
 * The Redis connection layer: client wrapping (node-redis and ioredis shapes), URL checks, one
 * lazy shared connection, and scripts (EVALSHA, falling back to EVAL once on NOSCRIPT) against
 * the real Redis.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { describe, it } from 'node:test'
import { spawnNode } from '../../test/support/child-process.ts'
import { requireService } from '../../test/support/services.ts'
import { connectRedis, type Redis, RedisScript, redisFrom, toRedis } from './index.ts'

const URL = 'redis://127.0.0.1:6379'

/** Records every command sent through it to `inner`. */
function spying(inner: Redis) {
  const sent: string[] = []
  const redis: Redis = {
    command: (args) => {
      sent.push(String(args[0]))
      return inner.command(args)
    },
    close: () => inner.close(),
  }
  return { redis, sent }
}

describe('redisFrom / toRedis', () => {
  it('wraps a node-redis client (sendCommand), sending every argument as a string', async () => {
    const received: unknown[] = []
    let closed = false
    const client = {
      sendCommand: async (args: string[]) => {
        received.push(args)
        return 'OK'
      },
      close: async () => {
        closed = true
      },
    }
    const redis = redisFrom(client)
    assert.equal(await redis.command(['SET', 'k', 1, 'PX', 1500]), 'OK')
    assert.deepEqual(received, [['SET', 'k', '1', 'PX', '1500']])
    await redis.close()
    assert.equal(closed, false, 'a wrapped client stays open: it belongs to the caller')
  })

  it('wraps an ioredis client (call)', async () => {
    const received: unknown[] = []
    const redis = redisFrom({
      call: async (command: string, ...args: string[]) => {
        received.push([command, ...args])
        return 7
      },
    })
    assert.equal(await redis.command(['INCRBY', 'k', 7]), 7)
    assert.deepEqual(received, [['INCRBY', 'k', '7']])
  })

  it('refuses anything else with PLINTH_REDIS_CLIENT', () => {
    for (const bad of [{}, { sendCommand: 'no' }, { call: null }]) {
      assert.throws(() => redisFrom(bad as never), { code: 'PLINTH_REDIS_CLIENT' })
      assert.throws(() => toRedis(bad as never), { code: 'PLINTH_REDIS_CLIENT' })
    }
  })

  it('passes a Redis through unchanged and wraps clients', async () => {
    const redis: Redis = { command: async () => 'PONG', close: async () => {} }
    assert.equal(toRedis(redis), redis)
    const wrapped = toRedis({ sendCommand: async () => 'PONG' })
    assert.equal(await wrapped.command(['PING']), 'PONG')
  })

  it('accepts only redis:// and rediss:// URLs', async () => {
    for (const url of ['http://127.0.0.1:6379', '127.0.0.1:6379', '', 'REDIS//x', ' redis://x']) {
      assert.throws(() => connectRedis(url), { code: 'PLINTH_REDIS_URL' })
      assert.throws(() => toRedis(url), { code: 'PLINTH_REDIS_URL' })
    }
    // Valid URLs connect lazily: nothing happens until the first command, so closing is instant.
    await connectRedis('rediss://cache.example:6380/1').close()
    await toRedis('redis://127.0.0.1:1').close()
  })
})

describe('connectRedis against the real Redis', () => {
  it('connects on the first command and shares one connection between concurrent commands', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const redis = connectRedis(URL)
    try {
      const [a, b, pong] = await Promise.all([
        redis.command(['CLIENT', 'ID']),
        redis.command(['CLIENT', 'ID']),
        redis.command(['PING']),
      ])
      assert.equal(pong, 'PONG')
      assert.equal(a, b)
    } finally {
      await redis.close()
    }
  })

  it('rejects a failing command with the server error and keeps working', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const redis = connectRedis(URL)
    const key = `plinth:test:redis:${randomUUID()}`
    try {
      await redis.command(['SET', key, 'text', 'PX', 10_000])
      await assert.rejects(redis.command(['INCR', key]), /not an integer/)
      assert.equal(await redis.command(['GET', key]), 'text')
    } finally {
      await redis.command(['DEL', key])
      await redis.close()
    }
  })

  it('rejects commands and closes promptly when nothing listens at the URL', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    await new Promise((resolve) => server.close(resolve))
    // In a child process: while the bug exists the connection attempt never ends, which would
    // keep this test process alive. The budget covers starting Node and loading `redis` on a
    // loaded CI machine; a hang never ends at all.
    const module = new globalThis.URL('./index.ts', import.meta.url).href
    const script = `
        const { connectRedis } = await import(${JSON.stringify(module)})
        const redis = connectRedis('redis://127.0.0.1:${port}')
        try { await redis.command(['PING']); console.log('CONNECTED') }
        catch (error) { console.log('REJECTED ' + error.message) }
        await redis.close()
        console.log('CLOSED')`
    const child = spawnNode(['--input-type=module', '-e', script])
    try {
      const code = await child.exited(30_000)
      assert.equal(code, 0, child.stderr())
      assert.match(child.stdout(), /REJECTED .*ECONNREFUSED/)
      assert.match(child.stdout(), /CLOSED/)
    } finally {
      child.child.kill('SIGKILL')
    }
  })
})

describe('RedisScript', () => {
  it('has the SHA-1 that Redis computes for its source', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const script = new RedisScript(`return 'sha check ${randomUUID()}'`)
    const redis = connectRedis(URL)
    try {
      assert.equal(await redis.command(['SCRIPT', 'LOAD', script.source]), script.sha1)
    } finally {
      await redis.close()
    }
  })

  it('loads itself with EVAL on NOSCRIPT, then runs by EVALSHA', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    // A source no server has seen yet (unique per run).
    const script = new RedisScript(`-- ${randomUUID()}\nreturn { KEYS[1], ARGV[1], #ARGV }`)
    const { redis, sent } = spying(connectRedis(URL))
    try {
      assert.deepEqual(await script.run(redis, ['k'], ['a', 2]), ['k', 'a', 2])
      assert.deepEqual(sent, ['EVALSHA', 'EVAL'])
      assert.deepEqual(await script.run(redis, ['k2'], [3]), ['k2', '3', 1])
      assert.deepEqual(sent, ['EVALSHA', 'EVAL', 'EVALSHA'])
    } finally {
      await redis.close()
    }
  })

  it('does not retry with EVAL when the script itself fails', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const script = new RedisScript(`-- ${randomUUID()}\nreturn redis.error_reply('boom')`)
    const { redis, sent } = spying(connectRedis(URL))
    try {
      await assert.rejects(script.run(redis, [], []), /boom/) // first run: NOSCRIPT, then EVAL
      sent.length = 0
      await assert.rejects(script.run(redis, [], []), /boom/)
      assert.deepEqual(sent, ['EVALSHA'])
    } finally {
      await redis.close()
    }
  })
})
