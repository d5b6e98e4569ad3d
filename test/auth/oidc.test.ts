/**
 * Social login end to end against a real OpenID provider (oidc-provider on 127.0.0.1), driven with
 * `fetch` and hand-kept cookies as a browser would: the authorization code flow with PKCE, state
 * and nonce, account creation and linking, session rotation, and the attacks each check stops
 * (tampered and replayed state, injected codes and nonces, open redirects).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MiniBrowser, signInAtProvider } from './fixtures/oidc-browser.ts'
import { startWorld, type World } from './fixtures/oidc-world.ts'

const SESSION = '__Host-session'

const ACCOUNTS = {
  alice: {
    email: 'alice@example.com',
    email_verified: true,
    preferred_username: 'alice',
    given_name: 'Alice',
    family_name: 'Liddell',
  },
  mallory: { email: 'mallory@example.com', email_verified: true, preferred_username: 'mallory' },
}

/** Start a login in `browser`: the provider's authorization URL. */
async function startLogin(
  world: World,
  browser: MiniBrowser,
  provider = 'corp',
  query = '',
): Promise<URL> {
  const start = await browser.request(`${world.appOrigin}/auth/login/${provider}${query}`)
  assert.equal(start.status, 302, start.text)
  return new URL(start.headers.get('location')!)
}

/** A whole login: start, sign in at the provider, and the callback URL (not yet visited). */
async function callbackFor(
  world: World,
  browser: MiniBrowser,
  account: string,
  provider = 'corp',
  query = '',
): Promise<URL> {
  const authorize = await startLogin(world, browser, provider, query)
  return signInAtProvider(browser, authorize, world.callback(provider), { account })
}

async function me(world: World, browser: MiniBrowser) {
  return JSON.parse((await browser.request(`${world.appOrigin}/me`)).text) as {
    user: string | null
    id: number | null
    messages: unknown[]
  }
}

function errorCode(page: { text: string }): string {
  return (JSON.parse(page.text) as { error: { code: string } }).error.code
}

describe('social login against a real OpenID provider', { timeout: 60_000 }, () => {
  let world: World
  const fresh = () => new MiniBrowser({ jsonOrigins: [world.appOrigin] })
  before(async () => {
    world = await startWorld({ accounts: ACCOUNTS })
  })
  after(() => world.close())

  it('sends the browser to the provider with state, nonce and an S256 PKCE challenge', async () => {
    const browser = fresh()
    const authorize = await startLogin(world, browser)
    assert.equal(authorize.origin, world.op.issuer)
    const params = authorize.searchParams
    assert.equal(params.get('response_type'), 'code')
    assert.equal(params.get('client_id'), world.op.client.id)
    assert.equal(params.get('redirect_uri'), world.callback('corp'))
    assert.equal(params.get('scope'), 'openid email profile')
    assert.equal(params.get('code_challenge_method'), 'S256')
    assert.match(params.get('code_challenge') ?? '', /^[\w-]{43}$/)
    assert.match(params.get('state') ?? '', /^[\w-]{43}$/)
    assert.match(params.get('nonce') ?? '', /^[\w-]{43}$/)
    assert.equal(params.has('code_verifier'), false, 'the verifier never leaves the server')
    // Two logins never share state, nonce or challenge.
    const again = (await startLogin(world, browser)).searchParams
    for (const name of ['state', 'nonce', 'code_challenge'])
      assert.notEqual(again.get(name), params.get(name))
  })

  it('creates and links a user on the first login, rotates the session and goes to next', async () => {
    const browser = fresh()
    const callback = await callbackFor(world, browser, 'alice', 'corp', '?next=/account')
    const before = browser.cookies(world.appOrigin).get(SESSION)
    assert.ok(before, 'the pending login lives in a session')

    const done = await browser.request(callback)
    assert.equal(done.status, 303, done.text)
    assert.equal(done.headers.get('location'), '/account')
    const after = browser.cookies(world.appOrigin).get(SESSION)
    assert.ok(after && after !== before, 'login issued a new session id')
    assert.equal((await browser.request(`${world.appOrigin}/account`)).text, 'account of alice')

    const [link] = (await world.links()).filter((l) => l.subject === 'alice')
    assert.ok(link)
    assert.equal(link.provider, 'corp')
    assert.equal(link.email, 'alice@example.com')
    assert.equal(link.claims.given_name, 'Alice')
    assert.equal(link.claims.nonce, undefined, 'protocol claims are not stored')
    assert.ok(link.lastLoginAt instanceof Date)
    const user = (await world.users()).find((u) => u.id === link.userId)!
    assert.equal(user.username, 'alice')
    assert.equal(user.email, 'alice@example.com', 'a verified email is copied')
    assert.deepEqual([user.firstName, user.lastName], ['Alice', 'Liddell'])
    // The account has no usable password: social login is its only way in.
    assert.equal(
      await world.db.scope(() =>
        world.auth.authenticate({ username: 'alice', password: user.password }),
      ),
      null,
    )

    // The session id from before the login is worthless now (no fixation).
    const planted = fresh()
    planted.cookies(world.appOrigin).set(SESSION, before)
    assert.equal((await me(world, planted)).user, null)
  })

  it('logs the same identity in as the same user the second time', async () => {
    const first = fresh()
    await first.request(await callbackFor(world, first, 'bruno'))
    const { id, user } = await me(world, first)
    const linksBefore = (await world.links()).length
    const usersBefore = (await world.users()).length
    const lastLogin = (await world.links()).find((l) => l.subject === 'bruno')!.lastLoginAt!

    const second = fresh()
    const done = await second.request(await callbackFor(world, second, 'bruno'))
    assert.equal(done.status, 303)
    assert.equal(done.headers.get('location'), '/')
    assert.deepEqual(await me(world, second), { user, id, messages: [] })
    assert.equal((await world.links()).length, linksBefore)
    assert.equal((await world.users()).length, usersBefore)
    const link = (await world.links()).find((l) => l.subject === 'bruno')!
    assert.ok(link.lastLoginAt! >= lastLogin)
  })

  it('refuses a tampered or missing state with 400 oidc_state_mismatch', async () => {
    const browser = fresh()
    const callback = await callbackFor(world, browser, 'carl')
    const state = callback.searchParams.get('state')!
    const flipped = `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`
    for (const bad of [flipped, 'x', '', state.repeat(20)]) {
      const tampered = new URL(callback)
      tampered.searchParams.set('state', bad)
      const page = await browser.request(tampered)
      assert.equal(page.status, 400, bad)
      assert.equal(errorCode(page), 'oidc_state_mismatch')
    }
    const missing = new URL(callback)
    missing.searchParams.delete('state')
    assert.equal(errorCode(await browser.request(missing)), 'oidc_state_mismatch')
    assert.equal((await me(world, browser)).user, null)
    assert.equal(
      (await world.links()).some((l) => l.subject === 'carl'),
      false,
    )
  })

  it('answers a replayed callback URL with 400, in the same browser and in another', async () => {
    const browser = fresh()
    const callback = await callbackFor(world, browser, 'dora')
    const planted = browser.cookies(world.appOrigin).get(SESSION)!
    assert.equal((await browser.request(callback)).status, 303)

    const replay = await browser.request(callback)
    assert.equal(replay.status, 400)
    assert.equal(errorCode(replay), 'oidc_state_mismatch')

    // The attacker replays it with the cookie the flow started with.
    const attacker = fresh()
    attacker.cookies(world.appOrigin).set(SESSION, planted)
    const stolen = await attacker.request(callback)
    assert.equal(stolen.status, 400)
    assert.equal((await me(world, attacker)).user, null)
    assert.equal((await world.links()).filter((l) => l.subject === 'dora').length, 1)
  })

  it('does not let a callback URL from one browser log in another (login CSRF)', async () => {
    const attacker = fresh()
    const callback = await callbackFor(world, attacker, 'mallory')
    const victim = fresh()
    await startLogin(world, victim) // the victim even has a login of their own pending
    const page = await victim.request(callback)
    assert.equal(page.status, 400)
    assert.equal(errorCode(page), 'oidc_state_mismatch')
    assert.equal((await me(world, victim)).user, null)
  })

  it('refuses a code issued for another PKCE challenge (code injection) with 400 oidc_code_rejected', async () => {
    const attacker = fresh()
    const stolenCode = (await callbackFor(world, attacker, 'mallory')).searchParams.get('code')!
    const victim = fresh()
    const victimCallback = await callbackFor(world, victim, 'erin')
    const injected = new URL(victimCallback)
    injected.searchParams.set('code', stolenCode) // the victim's own state, the attacker's code
    const page = await victim.request(injected)
    assert.equal(page.status, 400)
    assert.equal(errorCode(page), 'oidc_code_rejected')
    assert.equal((await me(world, victim)).user, null)
  })

  it('refuses an ID token with another nonce with 400 oidc_nonce_mismatch', async () => {
    const browser = fresh()
    const authorize = await startLogin(world, browser)
    authorize.searchParams.set('nonce', 'a-nonce-the-attacker-chose')
    const callback = await signInAtProvider(browser, authorize, world.callback('corp'), {
      account: 'frank',
    })
    const page = await browser.request(callback)
    assert.equal(page.status, 400)
    assert.equal(errorCode(page), 'oidc_nonce_mismatch')
    assert.equal((await me(world, browser)).user, null)
  })

  it('refuses a response whose iss is not the provider', async () => {
    const browser = fresh()
    const callback = await callbackFor(world, browser, 'gina')
    callback.searchParams.set('iss', 'https://evil.example')
    const page = await browser.request(callback)
    assert.equal(page.status, 400)
    assert.equal(errorCode(page), 'oidc_id_token_invalid')
  })

  it('never follows an external next', async () => {
    const bad = [
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      '\\\\evil.example',
      'http:///evil.example',
    ]
    for (const next of bad) {
      const browser = fresh()
      const done = await browser.request(
        await callbackFor(world, browser, 'hana', 'corp', `?next=${encodeURIComponent(next)}`),
      )
      assert.equal(done.status, 303, next)
      assert.equal(done.headers.get('location'), '/', next)
    }
    const browser = fresh()
    const kept = await browser.request(
      await callbackFor(
        world,
        browser,
        'hana',
        'corp',
        `?next=${encodeURIComponent('/account?tab=1')}`,
      ),
    )
    assert.equal(kept.headers.get('location'), '/account?tab=1')
  })

  it('answers a cancelled login with 400 oidc_access_denied', async () => {
    const browser = fresh()
    const authorize = await startLogin(world, browser)
    const callback = await signInAtProvider(browser, authorize, world.callback('corp'), {
      account: 'ivan',
      cancel: true,
    })
    assert.equal(callback.searchParams.get('error'), 'access_denied')
    const page = await browser.request(callback)
    assert.equal(page.status, 400)
    assert.equal(errorCode(page), 'oidc_access_denied')
  })

  it('logs in with a public client (PKCE, no secret)', async () => {
    const browser = fresh()
    const authorize = await startLogin(world, browser, 'corp-public')
    assert.equal(authorize.searchParams.get('client_id'), world.op.publicClient.id)
    const done = await browser.request(
      await signInAtProvider(browser, authorize, world.callback('corp-public'), {
        account: 'jade',
      }),
    )
    assert.equal(done.status, 303)
    const { user } = await me(world, browser)
    assert.match(user ?? '', /^user(-[0-9a-f]{6})?$/, 'no profile claims: a generic name')
    assert.equal((await world.links()).find((l) => l.subject === 'jade')?.provider, 'corp-public')
  })

  it('answers an unknown provider with 404 on both routes', async () => {
    const browser = fresh()
    for (const path of [
      '/auth/login/nope',
      '/auth/callback/nope?code=x&state=y',
      '/auth/login/__proto__',
    ]) {
      const page = await browser.request(`${world.appOrigin}${path}`)
      assert.equal(page.status, 404, path)
      assert.equal(errorCode(page), 'oidc_unknown_provider')
    }
  })

  it('keeps login responses out of caches and the callback URL out of Referer headers', async () => {
    const browser = fresh()
    const start = await browser.request(`${world.appOrigin}/auth/login/corp`)
    assert.equal(start.headers.get('cache-control'), 'no-store')
    const done = await browser.request(
      await signInAtProvider(
        browser,
        new URL(start.headers.get('location')!),
        world.callback('corp'),
        { account: 'kim' },
      ),
    )
    assert.equal(done.headers.get('referrer-policy'), 'no-referrer')
    const failed = await browser.request(`${world.appOrigin}/auth/callback/corp?code=x&state=y`)
    assert.equal(failed.status, 400)
    assert.equal(failed.headers.get('referrer-policy'), 'no-referrer')
  })
})
