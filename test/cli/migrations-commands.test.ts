/**
 * `plinth migrate`, `showmigrations` and `sqlmigrate`, run in-process through `main()` against a
 * throwaway project (configuration, migration files, SQLite file database) in a temp directory.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createDatabase } from '../../src/orm/index.ts'
import { runCli } from '../support/cli.ts'

const SOURCE = resolve(import.meta.dirname, '../../src/migrations/index.ts')

const MIGRATIONS: Record<string, string> = {
  '0001_initial.ts': `
export default defineMigration({
  initial: true,
  operations: [
    op.createModel({
      name: 'Widget',
      table: 'widget',
      fields: { id: field.autoId(), name: field.string({ maxLength: 50 }) },
    }),
  ],
})`,
  '0002_stock.ts': `
export default defineMigration({
  dependencies: ['0001_initial'],
  operations: [op.addField({ model: 'Widget', name: 'stock', field: field.integer({ default: 0 }) })],
})`,
  '0003_seed.ts': `
export default defineMigration({
  dependencies: ['0002_stock'],
  operations: [
    op.runSql({ sql: "INSERT INTO widget (name, stock) VALUES ('first', 1)", reverse: "DELETE FROM widget WHERE name = 'first'" }),
  ],
})`,
}

let dir: string

function project(migrations: Record<string, string>): string {
  const root = mkdtempSync(join(dir, 'project-'))
  mkdirSync(join(root, 'migrations'))
  writeFileSync(
    join(root, 'migrations.config.ts'),
    `import { defineMigrations, defineModule } from ${JSON.stringify(SOURCE)}
export default defineMigrations({
  database: ${JSON.stringify(`sqlite:${join(root, 'db.sqlite3')}`)},
  modules: [
    defineModule({ name: 'app', models: [], migrations: new URL('./migrations/', import.meta.url) }),
    defineModule({ name: 'empty', models: [], migrations: new URL('./none/', import.meta.url) }),
  ],
})
`,
  )
  for (const [file, body] of Object.entries(migrations)) {
    writeFileSync(
      join(root, 'migrations', file),
      `import { defineMigration, field, op } from ${JSON.stringify(SOURCE)}\n${body}\n`,
    )
  }
  return root
}

const plinth = (cwd: string, ...argv: string[]) => runCli(cwd, argv)

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'plinth-mg-cli-'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

describe('plinth migrate / showmigrations / sqlmigrate', () => {
  it('shows, plans, applies, shows again and goes back to a target', async () => {
    const root = project(MIGRATIONS)
    let r = await plinth(root, 'showmigrations')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(
      r.stdout,
      'app\n [ ] 0001_initial\n [ ] 0002_stock\n [ ] 0003_seed\nempty\n (no migrations)\n',
    )

    r = await plinth(root, 'migrate', '--plan')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(
      r.stdout,
      [
        'Planned operations:',
        'app.0001_initial',
        '    Create model Widget',
        'app.0002_stock',
        '    Add field stock to Widget',
        'app.0003_seed',
        `    Raw SQL: INSERT INTO widget (name, stock) VALUES ('first', 1)`,
        '',
      ].join('\n'),
    )

    r = await plinth(root, 'migrate')
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stdout,
      /^Applying app\.0001_initial… OK \(\d+ ms\)\nApplying app\.0002_stock… OK \(\d+ ms\)\nApplying app\.0003_seed… OK \(\d+ ms\)\n$/,
    )
    r = await plinth(root, 'migrate')
    assert.equal(r.stdout, 'No migrations to apply: the database is up to date.\n')

    r = await plinth(root, 'showmigrations', 'app')
    assert.equal(r.stdout, 'app\n [X] 0001_initial\n [X] 0002_stock\n [X] 0003_seed\n')
    r = await plinth(root, 'showmigrations', '--plan')
    assert.equal(r.stdout, '[X]  app.0001_initial\n[X]  app.0002_stock\n[X]  app.0003_seed\n')

    r = await plinth(root, 'migrate', 'app', '0002', '--plan')
    assert.equal(
      r.stdout,
      `Planned operations:\napp.0003_seed (unapply)\n    Undo Raw SQL: INSERT INTO widget (name, stock) VALUES ('first', 1)\n`,
    )
    r = await plinth(root, 'migrate', 'app', '0001')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Unapplying app\.0003_seed… OK .*\nUnapplying app\.0002_stock… OK/)
    r = await plinth(root, 'showmigrations')
    assert.match(r.stdout, /\[X\] 0001_initial\n \[ \] 0002_stock\n \[ \] 0003_seed/)

    r = await plinth(root, 'migrate', 'app', 'zero', '--fake')
    assert.equal(r.stdout, 'Unapplying app.0001_initial… FAKED\n')
    r = await plinth(root, 'migrate', 'app', '0001', '--fake')
    assert.equal(r.stdout, 'Applying app.0001_initial… FAKED\n')
  })

  it('prints the SQL of a migration, forwards and backwards, without running it', async () => {
    const root = project(MIGRATIONS)
    let r = await plinth(root, 'sqlmigrate', 'app', '0001')
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stdout,
      /^-- app\.0001_initial on sqlite\nBEGIN;\n--\n-- Create model Widget\n--\nCREATE TABLE "widget"/,
    )
    assert.match(r.stdout, /;\nCOMMIT;\n$/)
    r = await plinth(root, 'sqlmigrate', 'app', '0001_initial', '--backwards')
    assert.match(r.stdout, /-- Undo Create model Widget\n--\nDROP TABLE "widget";/)
    r = await plinth(root, 'showmigrations', 'app')
    assert.match(r.stdout, /\[ \] 0001_initial/, 'sqlmigrate applies nothing')
  })

  it('reports bad arguments as usage errors that list what exists', async () => {
    const root = project({ ...MIGRATIONS, '0003_other.ts': MIGRATIONS['0003_seed.ts']! })
    let r = await plinth(root, 'migrate', 'app', '0003')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /"0003" matches several migrations of "app": 0003_other, 0003_seed/)
    r = await plinth(root, 'migrate', 'app', '0009')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no migration named "0009" .*0001_initial, 0002_stock/)
    r = await plinth(root, 'migrate', 'shop')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no module "shop" .*modules: app, empty/)
    r = await plinth(root, 'migrate', '--lock-timeout', 'soon')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /--lock-timeout must be a number of milliseconds/)
    r = await plinth(root, 'sqlmigrate', 'app')
    assert.equal(r.code, 2)
    r = await plinth(root, 'showmigrations', 'app', 'extra')
    assert.equal(r.code, 2)
  })

  it('exits 1 with the message when a migration fails, and shows a conflict clearly', async () => {
    const root = project({
      '0001_initial.ts': MIGRATIONS['0001_initial.ts']!,
      '0002_broken.ts': `
export default defineMigration({
  dependencies: ['0001_initial'],
  operations: [op.runSql({ sql: 'INSERT INTO missing_table VALUES (1)', reverse: '' })],
})`,
    })
    let r = await plinth(root, 'migrate')
    assert.equal(r.code, 1)
    assert.match(
      r.stdout,
      /Applying app\.0001_initial… OK .*\nApplying app\.0002_broken… FAILED\n$/,
    )
    assert.match(
      r.stderr,
      /^error: Applying app\.0002_broken failed at operation 1 of 1 .*missing_table[\s\S]*rolled back[\s\S]*\[PLINTH_MIGRATIONS_FAILED\]\n$/,
    )
    r = await plinth(root, 'showmigrations')
    assert.match(r.stdout, /\[X\] 0001_initial\n \[ \] 0002_broken/)

    const conflict = project({
      ...MIGRATIONS,
      '0003_other.ts': `export default defineMigration({ dependencies: ['0002_stock'], operations: [] })`,
    })
    r = await plinth(conflict, 'migrate')
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /Conflicting migrations: app: app\.0003_other, app\.0003_seed.*makemigrations --merge/,
    )
  })

  it('marks a migration that stopped part-way without a transaction and resumes it', async () => {
    const root = project({
      '0001_initial.ts': MIGRATIONS['0001_initial.ts']!,
      '0002_two_steps.ts': `
export default defineMigration({
  dependencies: ['0001_initial'],
  atomic: false,
  operations: [
    op.runSql({ sql: "INSERT INTO widget (name) VALUES ('a')", reverse: '' }),
    op.runSql({ sql: "INSERT INTO fix (id) VALUES (1)", reverse: '' }),
  ],
})`,
    })
    let r = await plinth(root, 'migrate')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /operation 1 ran and is recorded .*resumes at operation 2/)
    r = await plinth(root, 'showmigrations')
    assert.match(
      r.stdout,
      / \[~\] 0002_two_steps \(1 of 2 operations applied; migrate resumes it\)/,
    )
    r = await plinth(root, 'migrate', '--plan')
    assert.match(
      r.stdout,
      /app\.0002_two_steps \(resume at operation 2\)\n {4}Raw SQL: INSERT INTO fix/,
    )

    const db = createDatabase(`sqlite:${join(root, 'db.sqlite3')}`)
    try {
      await db.execute({ sql: 'CREATE TABLE fix (id integer)', params: [], returnsRows: false })
    } finally {
      await db.close()
    }
    r = await plinth(root, 'migrate')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Applying app\.0002_two_steps \(resuming at operation 2 of 2\)… OK/)
    const check = createDatabase(`sqlite:${join(root, 'db.sqlite3')}`)
    try {
      const { rows } = await check.execute({
        sql: 'SELECT name FROM widget',
        params: [],
        returnsRows: true,
      })
      assert.deepEqual(
        rows.map((row) => row.name),
        ['a'],
        'operation 1 did not run twice',
      )
    } finally {
      await check.close()
    }
  })
})
