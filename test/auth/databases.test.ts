/**
 * The shipped `auth` migrations and the auth queries on every database: the same code on SQLite,
 * PostgreSQL and MariaDB (each server test gets a database of its own).
 */
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { authModule, createAuth, Group, Permission, syncPermissions, User } from 'plinth/auth'
import { checkSchema, makeMigrations, migrate, plan } from 'plinth/migrations'
import { createDatabase, type Database } from 'plinth/orm'
import { scratchDatabase } from '../support/scratch-database.ts'
import { fastHasher } from './support.ts'

async function exercise(db: Database): Promise<void> {
  await migrate(db, { modules: [authModule] })
  assert.deepEqual(await plan(db, { modules: [authModule] }), [])
  const check = await checkSchema(db, { modules: [authModule] })
  assert.deepEqual(check.drift, [])
  assert.equal(check.tables, 6) // permission, group, user and three join tables

  const auth = createAuth({ database: db, passwords: fastHasher() })
  await db.scope(async () => {
    assert.equal(await syncPermissions({ models: authModule.models }), 12)
    const ada = await auth.createUser({
      username: 'ada',
      email: 'Ada@Example.com',
      password: 'analytical engine 1843',
    })
    await auth.createUser({
      username: 'ada2',
      email: 'other@example.com',
      password: 'another passphrase',
    })
    await assert.rejects(
      auth.createUser({ username: 'ada', password: 'duplicate user name' }),
      (error: Error & { code?: string }) => /unique/i.test(`${error.code} ${error.message}`),
    )

    const found = await auth.authenticate({ username: 'ada', password: 'analytical engine 1843' })
    assert.equal(found?.id, ada.id)
    assert.equal(
      await auth.authenticate({ username: 'ADA', password: 'analytical engine 1843' }),
      null,
    )

    const editors = await Group.objects.create({ name: 'editors' })
    await editors
      .related('permissions')
      .add(await Permission.objects.get({ codename: 'change_group' }))
    await ada.related('groups').add(editors)
    await ada
      .related('userPermissions')
      .add(await Permission.objects.get({ codename: 'view_user' }))
    const fresh = await User.objects.get({ id: ada.id })
    assert.equal(await auth.hasPermissions(fresh, ['auth.change_group', 'auth.view_user']), true)
    assert.equal(await auth.hasPermissions(fresh, ['auth.delete_user']), false)
  })
  const byEmail = createAuth({ database: db, passwords: fastHasher(), loginField: 'email' })
  assert.equal(
    (
      await byEmail.authenticate({
        username: 'ada@EXAMPLE.com',
        password: 'analytical engine 1843',
      })
    )?.username,
    'ada',
  )
}

describe('the auth module on every database', () => {
  it('SQLite', async () => {
    const db = createDatabase('sqlite::memory:')
    try {
      await exercise(db)
    } finally {
      await db.close()
    }
  })

  for (const dialect of ['postgres', 'mysql'] as const) {
    it(dialect === 'postgres' ? 'PostgreSQL' : 'MariaDB', async (t: TestContext) => {
      const url = await scratchDatabase(t, dialect, 'auth')
      if (url === undefined) return
      const db = createDatabase(url)
      try {
        await exercise(db)
      } finally {
        await db.close()
      }
    })
  }

  it('ships migrations that match the models (makemigrations finds nothing to do)', async () => {
    const result = await makeMigrations({ modules: [authModule], check: true })
    assert.equal(result.changed, false, result.output)
  })
})
