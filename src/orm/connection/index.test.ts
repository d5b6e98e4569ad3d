import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OrmConfigError } from '../errors.ts'
import { loadDriverPackage } from './driver-package.ts'
import { connect, parseDatabaseUrl } from './index.ts'

describe('connect', () => {
  it('opens the driver of the URL’s dialect', async () => {
    const driver = await connect(parseDatabaseUrl('sqlite::memory:'))
    assert.equal(driver.dialect, 'sqlite')
    await driver.close()
  })

  it('connects to servers lazily: an unreachable one fails on the first query, not here', async () => {
    const driver = await connect(parseDatabaseUrl('postgres://u@127.0.0.1:1/db'))
    assert.equal(driver.dialect, 'postgres')
    await driver.close()
  })
})

describe('loadDriverPackage', () => {
  const missing = (name: string) =>
    Object.assign(new Error(`Cannot find package '${name}' imported from /app/x.js`), {
      code: 'ERR_MODULE_NOT_FOUND',
    })

  it('tells how to install a missing client package', async () => {
    await assert.rejects(
      loadDriverPackage('mysql2', 'MySQL/MariaDB', () => Promise.reject(missing('mysql2'))),
      (error: unknown) => {
        assert.ok(error instanceof OrmConfigError)
        assert.equal(error.code, 'PLINTH_ORM_DRIVER_MISSING')
        assert.match(error.message, /npm install mysql2/)
        return true
      },
    )
  })

  it('lets other failures through, including a missing dependency of the package', async () => {
    const inner = missing('pg-types')
    await assert.rejects(
      loadDriverPackage('pg', 'PostgreSQL', () => Promise.reject(inner)),
      (e) => e === inner,
    )
  })

  it('returns the module', async () => {
    assert.deepEqual(await loadDriverPackage('x', 'X', async () => ({ ok: true })), { ok: true })
  })
})
