/**
 * How migrations scale with a project's history: a synthetic module of `--models` models (each
 * with a foreign key to the previous one) and `--migrations` later migrations adding a field,
 * measured on SQLite in memory:
 *
 *   - replay: rebuilding the project state from every migration (what makemigrations and
 *     migrate do before anything else);
 *   - detect: replay plus comparing with today's models (`makemigrations --check`);
 *   - migrate: applying everything to an empty database;
 *   - no-op: `migrate` with nothing to apply (every deploy pays this).
 *
 *   npx node --conditions=plinth-source bench/migrations.ts [--models 50] [--migrations 300]
 *
 * Nothing here asserts a time; it prints medians of `--runs` runs (default 5).
 */
import { parseArgs } from 'node:util'
import { detectChanges, field, migrate, op, ProjectState, replay } from '../src/migrations/index.ts'
import { type Migration, makeMigration } from '../src/migrations/migration.ts'
import { type AnyModel, createDatabase, defineModel } from '../src/orm/index.ts'

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '50' },
    migrations: { type: 'string', default: '300' },
    runs: { type: 'string', default: '5' },
  },
})
const MODELS = Number(values.models)
const LATER = Number(values.migrations)
const RUNS = Number(values.runs)

function history(): Migration[] {
  const create = Array.from({ length: MODELS }, (_, i) =>
    op.createModel({
      name: `M${i}`,
      fields: {
        id: field.autoId(),
        name: field.string({ maxLength: 50 }),
        ...(i > 0
          ? { prev: field.foreignKey(`M${i - 1}`, { onDelete: 'cascade', null: true }) }
          : {}),
      },
    }),
  )
  const out = [makeMigration('app', '0001_initial', { operations: create })]
  for (let j = 0; j < LATER; j++) {
    const name = `${String(j + 2).padStart(4, '0')}_f${j}`
    out.push(
      makeMigration('app', name, {
        dependencies: [out.at(-1)!.name],
        operations: [
          op.addField({
            model: `M${j % MODELS}`,
            name: `f${j}`,
            field: field.integer({ null: true }),
          }),
        ],
      }),
    )
  }
  return out
}

function todaysModels(): AnyModel[] {
  const registry: AnyModel[] = []
  const models: AnyModel[] = []
  for (let i = 0; i < MODELS; i++) {
    const extra: Record<string, ReturnType<typeof field.integer>> = {}
    for (let j = i; j < LATER; j += MODELS) extra[`f${j}`] = field.integer({ null: true })
    models.push(
      defineModel(
        `M${i}`,
        {
          name: field.string({ maxLength: 50 }),
          ...(i > 0
            ? { prev: field.foreignKey(`M${i - 1}`, { onDelete: 'cascade', null: true }) }
            : {}),
          ...extra,
        },
        { registry },
      ),
    )
  }
  return models
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    await fn()
    samples.push(performance.now() - start)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]!
}

const migrations = history()
const models = todaysModels()
const ops = migrations.reduce((n, m) => n + m.operations.length, 0)
console.log(
  `${MODELS} models, ${migrations.length} migrations, ${ops} operations (SQLite, memory)\n`,
)

const replayMs = await time(() => replay(migrations))
const detectMs = await time(async () => {
  const changes = await detectChanges(replay(migrations), ProjectState.fromModels(models))
  if (changes.some((c) => c.operations.length > 0)) throw new Error('the synthetic models drifted')
})
let db = createDatabase('sqlite::memory:')
const migrateMs = await time(async () => {
  await db.close()
  db = createDatabase('sqlite::memory:')
  await migrate(db, { migrations })
})
const noopMs = await time(() => migrate(db, { migrations }))
await db.close()

const rows = [
  ['replay the history', replayMs],
  ['detect changes (makemigrations --check)', detectMs],
  ['migrate an empty database', migrateMs],
  ['migrate with nothing to do', noopMs],
] as const
for (const [what, ms] of rows) console.log(`${what.padEnd(42)} ${ms.toFixed(1).padStart(8)} ms`)
console.log(`\nper operation, migrating: ${((migrateMs / ops) * 1000).toFixed(0)} µs`)
