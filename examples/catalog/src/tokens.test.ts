/**
 * Token auth for the catalogue API, as the "Authorize" button of /docs uses it: log in at
 * `POST /auth/token` (OAuth2 password grant) and send `Authorization: Bearer …`. Writes need the
 * scope `catalog:write`, which only staff get; the X-API-Key keeps working beside it.
 */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createAuth } from 'plinth/auth'
import { createDatabase } from 'plinth/orm'
import { createServer } from 'plinth/server'
import { type TestClient, testClient } from 'plinth/testing'
import { browserSkip, useBrowser } from '../../../test/support/browser.ts'
import { closeServer, listen } from '../../../test/support/net.ts'
import { createCatalogApp } from './app.ts'
import { signUp } from './browser-forms.ts'

const PASSWORD = 'correct horse battery staple'

/**
 * A catalogue on a database file, so the test can add a staff user `editor` beside the app once
 * it has migrated (as `plinth createsuperuser` would).
 */
function catalog() {
  const root = mkdtempSync(join(tmpdir(), 'catalog-tokens-'))
  const databaseUrl = `sqlite:${join(root, 'catalog.sqlite3')}`
  const app = createCatalogApp({
    apiKey: 'test-key',
    mediaDir: join(root, 'media'),
    databaseUrl,
    logger: false,
  })
  async function addEditor(): Promise<void> {
    const db = createDatabase(databaseUrl)
    try {
      await db.scope(() =>
        createAuth().createUser({ username: 'editor', password: PASSWORD, isStaff: true }),
      )
    } finally {
      await db.close()
    }
  }
  return { app, addEditor }
}

const { app, addEditor } = catalog()
const clients: TestClient[] = []
function client(): TestClient {
  const made = testClient(app)
  clients.push(made)
  return made
}
const api = client()

/** `POST /auth/token` with the password grant, as Swagger UI's Authorize dialog sends it. */
function token(username: string, scope?: string) {
  return api.post('/auth/token', {
    form: { grant_type: 'password', username, password: PASSWORD, ...(scope ? { scope } : {}) },
  })
}
async function accessToken(username: string, scope?: string): Promise<string> {
  const res = await token(username, scope)
  assert.equal(res.status, 200, res.text)
  return res.json().access_token
}
const bearer = (accessToken: string) => ({ authorization: `Bearer ${accessToken}` })
const lamp = { name: 'Brass lamp', price: '64', categoryId: 1, stock: 3 }

before(async () => {
  assert.equal((await api.get('/health')).status, 200) // started: the migrations ran
  await addEditor()
})
after(async () => {
  for (const made of clients) await made.close()
})

describe('catalogue token auth', () => {
  it('lets a staff token with catalog:write change the catalogue', async () => {
    const res = await token('editor', 'catalog:write')
    assert.equal(res.status, 200, res.text)
    const body = res.json()
    assert.equal(body.token_type, 'bearer')
    assert.equal(body.scope, 'catalog:write')
    assert.equal(res.headers['cache-control'], 'no-store')
    const created = await api.post('/api/products', {
      headers: bearer(body.access_token),
      json: lamp,
    })
    assert.equal(created.status, 201, created.text)
    const { id } = created.json()
    const sold = await api.post(`/api/products/${id}/sell`, { headers: bearer(body.access_token) })
    assert.equal(sold.json().stock, 2)
  })

  it('refuses a token without the scope with 403 insufficient_scope', async () => {
    // A member who signed up through the form asks for the scope but does not get it.
    const browser = client()
    await signUp(browser, 'ada')
    const member = await token('ada', 'catalog:write')
    assert.equal(member.json().scope, '')
    // Staff without asking for the scope: the token is for reading only.
    const readOnly = await accessToken('editor')
    for (const accessToken of [member.json().access_token, readOnly]) {
      const res = await api.post('/api/products', { headers: bearer(accessToken), json: lamp })
      assert.equal(res.status, 403)
      assert.equal(res.json().error.code, 'insufficient_scope')
      assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/)
    }
    // The member's session cookie is no way in either: the API is exempt from CSRF.
    const withCookie = await browser.post('/api/products', { json: lamp })
    assert.equal(withCookie.status, 401)
    assert.equal(withCookie.json().error.code, 'invalid_api_key')
  })

  it('refuses bad tokens and wrong passwords, and keeps the API key working', async () => {
    const forged = await api.post('/api/products', { headers: bearer('a.b.c'), json: lamp })
    assert.equal(forged.status, 401)
    const wrong = await api.post('/auth/token', {
      form: { grant_type: 'password', username: 'editor', password: 'not the password' },
    })
    assert.equal(wrong.status, 400)
    assert.equal(wrong.json().error, 'invalid_grant')
    const unknownScope = await token('editor', 'catalog:admin')
    assert.equal(unknownScope.json().error, 'invalid_scope')
    const withKey = await api.post('/api/categories', {
      headers: { 'x-api-key': 'test-key' },
      json: { name: 'Lamps', slug: 'lamps' },
    })
    assert.equal(withKey.status, 201)
    const anonymous = await api.post('/api/products', { json: lamp })
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.json().error.code, 'invalid_api_key')
  })

  it('documents the OAuth2 password flow for the Authorize button of /docs', async () => {
    const doc = (await api.get('/openapi.json')).json()
    assert.deepEqual(doc.components.securitySchemes.oauth2, {
      type: 'oauth2',
      flows: {
        password: {
          tokenUrl: '/auth/token',
          refreshUrl: '/auth/token',
          scopes: { 'catalog:write': 'Change the catalogue' },
        },
      },
    })
    assert.deepEqual(doc.paths['/api/products'].post.security, [
      { apiKey: [] },
      { oauth2: ['catalog:write'] },
    ])
    assert.deepEqual(doc.paths['/auth/token'].post.security, [])
    assert.ok(
      doc.paths['/auth/token'].post.requestBody.content['application/x-www-form-urlencoded'],
    )
  })
})

describe('the Authorize button of /docs in Chromium', {
  skip: browserSkip('the /docs Authorize browser test'),
  timeout: 120_000,
}, () => {
  const browser = useBrowser()
  const docs = catalog()
  let server: Server | undefined
  let base = ''

  before(async () => {
    await docs.app.start()
    await docs.addEditor()
    server = createServer(docs.app).server
    base = `http://localhost:${await listen(server)}`
  })
  after(async () => {
    await closeServer(server)
    await docs.app.stop()
  })

  it('logs in through the OAuth2 dialog, then "Try it out" creates a product', async () => {
    const page = await browser().newPage()
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(message.text())
    })
    try {
      await page.goto(`${base}/docs`)
      const create = page.locator('.opblock-post', {
        has: page.locator('.opblock-summary-path[data-path="/api/products"]'),
      })
      await create.first().waitFor({ timeout: 30_000 })

      await page.locator('.auth-wrapper button.authorize').click()
      const dialog = page.locator('.modal-ux .auth-container', {
        has: page.locator('#oauth_username'),
      })
      await dialog.locator('#oauth_username').fill('editor')
      await dialog.locator('#oauth_password').fill(PASSWORD)
      await dialog.locator('label[for="catalog:write-password-checkbox-oauth2"]').click()
      const tokenResponse = page.waitForResponse(
        (res) => new URL(res.url()).pathname === '/auth/token',
      )
      await dialog.locator('.auth-btn-wrapper button.authorize').click()
      const token = await tokenResponse
      assert.equal(token.status(), 200, await token.text())
      assert.equal((await token.json()).scope, 'catalog:write')
      await page.locator('.modal-ux button.btn-done').first().click()

      await create.locator('.opblock-summary').click()
      await create.locator('button.try-out__btn').click()
      await create.locator('textarea.body-param__text').fill(JSON.stringify(lamp))
      const answer = page.waitForResponse(
        (res) =>
          new URL(res.url()).pathname === '/api/products' && res.request().method() === 'POST',
      )
      await create.locator('button.execute').click()
      const created = await answer
      assert.equal(created.status(), 201, await created.text())
      assert.match(String(await created.request().headerValue('authorization')), /^Bearer \S+$/)
      assert.deepEqual(problems, [])
    } finally {
      await page.close()
    }
  })
})
