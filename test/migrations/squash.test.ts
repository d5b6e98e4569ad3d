/**
 * Squashing a realistic history written to disk: the squashed file loads, the graph uses it in
 * place of the originals exactly when all or none of them are applied, it rebuilds the same
 * state, and on SQLite a database half-way through the originals finishes on them while a new
 * database runs the squashed migration, both ending with the same working schema.
 */
import assert from 'node:assert/strict'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  defineModule,
  field,
  introspect,
  loadMigrations,
  MigrationGraph,
  type MigrationModule,
  migrate,
  type Operation,
  op,
  renderMigration,
  replay,
  type SquashResult,
  squashMigrations,
} from '../../src/migrations/index.ts'
import { canonicalState } from '../../src/migrations/optimizer.ts'
import { appliedKeys } from '../../src/migrations/plan.ts'
import { createDatabase, type Database } from '../../src/orm/index.ts'

const SOURCE = resolve(import.meta.dirname, '../../src/migrations/index.ts')
const ELIDABLE = "op.runSql({ sql: 'UPDATE mg_sq_product SET sku = title', elidable: true })"

interface FileSpec {
  dependencies?: string[]
  operations: Operation[]
  /** Hand-written operations (runSql, runCode) appended as source text. */
  extra?: string[]
  initial?: boolean
}

const APP: Record<string, FileSpec> = {
  '0001_initial': {
    initial: true,
    operations: [
      op.createModel({
        name: 'Category',
        table: 'mg_sq_category',
        fields: { id: field.autoId(), name: field.string({ maxLength: 60 }) },
      }),
      op.createModel({
        name: 'Product',
        table: 'mg_sq_product',
        fields: {
          id: field.autoId(),
          name: field.string({ maxLength: 80 }),
          price: field.decimal({ maxDigits: 8, decimalPlaces: 2 }),
        },
      }),
    ],
  },
  '0002_category': {
    dependencies: ['0001_initial'],
    operations: [
      op.addField({
        model: 'Product',
        name: 'category',
        field: field.foreignKey('Category', { onDelete: 'cascade', null: true }),
      }),
      op.addField({
        model: 'Product',
        name: 'sku',
        field: field.string({ maxLength: 20 }),
        fill: '',
      }),
    ],
  },
  '0003_title': {
    dependencies: ['0002_category'],
    operations: [
      op.renameField({ model: 'Product', from: 'name', to: 'title' }),
      op.addIndex({ model: 'Product', index: { name: 'ix_mg_sq_title', fields: ['title'] } }),
    ],
    extra: [ELIDABLE],
  },
  '0004_stock': {
    dependencies: ['0003_title'],
    operations: [
      op.addField({ model: 'Product', name: 'stock', field: field.integer({ default: 0 }) }),
      op.removeField({ model: 'Product', name: 'sku' }),
      op.alterField({
        model: 'Product',
        name: 'price',
        field: field.decimal({ maxDigits: 12, decimalPlaces: 2 }),
      }),
    ],
  },
  '0005_tag': {
    dependencies: ['0004_stock'],
    operations: [
      op.createModel({
        name: 'Tag',
        table: 'mg_sq_tag',
        fields: { id: field.autoId(), label: field.string({ maxLength: 30 }) },
      }),
    ],
  },
}

const BILLING: Record<string, FileSpec> = {
  '0001_initial': {
    initial: true,
    dependencies: ['app.0002_category'],
    operations: [
      op.createModel({
        name: 'Invoice',
        table: 'mg_sq_invoice',
        fields: {
          id: field.autoId(),
          product: field.foreignKey('app.Product', { onDelete: 'cascade' }),
        },
      }),
    ],
  },
}

let dir: string

function write(folder: string, module: string, files: Record<string, FileSpec>): void {
  mkdirSync(folder, { recursive: true })
  for (const [name, spec] of Object.entries(files)) {
    let text = renderMigration({
      module,
      dependencies: spec.dependencies ?? [],
      operations: spec.operations,
      initial: spec.initial ?? false,
      importFrom: SOURCE,
    })
    if (spec.extra)
      text = text.replace(
        /\n {2}\],\n\}\)/,
        `\n${spec.extra.map((e) => `    ${e},`).join('\n')}\n  ],\n})`,
      )
    writeFileSync(join(folder, `${name}.ts`), text)
  }
}

/** A project: the app and billing modules with their histories, in a fresh directory. */
function project(app: Record<string, FileSpec> = APP): MigrationModule[] {
  const root = mkdtempSync(join(dir, 'project-'))
  write(join(root, 'app'), 'app', app)
  write(join(root, 'billing'), 'billing', BILLING)
  return [
    defineModule({ name: 'app', models: [], migrations: join(root, 'app') }),
    defineModule({ name: 'billing', models: [], migrations: join(root, 'billing') }),
  ]
}

const keys = (list: { key: string }[]) => list.map((m) => m.key)
const code = (expected: string, pattern?: RegExp) => (e: Error & { code?: string }) =>
  e.code === expected && (pattern === undefined || pattern.test(e.message))

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'plinth-mg-squash-'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

describe('squashMigrations()', () => {
  it('writes one migration that replaces the run and rebuilds the same state', async () => {
    const modules = project()
    const originals = await loadMigrations(modules)
    const result = await squashMigrations({ module: 'app', modules, to: '0004' })
    assert.equal(result.name, '0001_squashed_0004_stock')
    assert.equal(result.file, join(modules[0]!.migrations, '0001_squashed_0004_stock.ts'))
    assert.deepEqual(result.replaces, ['0001_initial', '0002_category', '0003_title', '0004_stock'])
    assert.deepEqual(result.dependencies, [])
    assert.deepEqual([result.operationsIn, result.operationsOut, result.elided], [10, 2, 1])
    assert.deepEqual(result.dependents.sort(), ['app.0005_tag', 'billing.0001_initial'])
    assert.ok(existsSync(result.file))
    assert.match(result.text, new RegExp(`from '${SOURCE.replaceAll('/', '\\/')}'`))
    assert.match(
      result.text,
      /initial: true,\n {2}dependencies: \[\],\n {2}replaces: \['0001_initial', '0002_category', '0003_title', '0004_stock'\],/,
    )
    assert.match(result.text, /op\.createModel\(\{\n {6}name: 'Product',/)
    assert.match(
      result.text,
      /title: field\.string\(\{ maxLength: 80 \}\),\n.*price: field\.decimal\(\{ maxDigits: 12, decimalPlaces: 2 \}\),\n.*category: field\.foreignKey\('Category'/,
    )
    assert.doesNotMatch(result.text, /sku|runSql/)

    const all = await loadMigrations(modules)
    assert.equal(all.length, originals.length + 1)
    const graph = new MigrationGraph(all)
    assert.deepEqual(keys(graph.order()), [
      'app.0001_squashed_0004_stock',
      'app.0005_tag',
      'billing.0001_initial',
    ])
    const before = canonicalState(replay(new MigrationGraph(originals).order()))
    assert.equal(canonicalState(replay(graph.order())), before)
  })

  it('is used when all or none of the replaced migrations are applied, else the originals are', async () => {
    const modules = project()
    await squashMigrations({ module: 'app', modules, to: '0004_stock' })
    const all = await loadMigrations(modules)
    const records = (names: string[]) =>
      new Map(names.map((n) => [`app.${n}`, { key: `app.${n}` }])) as never
    const plan = (applied: Set<string>) =>
      keys(new MigrationGraph(all, applied).order().filter((m) => !applied.has(m.key)))

    const none = appliedKeys(all, records([]))
    assert.deepEqual(plan(none), [
      'app.0001_squashed_0004_stock',
      'app.0005_tag',
      'billing.0001_initial',
    ])

    const every = appliedKeys(
      all,
      records(['0001_initial', '0002_category', '0003_title', '0004_stock']),
    )
    assert.ok(every.has('app.0001_squashed_0004_stock'))
    assert.deepEqual(plan(every), ['app.0005_tag', 'billing.0001_initial'])

    const some = appliedKeys(all, records(['0001_initial', '0002_category']))
    assert.ok(!some.has('app.0001_squashed_0004_stock'))
    assert.deepEqual(plan(some).sort(), [
      'app.0003_title',
      'app.0004_stock',
      'app.0005_tag',
      'billing.0001_initial',
    ])
    assert.ok(!keys(new MigrationGraph(all, some).nodes()).includes('app.0001_squashed_0004_stock'))
  })

  it('squashes a run in the middle: numbered after its first migration, depending on the one before', async () => {
    const modules = project()
    const originals = await loadMigrations(modules)
    const result = await squashMigrations({
      module: 'app',
      modules,
      from: '0002',
      to: '0004',
      name: 'product_shape',
    })
    assert.equal(result.name, '0002_product_shape')
    assert.deepEqual(result.dependencies, ['0001_initial'])
    assert.deepEqual(result.replaces, ['0002_category', '0003_title', '0004_stock'])
    // sku is added then removed: both go; the rest stays, in order.
    assert.deepEqual([result.operationsIn, result.operationsOut], [8, 5])
    assert.doesNotMatch(result.text, /initial: true/)
    assert.doesNotMatch(result.text, /sku/)
    const graph = new MigrationGraph(await loadMigrations(modules))
    assert.deepEqual(keys(graph.order()).slice(0, 2), [
      'app.0001_initial',
      'app.0002_product_shape',
    ])
    assert.equal(
      canonicalState(replay(graph.order())),
      canonicalState(replay(new MigrationGraph(originals).order())),
    )
  })

  it('computes without writing on dryRun, and notes data loss above lossy operations', async () => {
    const modules = project()
    const result = await squashMigrations({
      module: 'app',
      modules,
      from: '0003',
      to: '0004',
      dryRun: true,
    })
    assert.equal(result.written, false)
    assert.ok(!existsSync(result.file))
    assert.match(
      result.text,
      /\/\/ ⚠ Loses data: drops the column of Product\.sku.*\n\s+op\.removeField/,
    )
  })

  it('keeps the migrations atomic: false when one of them is', async () => {
    const modules = project()
    const text = renderMigration({
      module: 'app',
      dependencies: ['0005_tag'],
      operations: [op.removeField({ model: 'Product', name: 'stock' })],
      importFrom: SOURCE,
    }).replace('defineMigration({\n', 'defineMigration({\n  atomic: false,\n')
    writeFileSync(join(modules[0]!.migrations, '0006_plain.ts'), text)
    const result = await squashMigrations({
      module: 'app',
      modules,
      from: '0005',
      to: '0006',
      dryRun: true,
    })
    assert.match(result.text, /defineMigration\(\{\n {2}atomic: false,\n/)
  })
})

describe('squashMigrations(): bad input changes nothing', () => {
  const files = (modules: MigrationModule[]) => readdirSync(modules[0]!.migrations).sort()

  it('refuses unknown modules and migrations, and ambiguous prefixes', async () => {
    const modules = project()
    const listed = files(modules)
    await assert.rejects(
      squashMigrations({ module: 'shop', modules, to: '0004' }),
      code('PLINTH_MIGRATIONS_UNKNOWN_MODULE', /no module "shop".*app, billing/),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '0009' }),
      code('PLINTH_MIGRATIONS_UNKNOWN_MIGRATION', /no migration named "0009".*0001_initial/),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, from: 'nope', to: '0004' }),
      code('PLINTH_MIGRATIONS_UNKNOWN_MIGRATION'),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '000' }),
      code('PLINTH_MIGRATIONS_AMBIGUOUS_NAME'),
    )
    assert.deepEqual(files(modules), listed)
  })

  it('refuses from after to, a single migration, and a bad name', async () => {
    const modules = project()
    const listed = files(modules)
    await assert.rejects(
      squashMigrations({ module: 'app', modules, from: '0004', to: '0002' }),
      code(
        'PLINTH_MIGRATIONS_SQUASH_RANGE',
        /app\.0004_stock does not come before app\.0002_category.*squashmigrations app 0002_category 0004_stock/,
      ),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, from: '0003', to: '0003' }),
      code('PLINTH_MIGRATIONS_SQUASH_RANGE', /alone/),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '0001' }),
      code('PLINTH_MIGRATIONS_SQUASH_RANGE', /alone/),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '0004', name: 'Bad Name' }),
      code('PLINTH_MIGRATIONS_SQUASH_RANGE', /lower-case/),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '0002', name: 'initial' }),
      code('PLINTH_MIGRATIONS_SQUASH_EXISTS', /0001_initial\.ts exists already/),
    )
    assert.deepEqual(files(modules), listed)
  })

  it('refuses a run with a branch in it', async () => {
    const modules = project({
      ...APP,
      '0003_other': {
        dependencies: ['0002_category'],
        operations: [op.deleteModel({ name: 'Category' })],
      },
      '0006_merge': { dependencies: ['0005_tag', '0003_other'], operations: [] },
    })
    const listed = files(modules)
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '0004' }),
      code('PLINTH_MIGRATIONS_SQUASH_RANGE', /app\.0003_other also builds on app\.0002_category/),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '0006' }),
      code('PLINTH_MIGRATIONS_SQUASH_RANGE', /app\.0006_merge merges two branches/),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, from: '0003_other', to: '0004' }),
      code(
        'PLINTH_MIGRATIONS_SQUASH_RANGE',
        /app\.0003_other does not come before app\.0004_stock.*0004_stock does not build on it/,
      ),
    )
    // Linear runs on either side of the branch point are fine.
    const result = await squashMigrations({
      module: 'app',
      modules,
      from: '0003_title',
      to: '0005',
      dryRun: true,
    })
    assert.deepEqual(result.replaces, ['0003_title', '0004_stock', '0005_tag'])
    assert.deepEqual(files(modules), listed)
  })

  it('refuses a run another module sits in the middle of', async () => {
    const modules = project({
      ...APP,
      '0004_stock': {
        ...APP['0004_stock']!,
        dependencies: ['0003_title', 'billing.0001_initial'],
      },
    })
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '0004' }),
      code(
        'PLINTH_MIGRATIONS_SQUASH_RANGE',
        /app\.0004_stock depends on billing\.0001_initial, which depends on app\.0002_category of the same run.*before 0004_stock, or start after 0002_category/,
      ),
    )
    const after = await squashMigrations({ module: 'app', modules, from: '0003', to: '0005' })
    assert.deepEqual(after.dependencies, ['0002_category', 'billing.0001_initial'])
  })

  it('refuses runSql and runCode that are not elidable, and squashing a squash', async () => {
    const modules = project({
      ...APP,
      '0003_title': {
        ...APP['0003_title']!,
        extra: ["op.runCode({ forward: async () => {}, description: 'Fill titles' })"],
      },
    })
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '0004' }),
      code(
        'PLINTH_MIGRATIONS_SQUASH_NOT_ELIDABLE',
        /app\.0003_title has a runCode operation \("Fill titles"\).*elidable: true.*separately/,
      ),
    )
    const squashed = await squashMigrations({ module: 'app', modules, to: '0002' })
    await assert.rejects(
      squashMigrations({ module: 'app', modules, to: '0002', name: 'again' }),
      code(
        'PLINTH_MIGRATIONS_SQUASH_NESTED',
        /app\.0002_category is already replaced by app\.0001_squashed_0002_category/,
      ),
    )
    await assert.rejects(
      squashMigrations({ module: 'app', modules, from: squashed.name, to: '0005' }),
      code('PLINTH_MIGRATIONS_SQUASH_NESTED', /is a squashed migration/),
    )
  })
})

/**
 * The transition after a squash: the originals deleted, `replaces` removed, dependencies on the
 * originals pointed at the squash. Written to new directories: imported files stay cached under
 * their old paths.
 */
function transition(modules: MigrationModule[], squash: SquashResult): MigrationModule[] {
  const moved = modules.map((m) =>
    defineModule({ name: m.name, models: [], migrations: `${m.migrations}-after` }),
  )
  const edits = [
    (text: string) =>
      text.replace(/\n {2}replaces: \[[^\]]*\],/, '').replace("'0004_stock'", `'${squash.name}'`),
    (text: string) => text.replace("'app.0002_category'", `'app.${squash.name}'`),
  ]
  modules.forEach((m, i) => {
    mkdirSync(moved[i]!.migrations)
    for (const file of readdirSync(m.migrations)) {
      if (squash.replaces.some((name) => file === `${name}.ts`)) continue
      const text = readFileSync(join(m.migrations, file), 'utf8')
      writeFileSync(join(moved[i]!.migrations, file), edits[i]!(text))
    }
  })
  assert.deepEqual(readdirSync(moved[0]!.migrations).sort(), [`${squash.name}.ts`, '0005_tag.ts'])
  return moved
}

describe('squashed migrations on SQLite', () => {
  const exec = async (db: Database, sql: string, params: unknown[] = []) =>
    (await db.execute({ sql, params, returnsRows: /^\s*select/i.test(sql) })).rows
  const works = async (db: Database) => {
    await exec(db, "INSERT INTO mg_sq_category (id, name) VALUES (10, 'tools')")
    await exec(
      db,
      "INSERT INTO mg_sq_product (id, title, price, category_id, stock) VALUES (20, 'saw', '12.50', 10, 3)",
    )
    await exec(db, 'INSERT INTO mg_sq_invoice (product_id) VALUES (20)')
    const rows = await exec(
      db,
      'SELECT p.title, p.stock, c.name FROM mg_sq_product p JOIN mg_sq_category c ON c.id = p.category_id WHERE p.id = 20',
    )
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [{ title: 'saw', stock: 3, name: 'tools' }],
    )
  }
  const schema = async (db: Database) => {
    const read = await introspect(db, {
      tables: (name) => name.startsWith('mg_sq_') && name !== 'mg_sq_migrations',
    })
    return [...read.tables.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  it('finishes a half-way database on the originals and builds a new one from the squash', async () => {
    const modules = project()
    const halfway = createDatabase(`sqlite:${join(dir, 'halfway.sqlite3')}`)
    const fresh = createDatabase(`sqlite:${join(dir, 'fresh.sqlite3')}`)
    try {
      const first = await migrate(halfway, {
        modules,
        table: 'mg_sq_migrations',
        target: { module: 'app', name: '0002' },
      })
      assert.deepEqual(first.applied, ['app.0001_initial', 'app.0002_category'])
      await exec(halfway, "INSERT INTO mg_sq_category (name) VALUES ('old')")

      const squash = await squashMigrations({ module: 'app', modules, to: '0004' })

      const rest = await migrate(halfway, { modules, table: 'mg_sq_migrations' })
      assert.deepEqual(
        rest.applied.filter((k) => k.startsWith('app.')),
        ['app.0003_title', 'app.0004_stock', 'app.0005_tag'],
      )
      assert.ok(rest.applied.includes('billing.0001_initial'))
      const again = await migrate(halfway, { modules, table: 'mg_sq_migrations' })
      assert.deepEqual(again.applied, [])

      const built = await migrate(fresh, { modules, table: 'mg_sq_migrations' })
      assert.deepEqual(built.applied, [
        'app.0001_squashed_0004_stock',
        'app.0005_tag',
        'billing.0001_initial',
      ])

      const kept = await exec(halfway, 'SELECT name FROM mg_sq_category')
      assert.deepEqual(
        kept.map((r) => ({ ...r })),
        [{ name: 'old' }],
      )
      await works(halfway)
      await works(fresh)
      assert.deepEqual(await schema(halfway), await schema(fresh))

      // Both databases recorded the squash: after the transition there is nothing to do.
      const moved = transition(modules, squash)
      for (const db of [halfway, fresh])
        assert.deepEqual(
          (await migrate(db, { modules: moved, table: 'mg_sq_migrations' })).applied,
          [],
        )
    } finally {
      await halfway.close()
      await fresh.close()
    }
  })

  it('needs nothing more after the transition on a database migrated before the squash existed', async () => {
    const modules = project()
    const done = createDatabase(`sqlite:${join(dir, 'done.sqlite3')}`)
    try {
      await migrate(done, { modules, table: 'mg_sq_migrations' })
      const squash = await squashMigrations({ module: 'app', modules, to: '0004' })
      assert.deepEqual((await migrate(done, { modules, table: 'mg_sq_migrations' })).applied, [])
      const moved = transition(modules, squash)
      const result = await migrate(done, { modules: moved, table: 'mg_sq_migrations' })
      assert.deepEqual(result.applied, [])
    } finally {
      await done.close()
    }
  })
})
