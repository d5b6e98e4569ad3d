/**
 * A throw-away database of its own on PostgreSQL or MariaDB, for tests of modules Plinth ships
 * with fixed table names (`plinth_auth_user`, `plinth_session`): test files run in parallel, so two
 * of them migrating the same module into the shared `test` database would collide.
 */
import type { TestContext } from 'node:test'
import { createDatabase } from '../../src/orm/index.ts'
import { DIALECT_URLS } from '../orm/support/dialects.ts'
import { requireService } from './services.ts'

let counter = 0

/**
 * Create `plinth_<label>_<pid>_<n>` on the server and return its URL (dropped when the test ends),
 * or `undefined` when the test was skipped because the server is down (locally only).
 *
 * @example
 * const url = await scratchDatabase(t, 'postgres', 'auth')
 * if (!url) return
 */
export async function scratchDatabase(
  t: TestContext,
  dialect: 'postgres' | 'mysql',
  label: string,
): Promise<string | undefined> {
  if (!(await requireService(t, dialect === 'postgres' ? 'postgres' : 'mariadb'))) return undefined
  const name = `plinth_${label}_${process.pid}_${counter++}`
  const admin = createDatabase(DIALECT_URLS[dialect])
  const quoted = dialect === 'postgres' ? `"${name}"` : `\`${name}\``
  const run = (sql: string) => admin.execute({ sql, params: [], returnsRows: false })
  await run(`DROP DATABASE IF EXISTS ${quoted}`)
  await run(`CREATE DATABASE ${quoted}`)
  t.after(async () => {
    if (dialect === 'postgres') await run(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`)
    else await run(`DROP DATABASE IF EXISTS ${quoted}`)
    await admin.close()
  })
  return DIALECT_URLS[dialect].replace(/\/test$/, `/${name}`)
}
