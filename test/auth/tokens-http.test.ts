/**
 * Bearer JWT auth over real requests: the forged tokens of security catalogue row 27 (`alg:
 * none`, HS256 signed with the RS256 public key, expired, wrong audience) each get 401 with a
 * `WWW-Authenticate: Bearer error="invalid_token"` challenge; tokens of inactive or deleted users
 * stop working; `requireScopes` answers 403 `insufficient_scope` and lets sessions through; and
 * with `csrf()` installed, bearer requests and the token endpoint need no CSRF token.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { SignJWT } from 'jose'
import { createApiKey, User } from 'plinth/auth'
import { csrf } from 'plinth/security'
import {
  AUDIENCE,
  bearer,
  ISSUER,
  JWT_SECRET,
  PASSWORD,
  passwordGrant,
  tokenAppSetup,
} from './tokens-support.ts'

const setup = tokenAppSetup()

const now = () => Math.floor(Date.now() / 1000)
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

function assertInvalidToken(
  res: { status: number; headers: Record<string, unknown>; json(): any },
  code: string,
) {
  assert.equal(res.status, 401)
  assert.equal(res.json().error.code, code)
  assert.match(
    String(res.headers['www-authenticate']),
    /^Bearer realm="api", error="invalid_token", error_description="/,
  )
}

describe('catalogue row 27: forged JWTs over HTTP (RS256 app)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const rs = { tokens: { algorithms: ['RS256'] as const, key: { privateKey: rsa.privateKey } } }
  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: '1',
    jti: 'forged',
    iat: now(),
    exp: now() + 600,
    scope: 'items:read',
    ...overrides,
  })

  it('accepts a real token (control)', async () => {
    const { client, tokens, ada } = await setup(rs)
    const token = await tokens.issueAccessToken(ada, { scopes: ['items:read'] })
    const res = await client.get('/me', bearer(token))
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), { username: 'ada', method: 'jwt', scopes: ['items:read'] })
    assert.equal(res.headers['cache-control'], 'private')
  })

  it('alg: none → 401', async () => {
    const { client } = await setup(rs)
    const res = await client.get(
      '/items',
      bearer(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims())}.`),
    )
    assertInvalidToken(res, 'invalid_token')
  })

  it('HS256 signed with the RS256 public key PEM → 401', async () => {
    const { client } = await setup(rs)
    const pem = Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string)
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(pem)
    assertInvalidToken(await client.get('/items', bearer(forged)), 'invalid_token')
  })

  it('expired → 401 token_expired', async () => {
    const { client } = await setup(rs)
    const expired = await new SignJWT(claims({ iat: now() - 3600, exp: now() - 120 }))
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
      .sign(rsa.privateKey)
    assertInvalidToken(await client.get('/items', bearer(expired)), 'token_expired')
  })

  it('wrong audience or issuer → 401', async () => {
    const { client } = await setup(rs)
    for (const wrong of [{ aud: 'billing-api' }, { iss: 'https://evil.example' }]) {
      const token = await new SignJWT(claims(wrong))
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
        .sign(rsa.privateKey)
      assertInvalidToken(await client.get('/items', bearer(token)), 'invalid_token')
    }
  })

  it('a bad token is never treated as anonymous, even on routes that do not require login', async () => {
    const { client } = await setup(rs)
    const res = await client.get('/me', bearer('not-a-jwt'))
    assertInvalidToken(res, 'invalid_token')
    assertInvalidToken(
      await client.get('/me', { headers: { authorization: 'Bearer' } }),
      'invalid_token',
    )
  })
})

describe('bearer tokens and users', () => {
  it('stops accepting tokens of deactivated and deleted users', async () => {
    const { client, tokens, ada, db } = await setup()
    const token = await tokens.issueAccessToken(ada)
    assert.equal((await client.get('/me', bearer(token))).status, 200)
    await User.objects.using(db).filter({ id: ada.id }).update({ isActive: false })
    assertInvalidToken(await client.get('/me', bearer(token)), 'invalid_token')
    await User.objects.using(db).filter({ id: ada.id }).delete()
    assertInvalidToken(await client.get('/me', bearer(token)), 'invalid_token')
  })

  it('refuses a sub that is not a user id', async () => {
    const { client } = await setup()
    for (const sub of ['abc', '0', '-1', '1e3', '99999999999999999999']) {
      const token = await new SignJWT({
        iss: ISSUER,
        aud: AUDIENCE,
        sub,
        jti: 'x',
        iat: now(),
        exp: now() + 60,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .sign(Buffer.from(JWT_SECRET))
      assertInvalidToken(await client.get('/me', bearer(token)), 'invalid_token')
    }
  })

  it('leaves other Authorization schemes to other authenticators (anonymous here)', async () => {
    const { client } = await setup()
    const res = await client.get('/me', { headers: { authorization: 'Basic YWRhOnB3' } })
    assert.equal(res.status, 401)
    assert.equal(res.json().error.code, 'login_required')
  })
})

describe('requireScopes', () => {
  it('anonymous → 401 with a Bearer challenge naming the scope', async () => {
    const { client } = await setup()
    const res = await client.get('/items')
    assert.equal(res.status, 401)
    assert.equal(res.json().error.code, 'login_required')
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="api", scope="items:read"')
  })

  it('a token without the scope → 403 insufficient_scope; with it → 200', async () => {
    const { client, tokens, ada } = await setup()
    const weak = await tokens.issueAccessToken(ada, { scopes: ['items:read'] })
    const res = await client.post('/items', bearer(weak))
    assert.equal(res.status, 403)
    assert.equal(res.json().error.code, 'insufficient_scope')
    assert.deepEqual(res.json().error.details, {
      required: ['items:write'],
      missing: ['items:write'],
    })
    assert.match(
      String(res.headers['www-authenticate']),
      /error="insufficient_scope", scope="items:write"/,
    )
    assert.equal((await client.get('/items', bearer(weak))).status, 200)
    const none = await tokens.issueAccessToken(ada)
    assert.equal((await client.get('/items', bearer(none))).status, 403)
    assert.equal(
      (await client.get('/me', bearer(none))).status,
      200,
      'requireScopes() needs no scope',
    )
    const strong = await tokens.issueAccessToken(ada, { scopes: ['items:write'] })
    assert.deepEqual((await client.post('/items', bearer(strong))).json(), { created: true })
  })

  it('lets a session (full rights, no scopes) through', async () => {
    const { client } = await setup()
    await client.post('/session-login', { form: { username: 'ada', password: PASSWORD } })
    const res = await client.get('/items')
    assert.equal(res.status, 200)
    assert.deepEqual((await client.get('/me')).json(), {
      username: 'ada',
      method: 'session',
      scopes: null,
    })
  })

  it('refuses malformed scope names at definition', async () => {
    const { requireScopes } = await import('plinth/auth')
    for (const bad of ['has space', 'quo"te', 'back\\slash', '']) {
      assert.throws(() => requireScopes(bad), { code: 'PLINTH_AUTH_TOKENS_SCOPE' })
    }
    assert.throws(() => requireScopes({ schemes: [] }, 'a'), { code: 'PLINTH_AUTH_TOKENS_SCOPE' })
  })
})

describe('CSRF and bearer tokens', () => {
  it('bearer requests and the token endpoint pass csrf(); other unsafe requests do not', async () => {
    const { client } = await setup({ before: [csrf()] })
    const res = await client.post('/auth/token', passwordGrant('items:write'))
    assert.equal(res.status, 200, res.text)
    const { access_token, refresh_token } = res.json()
    assert.equal((await client.post('/items', bearer(access_token))).status, 200)
    const refreshed = await client.post('/auth/token', {
      form: { grant_type: 'refresh_token', refresh_token },
    })
    assert.equal(refreshed.status, 200)
    const revoked = await client.post('/auth/token/revoke', {
      form: { token: refreshed.json().refresh_token },
    })
    assert.equal(revoked.status, 200)
    // Control: without a bearer token the same route is subject to CSRF.
    const plain = await client.post('/items')
    assert.equal(plain.status, 403)
    assert.match(plain.json().error.code, /^csrf_/)
  })

  it('API keys: Bearer plk_… passes csrf(); X-API-Key needs csrf({ exempt })', async () => {
    const { client, auth, ada, db } = await setup({ before: [csrf()] })
    const { key } = await db.scope(() =>
      createApiKey(auth, ada, { name: 'k', scopes: ['items:write'] }),
    )
    assert.equal((await client.post('/items', bearer(key))).status, 200)
    const viaHeader = await client.post('/items', { headers: { 'x-api-key': key } })
    assert.equal(viaHeader.status, 403)
    assert.match(viaHeader.json().error.code, /^csrf_/)

    const exempted = await setup({
      before: [csrf({ exempt: (ctx) => ctx.req.headers['x-api-key'] !== undefined })],
    })
    const own = await exempted.db.scope(() =>
      createApiKey(exempted.auth, exempted.ada, { name: 'k', scopes: ['items:write'] }),
    )
    const res = await exempted.client.post('/items', { headers: { 'x-api-key': own.key } })
    assert.equal(res.status, 200, res.text)
  })

  it('without apiKeyAuthenticator, Bearer plk_… is an invalid token, never the session', async () => {
    const { client } = await setup({ withoutApiKeys: true })
    await client.post('/session-login', { form: { username: 'ada', password: PASSWORD } })
    assert.equal((await client.get('/me')).status, 200, 'the session works')
    const res = await client.get('/me', bearer(`plk_0123abcd_${'x'.repeat(43)}`))
    assertInvalidToken(res, 'invalid_token')
  })
})
