/**
 * Applied migrations are fingerprinted: editing a migration after it ran is reported (by
 * `migrate` as a warning, by `showMigrations` as `edited`), while reformatting or comments are
 * not edits. Record tables made before the fingerprint existed gain the column on the next migrate.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { migrationChecksum } from '../../src/migrations/checksum.ts'
import {
  field,
  MigrationRecorder,
  migrate,
  op,
  showMigrations,
} from '../../src/migrations/index.ts'
import { makeMigration } from '../../src/migrations/migration.ts'
import { createDatabase } from '../../src/orm/index.ts'

const create = (maxLength: number) =>
  op.createModel({
    name: 'Note',
    table: 'mg_ck_note',
    fields: { id: field.autoId(), title: field.string({ maxLength }) },
  })

describe('migration checksums', () => {
  it('change with the operations, not with how they are written', () => {
    const a = makeMigration('app', '0001_initial', { operations: [create(40)] })
    const b = makeMigration('app', '0001_initial', {
      dependencies: [],
      operations: [
        // Written differently, same operation.
        op.createModel({
          name: 'Note',
          fields: { id: field.autoId(), title: field.string({ maxLength: 40, helpText: 'x' }) },
          table: 'mg_ck_note',
        }),
      ],
    })
    assert.equal(migrationChecksum(a), migrationChecksum(b))
    assert.notEqual(
      migrationChecksum(a),
      migrationChecksum(makeMigration('app', '0001_initial', { operations: [create(50)] })),
    )
    const code = (forward: () => void) =>
      migrationChecksum(makeMigration('app', '0002', { operations: [op.runCode({ forward })] }))
    assert.notEqual(
      code(() => {}),
      code(() => {
        console.log('changed')
      }),
    )
    const sql = (text: string) =>
      migrationChecksum(makeMigration('app', '0002', { operations: [op.runSql({ sql: text })] }))
    assert.notEqual(sql('SELECT 1'), sql('SELECT 2'))
  })

  it('report a migration edited after it was applied', async () => {
    const db = createDatabase('sqlite::memory:')
    try {
      await migrate(db, {
        migrations: [makeMigration('ck', '0001_initial', { operations: [create(40)] })],
      })
      const edited = [makeMigration('ck', '0001_initial', { operations: [create(80)] })]
      const lines: string[] = []
      await migrate(db, { migrations: edited, log: (l) => lines.push(l) })
      assert.match(lines.join('\n'), /Warning: ck\.0001_initial was edited after it was applied/)
      const overview = await showMigrations(db, { migrations: edited })
      assert.equal(overview.order[0]?.edited, true)
      const same = [makeMigration('ck', '0001_initial', { operations: [create(40)] })]
      assert.equal((await showMigrations(db, { migrations: same })).order[0]?.edited, false)
    } finally {
      await db.close()
    }
  })

  it('are added to record tables made without them', async () => {
    const db = createDatabase('sqlite::memory:')
    try {
      await db.execute({
        sql: 'CREATE TABLE plinth_migrations (id integer PRIMARY KEY, module varchar(255) NOT NULL, name varchar(255) NOT NULL, applied_at datetime NOT NULL, operations_done integer NULL)',
        params: [],
        returnsRows: false,
      })
      const recorder = new MigrationRecorder(db)
      assert.equal((await recorder.records()).size, 0)
      const migrations = [makeMigration('ck', '0001_initial', { operations: [create(40)] })]
      await migrate(db, { migrations })
      const record = (await new MigrationRecorder(db).records()).get('ck.0001_initial')
      assert.equal(record?.checksum, migrationChecksum(migrations[0]!))
    } finally {
      await db.close()
    }
  })
})
