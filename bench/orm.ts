/**
 * ORM overhead over the raw driver: a primary-key fetch and a 20-row list page, on SQLite
 * (node:sqlite; a WAL database file, and in memory) and PostgreSQL (pg), raw and ORM side by side.
 * The target is at most 10% extra time for the ORM.
 *
 *   npx node --expose-gc --conditions=plinth-source bench/orm.ts               # everything
 *   … bench/orm.ts --only sqlite|postgres --sqlite file|memory --filter pk --method mitata|loop
 *   … bench/orm.ts --runs 5 --run-ms 200 --blocks 10 --max-foreign 0.1 --retries 5 --wait 300
 *   … bench/orm.ts --pin 0 --pin-db 1   # this process's threads on CPU 0, its PostgreSQL backends on 1
 *   … bench/orm.ts --profile sqlite-mem-pk [--variant 'ORM get'] [--seconds 5] [--top 25]
 *
 * Each database runs in a child process of its own (see `runChild`). Each case is timed twice:
 * by mitata (average per awaited call) and by a plain sequential loop (`for (…) await fn()`,
 * --run-ms worth of calls per variant and run, in blocks interleaved between the variants,
 * --runs runs) as a cross-check on mitata's async handling; the loop's overhead is the median
 * over runs of each run's ratio to the raw baseline. PostgreSQL is
 * `postgres://postgres@127.0.0.1:5432/test` unless DATABASE_URL says otherwise; when it cannot be
 * reached its cases are skipped.
 *
 * What the raw baselines do (the work a hand-written async handler does, with the same result):
 * - SQLite: one `DatabaseSync` (on the same database file, or on an in-memory copy of the rows),
 *   statements prepared once and reused, `stmt.get(id)` / `stmt.all(0, offset)` inside an `async`
 *   function that is awaited; each row becomes `{ id, name, price, stock, createdAt }` with the
 *   decimal as a string of 2 places (`toFixed(2)`; SQLite returns a number) and the timestamp as a
 *   `Date` (SQLite returns text).
 * - PostgreSQL: one `pg.Client` (pg's default type parsers: numeric → string, timestamptz → Date),
 *   named prepared statements, the same row objects. `raw pg.Pool` is the same through `pg.Pool`
 *   (what most apps use), shown for context.
 * The PK query has no LIMIT (the ORM's `get` adds `LIMIT 21` to detect duplicates); the list
 * query is the ORM's (`WHERE stock >= ? ORDER BY id LIMIT 20 OFFSET ?`) without its aliases.
 * Results are compared with the ORM's before anything is timed.
 *
 * Longer than our usual file (about 900 lines) because it is one self-contained tool: seeding,
 * the raw baselines, the two timing methods, child processes per database, CPU pinning and the
 * profiler mode share their option parsing and report; split it when a second ORM benchmark needs
 * any of those parts.
 */
import { deepStrictEqual } from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'
import { bench, do_not_optimize, group, run, summary } from 'mitata'
import pg from 'pg'
import {
  createDatabase,
  createTables,
  type Database,
  defineModel,
  field,
  lookup,
  schemaStatements,
} from 'plinth/orm'
import {
  type CpuSample,
  cpuModel,
  foreignLoad,
  median,
  ROOT_DIR,
  sampleCpu,
  sleep,
} from './harness.ts'

const ROWS = 10_000
const PAGE = 20
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** Tags this run's PostgreSQL sessions, whose CPU counts as ours in the load accounting. */
const APP_NAME = `plinth-bench-orm-${process.pid}`

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name)
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback)
}
const only = option('--only', 'all')
const filter = new RegExp(option('--filter', ''))
const method = option('--method', 'both')
const runs = Number(option('--runs', '5'))
const pinSelf = option('--pin', '')
const pinDb = option('--pin-db', '')
const blocks = Number(option('--blocks', '10'))
const maxForeign = Number(option('--max-foreign', '0.1'))
const retries = Number(option('--retries', '5'))
const waitSeconds = Number(option('--wait', '300'))
const runMs = Number(option('--run-ms', '200'))
const profileCase = option('--profile', '')
const sqliteStorage = option('--sqlite', 'both')

function fail(message: string): never {
  throw new Error(`bench/orm.ts: ${message}`)
}

// ---------------------------------------------------------------------------------------------
// Model, data, raw row mapping
// ---------------------------------------------------------------------------------------------

/** A fresh model per database: a model is attached to one database at a time. */
function productModel() {
  return defineModel(
    'BenchProduct',
    {
      name: field.string({ maxLength: 100 }),
      price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
      stock: field.integer(),
      createdAt: field.datetime(),
    },
    { table: 'bench_product' },
  )
}
type ProductModel = ReturnType<typeof productModel>

interface Product {
  id: number
  name: string
  price: string
  stock: number
  createdAt: Date
}
interface RawRow {
  id: number
  name: string
  price: number | string
  stock: number
  created_at: string | Date
}

/** A deterministic LCG, so every run fetches the same ids and pages. */
function pseudoRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

const random = pseudoRandom(20261123)
const SAMPLES = 4096 // a power of two: `i++ & MASK` cycles through the arrays
const MASK = SAMPLES - 1
const offsets = Array.from({ length: SAMPLES }, () => Math.floor(random() * (ROWS - PAGE + 1)))
const earlyOffsets = Array.from({ length: SAMPLES }, () => Math.floor(random() * 10 * PAGE))

/**
 * Cycles through a precomputed array: the only work per call is an increment and an index.
 * `reset()` starts over, so every variant of a loop run gets exactly the same ids or offsets.
 */
function cycle<T>(values: readonly T[]): { next: () => T; reset: () => void } {
  let i = 0
  return {
    next: () => values[i++ & MASK]!,
    reset: () => {
      i = 0
    },
  }
}

async function seed(Product: ProductModel, db: Database): Promise<number[]> {
  await db.execute({ sql: 'DROP TABLE IF EXISTS bench_product', params: [], returnsRows: false })
  await createTables(db, [Product])
  const base = Date.UTC(2026, 0, 1)
  const created = await Product.objects.bulkCreate(
    Array.from({ length: ROWS }, (_, i) => ({
      name: `product ${i}`,
      price: (((i * 7919) % 100_000) / 100).toFixed(2),
      stock: i % 500,
      createdAt: new Date(base + i * 60_000),
    })),
  )
  const all = created.map((p) => p.id)
  return Array.from({ length: SAMPLES }, () => all[Math.floor(random() * all.length)]!)
}

/** The raw baselines' conversion: SQLite's decimal number → 2-place string, text → Date. */
function toProduct(row: RawRow): Product {
  const { price, created_at } = row
  return {
    id: row.id,
    name: row.name,
    price: typeof price === 'number' ? price.toFixed(2) : price,
    stock: row.stock,
    createdAt: created_at instanceof Date ? created_at : new Date(created_at),
  }
}

/**
 * The ORM's driver layer alone: its statement for `query` (observed for two values, to find the
 * parameter that varies) run with `db.execute`, rows mapped like the raw baseline's.
 */
async function driverLayer<T>(
  db: Database,
  query: (value: T) => Promise<unknown>,
  [a, b]: [T, T],
  many: boolean,
): Promise<(value: T) => Promise<unknown>> {
  const seen: Array<{ sql: string; params: readonly unknown[] }> = []
  const stop = db.observe((statement) => {
    seen.push(statement)
  })
  await query(a)
  await query(b)
  stop()
  const [first, second] = seen
  if (seen.length !== 2 || first!.sql !== second!.sql) fail('expected one statement per query')
  const slot = first!.params.findIndex((p, i) => p !== second!.params[i])
  if (slot === -1) fail('no parameter varies with the value')
  const template = first!.params
  const { sql } = first!
  return async (value: T) => {
    const params = template.slice()
    params[slot] = value
    const { rows } = await db.execute({ sql, params, returnsRows: true })
    return many ? rows.map(toAliasedProduct) : toAliasedProduct(rows[0]!)
  }
}

const plain = (value: unknown) => Object.fromEntries(Object.entries(value as object))

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

interface Variant {
  name: string
  fn: () => Promise<unknown>
  /** Back to the first id/offset. */
  reset: () => void
}
interface Case {
  id: string
  label: string
  raw: Variant
  others: Variant[]
}

const RAW_SELECT = 'SELECT id, name, price, stock, created_at FROM bench_product'

interface Section {
  cases: Case[]
  /** PostgreSQL backends serving this process (their CPU is part of the measured work). */
  backends?: () => Promise<number[]>
  info: string
  close: () => Promise<void>
}

/** A dialect's raw baseline: the PK fetch and the list page, plus extra raw variants. */
interface RawBaseline {
  name: string
  get: (id: number) => Promise<Product>
  list: (offset: number) => Promise<Product[]>
  extras: Array<{
    name: string
    get: (id: number) => Promise<Product>
    list: (offset: number) => Promise<Product[]>
  }>
}

/**
 * The cases of one dialect. Two list cases: pages anywhere in the table (random OFFSET up to
 * 9 980, where skipping rows in the database dominates) and the first ten pages (OFFSET < 200,
 * what most list requests ask for, where the ORM's fixed cost shows).
 */
async function dialectCases(
  prefix: string,
  title: string,
  Product: ProductModel,
  db: Database,
  ids: number[],
  raw: RawBaseline,
): Promise<Case[]> {
  const ormGet = (id: number) => Product.objects.get({ id })
  const ormValuesGet = (id: number) => Product.objects.values().get({ id })
  const page = () => Product.objects.filter({ stock: lookup.gte(0) }).orderBy('id')
  const ormList = (o: number) =>
    page()
      .slice(o, o + PAGE)
      .all()
  const ormValuesList = (o: number) =>
    page()
      .slice(o, o + PAGE)
      .values()
      .all()

  // Same results before timing anything.
  for (const id of ids.slice(0, 20)) deepStrictEqual(plain(await ormGet(id)), await raw.get(id))
  for (const id of ids.slice(0, 5)) deepStrictEqual(await ormValuesGet(id), await raw.get(id))
  for (const o of [...offsets.slice(0, 20), ...earlyOffsets.slice(0, 20)]) {
    const expected = await raw.list(o)
    deepStrictEqual((await ormList(o)).map(plain), expected)
    deepStrictEqual(await ormValuesList(o), expected)
  }
  const layerGet = await driverLayer(db, ormGet, [ids[0]!, ids[1]!], false)
  const layerList = await driverLayer(db, ormList, [offsets[0]!, offsets[1]!], true)
  deepStrictEqual(await layerGet(ids[2]!), await raw.get(ids[2]!))
  deepStrictEqual(await layerList(offsets[2]!), await raw.list(offsets[2]!))

  const listCase = (id: string, label: string, values: number[]): Case => ({
    id,
    label,
    raw: variant(raw.name, values, raw.list),
    others: [
      variant('ORM all', values, ormList),
      variant('ORM values().all', values, ormValuesList),
      variant('ORM db.execute (driver layer)', values, layerList),
      ...raw.extras.map((x) => variant(x.name, values, x.list)),
    ],
  })
  return [
    {
      id: `${prefix}-pk`,
      label: `${title}: PK fetch`,
      raw: variant(raw.name, ids, raw.get),
      others: [
        variant('ORM get', ids, ormGet),
        variant('ORM values().get', ids, ormValuesGet),
        variant('ORM db.execute (driver layer)', ids, layerGet),
        ...raw.extras.map((x) => variant(x.name, ids, x.get)),
      ],
    },
    listCase(`${prefix}-list`, `${title}: ${PAGE}-row list, any page`, offsets),
    listCase(`${prefix}-list-early`, `${title}: ${PAGE}-row list, first 10 pages`, earlyOffsets),
  ]
}

/**
 * SQLite on a database file (WAL, as apps run it: both connections open the same file) or in
 * memory (the raw connection gets its own copy of the rows: same DDL, same stored values). A read
 * on a WAL file costs a few µs more in SQLite itself, so the same ORM cost is a smaller share.
 */
async function sqliteSection(storage: 'file' | 'memory'): Promise<Section> {
  const file = join(tmpdir(), `plinth-bench-orm-${process.pid}.sqlite3`)
  const Product = productModel()
  const db = createDatabase({
    url: storage === 'file' ? `sqlite:${file}` : 'sqlite::memory:',
    models: [Product],
  })
  const ids = await seed(Product, db)
  const raw = new DatabaseSync(storage === 'file' ? file : ':memory:')
  if (storage === 'memory') {
    for (const table of schemaStatements(db, [Product])) raw.exec(table.create)
    const { rows } = await db.execute({
      sql: 'SELECT id, name, price, stock, created_at FROM bench_product',
      params: [],
      returnsRows: true,
    })
    const insert = raw.prepare(
      'INSERT INTO bench_product (id, name, price, stock, created_at) VALUES (?, ?, ?, ?, ?)',
    )
    raw.exec('BEGIN')
    for (const r of rows as unknown as RawRow[]) {
      insert.run(r.id, r.name, r.price, r.stock, r.created_at as string)
    }
    raw.exec('COMMIT')
  }
  const pkStmt = raw.prepare(`${RAW_SELECT} WHERE id = ?`)
  const listStmt = raw.prepare(`${RAW_SELECT} WHERE stock >= ? ORDER BY id LIMIT ${PAGE} OFFSET ?`)

  // What a raw-driver user writes in an async handler: synchronous calls, awaited by the caller.
  async function get(id: number): Promise<Product> {
    const row = pkStmt.get(id) as RawRow | undefined
    if (row === undefined) throw new Error(`no product ${id}`)
    return toProduct(row)
  }
  async function list(offset: number): Promise<Product[]> {
    return (listStmt.all(0, offset) as unknown as RawRow[]).map(toProduct)
  }

  const version = (raw.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v
  const prefix = storage === 'file' ? 'sqlite' : 'sqlite-mem'
  const title = storage === 'file' ? 'SQLite file' : 'SQLite in-memory'
  return {
    cases: await dialectCases(prefix, title, Product, db, ids, {
      name: 'raw DatabaseSync',
      get,
      list,
      extras: [],
    }),
    info:
      storage === 'file'
        ? `SQLite ${version} (node:sqlite), database file in ${tmpdir()} (WAL)`
        : `SQLite ${version} (node:sqlite), in memory`,
    close: async () => {
      raw.close()
      await db.close()
      if (storage === 'file') {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true })
      }
    },
  }
}

async function postgresSection(): Promise<Section> {
  const Product = productModel()
  const url = new URL(PG_URL)
  url.searchParams.set('application_name', APP_NAME)
  const db = createDatabase({ url: url.href, models: [Product] })
  const ids = await seed(Product, db)
  await db.execute({ sql: 'ANALYZE bench_product', params: [], returnsRows: false })
  const client = new pg.Client({ connectionString: PG_URL, application_name: APP_NAME })
  await client.connect()
  const pool = new pg.Pool({
    connectionString: PG_URL,
    application_name: APP_NAME,
    max: 4,
    idleTimeoutMillis: 0,
  })
  const PK = { name: 'bench_raw_pk', text: `${RAW_SELECT} WHERE id = $1` }
  const LIST = {
    name: 'bench_raw_list',
    text: `${RAW_SELECT} WHERE stock >= $1 ORDER BY id LIMIT ${PAGE} OFFSET $2`,
  }

  async function get(id: number, via: pg.Client | pg.Pool = client): Promise<Product> {
    const { rows } = await via.query<RawRow>({ ...PK, values: [id] })
    if (rows[0] === undefined) throw new Error(`no product ${id}`)
    return toProduct(rows[0])
  }
  async function list(offset: number, via: pg.Client | pg.Pool = client): Promise<Product[]> {
    const { rows } = await via.query<RawRow>({ ...LIST, values: [0, offset] })
    return rows.map(toProduct)
  }

  const { rows } = await client.query<{ server_version: string }>('SHOW server_version')
  return {
    cases: await dialectCases('postgres', 'PostgreSQL', Product, db, ids, {
      name: 'raw pg.Client',
      get: (id) => get(id),
      list: (o) => list(o),
      extras: [{ name: 'raw pg.Pool', get: (id) => get(id, pool), list: (o) => list(o, pool) }],
    }),
    backends: async () => {
      const { rows } = await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
        [APP_NAME],
      )
      return rows.map((r) => r.pid)
    },
    info: `PostgreSQL ${rows[0]?.server_version} at ${new URL(PG_URL).host}, pg ${pgVersion()}`,
    close: async () => {
      await db.execute({
        sql: 'DROP TABLE IF EXISTS bench_product',
        params: [],
        returnsRows: false,
      })
      await client.end()
      await pool.end()
      await db.close()
    },
  }
}

/** `toProduct` for the ORM's column aliases (`"t0"."price" AS "c2"`), for the driver-layer rows. */
function toAliasedProduct(row: Record<string, unknown>): Product {
  const price = row.c2 as number | string
  const createdAt = row.c4 as string | Date
  return {
    id: row.c0 as number,
    name: row.c1 as string,
    price: typeof price === 'number' ? price.toFixed(2) : price,
    stock: row.c3 as number,
    createdAt: createdAt instanceof Date ? createdAt : new Date(createdAt),
  }
}

function variant<T>(
  name: string,
  values: readonly T[],
  call: (value: T) => Promise<unknown>,
): Variant {
  const { next, reset } = cycle(values)
  return { name, fn: async () => do_not_optimize(await call(next())), reset }
}

function pgVersion(): string {
  try {
    return (
      process.getBuiltinModule('module').createRequire(import.meta.url)('pg/package.json') as {
        version: string
      }
    ).version
  } catch {
    return '(unknown version)'
  }
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

const collect = typeof globalThis.gc === 'function' ? globalThis.gc : () => {}

/** ns spent on `n` sequential, awaited calls. */
async function timed(fn: () => Promise<unknown>, n: number): Promise<number> {
  const start = performance.now()
  for (let k = 0; k < n; k++) await fn()
  return (performance.now() - start) * 1e6
}

/** Runs `fn` for about `ms` and returns ns per call (warms it up, too). */
async function calibrate(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    for (let k = 0; k < 50; k++) await fn()
    n += 50
  }
  return ((performance.now() - start) * 1e6) / n
}

// Foreign load: CPU used by other processes while a case runs (on a 2-core VM another test
// suite skews the numbers far more than the overheads measured here). PostgreSQL's backends
// serving this process do part of the measured work, so their CPU counts as ours.

let backendPids: number[] = []
/** Lists them again (a pool may have replaced an idle connection during a long wait). */
let refreshBackends = async () => {}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

function sampleLoad(): CpuSample {
  const sample = sampleCpu(undefined)
  for (const pid of backendPids) sample.ours += processTicks(pid)
  return sample
}

/** Wait (up to --wait seconds, 300) until other processes use at most --max-foreign cores. */
async function quiet(): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000
  let announced = false
  for (;;) {
    const before = sampleLoad()
    await sleep(500)
    const load = foreignLoad(before, sampleLoad())
    if (load <= maxForeign) return
    if (Date.now() > deadline) {
      console.warn(
        `  ⚠ still ${load.toFixed(2)} cores of foreign load after ${waitSeconds} s; measuring anyway`,
      )
      return
    }
    if (!announced) console.log(`  … other processes use ${load.toFixed(2)} cores; waiting`)
    announced = true
  }
}

interface LoopResult {
  /** ns per call of each variant (raw first) in each run. */
  perRun: number[][]
  iterations: number
  /** Highest foreign load (cores) of a kept run, and how many runs were repeated. */
  foreign: number
  repeated: number
}

/**
 * Every variant of a case, --runs times: each run makes about --run-ms worth of calls per
 * variant, in --blocks blocks interleaved between the variants. A run during which other
 * processes used more than --max-foreign cores is repeated, up to --retries times.
 */
async function loopCase(c: Case): Promise<LoopResult> {
  const variants = [c.raw, ...c.others]
  let slowest = 0
  for (const v of variants) slowest = Math.max(slowest, await calibrate(v.fn, 300))
  const perBlock = Math.max(10, Math.round((runMs * 1e6) / slowest / blocks))
  const forward = variants.map((_, index) => index)
  const backward = [...forward].reverse()
  const perRun = variants.map(() => [] as number[])
  let foreign = 0
  let repeated = 0
  for (let r = 0; r < runs; r++) {
    for (let attempt = 0; ; attempt++) {
      await quiet()
      // A pool may have closed an idle connection during a long wait: reopen it unmeasured.
      for (const v of variants) await v.fn()
      await refreshBackends()
      for (const v of variants) v.reset()
      collect()
      const before = sampleLoad()
      // Short blocks, alternating in order, so that a slower or faster spell of the VM (and the
      // garbage one variant leaves for the next to collect) falls on every variant alike.
      const spent = variants.map(() => 0)
      for (let b = 0; b < blocks; b++) {
        for (const v of b % 2 === 0 ? forward : backward) {
          spent[v]! += await timed(variants[v]!.fn, perBlock)
        }
      }
      const load = foreignLoad(before, sampleLoad())
      if (load > maxForeign && attempt < retries) {
        repeated++
        continue
      }
      foreign = Math.max(foreign, load)
      spent.forEach((ns, v) => {
        perRun[v]!.push(ns / (perBlock * blocks))
      })
      break
    }
  }
  return { perRun, iterations: perBlock * blocks, foreign, repeated }
}

/** One case under mitata, repeated when disturbed. Returns avg ns per variant and the load. */
async function mitataCase(c: Case): Promise<{ avg: Map<string, number>; foreign: number }> {
  for (let attempt = 0; ; attempt++) {
    await quiet()
    await refreshBackends()
    summary(() => {
      group(c.label, () => {
        bench(`${c.id}: ${c.raw.name}`, c.raw.fn).baseline()
        for (const v of c.others) bench(`${c.id}: ${v.name}`, v.fn)
      })
    })
    const before = sampleLoad()
    const result = await run()
    const foreign = foreignLoad(before, sampleLoad())
    if (foreign > maxForeign && attempt < retries) {
      console.log(`  (${foreign.toFixed(2)} cores of foreign load during ${c.id}; repeating)`)
      continue
    }
    const avg = new Map<string, number>()
    for (const trial of result.benchmarks) {
      const stats = trial.runs[0]?.stats
      if (stats !== undefined) avg.set(trial.alias, stats.avg)
    }
    return { avg, foreign }
  }
}

// ---------------------------------------------------------------------------------------------
// Profile (--profile <case id>)
// ---------------------------------------------------------------------------------------------

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

function where(frame: ProfileNode['callFrame']): string {
  if (frame.url === '') return frame.functionName || '(anonymous)'
  const url = frame.url.startsWith('file://')
    ? relative(ROOT_DIR, new URL(frame.url).pathname)
    : frame.url
  return `${frame.functionName || '(anonymous)'} ${url}:${frame.lineNumber + 1}`
}

function category(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame
  if (url === '')
    return functionName.startsWith('(') ? functionName : 'native (node:sqlite, builtins)'
  if (url.includes('/src/orm/connection/')) return 'plinth src/orm/connection'
  if (url.includes('/src/orm/')) return 'plinth src/orm (query layer)'
  if (url.includes('/node_modules/kysely/')) return 'kysely'
  if (url.includes('/node_modules/pg')) return 'pg'
  if (url.startsWith('node:')) return 'node internals'
  if (url.includes('/bench/')) return 'bench'
  return 'other'
}

async function profile(c: Case, variantName: string, seconds: number, top: number): Promise<void> {
  const chosen = [c.raw, ...c.others].find((v) => v.name === variantName)
  if (chosen === undefined) {
    fail(
      `no variant "${variantName}" in ${c.id}: ${[c.raw, ...c.others].map((v) => v.name).join(', ')}`,
    )
  }
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 50 })
  await calibrate(chosen.fn, 1000)
  collect()
  await session.post('Profiler.start')
  const start = performance.now()
  let calls = 0
  while (performance.now() - start < seconds * 1000) {
    for (let k = 0; k < 1000; k++) await chosen.fn()
    calls += 1000
  }
  const elapsedMs = performance.now() - start
  const { profile: p } = await session.post('Profiler.stop')
  session.disconnect()

  const nodes = p.nodes as ProfileNode[]
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of nodes) for (const child of n.children ?? []) parent.set(child, n.id)
  const self = new Map<number, number>()
  const samples = p.samples ?? []
  const deltas = p.timeDeltas ?? []
  let total = 0
  for (let i = 0; i < samples.length; i++) {
    const us = deltas[i + 1] ?? 50
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + us)
    total += us
  }
  const functions = new Map<string, number>()
  const categories = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame
    functions.set(where(frame), (functions.get(where(frame)) ?? 0) + us)
    categories.set(category(frame), (categories.get(category(frame)) ?? 0) + us)
    const seen = new Set<string>()
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const f = byId.get(node)!.callFrame
      if (!f.url.includes('/src/orm/')) continue
      const key = where(f)
      if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + us)
      seen.add(key)
    }
  }
  const fmt = (us: number) =>
    `${((us * 1000) / calls).toFixed(0).padStart(6)} ns/op ${((100 * us) / total).toFixed(1).padStart(5)}%`
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1])
  console.log(
    `\nProfile of ${c.id} / ${chosen.name}: ${calls.toLocaleString('en-US')} calls in ${(elapsedMs / 1000).toFixed(1)} s ` +
      `= ${((elapsedMs * 1e6) / calls).toFixed(0)} ns/op under the profiler (50 µs sampling)`,
  )
  console.log('\nBy category (self time):')
  for (const [name, us] of sorted(categories)) console.log(`  ${fmt(us)}  ${name}`)
  console.log(`\nTop ${top} functions by self time:`)
  for (const [name, us] of sorted(functions).slice(0, top)) console.log(`  ${fmt(us)}  ${name}`)
  console.log(`\nTop ${top} src/orm functions by self time:`)
  const orm = sorted(functions).filter(([name]) => name.includes(' src/orm/'))
  for (const [name, us] of orm.slice(0, top)) console.log(`  ${fmt(us)}  ${name}`)
  console.log(`\nTop ${top} src/orm functions by inclusive time:`)
  for (const [name, us] of sorted(inclusive).slice(0, top)) console.log(`  ${fmt(us)}  ${name}`)
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const ns = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a')
const percent = (ratio: number) =>
  Number.isFinite(ratio) ? `${ratio >= 0 ? '+' : ''}${(100 * ratio).toFixed(1)}%` : 'n/a'
const pct = (variantNs: number, rawNs: number) => percent(variantNs / rawNs - 1)

type SectionName = 'sqlite-file' | 'sqlite-memory' | 'postgres'

/** One table row: a variant against its case's raw baseline. */
interface ResultRow {
  label: string
  variant: string
  raw: string
  mitataRaw: number
  mitata: number
  loopRaw: number[]
  loop: number[]
}
interface SectionResult {
  info: string
  rows: ResultRow[]
  loads: string[]
}

async function openSection(name: SectionName): Promise<Section | undefined> {
  if (name !== 'postgres') return sqliteSection(name === 'sqlite-file' ? 'file' : 'memory')
  try {
    return await postgresSection()
  } catch (error) {
    const message = String((error as Error)?.message)
    if (!/ECONNREFUSED|connect|PLINTH_ORM_CONNECTION/i.test(message)) throw error
    console.warn(`PostgreSQL cases skipped: ${message}\n`)
    return undefined
  }
}

/** `taskset -a -p`: keep a process (this one, or a PostgreSQL backend serving it) on these CPUs. */
function pinProcess(pid: number, cpus: string): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
  if (result.status !== 0) fail(`taskset -a -p -c ${cpus} ${pid} failed`)
}

/** Measure one section's cases in this process (mitata, then the loop, case by case). */
async function measureSection(section: Section): Promise<SectionResult> {
  if (pinSelf !== '') pinProcess(process.pid, pinSelf)
  const rows: ResultRow[] = []
  const loads: string[] = []
  for (const c of section.cases.filter((x) => filter.test(x.id))) {
    // Every variant once, so that each has its connection open before the backends are listed.
    for (const v of [c.raw, ...c.others]) await v.fn()
    refreshBackends = async () => {
      backendPids = (await section.backends?.()) ?? []
      if (pinDb !== '') for (const pid of backendPids) pinProcess(pid, pinDb)
    }
    await refreshBackends()
    let avg = new Map<string, number>()
    if (method !== 'loop') {
      const result = await mitataCase(c)
      avg = result.avg
      loads.push(`${c.id} mitata ${result.foreign.toFixed(2)}`)
    }
    let loopResult: LoopResult | undefined
    if (method !== 'mitata') {
      loopResult = await loopCase(c)
      loads.push(
        `${c.id} loop ${loopResult.foreign.toFixed(2)} (${loopResult.repeated} runs repeated)`,
      )
      console.log(
        `\nloop ${c.id}: ${runs} interleaved runs × ${loopResult.iterations.toLocaleString('en-US')} calls; ns/op per run:`,
      )
      ;[c.raw, ...c.others].forEach((v, index) => {
        console.log(`  ${v.name.padEnd(32)} ${loopResult!.perRun[index]!.map(ns).join(', ')}`)
      })
    }
    c.others.forEach((v, index) => {
      rows.push({
        label: c.label,
        variant: v.name,
        raw: c.raw.name,
        mitataRaw: avg.get(`${c.id}: ${c.raw.name}`) ?? Number.NaN,
        mitata: avg.get(`${c.id}: ${v.name}`) ?? Number.NaN,
        loopRaw: loopResult?.perRun[0] ?? [],
        loop: loopResult?.perRun[index + 1] ?? [],
      })
    })
  }
  return { info: section.info, rows, loads }
}

/**
 * Each section runs in a child process of its own: a dialect's rows have other shapes than
 * another's, and code that has seen both (the raw baselines' row mapping, the ORM's hydration)
 * is slower than it is in an app that uses one database.
 */
function runChild(name: SectionName): SectionResult | undefined {
  const out = join(tmpdir(), `plinth-bench-orm-${process.pid}-${name}.json`)
  const args = [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)]
  const child = spawnSync(process.execPath, [...args, '--section', name, '--json', out], {
    stdio: 'inherit',
  })
  if (child.status !== 0) fail(`the ${name} section failed (exit code ${child.status})`)
  if (!existsSync(out)) return undefined // skipped (PostgreSQL not reachable)
  const result = JSON.parse(readFileSync(out, 'utf8'), (_, v) => (v === null ? Number.NaN : v))
  rmSync(out, { force: true })
  return result as SectionResult
}

function printTable(results: SectionResult[]): void {
  console.log(`\n${new Date().toISOString()}, Node ${process.version}, ${cpuModel()}`)
  console.log(
    `Command: node ${process.execArgv.join(' ')} bench/orm.ts ${process.argv.slice(2).join(' ')}`,
  )
  for (const r of results) console.log(r.info)
  console.log(
    `Foreign load (cores, highest kept measurement): ${results.flatMap((r) => r.loads).join('; ')}`,
  )
  // The loop's overhead pairs each run of a variant with the raw baseline's run (their blocks
  // interleaved), so a machine that speeds up or slows down between runs (VM neighbours, CPU
  // clock) cancels out; the median over runs then drops the odd disturbed one.
  console.log(
    '\n| Case | Variant | raw ns/op (mitata) | ns/op (mitata) | overhead (mitata) | raw ns/op (loop) | ns/op (loop) | extra ns/op (loop) | overhead (loop) | loop overhead per run |',
  )
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
  for (const row of results.flatMap((r) => r.rows)) {
    const ratios = row.loop.map((x, r) => x / row.loopRaw[r]! - 1)
    const extra = median(row.loop.map((x, r) => x - row.loopRaw[r]!))
    console.log(
      `| ${row.label} | ${row.variant} vs ${row.raw} | ${ns(row.mitataRaw)} | ${ns(row.mitata)} | ${pct(row.mitata, row.mitataRaw)} | ${ns(median(row.loopRaw))} | ${ns(median(row.loop))} | ${ns(extra)} | ${percent(median(ratios))} | ${ratios.map(percent).join(', ')} |`,
    )
  }
}

async function main(): Promise<void> {
  if (typeof globalThis.gc !== 'function') {
    console.warn('note: run with --expose-gc for steadier numbers (GC between samples and runs)\n')
  }
  if (profileCase !== '') {
    const name: SectionName = profileCase.startsWith('postgres')
      ? 'postgres'
      : profileCase.startsWith('sqlite-mem')
        ? 'sqlite-memory'
        : 'sqlite-file'
    const section = (await openSection(name)) ?? fail('PostgreSQL is not reachable')
    try {
      const c = section.cases.find((x) => x.id === profileCase) ?? fail(`no case "${profileCase}"`)
      const variantName = option('--variant', 'ORM get')
      await profile(c, variantName, Number(option('--seconds', '5')), Number(option('--top', '25')))
    } finally {
      await section.close()
    }
    return
  }
  const sectionName = option('--section', '')
  if (sectionName !== '') {
    const section = await openSection(sectionName as SectionName)
    if (section === undefined) return
    try {
      console.log(`\n== ${section.info}`)
      const result = await measureSection(section)
      writeFileSync(option('--json', ''), JSON.stringify(result))
    } finally {
      await section.close()
    }
    return
  }
  const names: SectionName[] = []
  if (only !== 'postgres' && sqliteStorage !== 'memory') names.push('sqlite-file')
  if (only !== 'postgres' && sqliteStorage !== 'file') names.push('sqlite-memory')
  if (only !== 'sqlite') names.push('postgres')
  const results: SectionResult[] = []
  for (const name of names) {
    const result = runChild(name)
    if (result !== undefined) results.push(result)
  }
  printTable(results)
}

await main()
