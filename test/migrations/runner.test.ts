/**
 * The runner on SQLite, PostgreSQL and MariaDB: applying and unapplying to targets, the record,
 * failures (rolled back where the database can, resumable on MySQL), irreversible plans, --fake,
 * plans, SQL and status. Migrations are built in code (createModel/addField/runSql/runCode only).
 */
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import {
  field,
  type Migration,
  type MigrationDefinition,
  MigrationRecorder,
  migrate,
  op,
  plan,
  showMigrations,
  sqlFor,
} from '../../src/migrations/index.ts'
import { makeMigration } from '../../src/migrations/migration.ts'
import type { DialectName } from '../../src/orm/connection/types.ts'
import { createDatabase, type Database } from '../../src/orm/index.ts'
import { DIALECT_URLS, DIALECTS } from '../orm/support/dialects.ts'
import { requireService } from '../support/services.ts'

const RECORD = 'mg_run_migrations'
const TABLES = ['mg_run_gadget', 'mg_run_widget', 'mg_run_fix', RECORD]

async function open(t: TestContext, dialect: DialectName): Promise<Database | undefined> {
  if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return undefined
  if (dialect === 'mysql' && !(await requireService(t, 'mariadb'))) return undefined
  const db = createDatabase(DIALECT_URLS[dialect])
  await reset(db)
  return db
}

async function exec(db: Database, sql: string): Promise<Record<string, unknown>[]> {
  const { rows } = await db.execute({ sql, params: [], returnsRows: /^\s*select/i.test(sql) })
  return rows.map((row) => ({ ...row }))
}

async function reset(db: Database): Promise<void> {
  for (const table of TABLES) await exec(db, `DROP TABLE IF EXISTS ${table}`)
}

async function tables(db: Database): Promise<string[]> {
  const found = await db.kysely.introspection.getTables()
  return found
    .map((t) => t.name)
    .filter((n) => TABLES.includes(n) && n !== RECORD)
    .sort()
}

async function recorded(db: Database): Promise<Record<string, number | null>> {
  const records = await new MigrationRecorder(db, RECORD).records()
  return Object.fromEntries([...records.values()].map((r) => [r.key, r.operationsDone ?? null]))
}

const mig = (name: string, def: Omit<MigrationDefinition, 'dependencies'>, deps: string[] = []) =>
  makeMigration('run', name, { dependencies: deps, ...def })

const widget = op.createModel({
  name: 'Widget',
  table: 'mg_run_widget',
  fields: { id: field.autoId(), name: field.string({ maxLength: 50 }) },
})
const gadget = op.createModel({
  name: 'Gadget',
  table: 'mg_run_gadget',
  fields: { id: field.autoId(), label: field.string({ maxLength: 50 }) },
})

/** 0001 widget; 0002 stock on widget + a data migration through historical models; 0003 gadget. */
const HISTORY: Migration[] = [
  mig('0001_initial', { operations: [widget] }),
  mig(
    '0002_stock',
    {
      operations: [
        op.addField({ model: 'Widget', name: 'stock', field: field.integer({ default: 0 }) }),
        op.runCode({
          forward: async ({ models }) => {
            await models.get('Widget').objects.create({ name: 'seeded', stock: 3 })
          },
          backward: async ({ models }) => {
            await models
              .get('Widget')
              .objects.filter({ name: 'seeded' } as never)
              .delete()
          },
          description: 'Seed a widget',
        }),
      ],
    },
    ['0001_initial'],
  ),
  mig('0003_gadget', { operations: [gadget] }, ['0002_stock']),
]

const code = (expected: string, pattern: RegExp) => (e: Error & { code?: string }) =>
  e.code === expected && pattern.test(e.message)

for (const dialect of DIALECTS) {
  describe(`migrate on ${dialect}`, () => {
    it('applies everything, goes back to a target and to zero, keeping the record exact', async (t) => {
      const db = await open(t, dialect)
      if (!db) return
      try {
        const lines: string[] = []
        const options = { migrations: HISTORY, table: RECORD, log: (l: string) => lines.push(l) }
        assert.deepEqual(
          (await plan(db, options)).map((s) => `${s.direction} ${s.migration.key}`),
          ['forwards run.0001_initial', 'forwards run.0002_stock', 'forwards run.0003_gadget'],
        )
        const result = await migrate(db, options)
        assert.deepEqual(result, {
          applied: ['run.0001_initial', 'run.0002_stock', 'run.0003_gadget'],
          unapplied: [],
        })
        // MySQL says first that it cannot roll back schema changes.
        if (dialect === 'mysql')
          assert.match(lines.shift()!, /^MySQL cannot roll back schema changes/)
        assert.match(lines[0]!, /^Applying run\.0001_initial… OK \(\d+ ms\)$/)
        assert.deepEqual(await tables(db), ['mg_run_gadget', 'mg_run_widget'])
        assert.deepEqual(await exec(db, 'SELECT name, stock FROM mg_run_widget'), [
          { name: 'seeded', stock: 3 },
        ])
        assert.deepEqual(await recorded(db), {
          'run.0001_initial': null,
          'run.0002_stock': null,
          'run.0003_gadget': null,
        })
        // Nothing left to do.
        assert.deepEqual(await migrate(db, options), { applied: [], unapplied: [] })

        lines.length = 0
        const back = await migrate(db, { ...options, target: { module: 'run', name: '0001' } })
        assert.deepEqual(back.unapplied, ['run.0003_gadget', 'run.0002_stock'])
        assert.match(lines.find((l) => !l.startsWith('MySQL'))!, /^Unapplying run\.0003_gadget… OK/)
        assert.deepEqual(await tables(db), ['mg_run_widget'])
        assert.deepEqual(await exec(db, 'SELECT name FROM mg_run_widget'), [])
        assert.deepEqual(Object.keys(await recorded(db)), ['run.0001_initial'])

        // Forwards to a middle target.
        await migrate(db, { ...options, target: { module: 'run', name: '0002_stock' } })
        assert.deepEqual(Object.keys(await recorded(db)).sort(), [
          'run.0001_initial',
          'run.0002_stock',
        ])

        const zero = await migrate(db, { ...options, target: { module: 'run', name: 'zero' } })
        assert.deepEqual(zero.unapplied, ['run.0002_stock', 'run.0001_initial'])
        assert.deepEqual(await tables(db), [])
        assert.deepEqual(await recorded(db), {})
      } finally {
        await reset(db).catch(() => {})
        await db.close()
      }
    })

    it('shows status and the SQL of a migration without running it', async (t) => {
      const db = await open(t, dialect)
      if (!db) return
      try {
        const options = { migrations: HISTORY, table: RECORD }
        let overview = await showMigrations(db, options)
        assert.deepEqual(
          overview.order.map((s) => s.status),
          ['unapplied', 'unapplied', 'unapplied'],
        )
        const sql = await sqlFor(db, 'run.0001', options)
        assert.equal(sql.migration.key, 'run.0001_initial')
        assert.equal(sql.transactional, dialect !== 'mysql')
        assert.equal(sql.operations[0]!.description, 'Create model Widget')
        assert.match(sql.operations[0]!.statements.join('\n'), /CREATE TABLE .?mg_run_widget/i)
        assert.deepEqual(await tables(db), [], 'sqlFor runs nothing')

        await migrate(db, { ...options, target: { module: 'run', name: '0001_initial' } })
        overview = await showMigrations(db, options)
        assert.deepEqual(
          overview.modules.map((m) => [m.module, m.migrations.map((s) => `${s.name}:${s.status}`)]),
          [['run', ['0001_initial:applied', '0002_stock:unapplied', '0003_gadget:unapplied']]],
        )
        assert.ok(overview.order[0]!.appliedAt instanceof Date)
        const undo = await sqlFor(db, 'run.0002_stock', { ...options, backwards: true })
        assert.deepEqual(
          undo.operations.map((o) => o.description),
          ['Undo Seed a widget', 'Undo Add field stock to Widget'],
        )
        assert.match(undo.operations[1]!.statements.join('\n'), /stock/)
      } finally {
        await reset(db).catch(() => {})
        await db.close()
      }
    })

    it('fakes: records without running, and unrecords without running', async (t) => {
      const db = await open(t, dialect)
      if (!db) return
      try {
        const lines: string[] = []
        const options = { migrations: HISTORY, table: RECORD, log: (l: string) => lines.push(l) }
        await migrate(db, { ...options, fake: true, target: { module: 'run', name: '0001' } })
        assert.deepEqual(lines, ['Applying run.0001_initial… FAKED'])
        assert.deepEqual(await tables(db), [])
        assert.deepEqual(Object.keys(await recorded(db)), ['run.0001_initial'])
        await migrate(db, { ...options, fake: true, target: { module: 'run', name: 'zero' } })
        assert.deepEqual(await recorded(db), {})
      } finally {
        await reset(db).catch(() => {})
        await db.close()
      }
    })

    it('refuses to unapply through an irreversible operation, before changing anything', async (t) => {
      const db = await open(t, dialect)
      if (!db) return
      try {
        const history = [
          HISTORY[0]!,
          mig(
            '0002_backfill',
            { operations: [op.runSql({ sql: 'UPDATE mg_run_widget SET name = name' })] },
            ['0001_initial'],
          ),
          mig('0003_gadget', { operations: [gadget] }, ['0002_backfill']),
        ]
        const options = { migrations: history, table: RECORD }
        await migrate(db, options)
        await assert.rejects(
          migrate(db, { ...options, target: { module: 'run', name: 'zero' } }),
          code(
            'PLINTH_MIGRATIONS_IRREVERSIBLE',
            /Cannot unapply run\.0002_backfill: its operation 1/,
          ),
        )
        assert.deepEqual(await tables(db), ['mg_run_gadget', 'mg_run_widget'])
        assert.equal(Object.keys(await recorded(db)).length, 3)
        // Back to just after it is fine.
        await migrate(db, { ...options, target: { module: 'run', name: '0002' } })
        assert.deepEqual(await tables(db), ['mg_run_widget'])
        // Faking runs nothing, so it may pass an irreversible operation.
        await migrate(db, { ...options, fake: true, target: { module: 'run', name: 'zero' } })
        assert.deepEqual(await recorded(db), {})
        assert.deepEqual(await tables(db), ['mg_run_widget'])
      } finally {
        await reset(db).catch(() => {})
        await db.close()
      }
    })

    it('applies a squashed migration in place of the ones it replaces, recording them all', async (t) => {
      const db = await open(t, dialect)
      if (!db) return
      try {
        const squash = mig('0001_squashed_0002', {
          replaces: ['0001_initial', '0002_stock'],
          operations: [...HISTORY[0]!.operations, ...HISTORY[1]!.operations],
        })
        const third = mig('0003_gadget', { operations: [gadget] }, ['0002_stock'])
        const options = {
          migrations: [HISTORY[0]!, HISTORY[1]!, squash, third],
          table: RECORD,
        }
        const result = await migrate(db, options)
        assert.deepEqual(result.applied, ['run.0001_squashed_0002', 'run.0003_gadget'])
        assert.deepEqual(Object.keys(await recorded(db)).sort(), [
          'run.0001_initial',
          'run.0001_squashed_0002',
          'run.0002_stock',
          'run.0003_gadget',
        ])
        const overview = await showMigrations(db, options)
        assert.deepEqual(
          overview.order.map((s) => [s.name, s.status, s.replaces.length]),
          [
            ['0001_squashed_0002', 'applied', 2],
            ['0003_gadget', 'applied', 0],
          ],
        )
        await migrate(db, { ...options, target: { module: 'run', name: 'zero' } })
        assert.deepEqual(await recorded(db), {})
        assert.deepEqual(await tables(db), [])
      } finally {
        await reset(db).catch(() => {})
        await db.close()
      }
    })

    if (dialect !== 'mysql') {
      it('rolls back a failed migration entirely; earlier ones of the run stay applied', async (t) => {
        const db = await open(t, dialect)
        if (!db) return
        try {
          const history = [
            HISTORY[0]!,
            mig(
              '0002_broken',
              {
                operations: [
                  gadget,
                  op.runSql({ sql: "INSERT INTO mg_run_gadget (label) VALUES ('x')", reverse: '' }),
                  op.runSql({ sql: 'INSERT INTO mg_run_fix (id) VALUES (1)', reverse: '' }),
                ],
              },
              ['0001_initial'],
            ),
          ]
          const lines: string[] = []
          await assert.rejects(
            migrate(db, { migrations: history, table: RECORD, log: (l) => lines.push(l) }),
            (e: Error & { code?: string }) => {
              assert.equal(e.code, 'PLINTH_MIGRATIONS_FAILED')
              assert.match(e.message, /Applying run\.0002_broken failed at operation 3 of 3/)
              assert.match(e.message, /rolled back: nothing of it remains/)
              return true
            },
          )
          assert.match(lines.at(-1)!, /^Applying run\.0002_broken… FAILED$/)
          assert.deepEqual(await tables(db), ['mg_run_widget'])
          assert.deepEqual(Object.keys(await recorded(db)), ['run.0001_initial'])
        } finally {
          await reset(db).catch(() => {})
          await db.close()
        }
      })
    }

    // MySQL commits each DDL statement; PostgreSQL and SQLite do the same with atomic: false.
    it('records progress without a transaction and resumes after the last operation that ran', async (t) => {
      const db = await open(t, dialect)
      if (!db) return
      try {
        const history = [
          HISTORY[0]!,
          mig(
            '0002_needs_fix',
            {
              atomic: dialect === 'mysql',
              operations: [
                gadget,
                op.runSql({
                  sql: [
                    "UPDATE mg_run_gadget SET label = 'x'",
                    'INSERT INTO mg_run_fix (id) VALUES (1)',
                  ],
                  reverse: 'DELETE FROM mg_run_fix',
                }),
                op.addField({
                  model: 'Gadget',
                  name: 'size',
                  field: field.integer({ default: 1 }),
                }),
              ],
            },
            ['0001_initial'],
          ),
        ]
        const options = { migrations: history, table: RECORD }
        await assert.rejects(migrate(db, options), (e: Error) => {
          const why =
            dialect === 'mysql' ? /MySQL cannot roll back schema changes/ : /atomic: false/
          assert.match(e.message, /Applying run\.0002_needs_fix failed at operation 2 of 3/)
          assert.match(e.message, why)
          assert.match(e.message, /operation 1 ran and is recorded/)
          assert.match(e.message, /resumes at operation 2/)
          assert.match(
            e.message,
            /had already run these statements.*:\n {2}UPDATE mg_run_gadget SET label = 'x'$/,
          )
          return true
        })
        assert.deepEqual(await recorded(db), { 'run.0001_initial': null, 'run.0002_needs_fix': 1 })
        assert.deepEqual(await tables(db), ['mg_run_gadget', 'mg_run_widget'])
        const status = (await showMigrations(db, options)).order[1]!
        assert.equal(status.status, 'partial')
        assert.equal(status.operationsDone, 1)
        const steps = await plan(db, options)
        assert.deepEqual(
          steps.map((s) => [s.migration.key, s.operationsDone]),
          [['run.0002_needs_fix', 1]],
        )

        // The fix: the table the statement needs. Re-running createModel would fail: it must not run.
        await exec(db, 'CREATE TABLE mg_run_fix (id integer)')
        const lines: string[] = []
        const result = await migrate(db, { ...options, log: (l) => lines.push(l) })
        assert.deepEqual(result.applied, ['run.0002_needs_fix'])
        if (dialect === 'mysql') assert.match(lines.shift()!, /^MySQL cannot roll back/)
        assert.match(
          lines[0]!,
          /^Applying run\.0002_needs_fix \(resuming at operation 2 of 3\)… OK/,
        )
        assert.deepEqual(await recorded(db), {
          'run.0001_initial': null,
          'run.0002_needs_fix': null,
        })
        assert.deepEqual(await exec(db, 'SELECT id FROM mg_run_fix'), [{ id: 1 }])

        // Unapplying a migration recorded as partial undoes only the operations that ran.
        await db.execute({
          sql: `UPDATE ${RECORD} SET operations_done = 1 WHERE name = '0002_needs_fix'`,
          params: [],
          returnsRows: false,
        })
        await migrate(db, { ...options, target: { module: 'run', name: '0001' } })
        assert.deepEqual(await tables(db), ['mg_run_fix', 'mg_run_widget'])
        assert.deepEqual(
          await exec(db, 'SELECT id FROM mg_run_fix'),
          [{ id: 1 }],
          'op 2 not undone',
        )
        assert.deepEqual(Object.keys(await recorded(db)), ['run.0001_initial'])
      } finally {
        await reset(db).catch(() => {})
        await db.close()
      }
    })
  })
}
