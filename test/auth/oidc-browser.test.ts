/**
 * Social login in a real headless Chromium against a real OpenID provider: click "Sign in with
 * Corp" on the app, sign in and consent on the provider's pages, land back on the app logged in
 * (new session id, linked account); a second login goes straight through (the provider remembers
 * the person) and reuses the link.
 *
 * Needs Chromium at /usr/bin/chromium: skipped with a reason when it is missing, except on CI
 * (`CI=true`), where a missing browser fails the test instead of silently passing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { html } from 'plinth'
import { browserSkip, useBrowser } from '../support/browser.ts'
import { startWorld, type World } from './fixtures/oidc-world.ts'

const skip = browserSkip('the social login browser test')

describe('social login in headless Chromium', { skip, timeout: 90_000 }, () => {
  const browser = useBrowser()
  let world: World

  before(async () => {
    world = await startWorld({
      accounts: {
        alice: { email: 'alice@example.com', email_verified: true, preferred_username: 'alice' },
      },
      // Plain HTTP on 127.0.0.1: a Secure cookie would not come back from this origin.
      insecureCookies: true,
      routes: (app) => {
        app.get('/', () =>
          html('<a id="corp" href="/auth/login/corp?next=/account">Sign in with Corp</a>'),
        )
      },
    })
  })

  after(async () => {
    await world?.close()
  })

  it('logs in through the provider’s pages and back, then again without them', async () => {
    const context = await browser().newContext()
    const page = await context.newPage()
    try {
      await page.goto(`${world.appOrigin}/`)
      await page.click('#corp')
      await page.waitForURL((url) => url.origin === world.op.issuer)
      const sessionCookie = async () =>
        (await context.cookies(world.appOrigin)).find((c) => c.name === 'session')?.value
      const pending = await sessionCookie()
      assert.ok(pending, 'the pending login is kept in the app session')

      await page.fill('input[name="login"]', 'alice')
      await page.fill('input[name="password"]', 'anything')
      await page.click('button[type="submit"]')
      await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' })
      await page.click('button[type="submit"]')
      await page.waitForURL(`${world.appOrigin}/account`)
      assert.equal(await page.textContent('body'), 'account of alice')
      const loggedIn = await sessionCookie()
      assert.ok(loggedIn && loggedIn !== pending, 'the session id changed at login')
      const links = await world.links()
      assert.deepEqual(
        links.map((l) => [l.provider, l.subject]),
        [['corp', 'alice']],
      )

      // Forget the app's session (cookies are per host, so the provider's stay: it remembers alice)
      // and log in again: straight back, no provider pages, the same linked user.
      await context.clearCookies({ name: 'session' })
      await page.goto(`${world.appOrigin}/`)
      await page.click('#corp')
      await page.waitForURL(`${world.appOrigin}/account`)
      assert.equal(await page.textContent('body'), 'account of alice')
      const second = await sessionCookie()
      assert.ok(second && second !== loggedIn)
      assert.equal((await world.links()).length, 1)
      assert.equal((await world.users()).length, 1)
    } finally {
      await context.close()
    }
  })
})
