import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import { PlinthError } from '../../http/index.ts'
import { type OidcProviderOptions, oidcProvider } from './provider.ts'

const GOOD: OidcProviderOptions = {
  name: 'google',
  issuer: 'https://accounts.google.com',
  clientId: 'client-id',
  clientSecret: 'client-secret-value',
  redirectUri: 'https://shop.example/auth/callback/google',
}

function refuses(
  overrides: Partial<OidcProviderOptions> & Record<string, unknown>,
  pattern: RegExp,
) {
  assert.throws(
    () => oidcProvider({ ...GOOD, ...overrides } as OidcProviderOptions),
    (error: unknown) =>
      error instanceof PlinthError &&
      error.code === 'PLINTH_AUTH_OIDC_CONFIG' &&
      pattern.test(error.message),
  )
}

describe('oidcProvider()', () => {
  it('has safe defaults', () => {
    const provider = oidcProvider(GOOD)
    assert.deepEqual(provider.scopes, ['openid', 'email', 'profile'])
    assert.equal(provider.tokenEndpointAuthMethod, 'client_secret_basic')
    assert.equal(provider.linkByVerifiedEmail, false)
    assert.equal(provider.allowInsecureRequests, false)
    assert.equal(provider.label, 'google')
    assert.equal(oidcProvider({ ...GOOD, clientSecret: undefined }).tokenEndpointAuthMethod, 'none')
  })

  it('refuses a plain-HTTP issuer unless allowInsecureRequests is set', () => {
    refuses({ issuer: 'http://idp.example' }, /not HTTPS.*allowInsecureRequests: true/)
    assert.equal(
      oidcProvider({ ...GOOD, issuer: 'http://127.0.0.1:9000', allowInsecureRequests: true }).issuer
        .href,
      'http://127.0.0.1:9000/',
    )
  })

  it('refuses bad names, URLs and scopes', () => {
    refuses({ name: 'Google' }, /name must be/)
    refuses({ name: '../x' }, /name must be/)
    refuses({ name: '' }, /name must be/)
    refuses({ issuer: 'not a url' }, /issuer must be an absolute/)
    refuses({ issuer: 'javascript:alert(1)' }, /issuer must be an absolute/)
    refuses({ redirectUri: '/auth/callback/google' }, /redirectUri must be an absolute/)
    refuses(
      { redirectUri: 'https://shop.example/auth/callback/other' },
      /must end with "\/callback\/google"/,
    )
    refuses({ redirectUri: 'https://shop.example/auth/callback/google?x=1' }, /query string/)
    refuses({ scopes: ['email'] }, /include "openid"/)
    refuses({ scopes: ['openid', 'a b'] }, /scope tokens/)
    refuses({ clientId: '' }, /clientId is required/)
    refuses({ clientSecret: '' }, /clientSecret must be/)
    refuses({ tokenEndpointAuthMethod: 'none' }, /public client/)
    refuses({ tokenEndpointAuthMethod: 'private_key_jwt' as never }, /not supported/)
    refuses({ timeoutSeconds: 0 }, /timeoutSeconds/)
  })

  it('does not let authorizationParams override the protocol parameters', () => {
    for (const key of [
      'state',
      'nonce',
      'code_challenge',
      'code_challenge_method',
      'redirect_uri',
      'scope',
      'response_type',
      'client_id',
    ]) {
      refuses({ authorizationParams: { [key]: 'x' } }, new RegExp(`may not set "${key}"`))
    }
    assert.deepEqual(
      oidcProvider({ ...GOOD, authorizationParams: { prompt: 'select_account' } })
        .authorizationParams,
      { prompt: 'select_account' },
    )
  })

  it('never shows the client secret when logged or serialized', () => {
    const provider = oidcProvider(GOOD)
    assert.doesNotMatch(inspect(provider, { depth: 5 }), /client-secret-value/)
    assert.doesNotMatch(JSON.stringify(provider), /client-secret-value/)
  })
})
