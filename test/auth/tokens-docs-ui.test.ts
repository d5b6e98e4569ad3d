/**
 * Swagger UI's "Authorize" button, end to end in headless Chromium (FastAPI's
 * `OAuth2PasswordBearer` experience): the docs page of an app declaring
 * `oauth2PasswordScheme()` shows the button; "Try it out" on a protected route first gets 401;
 * logging in through the OAuth2 password dialog (username, password, a scope checkbox) calls the
 * app's `/auth/token`; then "Try it out" sends the bearer token and gets 200.
 *
 * Needs Chromium at /usr/bin/chromium: skipped with a reason when it is missing, except on CI
 * (`CI=true`), where a missing browser fails the test instead of silently passing.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { apiKeyScheme, oauth2PasswordScheme } from 'plinth/auth'
import { openapi } from 'plinth/openapi'
import type { Database } from 'plinth/orm'
import { browserSkip, useBrowser } from '../support/browser.ts'
import { closeServer, listen } from '../support/net.ts'
import { PASSWORD, SCOPES, tokenApp } from './tokens-support.ts'

const skip = browserSkip('the Authorize browser test')

describe('Swagger UI "Authorize" with the OAuth2 password flow', { skip, timeout: 120_000 }, () => {
  const browser = useBrowser()
  let server: Server | undefined
  let origin: string
  let db: Database | undefined

  before(async () => {
    const made = await tokenApp()
    db = made.db
    made.app.register(
      openapi({
        title: 'Token docs test',
        version: '1.0.0',
        securitySchemes: {
          oauth2: oauth2PasswordScheme({ tokenUrl: '/auth/token', scopes: SCOPES }),
          apiKey: apiKeyScheme(),
        },
      }),
    )
    server = createServer(made.app.handler)
    origin = `http://127.0.0.1:${await listen(server)}`
  })

  after(async () => {
    await closeServer(server)
    await db?.close()
  })

  /** Expand GET /items, "Try it out", "Execute"; the status and Authorization header sent. */
  async function tryItems(
    page: Page,
  ): Promise<{ status: number; authorization: string | undefined; shown: string }> {
    const operation = page.locator('.opblock-get', {
      has: page.locator('.opblock-summary-path[data-path="/items"]'),
    })
    if (!(await operation.locator('button.execute').isVisible())) {
      if (!(await operation.locator('button.try-out__btn').isVisible()))
        await operation.locator('.opblock-summary').click()
      await operation.locator('button.try-out__btn').click()
    }
    const response = page.waitForResponse((res) => new URL(res.url()).pathname === '/items')
    await operation.locator('button.execute').click()
    const answered = await response
    await operation.locator('.live-responses-table .response-col_status').first().waitFor()
    return {
      status: answered.status(),
      authorization: (await answered.request().headerValue('authorization')) ?? undefined,
      shown: String(await operation.locator('.live-responses-table').textContent()),
    }
  }

  it('shows Authorize, logs in through the password dialog, then "Try it out" gets 200', async () => {
    const page = await browser().newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    try {
      await page.goto(`${origin}/docs`)
      await page
        .locator('.opblock-summary-path[data-path="/items"]')
        .first()
        .waitFor({ timeout: 30_000 })
      const authorize = page.locator('.auth-wrapper button.authorize')
      assert.ok(await authorize.isVisible(), 'the Authorize button is shown')
      assert.ok(
        await page
          .locator('.opblock-get', { has: page.locator('[data-path="/items"]') })
          .locator('.authorization__btn')
          .first()
          .isVisible(),
        'the protected operation shows a lock',
      )

      // Before logging in, the protected route refuses the call.
      const anonymous = await tryItems(page)
      assert.equal(anonymous.status, 401)
      assert.equal(anonymous.authorization, undefined)

      // The OAuth2 password dialog: username, password, one scope, Authorize.
      await authorize.click()
      // The dialog lists every scheme; the OAuth2 one is the container with the password form.
      const dialog = page.locator('.modal-ux .auth-container', {
        has: page.locator('#oauth_username'),
      })
      await dialog.locator('#oauth_username').fill('ada')
      await dialog.locator('#oauth_password').fill(PASSWORD)
      await dialog.locator('label[for="items:read-password-checkbox-oauth2"]').click()
      const tokenResponse = page.waitForResponse(
        (res) => new URL(res.url()).pathname === '/auth/token',
      )
      await dialog.locator('.auth-btn-wrapper button.authorize').click()
      const token = await tokenResponse
      assert.equal(token.status(), 200, await token.text())
      assert.match(String(token.request().postData()), /grant_type=password/)
      assert.match(String(token.request().postData()), /scope=items%3Aread/)
      // Authorized: the form turns into "username: ada" with a Logout button.
      const authorized = page.locator('.modal-ux .auth-container', {
        has: page.locator('h6', { hasText: 'Authorized' }),
      })
      await authorized.waitFor()
      assert.match(String(await authorized.textContent()), /username:\s*ada/)
      const logout = authorized.locator('button[aria-label="Remove authorization"]')
      assert.equal(await logout.textContent(), 'Logout')
      await authorized.locator('button.btn-done').click()

      // Now "Try it out" sends the access token and the route answers.
      const call = await tryItems(page)
      assert.equal(call.status, 200)
      assert.match(String(call.authorization), /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
      assert.match(call.shown, /"lamp"/)
      assert.deepEqual(errors, [])
    } finally {
      await page.close()
    }
  })
})
