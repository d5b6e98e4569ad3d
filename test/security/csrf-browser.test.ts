/**
 * csrf() in a real headless Chromium: the app's own form (with `{% csrf_token %}`) submits and is
 * accepted; a page on another site (localhost vs 127.0.0.1, so cross-site for the browser) that
 * auto-submits a form to the app is refused with 403 and the handler never runs.
 *
 * Needs Chromium at /usr/bin/chromium: skipped with a reason when it is missing, except on CI
 * (`CI=true`), where a missing browser fails the test instead of silently passing.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { after, before, describe, it } from 'node:test'
import type { BrowserContext } from 'playwright-core'
import { createApp, render, templates } from 'plinth'
import { csrf } from 'plinth/security'
import { createEnvironment, memoryLoader } from 'plinth/templates'
import { browserSkip, useBrowser } from '../support/browser.ts'
import { closeServer, listen } from '../support/net.ts'

const skip = browserSkip('the CSRF browser test')

describe('csrf() in headless Chromium', { skip, timeout: 90_000 }, () => {
  const transfers: string[] = []
  const refusals: string[] = []
  const browser = useBrowser()
  let appServer: Server | undefined
  let attackerServer: Server | undefined
  let context: BrowserContext
  let appOrigin = ''
  let attackerUrl = ''

  before(async () => {
    const env = createEnvironment({
      loader: memoryLoader({
        'form.html':
          '<!doctype html><title>Bank</title><form method="post" action="/transfer">{% csrf_token %}<input name="amount" value="25"><button>Send</button></form>',
        'done.html': '<!doctype html><title>Done</title><p id="done">Transferred {{ amount }}</p>',
      }),
    })
    // Plain HTTP on a test port: the cookie cannot be Secure, so no __Host- prefix either.
    const app = createApp({ logger: false })
    app.register(templates(env))
    app.use(async (ctx, next) => {
      const reply = await next()
      const code = (ctx.error as { code?: unknown } | undefined)?.code
      if (typeof code === 'string' && code.startsWith('csrf_')) refusals.push(code)
      return reply
    })
    app.use(csrf({ secure: false }))
    app.get('/', (ctx) => render(ctx, 'form.html'))
    app.post('/transfer', async (ctx) => {
      const form = await ctx.form()
      transfers.push(String(form.amount))
      return render(ctx, 'done.html', { amount: form.amount })
    })
    appServer = createServer(app.handler)
    const appPort = await listen(appServer)
    appOrigin = `http://127.0.0.1:${appPort}`

    // Another site as the browser sees it: "localhost" and "127.0.0.1" are different sites.
    attackerServer = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8')
      res.end(
        `<!doctype html><title>Win a prize</title><form method="post" action="${appOrigin}/transfer"><input name="amount" value="1000000"></form><script>document.forms[0].submit()</script>`,
      )
    })
    attackerUrl = `http://localhost:${await listen(attackerServer)}/`

    context = await browser().newContext()
  })

  after(async () => {
    await closeServer(appServer)
    await closeServer(attackerServer)
  })

  it('accepts the form the app rendered', async () => {
    const page = await context.newPage()
    await page.goto(`${appOrigin}/`)
    const cookies = await context.cookies(appOrigin)
    const secret = cookies.find((cookie) => cookie.name === 'csrftoken')
    assert.ok(secret, 'rendering the form set the secret cookie')
    assert.equal(secret.httpOnly, true)
    assert.equal(secret.sameSite, 'Lax')
    const submitted = page.waitForResponse((r) => r.url() === `${appOrigin}/transfer`)
    await page.click('button')
    const response = await submitted
    assert.equal(response.status(), 200, await response.text())
    assert.equal(await page.locator('#done').textContent(), 'Transferred 25')
    assert.deepEqual(transfers, ['25'])
    await page.close()
  })

  it('refuses a form another site submits to the app', async () => {
    const page = await context.newPage()
    const attack = page.waitForResponse((r) => r.url() === `${appOrigin}/transfer`)
    await page.goto(attackerUrl)
    const response = await attack
    assert.equal(response.status(), 403)
    assert.equal(response.request().method(), 'POST')
    assert.match(await response.text(), /CSRF check failed/)
    assert.deepEqual(transfers, ['25'], 'the transfer handler did not run')
    assert.deepEqual(refusals, ['csrf_cross_site'])
    await page.close()
  })
})
