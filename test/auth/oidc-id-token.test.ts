/**
 * The ID token checks, against a provider that lies: wrong audience, foreign issuer, expired,
 * `alg: none`, another signing key, an HMAC "signature" made with the client secret, a missing
 * nonce or subject. Each is refused with 400 and nobody is logged in; a provider that fails is
 * a 502. The honest token beside them logs in, so the refusals are the checks at work.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SignJWT } from 'jose'
import { MiniBrowser } from './fixtures/oidc-browser.ts'
import { startWorld, type World } from './fixtures/oidc-world.ts'
import {
  type MintInput,
  ROGUE_CLIENT,
  startRogueProvider,
  type TokenAnswer,
} from './fixtures/rogue-provider.ts'

type Rogue = Awaited<ReturnType<typeof startRogueProvider>>

describe('ID token checks', { timeout: 60_000 }, () => {
  let rogue: Rogue
  let world: World
  before(async () => {
    rogue = await startRogueProvider()
    world = await startWorld({
      extraProviders: (appOrigin) => [
        {
          name: 'rogue',
          issuer: rogue.issuer,
          clientId: ROGUE_CLIENT.id,
          clientSecret: ROGUE_CLIENT.secret,
          redirectUri: `${appOrigin}/auth/callback/rogue`,
          allowInsecureRequests: true,
        },
      ],
    })
  })
  after(async () => {
    await world.close()
    await rogue.close()
  })

  /** Start a login, let the rogue answer the code with `mint`, and visit the callback. */
  async function loginWith(mint: (input: MintInput) => Promise<TokenAnswer>) {
    const browser = new MiniBrowser({ jsonOrigins: [world.appOrigin] })
    const start = await browser.request(`${world.appOrigin}/auth/login/rogue`)
    const authorize = new URL(start.headers.get('location')!)
    const code = rogue.issueCode(authorize.searchParams.get('nonce')!, mint)
    const callback = new URL(world.callback('rogue'))
    callback.search = new URLSearchParams({
      code,
      state: authorize.searchParams.get('state')!,
    }).toString()
    const page = await browser.request(callback)
    const me = JSON.parse((await browser.request(`${world.appOrigin}/me`)).text) as {
      user: string | null
    }
    const error =
      page.status === 303 ? null : (JSON.parse(page.text) as { error: { code: string } }).error.code
    return { status: page.status, code: error, user: me.user }
  }

  const tokenWith = (override: Record<string, unknown>) => async (input: MintInput) => ({
    body: {
      access_token: 'at',
      token_type: 'Bearer',
      id_token: await input.sign(rogue.idToken(input, override)),
    },
  })

  it('accepts an honest ID token (the baseline for the refusals below)', async () => {
    const result = await loginWith(tokenWith({ sub: 'honest', preferred_username: 'honest' }))
    assert.deepEqual(result, { status: 303, code: null, user: 'honest' })
  })

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['an audience that is another client', { aud: 'another-client' }, 'oidc_id_token_invalid'],
    [
      'an extra untrusted audience',
      { aud: [ROGUE_CLIENT.id, 'another-client'] },
      'oidc_id_token_invalid',
    ],
    ['a foreign issuer', { iss: 'https://evil.example' }, 'oidc_id_token_invalid'],
    [
      'an expired token',
      { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 },
      'oidc_id_token_invalid',
    ],
    ['no nonce', { nonce: undefined }, 'oidc_nonce_mismatch'],
    ['another nonce', { nonce: 'replayed-from-another-login' }, 'oidc_nonce_mismatch'],
    ['no subject', { sub: undefined }, 'oidc_id_token_invalid'],
    ['a subject over 255 characters', { sub: 'x'.repeat(256) }, 'oidc_id_token_invalid'],
  ]
  for (const [what, override, code] of refusals) {
    it(`refuses an ID token with ${what}`, async () => {
      assert.deepEqual(await loginWith(tokenWith(override)), { status: 400, code, user: null })
    })
  }

  it('refuses alg: none', async () => {
    const result = await loginWith(async (input) => ({
      body: {
        access_token: 'at',
        token_type: 'Bearer',
        id_token: rogue.unsigned(rogue.idToken(input)),
      },
    }))
    assert.deepEqual(result, { status: 400, code: 'oidc_id_token_invalid', user: null })
  })

  it('refuses a token signed with a key the provider does not publish', async () => {
    const other = rogue.otherKey()
    const result = await loginWith(async (input) => ({
      body: {
        access_token: 'at',
        token_type: 'Bearer',
        id_token: await input.sign(rogue.idToken(input), other),
      },
    }))
    assert.deepEqual(result, { status: 400, code: 'oidc_id_token_invalid', user: null })
  })

  it('refuses an HS256 token made with the client secret (algorithm confusion)', async () => {
    const result = await loginWith(async (input) => ({
      body: {
        access_token: 'at',
        token_type: 'Bearer',
        id_token: await new SignJWT(rogue.idToken(input))
          .setProtectedHeader({ alg: 'HS256' })
          .sign(new TextEncoder().encode(ROGUE_CLIENT.secret)),
      },
    }))
    assert.deepEqual(result, { status: 400, code: 'oidc_id_token_invalid', user: null })
  })

  it('refuses a token response without an ID token', async () => {
    const result = await loginWith(async () => ({
      body: { access_token: 'at', token_type: 'Bearer' },
    }))
    assert.deepEqual(result, { status: 400, code: 'oidc_id_token_invalid', user: null })
  })

  it('answers 400 oidc_code_rejected when the provider refuses the code', async () => {
    const result = await loginWith(async () => ({ status: 400, body: { error: 'invalid_grant' } }))
    assert.deepEqual(result, { status: 400, code: 'oidc_code_rejected', user: null })
  })

  it('answers 502 when the provider fails', async () => {
    const result = await loginWith(async () => ({ status: 500, body: { error: 'server_error' } }))
    assert.deepEqual(result, { status: 502, code: 'oidc_provider_unavailable', user: null })
  })
})
