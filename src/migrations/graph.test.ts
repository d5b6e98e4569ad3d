import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MigrationGraph } from './graph.ts'
import { makeMigration } from './migration.ts'

const m = (module: string, name: string, dependencies: string[] = [], replaces: string[] = []) =>
  makeMigration(module, name, { dependencies, replaces, operations: [] })

const keys = (list: { key: string }[]) => list.map((x) => x.key)
const code = (expected: string, pattern: RegExp) => (e: Error & { code?: string }) =>
  e.code === expected && pattern.test(e.message)

describe('MigrationGraph', () => {
  const history = [
    m('auth', '0001_initial'),
    m('auth', '0002_email', ['0001_initial']),
    m('app', '0001_initial', ['auth.0001_initial']),
    m('app', '0002_owner', ['0001_initial', 'auth.0002_email']),
    m('app', '0003_stock', ['0002_owner']),
  ]

  it('orders migrations dependencies first, the same way every time', () => {
    const graph = new MigrationGraph(history)
    assert.deepEqual(keys(graph.order()), [
      'auth.0001_initial',
      'app.0001_initial',
      'auth.0002_email',
      'app.0002_owner',
      'app.0003_stock',
    ])
    assert.deepEqual(keys(new MigrationGraph([...history].reverse()).order()), keys(graph.order()))
    assert.deepEqual(keys(graph.forwardsPlan(['app.0001_initial'])), [
      'auth.0001_initial',
      'app.0001_initial',
    ])
    assert.deepEqual(keys(graph.backwardsPlan(['auth.0002_email'])), [
      'app.0003_stock',
      'app.0002_owner',
      'auth.0002_email',
    ])
    assert.deepEqual(graph.leaves('app'), ['app.0003_stock'])
    assert.deepEqual(graph.parents('app.0002_owner').sort(), [
      'app.0001_initial',
      'auth.0002_email',
    ])
  })

  it('finds two leaves in one module and says how to merge them', () => {
    const graph = new MigrationGraph([...history, m('app', '0003_price', ['0002_owner'])])
    assert.deepEqual([...graph.conflicts()], [['app', ['app.0003_price', 'app.0003_stock']]])
    assert.throws(
      () => graph.assertNoConflicts(),
      code(
        'PLINTH_MIGRATIONS_CONFLICT',
        /app: app\.0003_price, app\.0003_stock.*plinth makemigrations --merge/,
      ),
    )
    const merged = new MigrationGraph([
      ...history,
      m('app', '0003_price', ['0002_owner']),
      m('app', '0004_merge', ['0003_price', '0003_stock']),
    ])
    assert.equal(merged.conflicts().size, 0)
  })

  it('refuses missing dependencies, cycles and unknown targets', () => {
    assert.throws(
      () => new MigrationGraph([m('app', '0001_initial', ['auth.0009_nope'])]),
      code('PLINTH_MIGRATIONS_MISSING_DEPENDENCY', /app\.0001_initial depends on auth\.0009_nope/),
    )
    assert.throws(
      () => new MigrationGraph([m('a', '0001_x', ['b.0001_y']), m('b', '0001_y', ['a.0001_x'])]),
      code('PLINTH_MIGRATIONS_CYCLE', /a\.0001_x → b\.0001_y → a\.0001_x/),
    )
    assert.throws(
      () => new MigrationGraph(history).forwardsPlan(['app.0009_nope']),
      code('PLINTH_MIGRATIONS_UNKNOWN_MIGRATION', /no migration app\.0009_nope/),
    )
  })

  it('uses a squashed migration when all or none of what it replaces is applied', () => {
    const squashed = m(
      'app',
      '0001_squashed_0003_stock',
      ['auth.0002_email'],
      ['0001_initial', '0002_owner', '0003_stock'],
    )
    const later = m('app', '0004_price', ['0003_stock'])
    const all = [...history, squashed, later]
    const none = new MigrationGraph(all)
    assert.deepEqual(
      keys(none.order()).filter((k) => k.startsWith('app.')),
      ['app.0001_squashed_0003_stock', 'app.0004_price'],
    )
    assert.deepEqual(none.parents('app.0004_price'), ['app.0001_squashed_0003_stock'])
    const done = new MigrationGraph(
      all,
      new Set(['app.0001_initial', 'app.0002_owner', 'app.0003_stock']),
    )
    assert.ok(done.get('app.0001_squashed_0003_stock'))
    const partial = new MigrationGraph(all, new Set(['app.0001_initial']))
    assert.equal(partial.get('app.0001_squashed_0003_stock'), undefined)
    assert.deepEqual(
      keys(partial.order()).filter((k) => k.startsWith('app.')),
      ['app.0001_initial', 'app.0002_owner', 'app.0003_stock', 'app.0004_price'],
    )
  })
})
