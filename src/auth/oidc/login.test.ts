import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../../app/index.ts'
import { PlinthError } from '../../http/index.ts'
import { defineModel, field } from '../../orm/index.ts'
import { memorySessionStore, sessions } from '../../sessions/index.ts'
import { testClient } from '../../testing/index.ts'
import { createAuth } from '../auth.ts'
import { userFields } from '../models.ts'
import { oidcLogin } from './login.ts'
import { socialAccountFields } from './models.ts'
import { oidcProvider } from './provider.ts'

const provider = oidcProvider({
  name: 'corp',
  issuer: 'https://idp.example',
  clientId: 'app',
  clientSecret: 'secret',
  redirectUri: 'https://app.example/auth/callback/corp',
})

function configError(fn: () => unknown, pattern: RegExp) {
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof PlinthError && e.code === 'PLINTH_AUTH_OIDC_CONFIG' && pattern.test(e.message),
  )
}

describe('oidcLogin() configuration', () => {
  const auth = createAuth()

  it('needs providers with distinct names', () => {
    configError(() => oidcLogin(auth, { providers: [] }), /at least one provider/)
    configError(
      () => oidcLogin(auth, { providers: [provider, provider] }),
      /two providers are named "corp"/,
    )
  })

  it('only redirects to paths on this site', () => {
    for (const bad of ['https://evil.example/', '//evil.example', 'account', '/\\evil.example']) {
      configError(
        () => oidcLogin(auth, { providers: [provider], redirectTo: bad }),
        /redirectTo must be a path/,
      )
      configError(
        () => oidcLogin(auth, { providers: [provider], failureRedirect: bad }),
        /failureRedirect must be a path/,
      )
    }
    configError(() => oidcLogin(auth, { providers: [provider], flowTimeoutMs: 0 }), /flowTimeoutMs/)
  })

  it('asks for an accountModel with a custom user model', () => {
    const Member = defineModel(
      'OidcTestMember',
      { ...userFields(), nickname: field.string({ maxLength: 20 }) },
      { module: 'oidc_test', table: 'oidc_test_member' },
    )
    const memberAuth = createAuth({ userModel: Member })
    configError(
      () => oidcLogin(memberAuth, { providers: [provider] }),
      /socialAccountFields\(\(\) => YourUser\)/,
    )
    const MemberLink = defineModel(
      'OidcTestMemberLink',
      socialAccountFields(() => Member),
      { module: 'oidc_test', table: 'oidc_test_member_link' },
    )
    assert.ok(oidcLogin(memberAuth, { providers: [provider], accountModel: MemberLink }))
  })
})

describe('oidcLogin() routes', () => {
  const app = createApp({ logger: false })
  const auth = createAuth()
  app.use(sessions({ store: memorySessionStore() }))
  app.use(auth.middleware)
  app.include(oidcLogin(auth, { providers: [provider] }), { prefix: '/auth' })

  it('answers 404 for an unknown provider, whatever its name looks like', async () => {
    const client = testClient(app, { headers: { accept: 'application/json' } })
    for (const name of ['nope', '__proto__', 'constructor', 'CORP', 'c%6Frp-x']) {
      for (const route of ['login', 'callback']) {
        const res = await client.get(`/auth/${route}/${name}`)
        assert.equal(res.status, 404, `${route}/${name}`)
        assert.equal(res.json().error.code, 'oidc_unknown_provider')
      }
    }
    await client.close()
  })

  it('answers a callback without a pending login with 400 oidc_state_mismatch, before contacting the provider', async () => {
    const client = testClient(app, { headers: { accept: 'application/json' } })
    for (const query of [
      '',
      '?code=abc',
      '?code=abc&state=forged',
      '?state=a&state=b',
      '?error=access_denied&state=x',
    ]) {
      const res = await client.get(`/auth/callback/corp${query}`)
      assert.equal(res.status, 400, query)
      assert.equal(res.json().error.code, 'oidc_state_mismatch')
      assert.equal(res.headers['cache-control'], 'no-store')
    }
    assert.equal(client.cookies.all().session, undefined, 'no session was created for it')
    await client.close()
  })
})

describe('oidcLogin({ loginOnGet: false })', () => {
  it('starts logins only from a POST', async () => {
    const app = createApp({ logger: false })
    const auth = createAuth()
    app.use(sessions({ store: memorySessionStore() }))
    app.use(auth.middleware)
    app.include(oidcLogin(auth, { providers: [provider], loginOnGet: false }), { prefix: '/auth' })
    const client = testClient(app, { headers: { accept: 'application/json' } })
    const res = await client.get('/auth/login/corp')
    assert.equal(res.status, 405)
    assert.equal(app.url('oidc-login', { provider: 'corp' }), '/auth/login/corp')
    await client.close()
  })
})
