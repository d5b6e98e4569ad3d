/**
 * Access token verification against forged tokens (security catalogue row 27, F8–F10): `alg:
 * none`, HS256 signed with the server's RSA public key PEM, foreign keys announced by
 * `jku`/`jwk`/`x5u` headers (never fetched), expired, not yet valid, issued in the future, wrong
 * issuer, audience or type, tampered payloads, missing claims. Each is a 401 `TokenError`.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { SignJWT } from 'jose'
import { TokenError } from './errors.ts'
import { ACCESS_TOKEN_TYPE, jwtTokens } from './jwt.ts'

const ISSUER = 'https://issuer.test'
const AUDIENCE = 'shop-api'
const user = { id: 7 } as never
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 })
const SECRET = randomBytes(32)

const rsTokens = jwtTokens({
  algorithms: ['RS256'],
  key: { privateKey: rsa.privateKey },
  issuer: ISSUER,
  audience: AUDIENCE,
})
const hsTokens = jwtTokens({
  algorithms: ['HS256'],
  key: SECRET,
  issuer: ISSUER,
  audience: AUDIENCE,
})

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

/** Claims a valid token of `hsTokens` carries; tests change one thing at a time. */
function claims(overrides: Record<string, unknown> = {}) {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: '7',
    jti: 'j-1',
    iat: now(),
    exp: now() + 600,
    ...overrides,
  }
}

/** Sign `payload` with `key` and header `header` (defaults: HS256 with the real secret, at+jwt). */
function sign(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key: Parameters<SignJWT['sign']>[0] = SECRET,
) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE, ...header } as never)
    .sign(key)
}

async function rejects(
  tokens: typeof hsTokens,
  token: string,
  code: 'invalid_token' | 'token_expired',
) {
  await assert.rejects(tokens.verifyAccessToken(token), (error: unknown) => {
    assert.ok(error instanceof TokenError, `expected TokenError, got ${String(error)}`)
    assert.equal(error.status, 401)
    assert.equal(error.code, code)
    assert.match(
      error.headers?.['www-authenticate'] ?? '',
      /^Bearer realm="api", error="invalid_token"/,
    )
    return true
  })
}

describe('verifyAccessToken: tokens Plinth issued', () => {
  it('round-trips sub, scopes, jti, iss, aud and the at+jwt type', async () => {
    for (const tokens of [rsTokens, hsTokens]) {
      const token = await tokens.issueAccessToken(user, { scopes: ['items:read', 'items:write'] })
      const [header] = token.split('.')
      assert.equal(JSON.parse(Buffer.from(header!, 'base64url').toString()).typ, 'at+jwt')
      const verified = await tokens.verifyAccessToken(token)
      assert.equal(verified.sub, '7')
      assert.deepEqual(verified.scopes, ['items:read', 'items:write'])
      assert.equal(verified.iss, ISSUER)
      assert.equal(verified.aud, AUDIENCE)
      assert.equal(verified.exp - verified.iat, 900)
    }
  })

  it('gives every token a unique jti', async () => {
    const ids = new Set<string>()
    for (let i = 0; i < 20; i++)
      ids.add((await hsTokens.verifyAccessToken(await hsTokens.issueAccessToken(user))).jti)
    assert.equal(ids.size, 20)
  })

  it('works with EdDSA and ES256 keys, and a verify-only instance checks them', async () => {
    for (const [algorithm, pair] of [
      ['EdDSA', generateKeyPairSync('ed25519')],
      ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ] as const) {
      const signer = jwtTokens({
        algorithms: [algorithm],
        key: { privateKey: pair.privateKey },
        issuer: ISSUER,
        audience: AUDIENCE,
      })
      const verifier = jwtTokens({
        algorithms: [algorithm],
        key: { publicKey: pair.publicKey },
        issuer: ISSUER,
        audience: AUDIENCE,
      })
      assert.equal((await verifier.verifyAccessToken(await signer.issueAccessToken(user))).sub, '7')
    }
  })

  it('refuses extra claims that would overwrite registered ones', async () => {
    await assert.rejects(hsTokens.issueAccessToken(user, { claims: { sub: '1' } }), {
      code: 'PLINTH_AUTH_TOKENS_CONFIG',
    })
    const token = await hsTokens.issueAccessToken(user, { claims: { tenant: 'acme' } })
    assert.equal((await hsTokens.verifyAccessToken(token)).tenant, 'acme')
  })
})

describe('verifyAccessToken: forged algorithms and keys (F8, F9)', () => {
  it('refuses alg: none (with and without a signature part)', async () => {
    const payload = b64(claims())
    for (const alg of ['none', 'None', 'NONE']) {
      const header = b64({ alg, typ: ACCESS_TOKEN_TYPE })
      await rejects(hsTokens, `${header}.${payload}.`, 'invalid_token')
      await rejects(rsTokens, `${header}.${payload}.`, 'invalid_token')
      await rejects(hsTokens, `${header}.${payload}`, 'invalid_token')
    }
  })

  it('refuses HS256 tokens signed with the server RSA public key PEM (key confusion)', async () => {
    for (const format of ['pem', 'der'] as const) {
      const publicKey =
        format === 'pem'
          ? Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string)
          : rsa.publicKey.export({ type: 'spki', format: 'der' })
      const forged = await sign(claims(), { alg: 'HS256' }, publicKey)
      await rejects(rsTokens, forged, 'invalid_token')
    }
  })

  it('refuses algorithms outside the allow-list even with the right secret', async () => {
    const hs512 = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS512', typ: ACCESS_TOKEN_TYPE })
      .sign(randomBytes(64))
    await rejects(hsTokens, hs512, 'invalid_token')
    const rs512 = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS512', typ: ACCESS_TOKEN_TYPE })
      .sign(rsa.privateKey)
    await rejects(rsTokens, rs512, 'invalid_token')
  })

  it('refuses tokens signed by another key, whatever their headers announce', async () => {
    const jwk = attacker.publicKey.export({ format: 'jwk' })
    const headers = [
      { jku: 'https://evil.example/jwks.json' },
      { jwk },
      { x5u: 'https://evil.example/cert.pem' },
      { kid: 'attacker' },
    ]
    for (const header of headers) {
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', typ: ACCESS_TOKEN_TYPE, ...header } as never)
        .sign(attacker.privateKey)
      await rejects(rsTokens, forged, 'invalid_token')
    }
  })
})

describe('verifyAccessToken: jku is never fetched', () => {
  let requests = 0
  const server = createServer((_req, res) => {
    requests++
    res.setHeader('content-type', 'application/json')
    res.end(
      JSON.stringify({ keys: [{ ...attacker.publicKey.export({ format: 'jwk' }), alg: 'RS256' }] }),
    )
  })
  let jku = ''
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    jku = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
  })
  after(() => new Promise((resolve) => server.close(resolve)))

  it('verifies with the configured key only: an attacker-signed token → 401, ours → valid, no request made', async () => {
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', typ: ACCESS_TOKEN_TYPE, jku })
      .sign(attacker.privateKey)
    await rejects(rsTokens, forged, 'invalid_token')
    const ours = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', typ: ACCESS_TOKEN_TYPE, jku })
      .sign(rsa.privateKey)
    assert.equal((await rsTokens.verifyAccessToken(ours)).sub, '7')
    assert.equal(requests, 0, 'the jku URL was fetched')
  })
})

describe('verifyAccessToken: claims (F10)', () => {
  it('expired → token_expired; within the 30 s leeway → still valid', async () => {
    await rejects(
      hsTokens,
      await sign(claims({ iat: now() - 700, exp: now() - 60 })),
      'token_expired',
    )
    const justExpired = await sign(claims({ iat: now() - 700, exp: now() - 10 }))
    assert.equal((await hsTokens.verifyAccessToken(justExpired)).sub, '7')
    const strict = jwtTokens({
      algorithms: ['HS256'],
      key: SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      leeway: 0,
    })
    await rejects(strict, justExpired, 'token_expired')
  })

  it('refuses nbf in the future and iat in the future', async () => {
    await rejects(hsTokens, await sign(claims({ nbf: now() + 120 })), 'invalid_token')
    await rejects(hsTokens, await sign(claims({ iat: now() + 120 })), 'invalid_token')
    assert.ok(
      await hsTokens.verifyAccessToken(await sign(claims({ nbf: now() + 5, iat: now() + 5 }))),
    )
  })

  it('refuses a wrong issuer or audience', async () => {
    await rejects(hsTokens, await sign(claims({ iss: 'https://evil.example' })), 'invalid_token')
    await rejects(hsTokens, await sign(claims({ aud: 'another-api' })), 'invalid_token')
    await rejects(hsTokens, await sign(claims({ aud: ['another-api', 'third'] })), 'invalid_token')
    assert.ok(
      await hsTokens.verifyAccessToken(await sign(claims({ aud: ['another-api', AUDIENCE] }))),
    )
  })

  it('refuses other token types (an ID token or a plain JWT is not an access token)', async () => {
    await rejects(hsTokens, await sign(claims(), { typ: 'JWT' }), 'invalid_token')
    await rejects(hsTokens, await sign(claims(), { typ: undefined }), 'invalid_token')
    assert.ok(await hsTokens.verifyAccessToken(await sign(claims(), { typ: 'application/at+jwt' })))
  })

  it('refuses tokens missing sub, jti, iat or exp, or with a malformed scope', async () => {
    for (const missing of ['sub', 'jti', 'iat', 'exp']) {
      await rejects(hsTokens, await sign(claims({ [missing]: undefined })), 'invalid_token')
    }
    await rejects(hsTokens, await sign(claims({ sub: 7 })), 'invalid_token')
    await rejects(hsTokens, await sign(claims({ scope: ['items:read'] })), 'invalid_token')
    await rejects(hsTokens, await sign(claims({ scope: 'a "b' })), 'invalid_token')
  })

  it('refuses a tampered payload, a truncated signature, junk and oversized input', async () => {
    const token = await hsTokens.issueAccessToken(user, { scopes: ['items:read'] })
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const changed = b64({
      ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
      sub: '1',
      scope: 'admin',
    })
    await rejects(hsTokens, `${header}.${changed}.${signature}`, 'invalid_token')
    await rejects(hsTokens, `${header}.${payload}.${signature.slice(0, -2)}`, 'invalid_token')
    for (const junk of [
      '',
      'a',
      'a.b.c',
      '...',
      `${header}.${payload}`,
      'x'.repeat(9000),
      42 as never,
    ]) {
      await rejects(hsTokens, junk, 'invalid_token')
    }
  })
})
