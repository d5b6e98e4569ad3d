/**
 * `plinth squashmigrations`, run in-process through `main()` against a throwaway project in a
 * temp directory: the file it writes, what it prints, `--dry-run`, `--name`, and bad input.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli } from '../support/cli.ts'

const SOURCE = resolve(import.meta.dirname, '../../src/migrations/index.ts')

const MIGRATIONS: Record<string, string> = {
  '0001_initial.ts': `
export default defineMigration({
  initial: true,
  operations: [
    op.createModel({
      name: 'Widget',
      table: 'mg_sqcli_widget',
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
    op.runSql({ sql: "INSERT INTO mg_sqcli_widget (name, stock) VALUES ('demo', 1)", elidable: true }),
    op.renameField({ model: 'Widget', from: 'stock', to: 'quantity' }),
  ],
})`,
}

let dir: string

function project(): string {
  const root = mkdtempSync(join(dir, 'project-'))
  mkdirSync(join(root, 'migrations'))
  writeFileSync(
    join(root, 'migrations.config.ts'),
    `import { defineMigrations, defineModule } from ${JSON.stringify(SOURCE)}
export default defineMigrations({
  database: ${JSON.stringify(`sqlite:${join(root, 'db.sqlite3')}`)},
  modules: [defineModule({ name: 'app', models: [], migrations: new URL('./migrations/', import.meta.url) })],
})
`,
  )
  for (const [file, body] of Object.entries(MIGRATIONS)) {
    writeFileSync(
      join(root, 'migrations', file),
      `import { defineMigration, field, op } from ${JSON.stringify(SOURCE)}\n${body}\n`,
    )
  }
  return root
}

const plinth = (cwd: string, ...argv: string[]) => runCli(cwd, argv)

const files = (root: string) => readdirSync(join(root, 'migrations')).sort()

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'plinth-mg-squash-cli-'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

describe('plinth squashmigrations', () => {
  it('writes the squashed migration, prints the counts and the steps to finish', async () => {
    const root = project()
    const r = await plinth(root, 'squashmigrations', 'app', '0003')
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.split('\n')
    assert.equal(
      lines[0],
      'Wrote migrations/0001_squashed_0003_seed.ts: 3 migrations (0001_initial … 0003_seed), 4 operations → 1, 1 elidable dropped.',
    )
    assert.match(
      r.stdout,
      /Next steps:\n {2}1\. .*commit it together with the migrations it replaces/,
    )
    assert.match(r.stdout, /3\. Once all of them have applied 0003_seed, delete the replaced files/)
    assert.ok(existsSync(join(root, 'migrations', '0001_squashed_0003_seed.ts')))

    // The project migrates from the squashed file alone on a new database.
    const migrated = await plinth(root, 'migrate')
    assert.equal(migrated.code, 0, migrated.stderr)
    assert.match(migrated.stdout, /app\.0001_squashed_0003_seed/)
    assert.doesNotMatch(migrated.stdout, /0002_stock/)
  })

  it('prints the file without writing it on --dry-run, and takes --name and a first migration', async () => {
    const root = project()
    const before = files(root)
    const r = await plinth(
      root,
      'squashmigrations',
      'app',
      '0002',
      '0003',
      '--name',
      'quantity',
      '--dry-run',
    )
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stdout,
      /^Would write migrations\/0002_quantity\.ts: 2 migrations \(0002_stock … 0003_seed\), 3 operations → 1, 1 elidable dropped\.\n\n/,
    )
    assert.match(r.stdout, /replaces: \['0002_stock', '0003_seed'\],/)
    assert.match(r.stdout, /op\.addField\(\{ model: 'Widget', name: 'quantity'/)
    assert.deepEqual(files(root), before)
  })

  it('reports bad input with a usage error or the migration error, writing nothing', async () => {
    const root = project()
    const before = files(root)
    let r = await plinth(root, 'squashmigrations', 'app')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /Expected <module> \[from\] <to>, got 1 argument\./)
    r = await plinth(root, 'squashmigrations', 'app', '1', '2', '3')
    assert.equal(r.code, 2)
    r = await plinth(root, 'squashmigrations', 'shop', '0003')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /no module "shop"/)
    r = await plinth(root, 'squashmigrations', 'app', '0003', '0001')
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /^error: app\.0003_seed does not come before .*\[PLINTH_MIGRATIONS_SQUASH_RANGE\]\n$/,
    )
    r = await plinth(root, 'squashmigrations', 'app', '0009')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /\[PLINTH_MIGRATIONS_UNKNOWN_MIGRATION\]/)
    assert.deepEqual(files(root), before)
  })
})
