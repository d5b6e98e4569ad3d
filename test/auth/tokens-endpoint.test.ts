/**
 * The OAuth2 token endpoint (RFC 6749 §4.3 password grant, §6 refresh, §5.2 errors) and
 * revocation (RFC 7009) over real requests: rotation, reuse detection through the endpoint,
 * scope checks, malformed and hostile requests, password changes, and login throttling.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loginThrottle } from 'plinth/auth'
import { bearer, PASSWORD, passwordGrant, tokenAppSetup } from './tokens-support.ts'

const setup = tokenAppSetup()

type Res = { status: number; headers: Record<string, unknown>; json(): any; text: string }

function assertOAuthError(res: Res, error: string, code = error) {
  assert.equal(res.status, 400, res.text)
  assert.equal(res.json().error, error)
  assert.equal(res.json().code, code)
  assert.equal(typeof res.json().error_description, 'string')
  assert.equal(res.headers['cache-control'], 'no-store')
}

const refreshGrant = (refresh_token: string, scope?: string) => ({
  form: { grant_type: 'refresh_token', refresh_token, ...(scope === undefined ? {} : { scope }) },
})

describe('POST /auth/token: password grant', () => {
  it('answers an RFC 6749 token response that authenticates requests', async () => {
    const { client } = await setup()
    const res = await client.post('/auth/token', passwordGrant('items:read'))
    assert.equal(res.status, 200, res.text)
    assert.equal(res.headers['cache-control'], 'no-store')
    assert.equal(res.headers.pragma, 'no-cache')
    const body = res.json()
    assert.deepEqual(Object.keys(body).sort(), [
      'access_token',
      'expires_in',
      'refresh_token',
      'scope',
      'token_type',
    ])
    assert.equal(body.token_type, 'bearer')
    assert.equal(body.expires_in, 900)
    assert.equal(body.scope, 'items:read')
    assert.match(body.refresh_token, /^[A-Za-z0-9_-]{43}$/)
    assert.deepEqual((await client.get('/items', bearer(body.access_token))).json(), {
      items: ['lamp', 'chair'],
    })
    assert.equal((await client.post('/items', bearer(body.access_token))).status, 403)
  })

  it('wrong password and unknown user get the same invalid_grant answer', async () => {
    const { client } = await setup()
    const wrong = await client.post(
      '/auth/token',
      passwordGrant(undefined, 'ada', 'wrong password'),
    )
    const unknown = await client.post('/auth/token', passwordGrant(undefined, 'nobody', PASSWORD))
    assertOAuthError(wrong, 'invalid_grant', 'invalid_credentials')
    assert.deepEqual(wrong.json(), unknown.json())
  })

  it('refuses unknown, malformed and repeated parameters with the RFC error codes', async () => {
    const { client } = await setup()
    assertOAuthError(await client.post('/auth/token', passwordGrant('admin')), 'invalid_scope')
    assertOAuthError(
      await client.post('/auth/token', passwordGrant('items:read "x')),
      'invalid_scope',
    )
    assertOAuthError(
      await client.post('/auth/token', { form: { grant_type: 'password', username: 'ada' } }),
      'invalid_request',
    )
    assertOAuthError(
      await client.post('/auth/token', { form: { username: 'ada', password: PASSWORD } }),
      'invalid_request',
    )
    assertOAuthError(
      await client.post('/auth/token', { form: { grant_type: 'client_credentials' } }),
      'unsupported_grant_type',
    )
    assertOAuthError(
      await client.post('/auth/token', {
        body: `grant_type=password&username=ada&username=eve&password=${encodeURIComponent(PASSWORD)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      'invalid_request',
    )
    assertOAuthError(
      await client.post('/auth/token', {
        body: 'grant_type=password&username[a]=1&password=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      'invalid_request',
    )
    const asJson = await client.post('/auth/token', {
      json: { grant_type: 'password', username: 'ada', password: PASSWORD },
    })
    assert.equal(asJson.status, 415)
  })

  it('with no scope requested grants the default scopes', async () => {
    const { client } = await setup({ routes: { defaultScopes: ['items:read'] } })
    assert.equal((await client.post('/auth/token', passwordGrant())).json().scope, 'items:read')
  })

  it('grantScopes narrows what a user gets', async () => {
    const { client } = await setup({
      routes: {
        grantScopes: (user, requested) =>
          requested.filter((s) => s !== 'items:write' || user.isStaff),
      },
    })
    assert.equal(
      (await client.post('/auth/token', passwordGrant('items:read items:write'))).json().scope,
      'items:read',
    )
  })

  it('is throttled per account (429 login_throttled) even with the right password after', async () => {
    const { client } = await setup({
      routes: { throttle: loginThrottle({ perAccount: { limit: 3, windowMs: 60_000 } }) },
    })
    for (let i = 0; i < 3; i++) {
      assertOAuthError(
        await client.post('/auth/token', passwordGrant(undefined, 'ada', `guess ${i}`)),
        'invalid_grant',
        'invalid_credentials',
      )
    }
    const blocked = await client.post('/auth/token', passwordGrant())
    assert.equal(blocked.status, 429)
    assert.equal(blocked.json().error.code, 'login_throttled')
    assert.ok(Number(blocked.headers['retry-after']) > 0)
  })
})

describe('POST /auth/token: refresh_token grant', () => {
  it('rotates: a new pair each time, the old refresh token is then refused as reused', async () => {
    const { client } = await setup()
    const first = (await client.post('/auth/token', passwordGrant('items:read items:write'))).json()
    const second = await client.post('/auth/token', refreshGrant(first.refresh_token))
    assert.equal(second.status, 200, second.text)
    const pair = second.json()
    assert.notEqual(pair.refresh_token, first.refresh_token)
    assert.notEqual(pair.access_token, first.access_token)
    assert.equal(pair.scope, 'items:read items:write')
    assert.equal((await client.post('/items', bearer(pair.access_token))).status, 200)

    // Replaying the first token (a thief's copy) revokes the family: the newest token dies too.
    assertOAuthError(
      await client.post('/auth/token', refreshGrant(first.refresh_token)),
      'invalid_grant',
      'refresh_token_reused',
    )
    assertOAuthError(
      await client.post('/auth/token', refreshGrant(pair.refresh_token)),
      'invalid_grant',
      'refresh_token_revoked',
    )
  })

  it('may narrow the scopes but never widen them, not even back to the original', async () => {
    const { client } = await setup()
    const first = (await client.post('/auth/token', passwordGrant('items:read items:write'))).json()
    const narrowed = await client.post(
      '/auth/token',
      refreshGrant(first.refresh_token, 'items:read'),
    )
    assert.equal(narrowed.status, 200, narrowed.text)
    assert.equal(narrowed.json().scope, 'items:read')
    assert.equal((await client.post('/items', bearer(narrowed.json().access_token))).status, 403)
    const { refresh_token } = narrowed.json()
    assertOAuthError(
      await client.post('/auth/token', refreshGrant(refresh_token, 'items:read items:write')),
      'invalid_scope',
    )
    // The refused request did not use the token up; without a scope it keeps what it has.
    const kept = await client.post('/auth/token', refreshGrant(refresh_token))
    assert.equal(kept.status, 200, kept.text)
    assert.equal(kept.json().scope, 'items:read')
  })

  it('refuses unknown and malformed refresh tokens', async () => {
    const { client } = await setup()
    for (const token of ['x'.repeat(43), 'short', 'a.b.c', "' OR 1=1 --"]) {
      assertOAuthError(
        await client.post('/auth/token', refreshGrant(token)),
        'invalid_grant',
        'invalid_refresh_token',
      )
    }
    assertOAuthError(
      await client.post('/auth/token', { form: { grant_type: 'refresh_token' } }),
      'invalid_request',
    )
  })

  it('a password change ends every refresh token of the user', async () => {
    const { client, auth, ada, db } = await setup()
    const first = (await client.post('/auth/token', passwordGrant())).json()
    await db.scope(() => auth.setPassword(ada, 'a brand new passphrase'))
    assertOAuthError(
      await client.post('/auth/token', refreshGrant(first.refresh_token)),
      'invalid_grant',
      'invalid_refresh_token',
    )
  })
})

describe('POST /auth/token/revoke (RFC 7009)', () => {
  it('revokes the login of a refresh token; unknown tokens get the same 200', async () => {
    const { client } = await setup()
    const first = (await client.post('/auth/token', passwordGrant())).json()
    const res = await client.post('/auth/token/revoke', {
      form: { token: first.refresh_token, token_type_hint: 'refresh_token' },
    })
    assert.equal(res.status, 200)
    assert.equal(res.headers['cache-control'], 'no-store')
    assertOAuthError(
      await client.post('/auth/token', refreshGrant(first.refresh_token)),
      'invalid_grant',
      'refresh_token_revoked',
    )
    assert.equal(
      (await client.post('/auth/token/revoke', { form: { token: 'unknown-token' } })).status,
      200,
    )
  })

  it('says access tokens cannot be revoked (unsupported_token_type), and needs a token', async () => {
    const { client } = await setup()
    const first = (await client.post('/auth/token', passwordGrant())).json()
    assertOAuthError(
      await client.post('/auth/token/revoke', { form: { token: first.access_token } }),
      'unsupported_token_type',
    )
    assert.equal(
      (await client.get('/me', bearer(first.access_token))).status,
      200,
      'still valid until it expires',
    )
    assertOAuthError(await client.post('/auth/token/revoke', { form: {} }), 'invalid_request')
  })
})
