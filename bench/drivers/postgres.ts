/**
 * Which PostgreSQL client should the ORM use? node-postgres (`pg`, with and without its pipeline
 * mode) against postgres.js, on the three shapes of query a web app sends most (mitata).
 *
 *   npx node bench/drivers/postgres.ts                  # PostgreSQL on 127.0.0.1:5432, db test
 *   DATABASE_URL=postgres://u:p@host/db npx node bench/drivers/postgres.ts
 *
 * Workloads, on a table the bench creates and drops (1000 rows):
 * - PK fetch: one row by primary key, sequential (one request's typical query).
 * - list: 20 rows ordered by id (a list page).
 * - 20 concurrent PK fetches over a pool of 4 connections (a busy server).
 *
 * Every contender gets SQL text plus parameters, as the ORM will give it (Kysely compiles the
 * SQL), uses server-side prepared statements, and runs on connections reserved one caller at a
 * time through Plinth's own `Pool`, as the driver will. `pg pipeline shared` is the exception:
 * it sends concurrent queries down the same connections without reserving them, to see what
 * pipelining would buy if the driver allowed it for single statements.
 */
import { bench, do_not_optimize, group, run, summary } from 'mitata'
import pg from 'pg'
import postgres from 'postgres'
import { Pool } from '../../src/orm/connection/pool.ts'

const URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const TABLE = `bench_drivers_${process.pid}`
const POOL = 4
const ROWS = 1000

const PK = {
  name: 'bench_pk',
  text: `SELECT id, name, price, qty, created FROM ${TABLE} WHERE id = $1`,
}
const LIST = {
  name: 'bench_list',
  text: `SELECT id, name, price, qty, created FROM ${TABLE} WHERE id > $1 ORDER BY id LIMIT 20`,
}

// -- Setup ------------------------------------------------------------------------------------

const setup = new pg.Client({ connectionString: URL })
await setup.connect()
await setup.query(`DROP TABLE IF EXISTS ${TABLE}`)
await setup.query(
  `CREATE TABLE ${TABLE} (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2), qty int, created timestamptz)`,
)
await setup.query(
  `INSERT INTO ${TABLE} (name, price, qty, created) SELECT 'product ' || i, i * 1.25, i, now() FROM generate_series(1, ${ROWS}) i`,
)

// -- Contenders -------------------------------------------------------------------------------

type Run = (query: { name: string; text: string }, params: unknown[]) => Promise<unknown[]>

function pgPool(pipeline: boolean, named: boolean): { run: Run; close(): Promise<void> } {
  const pool = new Pool<pg.Client>({
    create: async () => {
      const client = new pg.Client({ connectionString: URL, pipeline } as pg.ClientConfig)
      await client.connect()
      return client
    },
    destroy: (client) => client.end(),
    max: POOL,
    acquireTimeoutMs: 5000,
    idleTimeoutMs: 60_000,
  })
  return {
    run: async (query, values) => {
      const client = pool.tryAcquire() ?? (await pool.acquire())
      try {
        const config = named ? { ...query, values } : { text: query.text, values }
        return (await client.query(config)).rows
      } finally {
        pool.release(client)
      }
    },
    close: () => pool.close(),
  }
}

/** Pipelined clients shared round-robin: no reservation for single statements. */
function pgShared(): { run: Run; close(): Promise<void> } {
  const clients = Array.from(
    { length: POOL },
    () => new pg.Client({ connectionString: URL, pipeline: true } as pg.ClientConfig),
  )
  const ready = Promise.all(clients.map((c) => c.connect()))
  let next = 0
  return {
    run: async (query, values) => {
      await ready
      const client = clients[next++ % POOL]!
      return (await client.query({ ...query, values })).rows
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.end()))
    },
  }
}

/** postgres.js: connections of one `max: 1` instance each, reserved through Plinth's Pool. */
function postgresJsPool(): { run: Run; close(): Promise<void> } {
  const pool = new Pool<postgres.Sql>({
    create: async () => {
      const sql = postgres(URL, { max: 1, fetch_types: false, onnotice: () => {} })
      await sql`SELECT 1`
      return sql
    },
    destroy: (sql) => sql.end(),
    max: POOL,
    acquireTimeoutMs: 5000,
    idleTimeoutMs: 60_000,
  })
  return {
    run: async (query, values) => {
      const sql = pool.tryAcquire() ?? (await pool.acquire())
      try {
        return await sql.unsafe(query.text, values as never[], { prepare: true })
      } finally {
        pool.release(sql)
      }
    },
    close: () => pool.close(),
  }
}

/** postgres.js with its own pool (which pipelines queries on busy connections). */
function postgresJsOwn(): { run: Run; close(): Promise<void> } {
  const sql = postgres(URL, { max: POOL, fetch_types: false, onnotice: () => {} })
  return {
    run: (query, values) => sql.unsafe(query.text, values as never[], { prepare: true }),
    close: () => sql.end(),
  }
}

const contenders: Record<string, { run: Run; close(): Promise<void> }> = {
  'pg (unnamed statements)': pgPool(false, false),
  'pg (prepared)': pgPool(false, true),
  'pg pipeline (prepared)': pgPool(true, true),
  'pg pipeline shared': pgShared(),
  'postgres.js (our Pool)': postgresJsPool(),
  'postgres.js (own pool)': postgresJsOwn(),
}

// Same answers from everyone before anything is timed.
for (const [name, contender] of Object.entries(contenders)) {
  const rows = (await contender.run(PK, [7])) as Array<Record<string, unknown>>
  const list = await contender.run(LIST, [100])
  if (rows.length !== 1 || rows[0]!.name !== 'product 7' || String(rows[0]!.price) !== '8.75') {
    throw new Error(`${name}: unexpected PK row ${JSON.stringify(rows)}`)
  }
  if (list.length !== 20) throw new Error(`${name}: list returned ${list.length} rows`)
}

// -- Benchmarks -------------------------------------------------------------------------------

let id = 0
const nextId = () => (id++ % ROWS) + 1

summary(() => {
  group('PK fetch, sequential', () => {
    for (const [name, c] of Object.entries(contenders)) {
      bench(name, async () => do_not_optimize(await c.run(PK, [nextId()])))
    }
  })
})
summary(() => {
  group('20-row list, sequential', () => {
    for (const [name, c] of Object.entries(contenders)) {
      bench(name, async () => do_not_optimize(await c.run(LIST, [nextId() % (ROWS - 20)])))
    }
  })
})
summary(() => {
  group(`20 concurrent PK fetches, pool of ${POOL}`, () => {
    for (const [name, c] of Object.entries(contenders)) {
      bench(name, async () => {
        const all: Promise<unknown>[] = []
        for (let i = 0; i < 20; i++) all.push(c.run(PK, [nextId()]))
        do_not_optimize(await Promise.all(all))
      })
    }
  })
})

/**
 * Client CPU per query: what the driver choice changes on a server whose database is elsewhere
 * (here PostgreSQL shares the machine, so wall-clock latency is mostly the server's work).
 */
async function cpuPerQuery(c: { run: Run }, shape: 'pk' | 'list' | 'concurrent'): Promise<number> {
  const batches = shape === 'concurrent' ? 150 : 3000
  const once = async () => {
    if (shape === 'pk') await c.run(PK, [nextId()])
    else if (shape === 'list') await c.run(LIST, [nextId() % (ROWS - 20)])
    else await Promise.all(Array.from({ length: 20 }, () => c.run(PK, [nextId()])))
  }
  for (let i = 0; i < 200; i++) await once() // warm-up
  const start = process.cpuUsage()
  for (let i = 0; i < batches; i++) await once()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / (batches * (shape === 'concurrent' ? 20 : 1))
}

try {
  await run()
  console.log('\nClient (Node) CPU per query, µs, lower is better:\n')
  console.log('| Contender | PK fetch | 20-row list | concurrent PK |')
  console.log('|---|---:|---:|---:|')
  for (const [name, c] of Object.entries(contenders)) {
    const cells: string[] = []
    for (const shape of ['pk', 'list', 'concurrent'] as const) {
      cells.push((await cpuPerQuery(c, shape)).toFixed(1))
    }
    console.log(`| ${name} | ${cells.join(' | ')} |`)
  }
} finally {
  for (const c of Object.values(contenders)) await c.close()
  await setup.query(`DROP TABLE IF EXISTS ${TABLE}`)
  await setup.end()
}
