import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import { OrmConfigError } from '../errors.ts'
import { parseDatabaseConfig, parseDatabaseUrl, type ServerConfig } from './config.ts'

function configError(fn: () => unknown, pattern: RegExp): OrmConfigError {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  assert.ok(caught instanceof OrmConfigError, `expected OrmConfigError, got ${String(caught)}`)
  assert.equal(caught.code, 'PLINTH_ORM_CONFIG_INVALID')
  assert.match(caught.message, pattern)
  return caught
}

describe('parseDatabaseUrl: SQLite', () => {
  it('reads relative, absolute and in-memory databases', () => {
    const relative = parseDatabaseUrl('sqlite:./db.sqlite3')
    assert.equal(relative.dialect === 'sqlite' && relative.filename, './db.sqlite3')
    const abs = parseDatabaseUrl('sqlite:/var/lib/app/db.sqlite3')
    assert.equal(abs.dialect, 'sqlite')
    assert.equal(abs.dialect === 'sqlite' && abs.filename, '/var/lib/app/db.sqlite3')
    const memory = parseDatabaseUrl('sqlite::memory:')
    assert.equal(memory.dialect === 'sqlite' && memory.filename, ':memory:')
    const triple = parseDatabaseUrl('sqlite:///abs/path.db')
    assert.equal(triple.dialect === 'sqlite' && triple.filename, '/abs/path.db')
  })

  it('uses one connection and a 5 s busy timeout by default', () => {
    const config = parseDatabaseUrl('sqlite::memory:')
    assert.equal(config.dialect === 'sqlite' && config.busyTimeoutMs, 5000)
    assert.equal(config.pool.max, 1)
    assert.equal(config.dialect === 'sqlite' && config.synchronous, 'normal')
    const full = parseDatabaseConfig({ url: 'sqlite:db', synchronous: 'full' })
    assert.equal(full.dialect === 'sqlite' && full.synchronous, 'full')
    assert.throws(
      () => parseDatabaseConfig({ url: 'sqlite:db', synchronous: 'off' as never }),
      /synchronous must be 'normal' or 'full', not 'off'/,
    )
    assert.throws(
      () => parseDatabaseConfig({ url: 'postgres://h/db', synchronous: 'full' }),
      /synchronous applies to SQLite only/,
    )
    const custom = parseDatabaseConfig({ url: 'sqlite:db', busyTimeoutMs: 0, pool: { max: 8 } })
    assert.equal(custom.dialect === 'sqlite' && custom.busyTimeoutMs, 0)
    assert.equal(custom.pool.max, 1)
  })

  it('refuses an empty path and a bad busy timeout', () => {
    configError(() => parseDatabaseUrl('sqlite:'), /names no file/)
    configError(
      () => parseDatabaseConfig({ url: 'sqlite::memory:', busyTimeoutMs: -1 }),
      /busyTimeoutMs must be a non-negative integer/,
    )
    configError(
      () => parseDatabaseConfig({ url: 'postgres://h/db', busyTimeoutMs: 10 }),
      /SQLite only/,
    )
  })
})

describe('parseDatabaseUrl: servers', () => {
  it('reads every part of a PostgreSQL URL', () => {
    const config = parseDatabaseUrl(
      'postgresql://app%20user:p%40ss@db.internal:6543/shop%2Dtest?sslmode=verify-full&application_name=web',
    ) as ServerConfig
    assert.equal(config.dialect, 'postgres')
    assert.equal(config.host, 'db.internal')
    assert.equal(config.port, 6543)
    assert.equal(config.user, 'app user')
    assert.equal(config.password, 'p@ss')
    assert.equal(config.database, 'shop-test')
    assert.equal(config.ssl, 'verify-full')
    assert.equal(config.applicationName, 'web')
  })

  it('fills in defaults', () => {
    const pg = parseDatabaseUrl('postgres://localhost/test') as ServerConfig
    assert.deepEqual(
      [pg.port, pg.user, pg.password, pg.ssl],
      [5432, 'postgres', undefined, 'disable'],
    )
    assert.deepEqual(pg.pool, {
      max: 10,
      acquireTimeoutMs: 5000,
      idleTimeoutMs: 30000,
      pipeline: true,
    })
    const my = parseDatabaseUrl('mariadb://127.0.0.1/test') as ServerConfig
    assert.deepEqual([my.dialect, my.port, my.user], ['mysql', 3306, 'root'])
    const ipv6 = parseDatabaseUrl('mysql://u@[::1]/db') as ServerConfig
    assert.equal(ipv6.host, '::1')
    const socket = parseDatabaseUrl(
      'postgres://u@localhost/db?host=/var/run/postgresql',
    ) as ServerConfig
    assert.equal(socket.host, '/var/run/postgresql')
  })

  it('validates pool options, naming the bad one', () => {
    const config = parseDatabaseConfig({
      url: 'postgres://h/db',
      pool: { max: 3, acquireTimeoutMs: 50 },
    })
    assert.deepEqual(config.pool, {
      max: 3,
      acquireTimeoutMs: 50,
      idleTimeoutMs: 30000,
      pipeline: true,
    })
    configError(
      () => parseDatabaseConfig({ url: 'postgres://h/db', pool: { max: 0 } }),
      /pool\.max/,
    )
    configError(
      () => parseDatabaseConfig({ url: 'postgres://h/db', pool: { idleTimeoutMs: 1.5 } }),
      /pool\.idleTimeoutMs must be a positive integer, not 1\.5/,
    )
    configError(
      () =>
        parseDatabaseConfig({ url: 'postgres://h/db', pool: { acquireTimeoutMs: '50' as never } }),
      /pool\.acquireTimeoutMs .* not '50'/,
    )
    configError(
      () => parseDatabaseConfig({ url: 'postgres://h/db', pool: { size: 3 } as never }),
      /Unknown pool option 'size'/,
    )
    configError(
      () => parseDatabaseConfig({ url: 'postgres://h/db', poolSize: 3 } as never),
      /Unknown database option 'poolSize'/,
    )
  })

  it('refuses unknown schemes, listing the supported ones', () => {
    configError(
      () => parseDatabaseUrl('mongodb://u:pw@h/db'),
      /'mongodb:'.*sqlite.*postgres.*mysql/,
    )
    configError(() => parseDatabaseUrl('just-a-file.db'), /no scheme/)
    configError(() => parseDatabaseConfig(42 as never), /URL string/)
  })

  it('refuses bad parts of the URL', () => {
    configError(() => parseDatabaseUrl('postgres://u@h'), /must name one database/)
    configError(() => parseDatabaseUrl('postgres://u@h/a/b'), /must name one database/)
    configError(() => parseDatabaseUrl('postgres://u@h/db?sslmode=prefer'), /sslmode 'prefer'/)
    configError(() => parseDatabaseUrl('mysql://u@h/db?pool=3'), /Unknown parameter 'pool'/)
    configError(() => parseDatabaseUrl('postgres://u@h:99999/db'), /malformed/)
  })
})

describe('password redaction', () => {
  const SECRET = 'hunter2-Sup3rSecret'
  const url = `postgres://app:${SECRET}@db:5432/shop`

  it('keeps the password readable but out of every printout', () => {
    const config = parseDatabaseUrl(url) as ServerConfig
    assert.equal(config.password, SECRET)
    for (const text of [
      String(config),
      `${config}`,
      config.url,
      JSON.stringify(config),
      inspect(config),
      inspect(config, { showHidden: true, depth: 5 }),
      JSON.stringify({ ...config }),
    ]) {
      assert.ok(!text.includes(SECRET), text)
    }
    assert.equal(config.url, 'postgres://app:***@db:5432/shop')
    assert.ok(Object.isFrozen(config))
  })

  it('never puts the password in an error message', () => {
    const bad = [
      `postgres://app:${SECRET}@db:5432`, // no database
      `postgres://app:${SECRET}@db:5432/db?bogus=1`,
      `postgres://app:${SECRET}@db:5432/db?sslmode=nope`,
      `postgres://app:${SECRET}@db:99999/db`,
      `postgres://app:1234/${SECRET}@db/db`, // unencoded slash in the password
      `mongodb://app:${SECRET}@db/db`,
      `mysql://app:${SECRET}@db/db%ZZ`,
      `mysql://app:${SECRET}%ZZ@db/db`,
    ]
    for (const input of bad) {
      const error = configError(() => parseDatabaseUrl(input), /./)
      assert.ok(!error.message.includes(SECRET), error.message)
      assert.ok(!error.message.includes('1234/'), error.message)
    }
  })
})
