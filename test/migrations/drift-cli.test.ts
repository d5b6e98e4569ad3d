/**
 * `plinth checkschema` through the CLI entry point with captured output, on a SQLite file of its
 * own: the "no drift" line and exit 0, one line per difference and exit 1, `--json`, `--strict`,
 * notes about migrations not (fully) applied, and a configuration that cannot be found.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { formatSchemaCheck } from '../../src/cli/commands/migrations/checkschema.ts'
import { main } from '../../src/cli/main.ts'
import { MigrationRecorder } from '../../src/migrations/index.ts'
import { createDatabase, createTables, type Database } from '../../src/orm/index.ts'
import { importFrom, initialMigration, models } from './drift-models.ts'

function captured(cwd: string) {
  let stdout = ''
  let stderr = ''
  return {
    io: {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      cwd,
      env: {},
    },
    stdout: () => stdout,
    stderr: () => stderr,
  }
}

async function run(db: Database, sql: string): Promise<void> {
  await db.execute({ sql, params: [], returnsRows: false })
}

describe('plinth checkschema', () => {
  let root: string
  let db: Database
  const cli = async (...args: string[]) => {
    const out = captured(root)
    const code = await main(['checkschema', '--config', 'migrations.config.ts', ...args], {
      io: out.io,
    })
    return { code, stdout: out.stdout(), stderr: out.stderr() }
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'mg-drift-cli-'))
    mkdirSync(join(root, 'migrations'))
    writeFileSync(join(root, 'migrations', '0001_initial.ts'), initialMigration())
    const file = join(root, 'db.sqlite3')
    const modelsPath = resolve(import.meta.dirname, 'drift-models.ts')
    writeFileSync(
      join(root, 'migrations.config.ts'),
      [
        `import { defineMigrations, defineModule } from ${JSON.stringify(importFrom)}`,
        `import { models } from ${JSON.stringify(modelsPath)}`,
        'export default defineMigrations({',
        `  database: ${JSON.stringify(`sqlite:${file}`)},`,
        `  modules: [defineModule({ name: 'mgdrift', models, migrations: ${JSON.stringify(join(root, 'migrations'))} })],`,
        '})',
        '',
      ].join('\n'),
    )
    db = createDatabase(`sqlite:${file}`)
    await createTables(db, models)
    const recorder = new MigrationRecorder(db)
    await recorder.ensureTable()
    await recorder.recordApplied('mgdrift', '0001_initial')
  })
  after(async () => {
    await db.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('says there is no drift and exits 0', async () => {
    const result = await cli()
    assert.equal(result.code, 0)
    assert.equal(result.stdout, 'No drift: the database matches the migrations (5 tables).\n')
    assert.equal(result.stderr, '')
  })

  it('prints one line per difference and exits 1', async () => {
    await run(db, 'ALTER TABLE mg_drift_tag ADD COLUMN color varchar(20) NULL')
    await run(db, 'DROP INDEX ix_mg_drift_product__name__price')
    const result = await cli()
    assert.equal(result.code, 1)
    assert.deepEqual(result.stdout.trimEnd().split('\n'), [
      'Index ix_mg_drift_product__name__price on mg_drift_product (name, price DESC) is missing from the database.',
      'Column mg_drift_tag.color (varchar(20) NULL) exists in the database but not in the migrations.',
    ])
    assert.match(result.stderr, /^2 differences between the database and the applied migrations/)

    const json = await cli('--json')
    assert.equal(json.code, 1)
    const parsed = JSON.parse(json.stdout)
    assert.equal(parsed.ok, false)
    assert.equal(parsed.tables, 5)
    assert.deepEqual(parsed.applied, ['mgdrift.0001_initial'])
    assert.deepEqual(
      parsed.drift.map((i: { kind: string; name: string }) => [i.kind, i.name]),
      [
        ['missing-index', 'ix_mg_drift_product__name__price'],
        ['extra-column', 'color'],
      ],
    )
  })

  it('reports unknown tables only with --strict', async () => {
    await run(db, 'CREATE TABLE mg_drift_cli_stray (id integer)')
    assert.doesNotMatch((await cli()).stdout, /mg_drift_cli_stray/)
    const strict = await cli('--strict')
    assert.equal(strict.code, 1)
    assert.match(
      strict.stdout,
      /^Table mg_drift_cli_stray exists in the database but no model or migration knows it\.$/m,
    )
  })

  it('fails with a clear message when the configuration is missing', async () => {
    const out = captured(root)
    const code = await main(['checkschema', '--config', 'nope.config.ts'], { io: out.io })
    assert.equal(code, 1)
    assert.match(out.stderr(), /nope\.config\.ts does not exist/)
    assert.equal(out.stdout(), '')
  })
})

describe('formatSchemaCheck()', () => {
  it('notes pending and part-way migrations without calling them drift', () => {
    const text = formatSchemaCheck({
      drift: [],
      tables: 1,
      applied: ['app.0001_initial'],
      partial: ['app.0002_stock'],
      pending: ['app.0003_price'],
    })
    assert.equal(text.stdout, 'No drift: the database matches the migrations (1 table).\n')
    assert.match(text.stderr, /Note: 1 migration not applied yet \(app\.0003_price\) is not part/)
    assert.match(text.stderr, /app\.0002_stock stopped part-way.*`plinth migrate` resumes it/)
  })
})
