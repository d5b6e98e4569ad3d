/**
 * sessions() options: refused at setup when invalid, stores by name, and the warning about the
 * default memory store outside debug mode.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../app/index.ts'
import { testClient } from '../testing/index.ts'
import { memorySessionStore } from './memory-store.ts'
import { getSession, sessions } from './middleware.ts'
import type { SessionsOptions } from './options.ts'
import type { SessionStore } from './store.ts'

describe('sessions(): configuration errors', () => {
  const bad: Array<[SessionsOptions, RegExp]> = [
    [{ cookieName: '__Host-sid', domain: 'example.com' }, /__Host- prefix/],
    [{ cookieName: 'bad name' }, /not a valid token/],
    [{ cookieName: 'a;b' }, /not a valid token/],
    [{ domain: 'example.com; Secure=0' }, /not allowed/],
    [{ idleTimeoutMs: 0 }, /idleTimeoutMs/],
    [{ idleTimeoutMs: Number.NaN }, /idleTimeoutMs/],
    [{ idleTimeoutMs: Number.POSITIVE_INFINITY }, /idleTimeoutMs/],
    [{ absoluteTimeoutMs: -1 }, /absoluteTimeoutMs/],
    [{ store: 'mongodb://localhost' }, /not a store/],
    [{ store: {} as SessionStore }, /get\(id\)/],
    [{ sameSite: 'bogus' as 'lax' }, /sameSite/],
    [{ secure: 'yes' as unknown as boolean }, /secure/],
  ]
  for (const [options, message] of bad) {
    it(`refuses ${JSON.stringify(options)} at setup`, () => {
      assert.throws(() => sessions(options), { code: 'PLINTH_SESSIONS_CONFIG', message })
    })
  }

  it('accepts stores by name and absoluteTimeoutMs: Infinity', () => {
    assert.equal(typeof sessions({ store: 'memory' }), 'function')
    assert.equal(typeof sessions({ store: 'database' }), 'function')
    assert.equal(typeof sessions({ store: 'redis://127.0.0.1:6379' }), 'function')
    assert.equal(typeof sessions({ absoluteTimeoutMs: Number.POSITIVE_INFINITY }), 'function')
  })
})

describe('sessions(): the memory store outside debug mode', () => {
  async function warningsFor(options: SessionsOptions, debug: boolean): Promise<string[]> {
    const lines: Array<{ level: number; msg: string }> = []
    const { pino } = await import('pino')
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    )
    const app = createApp({ logger, debug, logRequests: false })
    app.use(sessions(options))
    app.post('/', async (ctx) => {
      ;(await getSession(ctx)).set('a', 1)
      return { ok: true }
    })
    const client = testClient(app)
    await client.post('/')
    await client.post('/')
    await client.close()
    return lines.filter((line) => line.level === 40).map((line) => line.msg)
  }

  it('logs one warning in production', async () => {
    for (const store of ['memory', memorySessionStore()] as const) {
      const warnings = await warningsFor({ store }, false)
      assert.equal(warnings.length, 1)
      assert.match(
        warnings[0]!,
        /in-memory session store.*the database \(the default\) or redisSessionStore\(\)/,
      )
    }
  })

  it('stays quiet in debug mode', async () => {
    assert.deepEqual(await warningsFor({ store: 'memory' }, true), [])
  })
})
