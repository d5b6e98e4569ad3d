/**
 * csrf() step 1, where the request comes from: `Sec-Fetch-Site`, then `Origin` (exact match with
 * this site or a trusted origin; look-alikes refused), then over HTTPS the `Referer` with Django's
 * malformed-Referer corpus (catalogue E13). Every request here carries a valid cookie and token,
 * so a 403 is the origin check's doing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createApp } from 'plinth'
import { csrf, getCsrfToken, trustedProxies } from 'plinth/security'
import { type TestClient, type TestResponse, testClient } from 'plinth/testing'

let handled = 0

function siteApp() {
  const app = createApp({ logger: false })
  app.use(trustedProxies({ proxies: ['loopback'] }))
  app.use(csrf({ trustedOrigins: ['https://admin.example.com', 'http://localhost:5173'] }))
  app.get('/token', (ctx) => ({ token: getCsrfToken(ctx) }))
  app.post('/transfer', () => {
    handled++
    return { ok: true }
  })
  return app
}

/** A client for `https://example.com` behind a TLS-terminating proxy on loopback. */
const client: TestClient = testClient(siteApp(), {
  host: 'example.com',
  headers: { 'x-forwarded-proto': 'https' },
})
/** The same app reached over plain HTTP. */
const plain: TestClient = testClient(siteApp(), { host: 'example.com' })
let token = ''
let plainToken = ''

before(async () => {
  token = (await client.get('/token')).json().token
  plainToken = (await plain.get('/token')).json().token
})
after(async () => {
  await client.close()
  await plain.close()
})

function post(headers: Record<string, string>, via: TestClient = client): Promise<TestResponse> {
  const t = via === client ? token : plainToken
  return via.post('/transfer', { headers: { 'x-csrf-token': t, ...headers } })
}

async function expectCode(res: Promise<TestResponse>, code: string, label: string) {
  const before = handled
  const answer = await res
  assert.equal(answer.status, 403, `${label}: ${answer.text}`)
  assert.equal(answer.json().error.code, code, label)
  assert.equal(handled, before, `${label}: the handler must not run`)
  return answer.json().error.message as string
}

async function expectOk(res: Promise<TestResponse>, label: string) {
  const answer = await res
  assert.equal(answer.status, 200, `${label}: ${answer.text}`)
}

describe('csrf(): Sec-Fetch-Site', () => {
  it('passes same-origin and user-initiated (none) requests', async () => {
    await expectOk(post({ 'sec-fetch-site': 'same-origin' }), 'same-origin')
    await expectOk(post({ 'sec-fetch-site': 'none' }), 'none')
    await expectOk(post({ 'sec-fetch-site': 'Same-Origin' }), 'case-insensitive')
  })

  it('refuses cross-site, same-site and unknown values unless Origin is trusted', async () => {
    for (const site of ['cross-site', 'same-site', 'bogus']) {
      await expectCode(post({ 'sec-fetch-site': site }), 'csrf_cross_site', site)
      await expectCode(
        post({ 'sec-fetch-site': site, origin: 'https://evil.example' }),
        'csrf_cross_site',
        `${site} from evil`,
      )
      await expectOk(
        post({ 'sec-fetch-site': site, origin: 'https://admin.example.com' }),
        `${site} from a trusted origin`,
      )
    }
    // Sec-Fetch-Site decides even when Origin names this very site (a subdomain's page, say).
    await expectCode(
      post({ 'sec-fetch-site': 'same-site', origin: 'https://example.com' }),
      'csrf_cross_site',
      'same-site with own origin',
    )
  })
})

describe('csrf(): Origin', () => {
  it('passes this site and trusted origins, exactly', async () => {
    await expectOk(post({ origin: 'https://example.com' }), 'own origin')
    await expectOk(post({ origin: 'https://admin.example.com' }), 'trusted origin')
    await expectOk(post({ origin: 'http://localhost:5173' }), 'trusted dev server')
  })

  it('refuses null, foreign and look-alike origins', async () => {
    await expectCode(post({ origin: 'null' }), 'csrf_null_origin', 'null')
    const lookAlikes = [
      'https://evil.example',
      'https://example.com.evil.example',
      'https://evilexample.com',
      'https://admin.example.com.evil.example',
      'https://notexample.com',
      'http://example.com', // downgraded scheme
      'https://example.com:8443',
      'https://example.com/',
      'HTTPS://EXAMPLE.COM',
      'https://example.com@evil.example',
      'https://sub.example.com',
      'http://localhost:5174',
      '',
      'https://example.com, https://evil.example',
    ]
    for (const origin of lookAlikes) {
      const message = await expectCode(post({ origin }), 'csrf_origin_mismatch', origin)
      assert.match(message, /does not match this site \(https:\/\/example\.com\)/)
    }
  })

  it('over plain HTTP compares with the http origin and explains proxies', async () => {
    await expectOk(post({ origin: 'http://example.com' }, plain), 'http origin over http')
    const message = await expectCode(
      post({ origin: 'https://example.com' }, plain),
      'csrf_origin_mismatch',
      'https origin on a plain request',
    )
    assert.match(message, /trustedProxies\(\)/)
  })

  it('uses the host forwarded by a trusted proxy', async () => {
    const forwarded = { 'x-forwarded-host': 'shop.example' }
    await expectOk(post({ ...forwarded, origin: 'https://shop.example' }), 'forwarded host')
    await expectCode(
      post({ ...forwarded, origin: 'https://example.com' }),
      'csrf_origin_mismatch',
      'the Host header no longer counts',
    )
  })
})

describe('csrf(): Referer over HTTPS when there is no Origin (E13)', () => {
  it('passes a same-origin or trusted Referer', async () => {
    await expectOk(post({ referer: 'https://example.com/transfer?from=1' }), 'same origin')
    await expectOk(post({ referer: 'https://example.com:443/x' }), 'default port')
    await expectOk(post({ referer: 'https://admin.example.com/panel' }), 'trusted')
  })

  it('refuses a missing Referer', async () => {
    const message = await expectCode(post({}), 'csrf_referer_missing', 'missing')
    assert.match(message, /Referrer-Policy/)
  })

  it("refuses Django's malformed Referers", async () => {
    const malformed = ['http://http://x/', '', 'ØBöIß', '//example.com/', 'https://', 'https://[']
    for (const referer of malformed) {
      await expectCode(post({ referer }), 'csrf_referer_invalid', JSON.stringify(referer))
    }
    for (const referer of ['https:example.com', 'https:\\\\example.com', 'example.com', '/path']) {
      await expectCode(post({ referer }), 'csrf_referer_invalid', referer)
    }
    const insecure = await expectCode(
      post({ referer: 'http://example.com/form' }),
      'csrf_referer_invalid',
      'insecure',
    )
    assert.match(insecure, /insecure while this site is HTTPS/)
  })

  it('refuses foreign and look-alike Referers', async () => {
    const message = await expectCode(
      post({ referer: 'https://www.evil.org/somepage' }),
      'csrf_referer_mismatch',
      'evil',
    )
    assert.match(message, /"https:\/\/www.evil.org\/somepage" does not match this site/)
    for (const referer of [
      'https://example.com.evil.example/',
      'https://evilexample.com/',
      'https://example.com:8443/',
      'https://admin.example.com.evil.example/',
    ]) {
      await expectCode(post({ referer }), 'csrf_referer_mismatch', referer)
    }
  })

  it('is not needed over plain HTTP (non-browser clients), where the token still is', async () => {
    await expectOk(post({}, plain), 'no headers over http')
    const res = await plain.post('/transfer', { json: {} })
    assert.equal(res.status, 403)
    assert.equal(res.json().error.code, 'csrf_token_missing')
  })
})
