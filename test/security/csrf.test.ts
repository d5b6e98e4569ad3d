/**
 * csrf(): the attacks of security catalogue rows 23 and E10–E12 against an app with a form.
 * Cross-site and `null`-origin posts, missing, forged, foreign, cut and garbage tokens are refused
 * with 403 and a precise code (never a 500) and the handler does not run; a same-origin form with
 * its token, and `fetch` with the header, pass. Also: the lazy cookie, bearer and per-route
 * exemptions, and rotation.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createApp, render, renderStream, templates } from 'plinth'
import { type CsrfOptions, csrf, csrfExempt, getCsrfToken, rotateCsrfToken } from 'plinth/security'
import { createEnvironment, memoryLoader } from 'plinth/templates'
import { type TestResponse, testClient } from 'plinth/testing'

const COOKIE = '__Host-csrf'

function bankApp(options: CsrfOptions = {}) {
  const calls: string[] = []
  const env = createEnvironment({
    loader: memoryLoader({
      'form.html':
        '<form method="post" action="/transfer">{% csrf_token %}<input name="amount"></form>',
      'plain.html': '<p>No form here.</p>',
      'meta.html': '<meta name="csrf-token" content="{{ csrf_token() }}">',
      'rows.html': '{% for r in rows %}{{ r }}{% endfor %}{% csrf_token %}',
    }),
  })
  const app = createApp({ logger: false })
  app.register(templates(env))
  app.use(csrf(options))
  app.get('/form', (ctx) => render(ctx, 'form.html'))
  app.get('/plain', (ctx) => render(ctx, 'plain.html'))
  app.get('/meta', (ctx) => render(ctx, 'meta.html'))
  app.get('/token', (ctx) => ({ token: getCsrfToken(ctx) }))
  app.get('/stream', (ctx) => renderStream(ctx, 'rows.html', { rows: ['a', 'b'] }))
  app.all('/transfer', async (ctx) => {
    calls.push(ctx.method)
    const form = ctx.contentType?.essence.includes('form') ? await ctx.form() : {}
    return { ok: true, amount: form.amount ?? null }
  })
  app.post('/login', (ctx) => {
    rotateCsrfToken(ctx)
    return { ok: true }
  })
  app.post('/webhook', { middleware: [csrfExempt] }, () => {
    calls.push('webhook')
    return { ok: true }
  })
  return { app, calls }
}

const tokenIn = (page: TestResponse): string => {
  const found = /<input type="hidden" name="csrf_token" value="([A-Za-z0-9_-]+)">/.exec(page.text)
  assert.ok(found, `no token in ${page.text}`)
  return found[1]!
}

function refused(res: TestResponse, code: string) {
  assert.equal(res.status, 403, res.text)
  assert.equal(res.json().error.code, code, res.text)
  assert.match(res.json().error.message, /^CSRF check failed: /)
}

function setCookies(res: TestResponse): string[] {
  return (res.headers['set-cookie'] ?? []).filter((line) => line.startsWith(`${COOKIE}=`))
}

describe('csrf(): tokens from rendered forms', () => {
  const { app, calls } = bankApp()
  const client = testClient(app)
  after(() => client.close())

  it('sets the secret cookie only when a page renders a token', async () => {
    const plain = await client.get('/plain')
    assert.equal(plain.status, 200)
    assert.deepEqual(setCookies(plain), [])
    assert.equal(client.cookies.get(COOKIE), undefined)

    const form = await client.get('/form')
    const [cookie] = setCookies(form)
    assert.ok(cookie, 'the form page sets the cookie')
    assert.match(cookie, /^__Host-csrf=[A-Za-z0-9_-]{43}; /)
    for (const attribute of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax', 'Max-Age=31536000'])
      assert.ok(cookie.split('; ').includes(attribute), `${attribute} in ${cookie}`)
    assert.match(String(form.headers.vary), /Cookie/)
    assert.match(tokenIn(form), /^[A-Za-z0-9_-]{86}$/)
  })

  it('accepts a same-origin form post with its token, and two renders give two valid tokens', async () => {
    const first = tokenIn(await client.get('/form'))
    const second = await client.get('/form')
    assert.deepEqual(setCookies(second), [], 'the existing cookie is kept')
    const token = tokenIn(second)
    assert.notEqual(first, token)
    for (const t of [first, token]) {
      const res = await client.post('/transfer', { form: { csrf_token: t, amount: '10' } })
      assert.equal(res.status, 200, res.text)
      assert.deepEqual(res.json(), { ok: true, amount: '10' })
      assert.deepEqual(setCookies(res), [], 'an accepted request does not reset the cookie')
    }
    const multipart = await client.post('/transfer', {
      multipart: { csrf_token: token, amount: '7', receipt: new Blob(['x']) },
    })
    assert.equal(multipart.status, 200, multipart.text)
    assert.equal(multipart.json().amount, '7', 'the handler reads the form the check parsed')
    // The content type is matched case-insensitively (Hono GHSA-2234-fmw7-43wr).
    const shouting = await client.post('/transfer', {
      body: `csrf_token=${token}&amount=3`,
      headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded' },
    })
    assert.equal(shouting.status, 200, shouting.text)
  })

  it('accepts the X-CSRF-Token header from fetch, with the token from a <meta> tag', async () => {
    const meta = await client.get('/meta')
    const token = /<meta name="csrf-token" content="([A-Za-z0-9_-]{86})">/.exec(meta.text)?.[1]
    assert.ok(token, meta.text)
    const res = await client.post('/transfer', {
      json: { amount: 5 },
      headers: {
        'x-csrf-token': token,
        origin: 'http://testserver',
        'sec-fetch-site': 'same-origin',
      },
    })
    assert.equal(res.status, 200, res.text)
    const fromJson = (await client.get('/token')).json().token
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const r = await client.request(method, '/transfer', { headers: { 'x-csrf-token': fromJson } })
      assert.equal(r.status, 200, `${method}: ${r.text}`)
    }
  })

  it('refuses every unsafe method without a token, whatever the Content-Type (row 23, E10)', async () => {
    await client.get('/form')
    const before = calls.length
    const bodies: Array<[string, Parameters<typeof client.post>[1]]> = [
      ['no content type', { body: 'amount=1' }],
      ['empty body', {}],
      ['form', { form: { amount: '1' } }],
      [
        'mixed-case form type',
        { body: 'amount=1', headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded' } },
      ],
      ['text/plain', { body: 'amount=1', headers: { 'content-type': 'text/plain' } }],
      ['json', { json: { amount: 1 } }],
      ['multipart', { multipart: { amount: '1' } }],
    ]
    for (const [label, options] of bodies) {
      const res = await client.post('/transfer', options)
      assert.equal(res.status, 403, label)
      assert.equal(res.json().error.code, 'csrf_token_missing', label)
    }
    for (const method of ['PUT', 'PATCH', 'DELETE', 'PURGE']) {
      const res = await client.request(method, '/transfer', { body: 'x' })
      assert.equal(res.status, 403, method)
    }
    assert.equal(calls.length, before, 'the handler never ran')
  })

  it('lets safe methods through without a token', async () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE']) {
      const res = await client.request(method, '/transfer')
      assert.equal(res.status, 200, method)
    }
  })

  it('refuses forged, foreign, cut and garbage tokens with 403, never an exception (E12)', async () => {
    const token = tokenIn(await client.get('/form'))
    const other = testClient(bankApp().app)
    const foreign = tokenIn(await other.get('/form'))
    await other.close()
    const before = calls.length
    const bytes = Buffer.from(token, 'base64url')
    bytes[50]! ^= 0x01
    const hostile = [
      foreign,
      bytes.toString('base64url'),
      token.slice(0, 85),
      token.slice(0, 43),
      client.cookies.get(COOKIE)!, // the bare secret is not a token
      `${token}A`,
      `${token}==`,
      '%%%not-base64%%%',
      '*'.repeat(86),
      'A'.repeat(86),
      'é'.repeat(86),
      'x'.repeat(5000),
      ' ',
    ]
    for (const bad of hostile) {
      refused(await client.post('/transfer', { form: { csrf_token: bad } }), 'csrf_token_invalid')
      refused(
        await client.post('/transfer', { json: {}, headers: { 'x-csrf-token': bad } }),
        'csrf_token_invalid',
      )
    }
    refused(
      await client.post('/transfer', {
        body: `csrf_token=${token}&csrf_token=${token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      'csrf_token_invalid',
    )
    refused(
      await client.post('/transfer', { multipart: { csrf_token: new Blob([token]) } }),
      'csrf_token_invalid',
    )
    assert.equal(calls.length, before)
    // A valid token still works afterwards.
    const ok = await client.post('/transfer', { form: { csrf_token: token } })
    assert.equal(ok.status, 200)
  })

  it('refuses a token without its cookie, and a tampered cookie', async () => {
    const token = tokenIn(await client.get('/form'))
    const noCookie = await client.post('/transfer', { form: { csrf_token: token }, cookies: false })
    refused(noCookie, 'csrf_cookie_missing')
    assert.match(
      noCookie.json().error.message,
      /plain HTTP, where browsers refuse the Secure cookie/,
    )
    const secret = client.cookies.get(COOKIE)!
    for (const cookie of [`${secret.slice(0, -1)}`, `${secret}A`, 'junk', '']) {
      refused(
        await client.post('/transfer', {
          form: { csrf_token: token },
          cookies: false,
          headers: { cookie: `${COOKIE}=${cookie}` },
        }),
        'csrf_cookie_missing',
      )
    }
  })

  it('answers a hostile body with a 4xx before the handler runs', async () => {
    await client.get('/form')
    const before = calls.length
    const broken = await client.post('/transfer', {
      body: '--x\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nabc',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    })
    assert.equal(broken.status, 400, broken.text)
    const flood = Array.from({ length: 5000 }, (_, i) => `f${i}=1`).join('&')
    const many = await client.post('/transfer', {
      body: flood,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.equal(many.status, 413, many.text)
    assert.equal(calls.length, before)
  })

  it('rotation invalidates every earlier token (login)', async () => {
    const old = tokenIn(await client.get('/form'))
    const oldSecret = client.cookies.get(COOKIE)
    const login = await client.post('/login', { form: { csrf_token: old } })
    assert.equal(login.status, 200, login.text)
    assert.equal(setCookies(login).length, 1)
    assert.notEqual(client.cookies.get(COOKIE), oldSecret)
    refused(await client.post('/transfer', { form: { csrf_token: old } }), 'csrf_token_invalid')
    const fresh = tokenIn(await client.get('/form'))
    assert.equal((await client.post('/transfer', { form: { csrf_token: fresh } })).status, 200)
  })

  it('shows browsers the reason on the error page', async () => {
    const res = await client.post('/transfer', {
      form: { amount: '1' },
      headers: { accept: 'text/html,application/xhtml+xml' },
    })
    assert.equal(res.status, 403)
    assert.match(String(res.headers['content-type']), /^text\/html/)
    assert.match(
      res.text,
      /CSRF check failed: no token was sent\. Put \{% csrf_token %\} inside the &lt;form&gt;/,
    )
  })
})

describe('csrf(): cross-site requests (row 23, E10)', () => {
  const { app, calls } = bankApp()
  const client = testClient(app)
  after(() => client.close())

  it('refuses a cross-site form post even with a valid cookie and token', async () => {
    const token = tokenIn(await client.get('/form'))
    const before = calls.length
    const attack = await client.post('/transfer', {
      form: { csrf_token: token, amount: '1000' },
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    })
    refused(attack, 'csrf_cross_site')
    assert.match(attack.json().error.message, /"https:\/\/evil.example"/)
    refused(
      await client.post('/transfer', {
        form: { amount: '1000' },
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      }),
      'csrf_cross_site',
    )
    refused(
      await client.post('/transfer', {
        form: { csrf_token: token },
        headers: { origin: 'null' },
      }),
      'csrf_null_origin',
    )
    refused(
      await client.post('/transfer', {
        form: { csrf_token: token },
        headers: { origin: 'https://evil.example' },
      }),
      'csrf_origin_mismatch',
    )
    assert.equal(calls.length, before)
  })
})

describe('csrf(): exemptions', () => {
  const { app, calls } = bankApp({
    exempt: (ctx) => ctx.path === '/transfer' && ctx.query.exempt === '1',
  })
  const client = testClient(app)
  after(() => client.close())

  it('exempts requests with a bearer token, not Basic credentials', async () => {
    const bearer = await client.post('/transfer', {
      json: {},
      headers: { authorization: 'Bearer eyJhbGciOi.x.y', origin: 'https://evil.example' },
    })
    assert.equal(bearer.status, 200, bearer.text)
    assert.equal(
      (await client.post('/transfer', { headers: { authorization: 'bearer abc' } })).status,
      200,
    )
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer ',
      'Bearerabc',
      'Token abc',
    ]) {
      const res = await client.post('/transfer', { json: {}, headers: { authorization } })
      assert.equal(res.status, 403, authorization)
    }
  })

  it('exempts routes marked csrfExempt and requests the exempt option picks', async () => {
    const before = calls.length
    const hook = await client.post('/webhook', {
      body: '{}',
      headers: { origin: 'https://payments.example', 'sec-fetch-site': 'cross-site' },
    })
    assert.equal(hook.status, 200, hook.text)
    assert.equal((await client.post('/transfer', { query: { exempt: '1' } })).status, 200)
    refused(await client.post('/transfer', { query: { exempt: '0' } }), 'csrf_cookie_missing')
    assert.deepEqual(calls.slice(before), ['webhook', 'POST'])
  })

  it('says so when csrfExempt is used outside a route', async () => {
    const misplaced = createApp({ logger: false, debug: true })
    misplaced.use(csrf(), csrfExempt)
    misplaced.post('/x', () => ({ ok: true }))
    const other = testClient(misplaced)
    const res = await other.post('/x', { headers: { accept: 'application/json' } })
    await other.close()
    assert.equal(res.status, 403, 'csrf() still checks the request')
    const bare = createApp({ logger: false, debug: true })
    bare.use(csrfExempt)
    bare.get('/x', () => ({ ok: true }))
    const third = testClient(bare)
    const wrong = await third.get('/x', { headers: { accept: 'application/json' } })
    await third.close()
    assert.equal(wrong.status, 500)
    assert.match(wrong.text, /csrfExempt only works in a route's own options/)
  })
})

describe('csrf(): getCsrfToken and rotateCsrfToken', () => {
  it('need the middleware for a token; rotation without it does nothing', async () => {
    const app = createApp({ logger: false, debug: true })
    app.get('/token', (ctx) => ({ token: getCsrfToken(ctx) }))
    app.post('/rotate', (ctx) => {
      rotateCsrfToken(ctx)
      return { ok: true }
    })
    const client = testClient(app)
    const res = await client.get('/token', { headers: { accept: 'application/json' } })
    assert.equal(res.status, 500)
    assert.match(res.text, /PLINTH_SECURITY_CSRF_MISSING_MIDDLEWARE|needs the CSRF middleware/)
    const rotated = await client.post('/rotate')
    assert.equal(rotated.status, 200)
    assert.equal(rotated.headers['set-cookie'], undefined)
    await client.close()
  })

  it('refuses to make a cookie once the response has left the middleware', async () => {
    const errors: string[] = []
    const app = createApp({ logger: false })
    app.use(async (ctx, next) => {
      const reply = await next()
      try {
        getCsrfToken(ctx)
      } catch (error) {
        errors.push((error as { code: string }).code)
      }
      return reply
    })
    app.use(csrf())
    app.get('/', () => ({ ok: true }))
    app.get('/token', (ctx) => ({ token: getCsrfToken(ctx) }))
    const client = testClient(app)
    await client.get('/')
    assert.deepEqual(errors, ['PLINTH_SECURITY_CSRF_TOO_LATE'])
    await client.get('/token') // sets the cookie
    await client.get('/')
    assert.deepEqual(
      errors,
      ['PLINTH_SECURITY_CSRF_TOO_LATE'],
      'with a cookie, a late token is fine',
    )
    await client.close()
  })

  it('streams a page with a token once the client has the cookie', async () => {
    const { app } = bankApp()
    const client = testClient(app)
    await client.get('/token')
    const page = await client.get('/stream')
    assert.equal(page.status, 200)
    assert.match(page.text, /^ab<input type="hidden" name="csrf_token" value="[A-Za-z0-9_-]{86}">$/)
    await client.close()
  })

  it('renders the configured field name and reads it back', async () => {
    const { app, calls } = bankApp({ fieldName: 'authenticity_token', headerName: 'X-XSRF-Token' })
    const client = testClient(app)
    const page = await client.get('/form')
    const token = /name="authenticity_token" value="([A-Za-z0-9_-]{86})"/.exec(page.text)?.[1]
    assert.ok(token, page.text)
    assert.equal(
      (await client.post('/transfer', { form: { authenticity_token: token } })).status,
      200,
    )
    assert.equal(
      (await client.post('/transfer', { headers: { 'x-xsrf-token': token } })).status,
      200,
    )
    refused(await client.post('/transfer', { form: { csrf_token: token } }), 'csrf_token_missing')
    assert.equal(calls.length, 2)
    await client.close()
  })

  it('uses a plain cookie name in debug mode (no HTTPS in development)', async () => {
    const app = createApp({ logger: false, debug: true })
    app.use(csrf())
    app.get('/token', (ctx) => ({ token: getCsrfToken(ctx) }))
    const client = testClient(app)
    const res = await client.get('/token')
    const cookie = String(res.headers['set-cookie'])
    assert.match(cookie, /^csrftoken=[A-Za-z0-9_-]{43}; /)
    assert.doesNotMatch(cookie, /Secure/)
    await client.close()
  })
})
