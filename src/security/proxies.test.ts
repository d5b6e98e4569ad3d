/**
 * trustedProxies(): spoofed X-Forwarded-* from untrusted peers (security catalogue A15, A17, F6),
 * trusted chains, CIDR and IPv6 matching, RFC 7239, malformed values, config errors, real sockets.
 */
import assert from 'node:assert/strict'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { createApp } from '../app/index.ts'
import { testClient } from '../testing/index.ts'
import {
  CLIENT_IP_KEY,
  FORWARDED_HOST_KEY,
  HOST_KEY,
  PROTOCOL_KEY,
  type TrustedProxiesOptions,
  trustedProxies,
} from './proxies.ts'

function appWith(options: TrustedProxiesOptions) {
  const app = createApp({ logger: false })
  app.use(trustedProxies(options))
  app.get('/whoami', (ctx) => {
    // `ctx.ip` is the client address the middleware settled on.
    const settled = ctx.state[CLIENT_IP_KEY] ?? ctx.req.socket.remoteAddress
    if (ctx.ip !== settled) throw new Error(`ctx.ip is ${ctx.ip}, not ${String(settled)}`)
    return {
      ip: ctx.state[CLIENT_IP_KEY],
      protocol: ctx.state[PROTOCOL_KEY],
      host: ctx.state[HOST_KEY],
      forwarded: ctx.state[FORWARDED_HOST_KEY],
    }
  })
  return app
}

async function whoami(
  options: TrustedProxiesOptions,
  remoteAddress: string,
  headers: Record<string, string> = {},
) {
  const client = testClient(appWith(options), { remoteAddress })
  try {
    const res = await client.get('/whoami', { headers })
    assert.equal(res.status, 200)
    return res.json()
  } finally {
    await client.close()
  }
}

const spoof = {
  'x-forwarded-for': '1.2.3.4',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'evil.example',
  forwarded: 'for=1.2.3.4;proto=https;host=evil.example',
}

describe('trustedProxies: untrusted peers', () => {
  it('ignores spoofed X-Forwarded-* from a direct client', async () => {
    const got = await whoami({ proxies: ['loopback'] }, '203.0.113.9', spoof)
    assert.deepEqual(got, {
      ip: '203.0.113.9',
      protocol: 'http',
      host: 'testserver',
      forwarded: false,
    })
  })

  it('ignores a spoofed RFC 7239 Forwarded header too', async () => {
    const got = await whoami({ proxies: ['loopback'], header: 'forwarded' }, '203.0.113.9', spoof)
    assert.equal(got.ip, '203.0.113.9')
    assert.equal(got.protocol, 'http')
    assert.equal(got.host, 'testserver')
  })

  it('keys on the socket address when X-Forwarded-For rotates per request (rate-limit bypass)', async () => {
    const client = testClient(appWith({ proxies: ['10.0.0.0/8'] }), {
      remoteAddress: '198.51.100.7',
    })
    try {
      for (const fake of ['1.1.1.1', '2.2.2.2', '10.0.0.1', 'unknown']) {
        const res = await client.get('/whoami', { headers: { 'x-forwarded-for': fake } })
        assert.equal(res.json().ip, '198.51.100.7')
      }
    } finally {
      await client.close()
    }
  })
})

describe('trustedProxies: trusted chains', () => {
  const proxies = ['loopback', '10.0.0.0/8']

  it('uses the forwarded values from a trusted peer', async () => {
    const got = await whoami({ proxies }, '127.0.0.1', spoof)
    assert.deepEqual(got, {
      ip: '1.2.3.4',
      protocol: 'https',
      host: 'evil.example',
      forwarded: true,
    })
  })

  it('takes the right-most address that is not a trusted proxy', async () => {
    const got = await whoami({ proxies }, '127.0.0.1', {
      'x-forwarded-for': '6.6.6.6, 1.2.3.4, 10.0.0.2, 10.9.9.9',
    })
    assert.equal(got.ip, '1.2.3.4')
  })

  it('uses the left-most address when every hop is a trusted proxy', async () => {
    const got = await whoami({ proxies }, '127.0.0.1', { 'x-forwarded-for': '10.0.0.3, 10.0.0.2' })
    assert.equal(got.ip, '10.0.0.3')
  })

  it('stops at a malformed hop instead of trusting what lies left of it', async () => {
    for (const [header, ip] of [
      ['garbage', '127.0.0.1'],
      ['1.2.3.4, garbage', '127.0.0.1'],
      ['1.2.3.4, 10.0.0.2, not an ip', '127.0.0.1'],
      ['6.6.6.6, , 10.0.0.2', '10.0.0.2'],
      ['999.1.1.1', '127.0.0.1'],
    ] as const) {
      const got = await whoami({ proxies }, '127.0.0.1', { 'x-forwarded-for': header })
      assert.equal(got.ip, ip, header)
    }
  })

  it('accepts ports and brackets in X-Forwarded-For entries', async () => {
    assert.equal(
      (await whoami({ proxies }, '127.0.0.1', { 'x-forwarded-for': '1.2.3.4:5678' })).ip,
      '1.2.3.4',
    )
    assert.equal(
      (await whoami({ proxies }, '127.0.0.1', { 'x-forwarded-for': '[2001:db8::1]:443' })).ip,
      '2001:db8::1',
    )
  })

  it('reads the right-most X-Forwarded-Proto and ignores unknown schemes', async () => {
    const proto = async (value: string) =>
      (await whoami({ proxies }, '127.0.0.1', { 'x-forwarded-proto': value })).protocol
    assert.equal(await proto('HTTPS'), 'https')
    assert.equal(await proto('https, http'), 'http')
    assert.equal(await proto('http, https'), 'https')
    assert.equal(await proto('javascript'), 'http')
    assert.equal(await proto(''), 'http')
  })

  it('ignores a malformed X-Forwarded-Host and keeps the Host header', async () => {
    for (const bad of ['evil.com:80@example.com', 'a b', 'a/b', 'a\\b', 'x:1:2', '']) {
      const got = await whoami({ proxies }, '127.0.0.1', { 'x-forwarded-host': bad })
      assert.deepEqual([got.host, got.forwarded], ['testserver', false], bad)
    }
  })

  it('ignores X-Forwarded-Host when forwardedHost is false', async () => {
    const got = await whoami({ proxies, forwardedHost: false }, '127.0.0.1', spoof)
    assert.deepEqual([got.ip, got.host, got.forwarded], ['1.2.3.4', 'testserver', false])
  })

  it('reads RFC 7239 Forwarded (and only it) in forwarded mode', async () => {
    const got = await whoami({ proxies, header: 'forwarded' }, '127.0.0.1', {
      forwarded: 'for=6.6.6.6, for="[2001:db8::7]:4711";proto=https;host=App.Example.com',
      'x-forwarded-for': '9.9.9.9',
    })
    assert.deepEqual(got, {
      ip: '2001:db8::7',
      protocol: 'https',
      host: 'app.example.com',
      forwarded: true,
    })
    const plain = await whoami({ proxies }, '127.0.0.1', { forwarded: 'for=6.6.6.6' })
    assert.equal(plain.ip, '127.0.0.1')
    const broken = await whoami({ proxies, header: 'forwarded' }, '127.0.0.1', {
      forwarded: 'for=6.6.6.6, garbage',
    })
    assert.equal(broken.ip, '127.0.0.1')
  })
})

describe('trustedProxies: address matching', () => {
  const trusts = async (proxies: string[], peer: string) =>
    (await whoami({ proxies }, peer, { 'x-forwarded-for': '1.2.3.4' })).ip === '1.2.3.4'

  it('matches IPv4 CIDR ranges at their boundaries', async () => {
    assert.equal(await trusts(['172.16.0.0/12'], '172.16.0.0'), true)
    assert.equal(await trusts(['172.16.0.0/12'], '172.31.255.255'), true)
    assert.equal(await trusts(['172.16.0.0/12'], '172.32.0.0'), false)
    assert.equal(await trusts(['172.16.0.0/12'], '172.15.255.255'), false)
    assert.equal(await trusts(['192.0.2.10'], '192.0.2.10'), true)
    assert.equal(await trusts(['192.0.2.10'], '192.0.2.11'), false)
    assert.equal(await trusts(['192.0.2.10/32'], '192.0.2.10'), true)
  })

  it('matches IPv6 addresses and ranges, loopback and IPv4-mapped peers', async () => {
    assert.equal(await trusts(['2001:db8::/32'], '2001:db8:abcd::1'), true)
    assert.equal(await trusts(['2001:db8::/32'], '2001:db9::1'), false)
    assert.equal(await trusts(['loopback'], '::1'), true)
    assert.equal(await trusts(['loopback'], '::ffff:127.0.0.1'), true)
    assert.equal(await trusts(['127.0.0.1'], '::ffff:127.0.0.1'), true)
    assert.equal(await trusts(['fe80::/10'], 'fe80::1%eth0'), true)
    assert.equal(await trusts(['private'], 'fd12::1'), true)
    assert.equal(await trusts(['private'], '192.168.1.1'), true)
    assert.equal(await trusts(['private'], '8.8.8.8'), false)
    assert.equal(await trusts(['loopback'], '10.0.0.1'), false)
  })

  it('reports an IPv4-mapped peer in plain IPv4 form', async () => {
    assert.equal((await whoami({ proxies: ['10.0.0.0/8'] }, '::ffff:8.8.8.8')).ip, '8.8.8.8')
  })
})

describe('trustedProxies: configuration', () => {
  it('refuses empty, trust-all and malformed proxy lists', () => {
    for (const proxies of [
      [],
      ['0.0.0.0/0'],
      ['::/0'],
      ['*'],
      ['10.0.0.0/33'],
      ['2001:db8::/129'],
      ['10.0.0.0/'],
      ['10.0.0.0/8/1'],
      ['example.com'],
      ['10.0.0.0/x'],
      [42],
    ]) {
      assert.throws(
        () => trustedProxies({ proxies: proxies as string[] }),
        { name: 'PlinthError', code: 'PLINTH_SECURITY_PROXIES_CONFIG' },
        JSON.stringify(proxies),
      )
    }
    assert.throws(() => trustedProxies(undefined as never), {
      code: 'PLINTH_SECURITY_PROXIES_CONFIG',
    })
    assert.throws(() => trustedProxies({ proxies: ['loopback'], header: 'x' as never }), {
      code: 'PLINTH_SECURITY_PROXIES_CONFIG',
    })
  })
})

describe('trustedProxies: over a real socket', () => {
  async function realRequest(proxies: string[]): Promise<Record<string, unknown>> {
    const app = appWith({ proxies })
    await app.start()
    const server = createServer(app.handler)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      return await new Promise((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/whoami', headers: spoof, agent: false },
          (res) => {
            let body = ''
            res.on('data', (chunk) => {
              body += chunk
            })
            res.on('end', () => resolve(JSON.parse(body)))
          },
        )
        req.on('error', reject)
        req.end()
      })
    } finally {
      server.close()
      await app.stop()
    }
  }

  it('trusts the headers when loopback is a trusted proxy', async () => {
    const got = await realRequest(['loopback'])
    assert.deepEqual([got.ip, got.protocol, got.host], ['1.2.3.4', 'https', 'evil.example'])
  })

  it('ignores them when loopback is not trusted', async () => {
    const got = await realRequest(['10.0.0.0/8'])
    assert.equal(got.ip, '127.0.0.1')
    assert.equal(got.protocol, 'http')
    assert.match(String(got.host), /^127\.0\.0\.1:\d+$/)
  })
})
