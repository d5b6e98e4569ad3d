/**
 * Account linking against a real OpenID provider: a logged-in user links an identity to
 * themselves; an identity never moves between users; emails link accounts only when the provider
 * verified them and `linkByVerifiedEmail` is on, never for staff; usernames stay unique; disabled
 * users, closed sign-up and the `onLogin` hook refuse; failures can redirect with a flash message.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { MiniBrowser, signInAtProvider } from './fixtures/oidc-browser.ts'
import { startWorld, type World, type WorldOptions } from './fixtures/oidc-world.ts'

const ACCOUNTS = {
  'bob-at-corp': {
    email: 'bob@corp.example',
    email_verified: true,
    preferred_username: 'bob.corp',
  },
  carol: { email: 'Carol@Example.com', email_verified: true, preferred_username: 'carol-social' },
  'fake-carol': {
    email: 'carol@example.com',
    email_verified: false,
    preferred_username: 'fake-carol',
  },
  'fake-admin': {
    email: 'admin@example.com',
    email_verified: true,
    preferred_username: 'fake-admin',
  },
  twin: { email: 'twin@example.com', email_verified: true, preferred_username: 'twin' },
  taken: { preferred_username: 'Dave', email: 'dave2@example.com', email_verified: true },
  hostile: { preferred_username: '../<script>alert(1)</script> ＡＤＭＩＮ', email: 'not an email' },
}

interface Me {
  user: string | null
  id: number | null
  messages: Array<{ level: string; message: string }>
}

function helpers(world: () => World) {
  const fresh = () => new MiniBrowser({ jsonOrigins: [world().appOrigin] })
  const token = async (browser: MiniBrowser) =>
    (JSON.parse((await browser.request(`${world().appOrigin}/csrf`)).text) as { token: string })
      .token
  /** Log in at the provider as `account`: a GET link, or with `post` the CSRF-protected form. */
  const login = async (browser: MiniBrowser, account: string, provider = 'corp', post = false) => {
    const url = `${world().appOrigin}/auth/login/${provider}`
    const start = post
      ? await browser.request(url, { form: { csrf_token: await token(browser) } })
      : await browser.request(url)
    assert.equal(start.status, post ? 303 : 302, start.text)
    const callback = await signInAtProvider(
      browser,
      start.headers.get('location')!,
      world().callback(provider),
      { account },
    )
    return browser.request(callback)
  }
  const me = async (browser: MiniBrowser) =>
    JSON.parse((await browser.request(`${world().appOrigin}/me`)).text) as Me
  const code = (page: { text: string }) =>
    (JSON.parse(page.text) as { error: { code: string } }).error.code
  const passwordLogin = async (browser: MiniBrowser, username: string, password: string) => {
    const form = { username, password, csrf_token: await token(browser) }
    const page = await browser.request(`${world().appOrigin}/login`, { form })
    assert.equal(page.status, 303, page.text)
  }
  const createUser = (
    fields: Record<string, unknown> & { username: string; password: string | null },
  ) => world().db.scope(() => world().auth.createUser(fields))
  return { fresh, login, me, code, passwordLogin, createUser, token }
}

async function withWorld(options: WorldOptions, body: (world: World) => Promise<void>) {
  const world = await startWorld(options)
  try {
    await body(world)
  } finally {
    await world.close()
  }
}

describe('account linking', { timeout: 60_000 }, () => {
  let world: World
  const { fresh, login, me, code, passwordLogin, createUser, token } = helpers(() => world)
  before(async () => {
    world = await startWorld({ accounts: ACCOUNTS })
  })
  after(() => world.close())

  it('links the identity to the logged-in user who starts the login with the POST form', async () => {
    const bob = await createUser({
      username: 'bob',
      email: 'bob@example.com',
      password: 'bob password 12345',
    })
    const browser = fresh()
    await passwordLogin(browser, 'bob', 'bob password 12345')
    const before = browser.cookies(world.appOrigin).get('__Host-session')
    const done = await login(browser, 'bob-at-corp', 'corp', true)
    assert.equal(done.status, 303)
    assert.equal((await me(browser)).user, 'bob')
    assert.notEqual(
      browser.cookies(world.appOrigin).get('__Host-session'),
      before,
      'linking rotates the session too',
    )
    const link = (await world.links()).find((l) => l.subject === 'bob-at-corp')!
    assert.equal(link.userId, bob.id)
    assert.equal(
      (await world.users()).some((u) => u.username === 'bob.corp'),
      false,
      'no new user',
    )

    // From now on the identity logs in as bob, from any browser.
    const elsewhere = fresh()
    await login(elsewhere, 'bob-at-corp')
    assert.deepEqual(await me(elsewhere), { user: 'bob', id: bob.id, messages: [] })
  })

  it('never moves a linked identity to another logged-in user (409)', async () => {
    await createUser({ username: 'eve', password: 'eve password 12345' })
    const browser = fresh()
    await passwordLogin(browser, 'eve', 'eve password 12345')
    const page = await login(browser, 'bob-at-corp', 'corp', true) // linked to bob by the test above
    assert.equal(page.status, 409)
    assert.equal(code(page), 'oidc_account_linked_elsewhere')
    assert.equal((await me(browser)).user, 'eve', 'still logged in as herself')
    assert.equal((await world.links()).filter((l) => l.subject === 'bob-at-corp').length, 1)
  })

  it('never links on a GET: another site can trigger one (CVE-2015-9284); it logs in instead', async () => {
    const frank = await createUser({ username: 'frank', password: 'frank password 12345' })
    const browser = fresh()
    await passwordLogin(browser, 'frank', 'frank password 12345')
    assert.equal((await login(browser, 'frank-at-corp')).status, 303)
    const after = await me(browser)
    assert.notEqual(after.id, frank.id, 'logged in as the identity’s own (new) account')
    assert.notEqual(
      (await world.links()).find((l) => l.subject === 'frank-at-corp')?.userId,
      frank.id,
    )
  })

  it('refuses a cross-site POST that would link (csrf)', async () => {
    const grace = await createUser({ username: 'grace', password: 'grace password 12345' })
    const browser = fresh()
    await passwordLogin(browser, 'grace', 'grace password 12345')
    const forged = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }
    const cross = await browser.request(`${world.appOrigin}/auth/login/corp`, {
      form: {},
      headers: forged,
    })
    assert.equal(cross.status, 403)
    const noToken = await browser.request(`${world.appOrigin}/auth/login/corp`, { form: {} })
    assert.equal(noToken.status, 403)
    const withToken = await browser.request(`${world.appOrigin}/auth/login/corp`, {
      form: { csrf_token: await token(browser), next: '/account' },
    })
    assert.equal(withToken.status, 303)
    const callback = await signInAtProvider(
      browser,
      withToken.headers.get('location')!,
      world.callback('corp'),
      { account: 'grace-at-corp' },
    )
    const done = await browser.request(callback)
    assert.equal(done.headers.get('location'), '/account', 'next from the form')
    assert.equal((await world.links()).find((l) => l.subject === 'grace-at-corp')?.userId, grace.id)
  })

  it('does not link by email unless the provider is trusted to: 409 oidc_email_in_use', async () => {
    const carol = await createUser({
      username: 'carol',
      email: 'carol@example.com',
      password: 'carol password 12345',
    })
    const usersBefore = (await world.users()).length
    const page = await login(fresh(), 'carol') // corp: linkByVerifiedEmail is off
    assert.equal(page.status, 409)
    assert.equal(code(page), 'oidc_email_in_use')
    assert.equal((await world.users()).length, usersBefore, 'no duplicate account')
    assert.equal(
      (await world.links()).some((l) => l.subject === 'carol'),
      false,
    )

    // With linkByVerifiedEmail and email_verified: true, the address (any case) links the account.
    const browser = fresh()
    assert.equal((await login(browser, 'carol', 'corp-email')).status, 303)
    assert.deepEqual(await me(browser), { user: 'carol', id: carol.id, messages: [] })
  })

  it('never links by an unverified email (account takeover)', async () => {
    const usersBefore = (await world.users()).map((u) => u.id)
    const browser = fresh()
    assert.equal((await login(browser, 'fake-carol', 'corp-email')).status, 303)
    const { user, id } = await me(browser)
    assert.equal(user, 'fake-carol')
    assert.ok(!usersBefore.includes(id!), 'a new account, not carol’s')
    const created = (await world.users()).find((u) => u.id === id)!
    assert.equal(created.email, '', 'an unverified email is not copied to the account')
    const link = (await world.links()).find((l) => l.subject === 'fake-carol')!
    assert.equal(link.email, 'carol@example.com')
    assert.equal(link.claims.email_verified, false)
  })

  it('never links a staff or superuser account by email', async () => {
    await createUser({
      username: 'admin',
      email: 'admin@example.com',
      password: 'admin password 12345',
      isStaff: true,
    })
    const page = await login(fresh(), 'fake-admin', 'corp-email')
    assert.equal(page.status, 409)
    assert.equal(code(page), 'oidc_email_in_use')
    assert.equal(
      (await world.links()).some((l) => l.subject === 'fake-admin'),
      false,
    )
  })

  it('does not guess between two accounts with the same email', async () => {
    await createUser({
      username: 'twin1',
      email: 'twin@example.com',
      password: 'twin password 12345',
    })
    await createUser({
      username: 'twin2',
      email: 'TWIN@example.com',
      password: 'twin password 12345',
    })
    const page = await login(fresh(), 'twin', 'corp-email')
    assert.equal(page.status, 409)
    assert.equal(code(page), 'oidc_email_in_use')
  })

  it('makes a taken username unique (case-insensitively)', async () => {
    await createUser({ username: 'dave', password: 'dave password 12345' })
    const browser = fresh()
    await login(browser, 'taken')
    assert.match((await me(browser)).user ?? '', /^Dave-[0-9a-f]{6}$/)
  })

  it('derives a safe username from hostile claims', async () => {
    const browser = fresh()
    assert.equal((await login(browser, 'hostile')).status, 303)
    const { user, id } = await me(browser)
    assert.equal(user, '..scriptalert1scriptADMIN')
    assert.equal(
      (await world.users()).find((u) => u.id === id)!.email,
      '',
      'an invalid email is dropped',
    )
  })

  it('refuses a disabled user with 403 oidc_user_inactive', async () => {
    const first = fresh()
    await login(first, 'gone')
    const { id } = await me(first)
    await world.db.scope(() => world.auth.users().filter({ id: id! }).update({ isActive: false }))
    const browser = fresh()
    const page = await login(browser, 'gone')
    assert.equal(page.status, 403)
    assert.equal(code(page), 'oidc_user_inactive')
    assert.equal((await me(browser)).user, null)
  })

  it('forgets the oldest of more than five pending logins', async () => {
    const browser = fresh()
    const starts: URL[] = []
    for (let i = 0; i < 6; i++) {
      const start = await browser.request(`${world.appOrigin}/auth/login/corp`)
      starts.push(new URL(start.headers.get('location')!))
    }
    const oldest = await signInAtProvider(browser, starts[0]!, world.callback('corp'), {
      account: 'many',
    })
    assert.equal(code(await browser.request(oldest)), 'oidc_state_mismatch')
    const newest = await signInAtProvider(browser, starts[5]!, world.callback('corp'), {
      account: 'many',
    })
    assert.equal((await browser.request(newest)).status, 303)
  })
})

describe('login policy options', { timeout: 60_000 }, () => {
  it('redirects a failed login to failureRedirect with the code and a flash message', async () => {
    await withWorld({ login: { failureRedirect: '/me' } }, async (world) => {
      const { fresh, me } = helpers(() => world)
      const browser = fresh()
      const start = await browser.request(`${world.appOrigin}/auth/login/corp`)
      const callback = await signInAtProvider(
        browser,
        start.headers.get('location')!,
        world.callback('corp'),
        { account: 'x', cancel: true },
      )
      const page = await browser.request(callback)
      assert.equal(page.status, 303)
      assert.equal(page.headers.get('location'), '/me?error=oidc_access_denied')
      const { user, messages } = await me(browser)
      assert.equal(user, null)
      assert.deepEqual(messages, [
        { level: 'error', message: 'The sign-in with Corp was cancelled.' },
      ])
      // A tampered state goes the same way.
      const tampered = await browser.request(
        `${world.appOrigin}/auth/callback/corp?code=x&state=forged`,
      )
      assert.equal(tampered.headers.get('location'), '/me?error=oidc_state_mismatch')
    })
  })

  it('refuses unknown identities with 403 oidc_signup_closed when createUsers is false', async () => {
    await withWorld({ login: { createUsers: false } }, async (world) => {
      const { fresh, login, code } = helpers(() => world)
      const page = await login(fresh(), 'stranger')
      assert.equal(page.status, 403)
      assert.equal(code(page), 'oidc_signup_closed')
      assert.equal((await world.users()).length, 0)
    })
  })

  it('lets onLogin choose the user or refuse', async () => {
    let world: World | undefined
    const seen: Array<{ subject: string; email: string | null; linked: boolean }> = []
    await withWorld(
      {
        accounts: { staffer: { email: 'staffer@corp.example', email_verified: true } },
        login: {
          async onLogin(_ctx, identity, { account }) {
            seen.push({
              subject: identity.subject,
              email: identity.email,
              linked: account !== null,
            })
            if (identity.subject === 'outsider') return null
            if (identity.email?.endsWith('@corp.example')) {
              return world!.auth.findUser({ username: 'corp-shared' })
            }
            return undefined
          },
        },
      },
      async (w) => {
        world = w
        const { fresh, login, me, code, createUser } = helpers(() => w)
        const shared = await createUser({ username: 'corp-shared', password: null })
        const refused = await login(fresh(), 'outsider')
        assert.equal(refused.status, 403)
        assert.equal(code(refused), 'oidc_login_refused')

        const browser = fresh()
        await login(browser, 'staffer')
        assert.deepEqual(await me(browser), { user: 'corp-shared', id: shared.id, messages: [] })
        await login(fresh(), 'staffer')
        assert.deepEqual(seen, [
          { subject: 'outsider', email: null, linked: false },
          { subject: 'staffer', email: 'staffer@corp.example', linked: false },
          { subject: 'staffer', email: 'staffer@corp.example', linked: true },
        ])
      },
    )
  })

  it('answers 502 oidc_provider_unavailable when the provider cannot be reached', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    await withWorld(
      {
        extraProviders: (origin) => [
          {
            name: 'down',
            issuer: `http://127.0.0.1:${port}`,
            clientId: 'x',
            redirectUri: `${origin}/auth/callback/down`,
            allowInsecureRequests: true,
          },
        ],
      },
      async (w) => {
        const page = await new MiniBrowser({ jsonOrigins: [w.appOrigin] }).request(
          `${w.appOrigin}/auth/login/down`,
        )
        assert.equal(page.status, 502)
        assert.equal(JSON.parse(page.text).error.code, 'oidc_provider_unavailable')
      },
    )
  })

  it('refuses a provider whose metadata names another issuer (discovery iss check)', async () => {
    await withWorld(
      {
        extraProviders: (origin, issuer) => [
          {
            name: 'wrong-issuer',
            // The same server under another name: its metadata says 127.0.0.1, not localhost.
            issuer: issuer.replace('127.0.0.1', 'localhost'),
            clientId: 'plinth-app',
            clientSecret: 'x',
            redirectUri: `${origin}/auth/callback/wrong-issuer`,
            allowInsecureRequests: true,
          },
        ],
      },
      async (w) => {
        const page = await new MiniBrowser({ jsonOrigins: [w.appOrigin] }).request(
          `${w.appOrigin}/auth/login/wrong-issuer`,
        )
        assert.equal(page.status, 502)
        assert.equal(JSON.parse(page.text).error.code, 'oidc_provider_unavailable')
      },
    )
  })
})
