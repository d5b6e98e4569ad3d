/**
 * Login throttling (catalogue F5, F6) through real HTTP requests with the memory store and an
 * injected clock: the account lock that holds even for the right password, case variants that
 * share it, the per-address limit across many user names, and `X-Forwarded-For` that counts only
 * when a configured proxy sent it.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { PlinthError } from 'plinth'
import { LoginThrottle, loginThrottle, normalizeLoginName } from 'plinth/auth'
import {
  memoryStore,
  type RateLimitRule,
  type RateLimitStore,
  trustedProxies,
} from 'plinth/security'
import { testClient } from 'plinth/testing'
import { type FlowsAppOptions, flowsApp } from './flows-support.ts'

const GOOD = 'correct horse battery staple'
const MINUTE = 60_000

function clock(start = Date.parse('2030-01-01T00:00:00Z')) {
  const c = { now: start, fn: () => c.now }
  return c
}

async function appWith(throttle: LoginThrottle, before?: FlowsAppOptions['before']) {
  const setup = await flowsApp({ throttle, ...(before ? { before } : {}) })
  await setup.auth.createUser({ username: 'ada', password: GOOD })
  return setup
}

const login = (
  client: ReturnType<typeof testClient>,
  username: string,
  password: string,
  headers = {},
) => client.post('/login', { json: { username, password }, headers })

describe('login throttle per account', () => {
  it('refuses the 11th attempt after 10 failures, even with the right password', async () => {
    const time = clock()
    const { app, db, passwords } = await appWith(loginThrottle({ now: time.fn }))
    const client = testClient(app)
    for (let i = 0; i < 10; i++)
      assert.equal((await login(client, 'ada', `wrong ${i}`)).status, 400)
    const verifications = passwords.hashes
    const locked = await login(client, 'ada', GOOD)
    assert.equal(locked.status, 429)
    const error = locked.json().error
    assert.equal(error.code, 'login_throttled')
    const retryAfter = Number(locked.headers['retry-after'])
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 30 * 60,
      String(retryAfter),
    )
    assert.equal(error.details.retryAfter, retryAfter)
    assert.equal((await client.get('/me')).status, 401, 'not logged in')
    assert.equal(passwords.hashes, verifications)

    // Another address, the same account: still locked (the lock is on the account).
    const elsewhere = testClient(app, { remoteAddress: '203.0.113.9' })
    assert.equal((await login(elsewhere, 'ada', GOOD)).status, 429)
    // Until the window has passed.
    time.now += retryAfter * 1000
    assert.equal((await login(elsewhere, 'ada', GOOD)).status, 200)
    await client.close()
    await elsewhere.close()
    await db.close()
  })

  it('shares one counter between case, width and space variants of the name', async () => {
    const { app, db } = await appWith(
      loginThrottle({ perAccount: { limit: 3, windowMs: 15 * MINUTE } }),
    )
    const client = testClient(app)
    for (const name of ['ADA', ' ada', 'ａｄａ'])
      assert.equal((await login(client, name, 'wrong')).status, 400)
    assert.equal((await login(client, 'ada', GOOD)).status, 429)
    await client.close()
    await db.close()
  })

  it('clears the account counter on success, so only failures add up', async () => {
    const { app, db } = await appWith(
      loginThrottle({ perAccount: { limit: 3, windowMs: 15 * MINUTE } }),
    )
    const client = testClient(app)
    for (let round = 0; round < 3; round++) {
      assert.equal((await login(client, 'ada', 'wrong')).status, 400)
      assert.equal((await login(client, 'ada', 'wrong')).status, 400)
      assert.equal((await login(client, 'ada', GOOD)).status, 200, `round ${round}`)
    }
    await client.close()
    await db.close()
  })

  it('locks unknown names exactly like real ones (no enumeration)', async () => {
    const { app, db } = await appWith(
      loginThrottle({ perAccount: { limit: 2, windowMs: 15 * MINUTE } }),
    )
    const client = testClient(app)
    const answers: string[] = []
    for (const name of ['ada', 'nobody']) {
      for (let i = 0; i < 3; i++) {
        const res = await login(client, name, 'wrong')
        answers.push(`${name}:${res.status}:${res.json().error.code}`)
      }
    }
    assert.deepEqual(answers, [
      'ada:400:invalid_credentials',
      'ada:400:invalid_credentials',
      'ada:429:login_throttled',
      'nobody:400:invalid_credentials',
      'nobody:400:invalid_credentials',
      'nobody:429:login_throttled',
    ])
    await client.close()
    await db.close()
  })

  it('counts wrong old passwords of a password change against the account', async () => {
    const { app, db } = await appWith(
      loginThrottle({ perAccount: { limit: 3, windowMs: 15 * MINUTE } }),
    )
    const client = testClient(app)
    assert.equal((await login(client, 'ada', GOOD)).status, 200)
    for (let i = 0; i < 3; i++) {
      const res = await client.post('/password', {
        json: { oldPassword: `guess ${i}`, newPassword: 'tulip-orbit-basalt' },
      })
      assert.equal(res.status, 422)
    }
    const locked = await client.post('/password', {
      json: { oldPassword: GOOD, newPassword: 'tulip-orbit-basalt' },
    })
    assert.equal(locked.status, 429)
    assert.equal(
      (await testClient(app).post('/login', { json: { username: 'ada', password: GOOD } })).status,
      429,
    )
    await client.close()
    await db.close()
  })

  it('throttles by default, with one counter per Auth', async () => {
    const { app, db } = await flowsApp()
    const client = testClient(app)
    for (let i = 0; i < 10; i++) assert.equal((await login(client, 'ada', 'wrong')).status, 400)
    assert.equal((await login(client, 'ada', 'wrong')).status, 429)
    await client.close()
    await db.close()
  })
})

describe('login throttle per address', () => {
  it('refuses an address after its failures across many user names', async () => {
    const { app, db } = await appWith(
      loginThrottle({ perIp: { limit: 20, windowMs: 60 * MINUTE } }),
    )
    const attacker = testClient(app, { remoteAddress: '198.51.100.7' })
    for (let i = 0; i < 20; i++)
      assert.equal((await login(attacker, `user${i}`, 'Summer2024!')).status, 400)
    const res = await login(attacker, 'ada', GOOD)
    assert.equal(res.status, 429)
    assert.equal(res.json().error.code, 'login_throttled')
    assert.ok(Number(res.headers['retry-after']) > 0)
    // Another address is not affected.
    const neighbour = testClient(app, { remoteAddress: '198.51.100.8' })
    assert.equal((await login(neighbour, 'ada', GOOD)).status, 200)
    await attacker.close()
    await neighbour.close()
    await db.close()
  })

  it('counts every attempt from an address, successful ones too', async () => {
    const { app, db } = await appWith(loginThrottle({ perIp: { limit: 3, windowMs: 60 * MINUTE } }))
    const office = testClient(app, { remoteAddress: '192.0.2.10' })
    for (let i = 0; i < 3; i++) assert.equal((await login(office, 'ada', GOOD)).status, 200)
    assert.equal((await login(office, 'ada', GOOD)).status, 429)
    await office.close()
    await db.close()
  })

  it('ignores a rotating X-Forwarded-For from a client that is not a trusted proxy', async () => {
    const { app, db } = await appWith(loginThrottle({ perIp: { limit: 5, windowMs: 60 * MINUTE } }))
    const attacker = testClient(app, { remoteAddress: '198.51.100.7' })
    for (let i = 0; i < 5; i++) {
      const res = await login(attacker, `user${i}`, 'wrong', { 'x-forwarded-for': `10.0.0.${i}` })
      assert.equal(res.status, 400)
    }
    const spoofed = await login(attacker, 'ada', GOOD, { 'x-forwarded-for': '10.9.9.9' })
    assert.equal(spoofed.status, 429)
    await attacker.close()
    await db.close()
  })

  it('keys on the forwarded address when a configured proxy sent it', async () => {
    const { app, db } = await appWith(
      loginThrottle({ perIp: { limit: 2, windowMs: 60 * MINUTE } }),
      (a) => a.use(trustedProxies({ proxies: ['loopback'] })),
    )
    const proxy = testClient(app, { remoteAddress: '127.0.0.1' })
    for (let i = 0; i < 2; i++)
      assert.equal(
        (await login(proxy, `user${i}`, 'wrong', { 'x-forwarded-for': '198.51.100.7' })).status,
        400,
      )
    assert.equal(
      (await login(proxy, 'ada', GOOD, { 'x-forwarded-for': '198.51.100.7' })).status,
      429,
    )
    // A different client behind the same proxy is its own bucket.
    assert.equal(
      (await login(proxy, 'ada', GOOD, { 'x-forwarded-for': '198.51.100.8' })).status,
      200,
    )
    await proxy.close()
    await db.close()
  })

  it('groups IPv6 clients by /64 so rotating the interface id does not help', async () => {
    const { app, db } = await appWith(loginThrottle({ perIp: { limit: 2, windowMs: 60 * MINUTE } }))
    for (let i = 0; i < 2; i++) {
      const client = testClient(app, { remoteAddress: `2001:db8:1:2::${i + 1}` })
      assert.equal((await login(client, `user${i}`, 'wrong')).status, 400)
      await client.close()
    }
    const rotated = testClient(app, { remoteAddress: '2001:db8:1:2:ffff::9' })
    assert.equal((await login(rotated, 'ada', GOOD)).status, 429)
    await rotated.close()
    await db.close()
  })
})

describe('loginThrottle()', () => {
  it('keeps no user names in the store and bounds the key length', () => {
    const throttle = loginThrottle()
    const key = throttle.accountKey('Ada.Lovelace@Example.com')
    assert.equal(key, throttle.accountKey(' ada.lovelace@example.com '))
    assert.doesNotMatch(key, /ada|lovelace/i)
    assert.equal(throttle.accountKey('x'.repeat(1_000_000)).length, key.length)
    assert.equal(normalizeLoginName(' Ａｄａ '), 'ada')
  })

  it('counts through any RateLimitStore with the prefix and rules given', async () => {
    const calls: string[] = []
    const inner = memoryStore()
    // Account keys are hashes: show them as <hash> after checking their form.
    const show = (key: string) =>
      key.replace(/^shop:account:[A-Za-z0-9_-]{43}$/, 'shop:account:<hash>')
    const store: RateLimitStore = {
      hit: (key: string, rule: RateLimitRule, now: number, cost?: number) => {
        calls.push(`hit ${show(key)} limit=${rule.limit} cost=${cost}`)
        return inner.hit(key, rule, now, cost)
      },
      reset: (key: string) => {
        calls.push(`reset ${show(key)}`)
        return inner.reset(key)
      },
    }
    const { app, db } = await appWith(
      loginThrottle({
        store,
        prefix: 'shop:',
        perAccount: { limit: 4, windowMs: MINUTE },
        perIp: { limit: 9, windowMs: MINUTE },
      }),
    )
    const client = testClient(app)
    await login(client, 'ada', 'wrong')
    await login(client, 'ada', GOOD)
    assert.deepEqual(calls, [
      // failure: count the address, then the account
      'hit shop:ip:127.0.0.1 limit=9 cost=1',
      'hit shop:account:<hash> limit=4 cost=1',
      // success: the same, then the account is cleared
      'hit shop:ip:127.0.0.1 limit=9 cost=1',
      'hit shop:account:<hash> limit=4 cost=1',
      'reset shop:account:<hash>',
    ])
    await client.close()
    await db.close()
  })

  it('turns each limit off with false and refuses bad options', () => {
    const off = loginThrottle({ perAccount: false, perIp: false })
    assert.equal(off.perAccount, undefined)
    assert.equal(off.perIp, undefined)
    for (const options of [
      { perAccount: { limit: 0, windowMs: MINUTE } },
      { perIp: { limit: 1.5, windowMs: MINUTE } },
      { perIp: { limit: 5, windowMs: -1 } },
      { store: {} as RateLimitStore },
      { prefix: 3 as unknown as string },
    ]) {
      assert.throws(
        () => new LoginThrottle(options),
        (error: PlinthError) => error.code === 'PLINTH_AUTH_THROTTLE_CONFIG',
        JSON.stringify(options),
      )
    }
  })
})
