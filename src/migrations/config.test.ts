import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defineModel, field } from '../orm/index.ts'
import { defineMigrations, defineModule } from './config.ts'

const invalid = (pattern: RegExp) => (e: Error & { code?: string }) =>
  e.code === 'PLINTH_MIGRATIONS_CONFIG_INVALID' && pattern.test(e.message)

describe('defineModule and defineMigrations', () => {
  const Thing = defineModel('Thing', { name: field.text() }, { module: 'shop', registry: [] })

  it('resolves the migrations directory from a URL', () => {
    const shop = defineModule({
      name: 'shop',
      models: [Thing],
      migrations: new URL('file:///srv/app/migrations/'),
    })
    assert.equal(shop.migrations, '/srv/app/migrations/')
    const config = defineMigrations({ database: 'sqlite::memory:', modules: [shop], table: 'mig' })
    assert.equal(config.table, 'mig')
  })

  it('refuses bad names, models of another module and duplicates, saying what to do', () => {
    assert.throws(
      () => defineModule({ name: 'Shop', models: [], migrations: '/m' }),
      invalid(/lower-case/),
    )
    assert.throws(
      () => defineModule({ name: 'app', models: [Thing], migrations: '/m' }),
      invalid(/belongs to module "shop".*module: 'app'/),
    )
    assert.throws(
      () => defineModule({ name: 'shop', models: [], migrations: '' }),
      invalid(/needs a migrations directory/),
    )
    const shop = defineModule({ name: 'shop', models: [Thing], migrations: '/m' })
    assert.throws(
      () => defineMigrations({ database: 'sqlite::memory:', modules: [shop, shop] }),
      invalid(/listed twice/),
    )
    assert.throws(() => defineMigrations({ database: 'x', modules: [] }), invalid(/modules/))
    assert.throws(
      () => defineMigrations({ database: 'x', modules: [shop], table: 'a; DROP TABLE b' }),
      invalid(/record table name/),
    )
    assert.throws(
      () => defineMigrations({ database: undefined as never, modules: [shop] }),
      invalid(/needs a database/),
    )
  })
})
