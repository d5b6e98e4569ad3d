/**
 * The catalogue on PostgreSQL and MariaDB: the same app, pointed at a server by its URL. Needs the
 * services (skipped locally when they are down, failed in CI). As in a deploy, the migrations run
 * first (`migrate`, what `plinth migrate` does); the app refuses to start before that. Each run
 * gets a database of its own (Plinth's users and sessions tables have fixed names) and migrates
 * back to zero afterwards, proving every migration reverses.
 */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { migrate } from 'plinth/migrations'
import { createDatabase } from 'plinth/orm'
import { testClient } from 'plinth/testing'
import { scratchDatabase } from '../../../test/support/scratch-database.ts'
import { createCatalogApp } from './app.ts'
import { modules } from './migrations.config.ts'

describe('the catalogue on database servers', () => {
  for (const dialect of ['postgres', 'mysql'] as const) {
    it(`runs the CRUD flow on ${dialect === 'mysql' ? 'mariadb' : dialect}`, async (t) => {
      const url = await scratchDatabase(t, dialect, 'catalog')
      if (url === undefined) return
      const admin = createDatabase(url)
      const early = createCatalogApp({
        apiKey: 'k',
        mediaDir: mkdtempSync(join(tmpdir(), 'catalog-media-')),
        databaseUrl: url,
        logger: false,
      })
      await assert.rejects(early.start(), /missing 5 migration\(s\).*npx plinth migrate/)
      await early.stop()
      assert.deepEqual((await migrate(admin, { modules })).applied.sort(), [
        'app.0001_initial',
        'app.0002_seed_catalogue',
        'auth.0001_initial',
        'auth_tokens.0001_initial',
        'sessions.0001_initial',
      ])
      const app = createCatalogApp({
        apiKey: 'k',
        mediaDir: mkdtempSync(join(tmpdir(), 'catalog-media-')),
        databaseUrl: url,
        logger: false,
      })
      const client = testClient(app)
      const auth = { 'x-api-key': 'k' }
      try {
        const seeded = (await client.get('/api/products', { query: { sort: '-price' } })).json()
        assert.equal(seeded.total, 5)
        assert.equal(seeded.items[0].name, 'Linen armchair')
        assert.equal(seeded.items[0].price, '420.00')

        const created = await client.post('/api/products', {
          headers: auth,
          json: { name: 'Walnut shelf', price: '89.90', stock: 1, categoryId: 1 },
        })
        assert.equal(created.status, 201)
        const { id } = created.json()
        const patched = await client.patch(`/api/products/${id}`, {
          headers: auth,
          json: { description: 'Solid walnut.' },
        })
        assert.equal(patched.json().description, 'Solid walnut.')
        assert.equal(patched.json().price, '89.90')

        const filtered = await client.get('/api/products', {
          query: { q: 'WALNUT', category: 'furniture' },
        })
        assert.deepEqual(
          filtered.json().items.map((p: { name: string }) => p.name),
          ['Walnut shelf'],
        )
        assert.equal((await client.post(`/api/products/${id}/sell`, { headers: auth })).status, 200)
        const soldOut = await client.post(`/api/products/${id}/sell`, { headers: auth })
        assert.equal(soldOut.json().error.code, 'out_of_stock')

        const duplicate = await client.post('/api/categories', {
          headers: auth,
          json: { name: 'Kitchen', slug: 'kitchen-2' },
        })
        assert.deepEqual(duplicate.json().error.details, { fields: ['name'] })
        const counts = (await client.get('/api/categories')).json()
        assert.deepEqual(
          counts.map((c: { slug: string; productCount: number }) => c.productCount),
          [3, 2, 1],
        )

        assert.equal((await client.delete(`/api/products/${id}`, { headers: auth })).status, 204)
        assert.equal((await client.get(`/api/products/${id}`)).status, 404)
      } finally {
        await client.close()
        const { unapplied } = await migrate(admin, {
          modules,
          target: { module: 'app', name: 'zero' },
        })
        assert.deepEqual(unapplied, ['app.0002_seed_catalogue', 'app.0001_initial'])
        await admin.close()
      }
    })
  }
})
