import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { field } from '../orm/fields.ts'
import { MigrationGraph } from './graph.ts'
import { makeMigration } from './migration.ts'
import type { Operation } from './operations/base.ts'
import { op } from './operations/index.ts'
import {
  appliedKeys,
  assertConsistentHistory,
  assertReversible,
  buildPlan,
  partialKeys,
  recordedState,
  resolveMigrationName,
  statesBefore,
} from './plan.ts'
import type { MigrationRecord } from './recorder.ts'

const sql = (text: string, reverse?: string) =>
  op.runSql(reverse === undefined ? { sql: text } : { sql: text, reverse })
const m = (
  module: string,
  name: string,
  dependencies: string[] = [],
  operations: Operation[] = [sql('SELECT 1', '')],
  replaces: string[] = [],
) => makeMigration(module, name, { dependencies, operations, replaces })

const records = (entries: Record<string, number | undefined>): Map<string, MigrationRecord> =>
  new Map(
    Object.entries(entries).map(([key, done]) => {
      const [module, name] = key.split('.') as [string, string]
      return [
        key,
        { module, name, key, appliedAt: undefined, operationsDone: done, checksum: undefined },
      ]
    }),
  )

const history = [
  m('auth', '0001_initial'),
  m('auth', '0002_email', ['0001_initial']),
  m('app', '0001_initial', ['auth.0001_initial']),
  m('app', '0002_owner', ['0001_initial', 'auth.0002_email']),
  m('app', '0003_stock', ['0002_owner']),
]

function planFor(
  applied: Record<string, number | undefined>,
  target?: { module: string; name?: string },
) {
  const recs = records(applied)
  const done = appliedKeys(history, recs)
  const graph = new MigrationGraph(history, done)
  return buildPlan(graph, done, partialKeys(recs), target).map(
    (s) =>
      `${s.direction === 'forwards' ? '+' : '-'}${s.migration.key}${s.operationsDone === undefined ? '' : `@${s.operationsDone}`}`,
  )
}

const code = (expected: string, pattern: RegExp) => (e: Error & { code?: string }) =>
  e.code === expected && pattern.test(e.message)

describe('buildPlan', () => {
  it('applies everything not applied, dependencies first', () => {
    assert.deepEqual(planFor({}), [
      '+auth.0001_initial',
      '+app.0001_initial',
      '+auth.0002_email',
      '+app.0002_owner',
      '+app.0003_stock',
    ])
    assert.deepEqual(planFor({ 'auth.0001_initial': undefined, 'app.0001_initial': undefined }), [
      '+auth.0002_email',
      '+app.0002_owner',
      '+app.0003_stock',
    ])
  })

  it('goes forwards to a target of one module, with its dependencies only', () => {
    assert.deepEqual(planFor({}, { module: 'app', name: '0001' }), [
      '+auth.0001_initial',
      '+app.0001_initial',
    ])
    assert.deepEqual(planFor({}, { module: 'auth' }), ['+auth.0001_initial', '+auth.0002_email'])
  })

  it('goes backwards to an applied target, dependents first', () => {
    const all = Object.fromEntries(history.map((x) => [x.key, undefined]))
    assert.deepEqual(planFor(all, { module: 'app', name: '0001_initial' }), [
      '-app.0003_stock',
      '-app.0002_owner',
    ])
    assert.deepEqual(planFor(all, { module: 'auth', name: '0001' }), [
      '-app.0003_stock',
      '-app.0002_owner',
      '-auth.0002_email',
    ])
    assert.deepEqual(planFor(all, { module: 'app', name: '0003_stock' }), [])
  })

  it('unapplies a whole module with zero, and only what is applied', () => {
    const some = { 'auth.0001_initial': undefined, 'app.0001_initial': undefined }
    assert.deepEqual(planFor(some, { module: 'auth', name: 'zero' }), [
      '-app.0001_initial',
      '-auth.0001_initial',
    ])
    assert.deepEqual(planFor({}, { module: 'app', name: 'zero' }), [])
  })

  it('resumes a migration that stopped part-way, and undoes only what ran of it', () => {
    const partial = {
      'auth.0001_initial': undefined,
      'app.0001_initial': undefined,
      'auth.0002_email': 1,
    }
    assert.deepEqual(planFor(partial, { module: 'auth' }), ['+auth.0002_email@1'])
    assert.deepEqual(planFor(partial, { module: 'auth', name: '0001' }), ['-auth.0002_email@1'])
  })

  it('resolves name prefixes and says which names exist or collide', () => {
    const graph = new MigrationGraph([...history, m('app', '0003_stock_2', ['0003_stock'])]).nodes()
    assert.equal(resolveMigrationName(graph, 'app', '0002'), '0002_owner')
    assert.equal(resolveMigrationName(graph, 'app', '0003_stock'), '0003_stock')
    assert.equal(resolveMigrationName(graph, 'app', 'zero'), 'zero')
    assert.throws(
      () => resolveMigrationName(graph, 'app', '0003_st'),
      code('PLINTH_MIGRATIONS_AMBIGUOUS_NAME', /0003_stock, 0003_stock_2/),
    )
    assert.throws(
      () => resolveMigrationName(graph, 'app', '0009'),
      code('PLINTH_MIGRATIONS_UNKNOWN_MIGRATION', /has: 0001_initial, 0002_owner/),
    )
  })
})

describe('squashed migrations in plans', () => {
  const squashed = [
    m('app', '0001_initial'),
    m('app', '0002_a', ['0001_initial']),
    m('app', '0001_squashed_0002', [], [sql('SELECT 1', '')], ['0001_initial', '0002_a']),
    m('app', '0003_b', ['0002_a']),
  ]
  const plan = (applied: Record<string, number | undefined>) => {
    const recs = records(applied)
    const done = appliedKeys(squashed, recs)
    return buildPlan(new MigrationGraph(squashed, done), done, new Map()).map(
      (s) => s.migration.key,
    )
  }

  it('uses the squash on a new database and when all originals are applied', () => {
    assert.deepEqual(plan({}), ['app.0001_squashed_0002', 'app.0003_b'])
    assert.deepEqual(plan({ 'app.0001_initial': undefined, 'app.0002_a': undefined }), [
      'app.0003_b',
    ])
  })

  it('finishes the originals when only some are applied', () => {
    assert.deepEqual(plan({ 'app.0001_initial': undefined }), ['app.0002_a', 'app.0003_b'])
  })
})

describe('plan checks', () => {
  it('refuses a backwards plan through an irreversible operation before anything runs', () => {
    const list = [
      m('app', '0001_initial'),
      m('app', '0002_data', ['0001_initial'], [sql('SELECT 1', ''), sql('UPDATE x SET y = 1')]),
      m('app', '0003_more', ['0002_data']),
    ]
    const done = new Set(list.map((x) => x.key))
    const graph = new MigrationGraph(list, done)
    const steps = buildPlan(graph, done, new Map(), { module: 'app', name: '0001' })
    assert.throws(
      () => assertReversible(steps),
      code(
        'PLINTH_MIGRATIONS_IRREVERSIBLE',
        /app\.0002_data: its operation 2 .*Nothing was changed/,
      ),
    )
    // A partially applied migration whose irreversible step never ran can be undone.
    const partial = new Map([['app.0002_data', 1]])
    done.delete('app.0002_data')
    done.delete('app.0003_more')
    assert.doesNotThrow(() =>
      assertReversible(buildPlan(graph, done, partial, { module: 'app', name: '0001' })),
    )
  })

  it('refuses a record where a migration is applied but its dependency is not', () => {
    const graph = new MigrationGraph(history)
    const applied = new Set(['app.0001_initial'])
    assert.throws(
      () => assertConsistentHistory(graph, applied, new Map()),
      code('PLINTH_MIGRATIONS_INCONSISTENT_HISTORY', /app\.0001_initial .* auth\.0001_initial/),
    )
    applied.add('auth.0001_initial')
    assert.doesNotThrow(() => assertConsistentHistory(graph, applied, new Map()))
  })
})

describe('states for a run', () => {
  const list = [
    m(
      'app',
      '0001_initial',
      [],
      [op.createModel({ name: 'Item', fields: { id: field.autoId(), name: field.text() } })],
    ),
    m(
      'app',
      '0002_stock',
      ['0001_initial'],
      [
        op.addField({ model: 'Item', name: 'stock', field: field.integer({ default: 0 }) }),
        op.addField({ model: 'Item', name: 'price', field: field.integer({ default: 0 }) }),
      ],
    ),
  ]
  const graph = new MigrationGraph(list)

  it('replays what is recorded, counting the operations that ran of a partial migration', () => {
    const applied = new Set(['app.0001_initial'])
    const fields = (s: ReturnType<typeof recordedState>) => [...s.get('app.Item').fields.keys()]
    assert.deepEqual(fields(recordedState(graph, applied)), ['id', 'name'])
    assert.deepEqual(fields(recordedState(graph, applied, new Map([['app.0002_stock', 1]]))), [
      'id',
      'name',
      'stock',
    ])
  })

  it('gives each migration to unapply the state before it', () => {
    const applied = new Set(['app.0001_initial', 'app.0002_stock'])
    const states = statesBefore(
      graph,
      applied,
      new Map(),
      new Set(['app.0002_stock', 'app.0001_initial']),
    )
    assert.deepEqual(
      [...states.get('app.0002_stock')!.get('app.Item').fields.keys()],
      ['id', 'name'],
    )
    assert.equal(states.get('app.0001_initial')!.has('app.Item'), false)
  })
})
