/**
 * Hostile input through the migration entry points (security catalogue: injection through values
 * and identifiers, path traversal through names): fill values are bound, never spliced into SQL;
 * identifiers that are reserved words or hold quotes are quoted everywhere; migration names given
 * on the command line only ever select among the loaded migrations.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { main } from '../../src/cli/index.ts'
import { field, op, sqlFor } from '../../src/migrations/index.ts'
import { migrationFiles } from '../../src/migrations/loader.ts'
import { makeMigration } from '../../src/migrations/migration.ts'
import { createSchemaEditor } from '../../src/migrations/schema-editor/index.ts'
import { createDatabase, type Database } from '../../src/orm/index.ts'
import { backwards, forwards } from './support/apply.ts'
import { describeTable } from './support/introspect.ts'
import { forEachDatabase, textRows } from './support/suite.ts'

/** Rows of `columns`, each value as text, selected with properly quoted identifiers. */
async function read(db: Database, table: string, columns: string[]): Promise<unknown[][]> {
  const id = (name: string) => sql.id(name).compile(db.compiler).sql
  const { rows } = await db.execute({
    sql: `SELECT ${columns.map(id).join(', ')} FROM ${id(table)} ORDER BY ${id('id')}`,
    params: [],
    returnsRows: true,
  })
  return rows.map((row) => columns.map((c) => row[c]))
}

const P = 'mg_hostile_'
const HOSTILE = [
  "O'Brien",
  "x'); DROP TABLE mg_hostile_thing; --",
  'back\\slash\\',
  "\\'; SELECT 1; --",
  '"double" `tick` $1 ? :name',
]

forEachDatabase(P, (s) => {
  s.it('binds fill values and quotes odd identifiers', async (db) => {
    const created = await forwards(db, [
      op.createModel({
        name: 'Thing',
        table: `${P}thing`,
        fields: { id: field.autoId(), select: field.string({ maxLength: 50, column: 'select' }) },
      }),
    ])
    for (const i of HOSTILE.keys())
      await db.execute({
        sql:
          db.dialect === 'postgres'
            ? `INSERT INTO "${P}thing" ("select") VALUES ($1)`
            : db.dialect === 'mysql'
              ? `INSERT INTO \`${P}thing\` (\`select\`) VALUES (?)`
              : `INSERT INTO "${P}thing" ("select") VALUES (?)`,
        params: [`row${i}`],
        returnsRows: false,
      })
    let state = created.state
    for (const [i, value] of HOSTILE.entries()) {
      const added = await forwards(
        db,
        [
          op.addField({
            model: 'Thing',
            name: `odd${i}`,
            field: field.string({ maxLength: 60, column: `we"ird\`${i}` }),
            fill: value,
          }),
        ],
        { state },
      )
      state = added.state
    }
    const rows = await read(
      db,
      `${P}thing`,
      HOSTILE.map((_, i) => `we"ird\`${i}`),
    )
    assert.equal(rows.length, HOSTILE.length)
    for (const row of rows) assert.deepEqual(row, HOSTILE)
    // The collected SQL (sqlmigrate) inlines the same values as escaped literals.
    const editor = createSchemaEditor(db, { collectOnly: true })
    const collected = await forwards(
      db,
      [op.addField({ model: 'Thing', name: 'note', field: field.text(), fill: HOSTILE[1] })],
      { state, editor },
    )
    assert.ok(collected.statements.some((sql) => sql.includes("'x''); DROP TABLE")))
    assert.deepEqual(
      (await textRows(db, `${P}thing`, ['select'])).map((r) => r[0]),
      HOSTILE.map((_, i) => `row${i}`),
    )
    await backwards(
      db,
      await forwards(db, [op.removeField({ model: 'Thing', name: 'odd0' })], { state }),
    )
  })

  s.it('refuses a fill its column cannot take before changing anything', async (db) => {
    const created = await forwards(db, [
      op.createModel({
        name: 'Thing',
        table: `${P}thing`,
        fields: { id: field.autoId(), name: field.string({ maxLength: 10 }) },
      }),
    ])
    await db.execute({
      sql: `INSERT INTO ${db.dialect === 'mysql' ? `\`${P}thing\`` : `"${P}thing"`} (name) VALUES ('a')`,
      params: [],
      returnsRows: false,
    })
    const before = await read(db, `${P}thing`, ['id', 'name'])
    for (const [f, fill] of [
      [field.integer(), '1 OR 1=1'],
      [field.string({ maxLength: 3 }), 'too long'],
      [field.boolean(), 'yes'],
      [field.date(), '2024-13-45'],
    ] as const) {
      await assert.rejects(
        forwards(db, [op.addField({ model: 'Thing', name: 'n', field: f, fill })], {
          state: created.state,
        }),
        (e: Error & { code?: string }) =>
          e.code === 'PLINTH_MIGRATIONS_BAD_FILL' &&
          /Thing\.n does not fit the field/.test(e.message),
      )
      assert.deepEqual(await read(db, `${P}thing`, ['id', 'name']), before)
      assert.equal((await describeTable(db, `${P}thing`))?.columns.n, undefined)
    }
  })
})

describe('migration names from the command line', () => {
  it('select only among loaded migrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plinth-hostile-'))
    mkdirSync(join(dir, 'migrations'))
    const src = new URL('../../src/migrations/index.ts', import.meta.url).pathname
    writeFileSync(
      join(dir, 'migrations.config.ts'),
      `import { defineMigrations, defineModule } from '${src}'\nexport default defineMigrations({ database: 'sqlite::memory:', modules: [defineModule({ name: 'app', models: [], migrations: new URL('./migrations/', import.meta.url) })] })\n`,
    )
    writeFileSync(
      join(dir, 'migrations', '0001_initial.ts'),
      `import { defineMigration } from '${src}'\nexport default defineMigration({ operations: [] })\n`,
    )
    // Files that do not look like migrations are never imported.
    writeFileSync(join(dir, 'migrations', '0002_evil.ts.bak'), 'throw new Error("imported")')
    writeFileSync(join(dir, 'migrations', 'evil.ts'), 'throw new Error("imported")')
    assert.deepEqual(migrationFiles(join(dir, 'migrations')), ['0001_initial.ts'])
    for (const name of ['../../../etc/passwd', '0001_initial.ts', '%2e%2e', '0002_evil']) {
      let err = ''
      const code = await main(['sqlmigrate', 'app', name], {
        io: {
          stdout: { write: () => true },
          stderr: {
            write: (c: string) => {
              err += c
              return true
            },
          },
          cwd: dir,
          env: {},
        },
      })
      assert.equal(code, 2, name)
      assert.match(err, /0001_initial/, name)
    }
    const migrations = [makeMigration('app', '0001_initial', { operations: [] })]
    const db = createDatabase('sqlite::memory:')
    try {
      await assert.rejects(
        sqlFor(db, 'app.../x', { migrations }),
        (e: Error & { code?: string }) => e.code === 'PLINTH_MIGRATIONS_UNKNOWN_MIGRATION',
      )
    } finally {
      await db.close()
    }
  })
})
