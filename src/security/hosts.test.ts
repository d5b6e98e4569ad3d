/**
 * allowedHosts(): Host header attacks (security catalogue A3, A14–A16; Django `poisoned_hosts`),
 * legitimate variants (case, ports, IPv6, punycode, subdomain entries), the forwarded host from
 * a trusted proxy only, and configuration errors.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createApp } from '../app/index.ts'
import { testClient } from '../testing/index.ts'
import { allowedHosts, parseHost } from './hosts.ts'
import { trustedProxies } from './proxies.ts'

let handlerCalls = 0
function appWith(hosts: string[], options: { debug?: boolean; proxies?: string[] } = {}) {
  const app = createApp({ logger: false, debug: options.debug ?? false })
  if (options.proxies) app.use(trustedProxies({ proxies: options.proxies }))
  app.use(allowedHosts(hosts))
  app.get('/admin', () => {
    handlerCalls++
    return { ok: true }
  })
  return app
}

const hosts = [
  'example.com',
  '.multitenant.com',
  '127.0.0.1',
  '[::1]',
  '2001:19f0:feee::dead:beef:cafe',
  'xn--4ca9at.com',
]
const client = testClient(appWith(hosts))
after(() => client.close())

const statusOf = (reply: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? 0)
const rawGet = (host: string, target = '/admin') =>
  client.raw(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)

describe('allowedHosts: poisoned Host headers get 400', () => {
  const poisoned = [
    'evil.example',
    'other.com',
    'example.com.evil.com',
    'evil.com:80@example.com',
    'example.com@evil.tld',
    'example.com:dr.frankenstein@evil.tld',
    'example.com:dr.frankenstein@evil.tld:80',
    'example.com:80/badpath',
    'example.com: recovermypassword.com',
    'example.com:80:80',
    'example.com:',
    'example.com:99999',
    'example.com\\evil.tld',
    'exa mple.com',
    'example.com/',
    'notmultitenant.com',
    'multitenant.com.evil.com',
    '.example.com',
    'example..com',
    '[::1',
    '[::1]]',
    '[not:an:ip]',
    '::1',
    '[::2]',
    '127.0.0.2',
    '<script>alert(1)</script>',
    'a'.repeat(300),
  ]
  for (const host of poisoned) {
    it(`refuses ${JSON.stringify(host.slice(0, 60))}`, async () => {
      const before = handlerCalls
      const reply = await rawGet(host)
      assert.equal(statusOf(reply), 400, reply)
      assert.equal(handlerCalls, before, 'the handler must not run')
      if (reply.includes('{')) {
        const body = JSON.parse(reply.slice(reply.indexOf('{')))
        assert.equal(body.error.code, 'invalid_host')
        assert.ok(!reply.includes('evil'), 'the bad host is not echoed')
      }
    })
  }

  it('refuses an empty Host and a missing one (HTTP/1.0)', async () => {
    assert.equal(statusOf(await rawGet('')), 400)
    const reply = await client.raw('GET /admin HTTP/1.0\r\n\r\n')
    assert.equal(statusOf(reply), 400)
    assert.match(reply, /invalid_host/)
  })

  it('refuses two Host headers', async () => {
    const reply = await client.raw(
      'GET /admin HTTP/1.1\r\nHost: example.com\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    )
    assert.equal(statusOf(reply), 400)
  })

  it('refuses an absolute-form target naming a foreign host (the app refuses all of them)', async () => {
    assert.equal(statusOf(await rawGet('example.com', 'http://evil.example/admin')), 400)
    assert.equal(statusOf(await rawGet('example.com', 'http://example.com@evil.tld/admin')), 400)
  })

  it('answers with the app error shape and never echoes the host in production', async () => {
    const res = await testClient(appWith(hosts)).get('/admin', {
      headers: { host: 'evil.example' },
    })
    assert.equal(res.status, 400)
    const body = res.json()
    assert.equal(body.error.code, 'invalid_host')
    assert.doesNotMatch(res.text, /evil/)
  })

  it('shows a neutralised host in debug mode', async () => {
    const debugClient = testClient(appWith(hosts, { debug: true }))
    try {
      const reply = await debugClient.raw(
        'GET /admin HTTP/1.1\r\nHost: evil"<b>.example\r\nConnection: close\r\n\r\n',
      )
      assert.equal(statusOf(reply), 400)
      assert.doesNotMatch(reply, /<b>/)
      assert.match(reply, /allowedHosts/)
      const res = await debugClient.get('/admin', { headers: { host: 'evil.example' } })
      assert.match(res.json().error.message, /evil\.example/)
    } finally {
      await debugClient.close()
    }
  })
})

describe('allowedHosts: legitimate hosts pass', () => {
  const good = [
    'example.com',
    'EXAMPLE.com',
    'example.com:8080',
    'example.com.',
    'multitenant.com',
    'a.multitenant.com',
    'deep.a.multitenant.com:443',
    '127.0.0.1:8000',
    '[::1]',
    '[::1]:8080',
    '[0:0::1]:8080',
    '[2001:19f0:feee::dead:beef:cafe]:8080',
    'xn--4ca9at.com',
  ]
  for (const host of good) {
    it(`accepts ${host}`, async () => {
      const res = await client.get('/admin', { headers: { host } })
      assert.equal(res.status, 200)
    })
  }

  it('accepts any well-formed host with "*" but still refuses malformed ones', async () => {
    const open = testClient(appWith(['*']))
    try {
      assert.equal((await open.get('/admin', { headers: { host: 'anything.test' } })).status, 200)
      const reply = await open.raw(
        'GET /admin HTTP/1.1\r\nHost: example.com@evil.tld\r\nConnection: close\r\n\r\n',
      )
      assert.equal(statusOf(reply), 400)
    } finally {
      await open.close()
    }
  })
})

describe('allowedHosts with trustedProxies', () => {
  async function status(peer: string, headers: Record<string, string>): Promise<number> {
    const c = testClient(appWith(['example.com'], { proxies: ['loopback'] }), {
      remoteAddress: peer,
    })
    try {
      return (await c.get('/admin', { headers })).status
    } finally {
      await c.close()
    }
  }

  it('checks the forwarded host from a trusted proxy', async () => {
    assert.equal(
      await status('127.0.0.1', { host: 'internal:8000', 'x-forwarded-host': 'example.com' }),
      200,
    )
    assert.equal(
      await status('127.0.0.1', { host: 'example.com', 'x-forwarded-host': 'evil.example' }),
      400,
    )
  })

  it('falls back to Host when the forwarded host is malformed', async () => {
    const headers = { host: 'example.com', 'x-forwarded-host': 'evil.com:80@example.com' }
    assert.equal(await status('127.0.0.1', headers), 200)
  })

  it('ignores X-Forwarded-Host from an untrusted peer (password-reset poisoning)', async () => {
    assert.equal(
      await status('203.0.113.9', { host: 'example.com', 'x-forwarded-host': 'evil.example' }),
      200,
    )
    assert.equal(
      await status('203.0.113.9', { host: 'evil.example', 'x-forwarded-host': 'example.com' }),
      400,
    )
  })
})

describe('allowedHosts: configuration and parsing', () => {
  it('refuses empty lists and malformed entries', () => {
    for (const entries of [
      [],
      [''],
      ['.'],
      ['example.com:80'],
      ['http://example.com'],
      ['example.com/'],
      ['exa mple.com'],
      ['user@example.com'],
      ['..example.com'],
      ['example.com.'],
      ['.[::1]'],
      [42],
    ]) {
      assert.throws(
        () => allowedHosts(entries as string[]),
        { name: 'PlinthError', code: 'PLINTH_SECURITY_HOSTS_CONFIG' },
        JSON.stringify(entries),
      )
    }
    assert.throws(() => allowedHosts('example.com' as never), {
      code: 'PLINTH_SECURITY_HOSTS_CONFIG',
    })
  })

  it('parses hosts, ports and IPv6 literals', () => {
    assert.deepEqual(parseHost('Example.COM:8080'), { hostname: 'example.com', port: 8080 })
    assert.deepEqual(parseHost('example.com.'), { hostname: 'example.com', port: undefined })
    assert.deepEqual(parseHost('[0:0::1]:80'), { hostname: '[::1]', port: 80 })
    for (const bad of ['', 'a b', 'a@b', 'a/b', 'a\\b', 'a:1:2', 'a:', '[::1', 'a:70000', '[x]']) {
      assert.equal(parseHost(bad), null, bad)
    }
  })
})
