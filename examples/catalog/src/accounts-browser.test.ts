/**
 * The catalogue's account pages in a real browser (headless Chromium) over a real socket, with
 * the production security headers: sign up, see the members-only page, log out, log back in.
 * What a browser adds over the test client: it keeps `__Host-`/`Secure` cookies only on
 * trustworthy origins, sends `Origin`/`Sec-Fetch-Site`, and enforces the CSP.
 */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createServer } from 'plinth/server'
import { browserSkip, useBrowser } from '../../../test/support/browser.ts'
import { closeServer, listen } from '../../../test/support/net.ts'
import { createCatalogApp } from './app.ts'

describe('catalogue accounts in Chromium', {
  skip: browserSkip('the accounts browser test'),
}, () => {
  const browser = useBrowser()
  let server: Server | undefined
  let base = ''
  // Production settings (debug off): Secure __Host- cookies, CSP, HSTS off on plain http.
  const app = createCatalogApp({
    apiKey: 'k',
    mediaDir: mkdtempSync(join(tmpdir(), 'catalog-browser-')),
    databaseUrl: 'sqlite::memory:',
    logger: false,
  })

  before(async () => {
    await app.start()
    server = createServer(app).server
    // localhost is a secure context, so the browser keeps Secure cookies over plain http.
    base = `http://localhost:${await listen(server)}`
  })
  after(async () => {
    await closeServer(server)
    await app.stop()
  })

  it('signs up, reaches the account page, logs out and back in', async () => {
    const context = await browser().newContext()
    const page = await context.newPage()
    const violations: string[] = []
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text())
    })

    await page.goto(`${base}/account`)
    assert.equal(new URL(page.url()).pathname, '/login', 'anonymous visitors are sent to log in')

    await page.goto(`${base}/signup`)
    await page.fill('input[name=username]', 'ada')
    await page.fill('input[name=email]', 'ada@example.com')
    await page.fill('input[name=password]', 'correct horse battery staple')
    await page.fill('input[name=passwordConfirm]', 'correct horse battery staple')
    await Promise.all([page.waitForURL(`${base}/account`), page.click('button[type=submit]')])
    assert.match((await page.textContent('body')) ?? '', /Welcome, ada!/)
    const cookies = await context.cookies()
    const session = cookies.find((c) => c.name === '__Host-session')
    assert.ok(
      session?.httpOnly && session.secure && session.sameSite === 'Lax',
      JSON.stringify(cookies),
    )

    await Promise.all([page.waitForURL(`${base}/`), page.click('nav button[type=submit]')])
    assert.match((await page.textContent('body')) ?? '', /You are logged out\./)

    await page.goto(`${base}/login?next=/account`)
    await page.fill('input[name=username]', 'ada')
    await page.fill('input[name=password]', 'correct horse battery staple')
    await Promise.all([page.waitForURL(`${base}/account`), page.click('form button[type=submit]')])
    assert.match((await page.textContent('h1')) ?? '', /Your account/)
    assert.deepEqual(violations, [], 'the pages run under the CSP without violations')
    await context.close()
  })
})
