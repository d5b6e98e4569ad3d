/**
 * The catalogue's accounts as a browser uses them: sign up, log in, see the members-only page,
 * log out; every form carries a CSRF token and forged posts are refused.
 */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { testClient } from 'plinth/testing'
import { createCatalogApp } from './app.ts'
import { formToken, signUp } from './browser-forms.ts'

const app = createCatalogApp({
  apiKey: 'test-key',
  mediaDir: mkdtempSync(join(tmpdir(), 'catalog-accounts-')),
  databaseUrl: 'sqlite::memory:',
  logger: false,
})
const clients: Array<ReturnType<typeof testClient>> = []
function browser() {
  const client = testClient(app)
  clients.push(client)
  return client
}
after(async () => {
  for (const client of clients) await client.close()
})

const SESSION = '__Host-session'

describe('catalogue accounts', () => {
  it('signs up, shows the account page, logs out and logs back in', async () => {
    const client = browser()
    const anonymous = await client.get('/account', { headers: { accept: 'text/html' } })
    assert.equal(anonymous.status, 303)
    assert.equal(anonymous.headers.location, '/login?next=%2Faccount')

    const signedUp = await signUp(client, 'ada')
    assert.equal(signedUp.headers.location, '/account')
    const account = await client.get('/account')
    assert.equal(account.status, 200)
    assert.match(account.text, /Only logged-in users see this page/)
    assert.match(account.text, /<td>ada@example\.com<\/td>/)
    assert.match(account.text, /Welcome, ada! Your account is ready\./)
    assert.equal(account.headers['cache-control'], 'private')
    // The flash message was shown once.
    assert.doesNotMatch((await client.get('/account')).text, /Welcome, ada/)

    const logout = await client.post('/logout', {
      form: { csrf_token: await formToken(client, '/account') },
    })
    assert.equal(logout.status, 303)
    assert.match((await client.get('/')).text, /You are logged out\./)
    assert.equal((await client.get('/account')).status, 401)

    const csrf_token = await formToken(client, '/login?next=/account')
    const before = client.cookies.get(SESSION)
    const login = await client.post('/login', {
      form: {
        csrf_token,
        username: 'ada',
        password: 'correct horse battery staple',
        next: '/account',
      },
    })
    assert.equal(login.status, 303)
    assert.equal(login.headers.location, '/account')
    assert.notEqual(client.cookies.get(SESSION), before, 'logging in rotates the session id')
    assert.equal((await client.get('/account')).status, 200)
  })

  it('re-renders the sign-up form with every problem', async () => {
    const client = browser()
    const csrf_token = await formToken(client, '/signup')
    const res = await client.post('/signup', {
      form: {
        csrf_token,
        username: 'bad name!',
        email: 'nope',
        password: 'password',
        passwordConfirm: 'other',
      },
    })
    assert.equal(res.status, 422)
    assert.match(res.text, /This password is too common\./)
    assert.match(res.text, /value="bad name!"/)
    assert.equal(client.cookies.get(SESSION), undefined, 'nobody was logged in')
  })

  it('answers a wrong password on the form, never following an external next', async () => {
    const client = browser()
    await signUp(client, 'grace')
    const csrf_token = await formToken(client, '/login')
    const wrong = await client.post('/login', {
      form: { csrf_token, username: 'grace', password: 'not it at all' },
    })
    assert.equal(wrong.status, 400)
    assert.match(wrong.text, /Wrong user name or password\./)
    const right = await client.post('/login', {
      form: {
        csrf_token,
        username: 'grace',
        password: 'correct horse battery staple',
        next: 'https://evil.example/',
      },
    })
    assert.equal(right.status, 303)
    assert.equal(right.headers.location, '/account')
  })

  it('refuses forged posts: no token, a foreign origin, a null origin', async () => {
    const client = browser()
    await signUp(client, 'linus')
    const csrf_token = await formToken(client, '/account')
    const missing = await client.post('/logout', { form: {} })
    assert.equal(missing.status, 403)
    assert.equal(missing.json().error.code, 'csrf_token_missing')
    const crossSite = await client.post('/logout', {
      form: { csrf_token },
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    })
    assert.equal(crossSite.status, 403)
    const nullOrigin = await client.post('/logout', {
      form: { csrf_token },
      headers: { origin: 'null' },
    })
    assert.equal(nullOrigin.status, 403)
    // Still logged in: none of the forged posts ran.
    assert.equal((await client.get('/account')).status, 200)
  })

  it('keeps the API usable with its key and no CSRF token', async () => {
    const client = browser()
    const res = await client.post('/api/categories', {
      headers: { 'x-api-key': 'test-key' },
      json: { name: 'Lamps', slug: 'lamps' },
    })
    assert.equal(res.status, 201)
  })
})
