/** bench/tfb.ts's command line (documented in bench/README.md, "TechEmpower-style suite"). */
import { availableParallelism } from 'node:os'
import { pickIds, readCli } from '../measure.ts'
import { BASELINE, TFB_CONTENDERS } from './contenders.ts'
import type { TfbDatabaseKind } from './setup.ts'
import { type LevelOptions, levelsOf, type TestId, TFB_TESTS } from './tests.ts'

export type Db = TfbDatabaseKind
export type Layout = 'pinned' | 'cluster'

export interface TfbOptions extends LevelOptions {
  smoke: boolean
  quick: boolean
  /** Write the report under bench/results/ (always, except in a smoke run without --save). */
  save: boolean
  contenders: string[]
  dbs: Db[]
  layouts: Layout[]
  tests: TestId[]
  workers: number
  pool: number
  reps: number
  duration: number
  warmup: number
  maxForeign: number
  retries: number
  /** Overrides of setup's DEFAULT_DATABASES. */
  databases: Partial<Record<Db, string>>
}

/** A comma-separated list, each item checked against `known`. */
function list<T extends string>(raw: string, known: readonly T[], name: string): T[] {
  const items = raw.split(',').map((s) => s.trim()) as T[]
  for (const item of items) {
    if (!known.includes(item))
      throw new Error(`${name}: "${item}" is not one of ${known.join(', ')}`)
  }
  return [...new Set(items)]
}

function integers(raw: string, name: string): number[] {
  const values = raw.split(',').map(Number)
  if (values.some((n) => !Number.isSafeInteger(n) || n < 1)) {
    throw new Error(`${name} takes positive integers separated by commas`)
  }
  return [...new Set(values)].sort((a, b) => a - b)
}

export function parseTfbOptions(argv: readonly string[]): TfbOptions {
  const cli = readCli(argv)
  const smoke = argv.includes('--smoke')
  const quick = !smoke && argv.includes('--quick')
  const number = (name: string, fallback: number, min: number): number => {
    const n = Number(cli.value(name) ?? fallback)
    if (!(n >= min)) throw new Error(`${name} must be a number >= ${min}`)
    return n
  }
  const option = (name: string, normal: string, inSmoke = normal) =>
    cli.value(name) ?? (smoke ? inSmoke : normal)
  const databases: Partial<Record<Db, string>> = {}
  const pgUrl = cli.value('--pg-url')
  const sqliteFile = cli.value('--sqlite-file')
  if (pgUrl !== undefined) databases.postgres = pgUrl
  if (sqliteFile !== undefined) databases.sqlite = sqliteFile
  const maxForeign = smoke ? Number.POSITIVE_INFINITY : number('--max-foreign', 0.05, 0.001)
  return {
    smoke,
    quick,
    save: !smoke || argv.includes('--save'),
    // References (a tuned raw server) run when named, and in the smoke, which validates them.
    contenders: pickIds(
      cli.value('--contenders') ??
        TFB_CONTENDERS.filter((c) => smoke || !c.reference)
          .map((c) => c.id)
          .join(','),
      TFB_CONTENDERS,
      'contender',
      BASELINE,
    ),
    dbs: list(option('--db', 'postgres', 'postgres,sqlite'), ['postgres', 'sqlite'], '--db'),
    layouts: list(
      option('--layouts', 'pinned,cluster', 'pinned'),
      ['pinned', 'cluster'],
      '--layouts',
    ),
    tests: list(
      option('--tests', TFB_TESTS.map((t) => t.id).join(',')),
      TFB_TESTS.map((t) => t.id),
      '--tests',
    ),
    connections: integers(option('--connections', '16,64,256', '16'), '--connections'),
    pipelineConnections: integers(
      option('--pipeline-connections', '256', '16'),
      '--pipeline-connections',
    ),
    queryConnections: cli.integer('--query-connections', smoke ? 16 : 256),
    queries: integers(option('--queries', '1,20', '20'), '--queries'),
    workers: cli.integer('--workers', availableParallelism()),
    pool: cli.integer('--pool', 4),
    reps: cli.integer('--reps', smoke || quick ? 1 : 3),
    // wrk takes whole seconds; warm-ups are cut short by a signal, so fractions are fine there.
    duration: cli.integer('--duration', smoke ? 1 : quick ? 2 : 5),
    warmup: number('--warmup', smoke ? 0.5 : quick ? 1 : 2, 0),
    maxForeign,
    retries: smoke ? 0 : cli.integer('--retries', quick ? 0 : 2, 0),
    databases,
  }
}

/** Rough wall time of a run in minutes, for the first line it prints. */
export function estimateMinutes(options: TfbOptions): number {
  const tests = TFB_TESTS.filter((t) => options.tests.includes(t.id))
  const levels = tests.reduce((n, t) => n + levelsOf(t, options).length, 0)
  const quietCheck = options.maxForeign === Number.POSITIVE_INFINITY ? 0 : 1
  const warmup = options.smoke ? options.warmup : options.warmup * tests.length
  const perServer = 1.5 + quietCheck + warmup + levels * (options.duration + quietCheck + 0.1)
  const servers = options.dbs.length * options.layouts.length * options.contenders.length
  const validation = servers * 3.5
  return Math.max(1, Math.round((options.reps * servers * perServer + validation) / 60))
}
