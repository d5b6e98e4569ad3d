/**
 * Adopting a database whose tables exist already (made by `createTables`, or by hand):
 * `migrate({ fakeInitial: true })` records an initial migration whose tables all exist without
 * running it, and runs everything else as usual. On all three databases.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { field, MigrationRecorder, migrate, op } from '../../src/migrations/index.ts'
import { makeMigration } from '../../src/migrations/migration.ts'
import { createDatabase, createTables, type Database, defineModel } from '../../src/orm/index.ts'
import { DIALECT_URLS, DIALECTS } from '../orm/support/dialects.ts'
import { requireService } from '../support/services.ts'

const RECORD = 'mg_fi_migrations'
const TABLES = ['mg_fi_note', 'mg_fi_tag', RECORD]

const Note = defineModel(
  'Note',
  { title: field.string({ maxLength: 40 }) },
  { table: 'mg_fi_note', registry: [] },
)

const initial = makeMigration('fi', '0001_initial', {
  initial: true,
  operations: [
    op.createModel({
      name: 'Note',
      table: 'mg_fi_note',
      fields: { id: field.autoId(), title: field.string({ maxLength: 40 }) },
    }),
    op.createModel({
      name: 'Tag',
      table: 'mg_fi_tag',
      fields: { id: field.autoId(), label: field.string({ maxLength: 20 }) },
    }),
  ],
})
const later = makeMigration('fi', '0002_note_done', {
  dependencies: ['0001_initial'],
  operations: [
    op.addField({ model: 'Note', name: 'done', field: field.boolean({ default: false }) }),
  ],
})

async function exec(db: Database, sql: string): Promise<Record<string, unknown>[]> {
  const { rows } = await db.execute({ sql, params: [], returnsRows: /^\s*select/i.test(sql) })
  return rows.map((row) => ({ ...row }))
}

async function reset(db: Database): Promise<void> {
  for (const table of TABLES) await exec(db, `DROP TABLE IF EXISTS ${table}`)
}

for (const dialect of DIALECTS) {
  describe(`fakeInitial on ${dialect}`, () => {
    it('records an initial migration whose tables exist, and runs the rest', async (t) => {
      if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return
      if (dialect === 'mysql' && !(await requireService(t, 'mariadb'))) return
      const db = createDatabase(DIALECT_URLS[dialect])
      try {
        await reset(db)
        // Only one of the two tables exists: the initial migration cannot be faked.
        await createTables(db, [Note])
        await exec(db, "INSERT INTO mg_fi_note (title) VALUES ('kept')")
        const lines: string[] = []
        await assert.rejects(
          migrate(db, {
            migrations: [initial, later],
            table: RECORD,
            fakeInitial: true,
            log: (l) => lines.push(l),
          }),
          /already exists/i,
        )
        await exec(
          db,
          `CREATE TABLE mg_fi_tag (id ${dialect === 'postgres' ? 'serial' : dialect === 'mysql' ? 'int AUTO_INCREMENT' : 'integer'} PRIMARY KEY, label varchar(20) NOT NULL)`,
        )
        lines.length = 0
        const result = await migrate(db, {
          migrations: [initial, later],
          table: RECORD,
          fakeInitial: true,
          log: (l) => lines.push(l),
        })
        assert.deepEqual(result.applied, ['fi.0001_initial', 'fi.0002_note_done'])
        assert.ok(lines.some((l) => /fi\.0001_initial… FAKED \(its tables exist\)/.test(l)))
        assert.ok(lines.some((l) => /fi\.0002_note_done… OK/.test(l)))
        const rows = await exec(db, 'SELECT title, done FROM mg_fi_note')
        assert.deepEqual(
          rows.map((r) => ({ title: r.title, done: Boolean(r.done) })),
          [{ title: 'kept', done: false }],
        )
        assert.deepEqual([...(await new MigrationRecorder(db, RECORD).records()).keys()].sort(), [
          'fi.0001_initial',
          'fi.0002_note_done',
        ])
      } finally {
        await reset(db)
        await db.close()
      }
    })
  })
}
