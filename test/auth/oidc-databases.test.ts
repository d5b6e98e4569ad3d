/**
 * The shipped `auth_oidc` migration and social login's queries on every database: a real login
 * creates, links and reuses accounts on SQLite, PostgreSQL and MariaDB (each server test gets a
 * database of its own); the unique (provider, subject) constraint holds; deleting a user deletes
 * their links.
 */
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { authModule, oidcModule, SocialAccount } from 'plinth/auth'
import { checkSchema, makeMigrations, plan } from 'plinth/migrations'
import { scratchDatabase } from '../support/scratch-database.ts'
import { MiniBrowser, signInAtProvider } from './fixtures/oidc-browser.ts'
import { startWorld } from './fixtures/oidc-world.ts'

async function exercise(databaseUrl?: string): Promise<void> {
  const world = await startWorld({
    databaseUrl,
    accounts: {
      carol: {
        email: 'Carol@Example.com',
        email_verified: true,
        preferred_username: 'carol',
        name: 'Carol 🎉',
      },
    },
  })
  try {
    const modules = [authModule, oidcModule]
    assert.deepEqual(await plan(world.db, { modules }), [])
    assert.deepEqual((await checkSchema(world.db, { modules })).drift, [])
    const carol = await world.db.scope(() =>
      world.auth.createUser({
        username: 'carol',
        email: 'carol@example.com',
        password: 'carol password 12345',
      }),
    )
    const login = async (account: string, provider: string) => {
      const browser = new MiniBrowser({ jsonOrigins: [world.appOrigin] })
      const start = await browser.request(`${world.appOrigin}/auth/login/${provider}`)
      const callback = await signInAtProvider(
        browser,
        start.headers.get('location')!,
        world.callback(provider),
        { account },
      )
      const page = await browser.request(callback)
      return {
        status: page.status,
        me: JSON.parse((await browser.request(`${world.appOrigin}/me`)).text),
      }
    }
    // The verified email matches carol's case-insensitively: linked to her (corp-email trusts it).
    assert.equal((await login('carol', 'corp-email')).me.id, carol.id)
    assert.equal((await login('carol', 'corp-email')).me.id, carol.id)
    // A new identity gets a new user, its name made unique against "carol".
    const other = await login('carol', 'corp')
    assert.equal(other.status, 409, 'corp does not link by email')
    const newcomer = await login('dan', 'corp')
    assert.equal(newcomer.status, 303)
    assert.equal(newcomer.me.user, 'user')

    const links = await world.links()
    assert.deepEqual(
      links.map((l) => [l.provider, l.subject, l.userId]),
      [
        ['corp-email', 'carol', carol.id],
        ['corp', 'dan', newcomer.me.id],
      ],
    )
    assert.equal(links[0]!.claims.name, 'Carol 🎉', 'claims round-trip as JSON')
    await world.db.scope(async () => {
      await assert.rejects(
        SocialAccount.objects.create({
          provider: 'corp-email',
          subject: 'carol',
          userId: newcomer.me.id,
        }),
        (error: Error & { code?: string }) => /unique/i.test(`${error.code} ${error.message}`),
      )
      await world.auth.users().filter({ id: carol.id }).delete()
    })
    assert.deepEqual(
      (await world.links()).map((l) => l.subject),
      ['dan'],
      'deleting a user deletes their links',
    )
  } finally {
    await world.close()
  }
}

describe('social login on every database', { timeout: 60_000 }, () => {
  it('SQLite', () => exercise())

  for (const dialect of ['postgres', 'mysql'] as const) {
    it(dialect === 'postgres' ? 'PostgreSQL' : 'MariaDB', async (t: TestContext) => {
      const url = await scratchDatabase(t, dialect, 'oidc')
      if (url === undefined) return
      await exercise(url)
    })
  }

  it('ships migrations that match the models (makemigrations finds nothing to do)', async () => {
    const result = await makeMigrations({ modules: [authModule, oidcModule], check: true })
    assert.equal(result.changed, false, result.output)
  })
})
