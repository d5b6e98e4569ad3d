/**
 * `plinth clearsessions` against a throwaway project: a migration configuration with the shipped
 * `sessions` module and a SQLite file. Expired rows go, live ones stay; a configuration without
 * the sessions module gets an error that says what to add.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createDatabase } from 'plinth/orm'
import { SessionModel } from 'plinth/sessions'
import { runCli } from '../support/cli.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const SOURCE = (path: string) => JSON.stringify(join(REPO, 'src', path))
const temporary: string[] = []
after(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true })
})

function project(modules: string): string {
  const root = mkdtempSync(join(tmpdir(), 'plinth-clearsessions-'))
  temporary.push(root)
  writeFileSync(
    join(root, 'migrations.config.ts'),
    `import { authModule } from ${SOURCE('auth/index.ts')}
import { sessionsModule } from ${SOURCE('sessions/index.ts')}
import { defineMigrations } from ${SOURCE('migrations/index.ts')}
void authModule, sessionsModule
export default defineMigrations({
  database: ${JSON.stringify(`sqlite:${join(root, 'db.sqlite3')}`)},
  modules: [${modules}],
})
`,
  )
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ type: 'module', plinth: { migrations: './migrations.config.ts' } }),
  )
  return root
}

it('deletes expired sessions and keeps live ones', async () => {
  const root = project('sessionsModule')
  assert.equal((await runCli(root, ['migrate'])).code, 0)
  const db = createDatabase(`sqlite:${join(root, 'db.sqlite3')}`)
  const now = Date.now()
  const row = (key: string, expiresIn: number) => ({
    key: key.padEnd(64, '0'),
    data: '{}',
    createdAt: new Date(now - 1000),
    expiresAt: new Date(now + expiresIn),
  })
  await SessionModel.objects
    .using(db)
    .bulkCreate([row('a', -60_000), row('b', -1), row('c', 3_600_000)])
  await db.close()

  const first = await runCli(root, ['clearsessions'])
  assert.equal(first.code, 0, first.stderr)
  assert.equal(first.stdout, 'Deleted 2 expired sessions.\n')
  const again = await runCli(root, ['clearsessions'])
  assert.equal(again.stdout, 'Deleted 0 expired sessions.\n')

  const check = createDatabase(`sqlite:${join(root, 'db.sqlite3')}`)
  const left = await SessionModel.objects.using(check).all()
  assert.deepEqual(
    left.map((s) => s.key[0]),
    ['c'],
  )
  await check.close()
})

it('says to add sessionsModule when the configuration has none', async () => {
  const root = project('authModule')
  const result = await runCli(root, ['clearsessions'])
  assert.equal(result.code, 1)
  assert.match(result.stderr, /add sessionsModule \(from plinth\/sessions\)/)
  assert.match(result.stderr, /PLINTH_SESSIONS_CLI_NOT_CONFIGURED/)
})
