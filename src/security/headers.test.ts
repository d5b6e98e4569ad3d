/**
 * `secureHeaders()`: helmet's defaults on every answer (200, 404, 405, thrown errors, a failed file
 * write), per-request CSP nonces reaching templates, per-header configuration and route overrides,
 * HSTS only when enabled, and header-injection attempts through configuration refused at setup
 * (catalogue §1.6, G8, G10, G11).
 */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createApp, render, templates } from '../app/index.ts'
import { file, HttpError, html, PlinthError, text } from '../http/index.ts'
import { createEnvironment, memoryLoader } from '../templates/index.ts'
import { testClient } from '../testing/index.ts'
import { CSP_NONCE_KEY, type SecureHeadersOptions, secureHeaders } from './headers.ts'

const DEFAULT_CSP =
  "default-src 'self'; base-uri 'self'; font-src 'self' https: data:; form-action 'self'; frame-ancestors 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' https: 'unsafe-inline'; upgrade-insecure-requests"

const DEFAULTS: Record<string, string> = {
  'content-security-policy': DEFAULT_CSP,
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
}

const clients: Array<{ close(): unknown }> = []
after(() => {
  for (const c of clients) c.close()
})

function client(options: SecureHeadersOptions = { production: false }) {
  const app = createApp({ logger: false })
  app.use(secureHeaders(options))
  app.get('/ok', () => ({ ok: true }))
  app.get('/boom', () => {
    throw new Error('database on fire')
  })
  app.get('/teapot', () => {
    throw new HttpError(418, 'I am a teapot')
  })
  app.get('/missing-file', () => file('nope.txt', { root: mkdtempSync(join(tmpdir(), 'sh-')) }))
  app.get('/own-csp', () =>
    text('x', { headers: { 'content-security-policy': "default-src 'none'" } }),
  )
  app.get('/ctx-frame', (ctx) => {
    ctx.setHeader('x-frame-options', 'DENY')
    return 'ok'
  })
  app.get('/powered', () => text('x', { headers: { 'x-powered-by': 'PHP/5.2' } }))
  app.get('/nonce', (ctx) => ({ nonce: ctx.state[CSP_NONCE_KEY] ?? null }))
  app.get('/admin/login', () => html('<form></form>'))
  app.get('/widget', () => html('<p>embed me</p>'))
  const c = testClient(app)
  clients.push(c)
  return c
}

function assertDefaults(headers: Record<string, unknown>, where: string): void {
  for (const [name, value] of Object.entries(DEFAULTS))
    assert.equal(headers[name], value, `${name} on ${where}`)
  assert.equal(headers['strict-transport-security'], undefined, `no HSTS on ${where}`)
}

describe('secureHeaders defaults', () => {
  const c = client()
  it('sets helmet’s default set on 200', async () => {
    const res = await c.get('/ok')
    assert.equal(res.status, 200)
    assertDefaults(res.headers, '200')
  })
  it('sets them on 404, 405 and HEAD', async () => {
    const notFound = await c.get('/nowhere')
    assert.equal(notFound.status, 404)
    assertDefaults(notFound.headers, '404')
    const notAllowed = await c.post('/ok')
    assert.equal(notAllowed.status, 405)
    assertDefaults(notAllowed.headers, '405')
    assertDefaults((await c.head('/ok')).headers, 'HEAD')
  })
  it('sets them on thrown errors (500, HttpError) without leaking the error', async () => {
    const res = await c.get('/boom')
    assert.equal(res.status, 500)
    assert.doesNotMatch(res.text, /database on fire/)
    assertDefaults(res.headers, '500')
    assertDefaults((await c.get('/teapot')).headers, '418')
  })
  it('sets them on an error answered after a failed write (missing file → 404)', async () => {
    const res = await c.get('/missing-file')
    assert.equal(res.status, 404)
    assertDefaults(res.headers, 'failed file write')
  })
  it('never overwrites a header the handler set (reply or ctx.setHeader)', async () => {
    const own = await c.get('/own-csp')
    assert.equal(own.headers['content-security-policy'], "default-src 'none'")
    assert.equal(own.headers['x-content-type-options'], 'nosniff')
    assert.equal((await c.get('/ctx-frame')).headers['x-frame-options'], 'DENY')
  })
  it('removes X-Powered-By (no framework banner)', async () => {
    assert.equal((await c.get('/powered')).headers['x-powered-by'], undefined)
  })
  it('exposes no nonce unless asked', async () => {
    assert.deepEqual((await c.get('/nonce')).json(), { nonce: null })
  })
})

describe('CSP nonces', () => {
  it('differs per request and appears in script-src and ctx.state, not in style-src', async () => {
    const c = client({ production: false, nonce: true })
    const seen = new Set<string>()
    for (let i = 0; i < 5; i++) {
      const res = await c.get('/nonce')
      const { nonce } = res.json() as { nonce: string }
      assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/)
      const csp = String(res.headers['content-security-policy'])
      assert.ok(csp.includes(`script-src 'self' 'nonce-${nonce}';`), csp)
      // A nonce in style-src would make browsers ignore 'unsafe-inline' and block style="".
      assert.ok(csp.includes(`style-src 'self' https: 'unsafe-inline';`), csp)
      seen.add(nonce)
    }
    assert.equal(seen.size, 5)
  })
  it('nonces style-src too with { styles: true }', async () => {
    const c = client({ production: false, nonce: { styles: true } })
    const res = await c.get('/nonce')
    const { nonce } = res.json() as { nonce: string }
    const csp = String(res.headers['content-security-policy'])
    assert.ok(csp.includes(`style-src 'self' https: 'unsafe-inline' 'nonce-${nonce}';`), csp)
    assert.throws(() => secureHeaders({ nonce: 'yes' as never }), {
      code: 'PLINTH_SECURITY_HEADERS_CONFIG',
    })
  })

  it('reaches templates as {{ csp_nonce }}', async () => {
    const env = createEnvironment({
      loader: memoryLoader({ 'page.html': '<script nonce="{{ csp_nonce }}">go()</script>' }),
    })
    const app = createApp({ logger: false })
    app.register(templates(env, { context: (ctx) => ({ csp_nonce: ctx.state[CSP_NONCE_KEY] }) }))
    app.use(secureHeaders({ nonce: true }))
    app.get('/', (ctx) => render(ctx, 'page.html'))
    const c = testClient(app)
    clients.push(c)
    const res = await c.get('/')
    const nonce = /nonce="([^"]+)"/.exec(res.text)?.[1]
    assert.ok(nonce)
    assert.ok(String(res.headers['content-security-policy']).includes(`'nonce-${nonce}'`))
  })
  it('adds script-src/style-src from default-src when the policy has none', async () => {
    const c = client({
      nonce: true,
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: "'self'" } },
    })
    const res = await c.get('/nonce')
    const { nonce } = res.json() as { nonce: string }
    assert.equal(
      res.headers['content-security-policy'],
      `default-src 'self'; script-src 'self' 'nonce-${nonce}'; style-src 'self' 'nonce-${nonce}'`,
    )
  })
})

describe('configuration', () => {
  it('disables and changes individual headers', async () => {
    const c = client({
      contentSecurityPolicy: false,
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: 'cross-origin',
      originAgentCluster: false,
      referrerPolicy: ['no-referrer', 'strict-origin-when-cross-origin'],
      xContentTypeOptions: false,
      xDnsPrefetchControl: 'on',
      xDownloadOptions: false,
      xFrameOptions: 'DENY',
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
      crossOriginEmbedderPolicy: 'require-corp',
    })
    const h = (await c.get('/ok')).headers
    for (const name of [
      'content-security-policy',
      'cross-origin-opener-policy',
      'origin-agent-cluster',
      'x-content-type-options',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ])
      assert.equal(h[name], undefined, name)
    assert.equal(h['cross-origin-resource-policy'], 'cross-origin')
    assert.equal(h['referrer-policy'], 'no-referrer,strict-origin-when-cross-origin')
    assert.equal(h['x-dns-prefetch-control'], 'on')
    assert.equal(h['x-frame-options'], 'DENY')
    assert.equal(h['cross-origin-embedder-policy'], 'require-corp')
  })
  it('merges CSP directives over the defaults, drops nulls, supports report-only', async () => {
    const c = client({
      contentSecurityPolicy: {
        reportOnly: true,
        directives: {
          imgSrc: ["'self'", 'https://cdn.example.com'],
          'upgrade-insecure-requests': null,
          reportUri: '/csp-report',
        },
      },
    })
    const h = (await c.get('/ok')).headers
    assert.equal(h['content-security-policy'], undefined)
    const csp = String(h['content-security-policy-report-only'])
    assert.match(csp, /img-src 'self' https:\/\/cdn\.example\.com;/)
    assert.match(csp, /; report-uri \/csp-report$/)
    assert.doesNotMatch(csp, /upgrade-insecure-requests/)
  })
  it('lets a route override or opt out (admin: DENY + frame-ancestors none; widget: none)', async () => {
    const admin = {
      xFrameOptions: 'DENY',
      contentSecurityPolicy: { directives: { frameAncestors: ["'none'"] } },
    } as const
    const c = client({
      override: (ctx) =>
        ctx.path.startsWith('/admin') ? admin : ctx.path === '/widget' ? false : undefined,
    })
    const login = (await c.get('/admin/login')).headers
    assert.equal(login['x-frame-options'], 'DENY')
    assert.match(String(login['content-security-policy']), /frame-ancestors 'none';/)
    assert.match(String(login['content-security-policy']), /^default-src 'self'; base-uri/)
    const widget = (await c.get('/widget')).headers
    assert.equal(widget['x-frame-options'], undefined)
    assert.equal(widget['content-security-policy'], undefined)
    assertDefaults((await c.get('/ok')).headers, 'non-overridden route')
  })
})

describe('HSTS', () => {
  it('is off by default outside production and on in production', async () => {
    assert.equal((await client().get('/ok')).headers['strict-transport-security'], undefined)
    const prod = client({ production: true })
    assert.equal(
      (await prod.get('/ok')).headers['strict-transport-security'],
      'max-age=31536000; includeSubDomains',
    )
    assert.equal(
      (await prod.get('/nowhere')).headers['strict-transport-security'],
      'max-age=31536000; includeSubDomains',
    )
  })
  it('is configurable and can be disabled in production', async () => {
    const custom = client({ hsts: { maxAge: 600, includeSubDomains: false } })
    assert.equal((await custom.get('/ok')).headers['strict-transport-security'], 'max-age=600')
    const preload = client({ hsts: { preload: true } })
    assert.equal(
      (await preload.get('/ok')).headers['strict-transport-security'],
      'max-age=31536000; includeSubDomains; preload',
    )
    const off = client({ production: true, hsts: false })
    assert.equal((await off.get('/ok')).headers['strict-transport-security'], undefined)
  })
})

describe('header injection through configuration is refused at setup', () => {
  const bad: Array<[string, unknown]> = [
    [
      '; in a source',
      { contentSecurityPolicy: { directives: { scriptSrc: ["'self'; script-src *"] } } },
    ],
    [
      'CRLF in a source',
      { contentSecurityPolicy: { directives: { imgSrc: "'self'\r\nSet-Cookie: a=b" } } },
    ],
    ['LF in a source', { contentSecurityPolicy: { directives: { imgSrc: ['x\ny'] } } }],
    [', (second policy)', { contentSecurityPolicy: { directives: { imgSrc: ["'self', *"] } } }],
    [
      'bad directive name',
      { contentSecurityPolicy: { directives: { 'img-src; script-src': '*' } } },
    ],
    ['CRLF in directive name', { contentSecurityPolicy: { directives: { 'a\r\nx-evil': 'b' } } }],
    ['unquoted keyword', { contentSecurityPolicy: { directives: { scriptSrc: ['self'] } } }],
    ['referrer CRLF', { referrerPolicy: 'no-referrer\r\nSet-Cookie: a=b' }],
    ['unknown referrer', { referrerPolicy: 'always' }],
    ['X-Frame-Options ALLOW-FROM', { xFrameOptions: 'ALLOW-FROM https://evil.example' }],
    ['CORP CRLF', { crossOriginResourcePolicy: 'same-origin\r\nx: y' }],
    ['HSTS max-age injection', { hsts: { maxAge: '1; preload' } }],
    ['HSTS negative', { hsts: { maxAge: -1 } }],
    ['preload too short', { hsts: { maxAge: 60, preload: true } }],
    ['unknown option', { contentSecurityPolicies: false }],
    ['nonce without CSP', { nonce: true, contentSecurityPolicy: false }],
    ['empty policy', { contentSecurityPolicy: { useDefaults: false } }],
  ]
  for (const [name, options] of bad) {
    it(name, () => {
      assert.throws(
        () => secureHeaders(options as SecureHeadersOptions),
        (error: unknown) =>
          error instanceof PlinthError && error.code === 'PLINTH_SECURITY_HEADERS_CONFIG',
      )
    })
  }
  it('an injecting per-request override answers 500 without the injected header', async () => {
    const c = client({
      override: () => ({ referrerPolicy: 'no-referrer\r\nSet-Cookie: pwned=1' }),
    })
    const res = await c.get('/ok')
    assert.equal(res.status, 500)
    assert.equal(res.headers['set-cookie'], undefined)
  })
})
