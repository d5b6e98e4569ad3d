/**
 * The docs UI in a real headless Chromium: the page renders the app's operations from the served
 * document, works under a strict script CSP, talks to the API ("Try it out"), and never contacts
 * another host (no CDN, no validator badge).
 *
 * Needs Chromium at /usr/bin/chromium: skipped with a reason when it is missing, except on CI
 * (`CI=true`), where a missing browser fails the test instead of silently passing.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { browserSkip, useBrowser } from './support/browser.ts'
import { createCatalogApp, DOCS_TITLE } from './support/catalog-api.ts'
import { closeServer, listen } from './support/net.ts'

/** Script only from the app itself: any inline script or eval in the docs page would be blocked. */
const STRICT_CSP = "script-src 'self'; object-src 'none'; base-uri 'none'"

const skip = browserSkip('the docs UI browser test')

describe('docs UI in headless Chromium', { skip, timeout: 90_000 }, () => {
  const browser = useBrowser()
  let server: Server | undefined
  let origin: string

  before(async () => {
    const app = createCatalogApp()
    app.use(async (_ctx, next) => (await next()).header('content-security-policy', STRICT_CSP))
    server = createServer(app.handler)
    origin = `http://127.0.0.1:${await listen(server)}`
  })

  after(() => closeServer(server))

  /** Open /docs, recording every request and every console error. */
  async function openDocs(): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await browser().newPage()
    const requests: string[] = []
    const errors: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${origin}/docs`)
    await page
      .locator('.opblock-summary-path[data-path="/products/{id}"]')
      .first()
      .waitFor({ timeout: 30_000 })
    return { page, requests, errors }
  }

  it('renders the title and the operations of the app', async () => {
    const { page, errors } = await openDocs()
    try {
      assert.equal(await page.title(), DOCS_TITLE)
      assert.match(String(await page.locator('.info .title').textContent()), new RegExp(DOCS_TITLE))
      const paths = await page
        .locator('.opblock-summary-path')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-path')))
      for (const path of ['/products/', '/products/{id}', '/categories', '/files/{path}'])
        assert.ok(paths.includes(path), `${path} not rendered; rendered: ${paths.join(', ')}`)
      assert.ok(!paths.includes('/internal/metrics'), 'hidden route rendered')
      assert.ok(await page.locator('.opblock-tag', { hasText: 'products' }).first().isVisible())
      // Nothing failed, including under the strict script CSP (violations are console errors).
      assert.deepEqual(errors, [])
    } finally {
      await page.close()
    }
  })

  it('loads everything from the app itself, never from another host', async () => {
    const { page, requests } = await openDocs()
    try {
      const foreign = requests.filter((url) => {
        const { protocol, origin: requestOrigin } = new URL(url)
        return protocol !== 'data:' && protocol !== 'blob:' && requestOrigin !== origin
      })
      assert.deepEqual(foreign, [])
      const paths = requests.map((url) => new URL(url).pathname)
      for (const path of ['/docs/swagger-ui-bundle.js', '/docs/init.js', '/openapi.json'])
        assert.ok(paths.includes(path), `${path} was not requested: ${paths.join(', ')}`)
    } finally {
      await page.close()
    }
  })

  it('calls the API from "Try it out" with the documented parameters', async () => {
    const { page } = await openDocs()
    try {
      const operation = page.locator('.opblock-get', {
        has: page.locator('.opblock-summary-path[data-path="/products/{id}"]'),
      })
      await operation.locator('.opblock-summary').click()
      await operation.locator('button.try-out__btn').click()
      await operation.locator('tr[data-param-name="id"] input').fill('42')
      const response = page.waitForResponse((res) => new URL(res.url()).pathname === '/products/42')
      await operation.locator('button.execute').click()
      assert.equal((await response).status(), 200)
      await operation.locator('.live-responses-table .response-col_status').first().waitFor()
      assert.match(
        String(await operation.locator('.live-responses-table').textContent()),
        /"id": 42/,
      )
    } finally {
      await page.close()
    }
  })
})
