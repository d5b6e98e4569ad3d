/**
 * `plinth makemigrations` run in-process against a temporary project: a `migrations.config.ts`
 * (plus one config file per model version, chosen with --config: an imported module cannot be
 * reloaded) and `node_modules/plinth` linked to this repository, so the generated files import
 * `plinth/migrations` exactly as in a real project.
 */
import assert from 'node:assert/strict'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  makemigrationsCommand,
  parseDefaultFlag,
  parseRenameFlag,
} from '../../src/cli/commands/migrations/makemigrations.ts'
import { UsageError } from '../../src/cli/index.ts'
import { CommandRegistry } from '../../src/cli/registry.ts'
import { runCli } from '../support/cli.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const SOURCE = (path: string) => join(REPO, 'src', path)

const temporary: string[] = []
after(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true })
})

/** A temporary project; `config(name, fields)` writes a config file with one Product model. */
function project() {
  const root = mkdtempSync(join(tmpdir(), 'plinth-makemigrations-cli-'))
  temporary.push(root)
  mkdirSync(join(root, 'node_modules'))
  symlinkSync(REPO, join(root, 'node_modules', 'plinth'), 'dir')
  const config = (file: string, fields: string) =>
    writeFileSync(
      join(root, file),
      [
        `import { defineMigrations, defineModule } from '${SOURCE('migrations/index.ts')}'`,
        `import { defineModel, field } from '${SOURCE('orm/index.ts')}'`,
        'const Product = defineModel(',
        "  'Product',",
        `  { ${fields} },`,
        '  { registry: [] },',
        ')',
        'export default defineMigrations({',
        "  database: 'sqlite::memory:',",
        "  modules: [defineModule({ name: 'app', models: [Product], migrations: new URL('./migrations/', import.meta.url) })],",
        '})',
        '',
      ].join('\n'),
    )
  const run = (...argv: string[]) =>
    runCli(root, ['makemigrations', ...argv], new CommandRegistry().register(makemigrationsCommand))
  const dir = join(root, 'migrations')
  const files = () => (existsSync(dir) ? readdirSync(dir).sort() : [])
  const read = (file: string) => readFileSync(join(dir, file), 'utf8')
  const write = (file: string, text: string) => writeFileSync(join(dir, file), text)
  return { root, config, run, files, read, write }
}

const V1 =
  'title: field.string({ maxLength: 100 }), sku: field.string({ maxLength: 20, null: true })'
const V2 =
  'name: field.string({ maxLength: 100 }), sku: field.string({ maxLength: 20, null: true }), stock: field.integer()'

describe('plinth makemigrations', () => {
  it('writes, checks, renames, fills and refuses as the flags say', async () => {
    const p = project()
    p.config('migrations.config.ts', V1)
    p.config('v2.ts', V2)
    p.config('v3.ts', 'name: field.string({ maxLength: 100 }), stock: field.integer()')

    const first = await p.run()
    assert.equal(first.code, 0, first.stderr)
    assert.equal(
      first.stdout,
      'Migrations for app:\n  migrations/0001_initial.ts\n    - Create model Product\n',
    )
    assert.match(p.read('0001_initial.ts'), /from 'plinth\/migrations'/)
    assert.deepEqual(await p.run('--check'), {
      code: 0,
      stdout: 'No changes detected.\n',
      stderr: '',
    })

    const pending = await p.run('--config', 'v2.ts', '--check')
    assert.equal(pending.code, 1)
    assert.match(pending.stdout, /Add field stock to Product/)

    const ambiguous = await p.run('--config', 'v2.ts')
    assert.equal(ambiguous.code, 1)
    assert.match(ambiguous.stderr, /app\.Product\.title → app\.Product\.name/)
    assert.match(ambiguous.stderr, /--rename app\.Product\.title=name/)
    assert.match(ambiguous.stderr, /--no-renames/)
    assert.match(ambiguous.stderr, /\[PLINTH_MIGRATIONS_AMBIGUOUS_RENAME\]\n$/)

    const unfilled = await p.run('--config', 'v2.ts', '--rename', 'app.Product.title=name')
    assert.equal(unfilled.code, 1)
    assert.match(unfilled.stderr, /app\.Product\.stock[\s\S]*--default[\s\S]*NEEDS_DEFAULT/)
    assert.deepEqual(p.files(), ['0001_initial.ts'])

    const done = await p.run(
      '--config',
      'v2.ts',
      '--rename',
      'app.Product.title=name',
      '--default',
      'app.Product.stock=0',
      '--name',
      'rename_and_stock',
    )
    assert.equal(done.code, 0, done.stderr)
    const second = p.read('0002_rename_and_stock.ts')
    assert.match(second, /op\.renameField\(\{ model: 'Product', from: 'title', to: 'name' \}\)/)
    assert.match(second, /name: 'stock', field: field\.integer\(\), fill: 0 \}/)
    assert.equal((await p.run('--config', 'v2.ts', '--check')).code, 0)

    const lossy = await p.run('--config', 'v3.ts')
    assert.equal(lossy.code, 1)
    assert.match(lossy.stderr, /Remove field sku from Product[\s\S]*--allow-data-loss/)
    const allowed = await p.run('--config', 'v3.ts', '--allow-data-loss')
    assert.equal(allowed.code, 0, allowed.stderr)
    assert.match(
      allowed.stdout,
      /0003_remove_product_sku\.ts\n {4}- Remove field sku from Product \(⚠ loses data\)/,
    )
    assert.match(p.read('0003_remove_product_sku.ts'), /\/\/ ⚠ Loses data: drops the column/)
  })

  it('writes empty and merge migrations; a conflict names the merge command', async () => {
    const p = project()
    p.config('migrations.config.ts', V1)
    p.config('both.ts', `${V1}, a: field.integer({ null: true }), b: field.integer({ null: true })`)
    assert.equal((await p.run()).code, 0)
    const empty = await p.run('--empty', 'app', '--name', 'backfill')
    assert.equal(empty.code, 0, empty.stderr)
    assert.match(p.read('0002_backfill.ts'), /\/\/ op\.runCode\(\{/)
    const branch = (name: string, field: string) =>
      p.write(
        `${name}.ts`,
        `import { defineMigration, field, op } from 'plinth/migrations'\nexport default defineMigration({ dependencies: ['0002_backfill'], operations: [op.addField({ model: 'Product', name: '${field}', field: field.integer({ null: true }) })] })\n`,
      )
    branch('0003_a', 'a')
    branch('0003_b', 'b')
    const conflict = await p.run('--config', 'both.ts')
    assert.equal(conflict.code, 1)
    assert.match(
      conflict.stderr,
      /app: app\.0003_a, app\.0003_b[\s\S]*plinth makemigrations --merge/,
    )
    const merged = await p.run('--config', 'both.ts', '--merge')
    assert.equal(merged.code, 0, merged.stderr)
    assert.match(merged.stdout, /0004_merge_0003_a_0003_b\.ts\n {4}- Merge 0003_a, 0003_b/)
    assert.match(
      p.read('0004_merge_0003_a_0003_b.ts'),
      /dependencies: \['0003_a', '0003_b'\],\n {2}operations: \[\],/,
    )
    assert.deepEqual(await p.run('--config', 'both.ts', '--check'), {
      code: 0,
      stdout: 'No changes detected.\n',
      stderr: '',
    })
    assert.equal((await p.run('--merge')).stdout, 'No conflicts to merge.\n')
  })

  it('refuses to merge branches that change the same field', async () => {
    const p = project()
    p.config('migrations.config.ts', V1)
    assert.equal((await p.run()).code, 0)
    const branch = (name: string, length: number) =>
      p.write(
        `${name}.ts`,
        `import { defineMigration, field, op } from 'plinth/migrations'\nexport default defineMigration({ dependencies: ['0001_initial'], operations: [op.alterField({ model: 'Product', name: 'title', field: field.string({ maxLength: ${length} }) })] })\n`,
      )
    branch('0002_longer', 200)
    branch('0002_shorter', 50)
    const result = await p.run('--merge')
    assert.equal(result.code, 1)
    assert.match(
      result.stderr,
      /app\.0002_longer and app\.0002_shorter both change app\.Product\.title/,
    )
    assert.match(result.stderr, /PLINTH_MIGRATIONS_MERGE_CONFLICT/)
    assert.deepEqual(p.files(), ['0001_initial.ts', '0002_longer.ts', '0002_shorter.ts'])
  })

  it('prints instead of writing with --dry-run', async () => {
    const p = project()
    p.config('migrations.config.ts', V1)
    const result = await p.run('--dry-run')
    assert.equal(result.code, 0)
    assert.match(result.stdout, /\(dry run: not written\)[\s\S]*op\.createModel/)
    assert.deepEqual(p.files(), [])
  })

  it('exits 2 on bad usage', async () => {
    const p = project()
    p.config('migrations.config.ts', V1)
    for (const argv of [
      ['--rename', 'title=name'],
      ['--default', 'stock'],
      ['--check', '--empty'],
      ['shop'],
      ['--bogus'],
    ]) {
      const result = await p.run(...argv)
      assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, /Run 'plinth help makemigrations' for usage/)
    }
    assert.deepEqual(p.files(), [])
  })
})

describe('--rename and --default values', () => {
  it('parse fields and models, with or without the module', () => {
    assert.deepEqual(parseRenameFlag('app.Product.title=name'), {
      model: 'app.Product',
      from: 'title',
      to: 'name',
    })
    assert.deepEqual(parseRenameFlag('Product.title=name'), {
      model: 'Product',
      from: 'title',
      to: 'name',
    })
    assert.deepEqual(parseRenameFlag('app.Item=Product'), { model: 'app.Item', to: 'Product' })
    assert.deepEqual(parseRenameFlag('Item=Product'), { model: 'Item', to: 'Product' })
    for (const bad of ['app.Product=name', 'title=name', 'app.Product.title', 'a.b.c.d=e', '=x'])
      assert.throws(() => parseRenameFlag(bad), UsageError, bad)
    assert.deepEqual(parseDefaultFlag('app.Product.stock=0'), ['app.Product.stock', 0])
    assert.deepEqual(parseDefaultFlag('Product.note=n/a'), ['Product.note', 'n/a'])
    assert.deepEqual(parseDefaultFlag('app.Product.tags=["a"]'), ['app.Product.tags', ['a']])
    assert.deepEqual(parseDefaultFlag('app.Product.label='), ['app.Product.label', ''])
    assert.throws(() => parseDefaultFlag('stock=0'), UsageError)
  })
})
