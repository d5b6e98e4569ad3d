/**
 * mysql2: text protocol (`query`, parameters escaped into the SQL client-side) against the binary
 * protocol (`execute`, server-side prepared statements cached per connection), for the MySQL
 * driver's choice (mitata).
 *
 *   npx node bench/drivers/mysql.ts                  # MariaDB/MySQL on 127.0.0.1:3306, db test
 *   DATABASE_URL=mysql://u:p@host/db npx node bench/drivers/mysql.ts
 *
 * Workloads, on a table the bench creates and drops: a PK fetch and a 20-row list, sequential.
 */
import { bench, do_not_optimize, group, run, summary } from 'mitata'
import mysql from 'mysql2/promise'

const URL = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test'
const TABLE = `bench_drivers_${process.pid}`
const ROWS = 1000

const connection = await mysql.createConnection({
  uri: URL,
  timezone: 'Z',
  supportBigNumbers: true,
  bigNumberStrings: true,
  decimalNumbers: false,
  dateStrings: ['DATE'],
})
await connection.query(`DROP TABLE IF EXISTS ${TABLE}`)
await connection.query(
  `CREATE TABLE ${TABLE} (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL, price decimal(10,2), qty int, created datetime(6))`,
)
const values = Array.from({ length: ROWS }, (_, i) => [
  `product ${i + 1}`,
  (i + 1) * 1.25,
  i,
  new Date(),
])
await connection.query(`INSERT INTO ${TABLE} (name, price, qty, created) VALUES ?`, [values])

const PK = `SELECT id, name, price, qty, created FROM ${TABLE} WHERE id = ?`
const LIST = `SELECT id, name, price, qty, created FROM ${TABLE} WHERE id > ? ORDER BY id LIMIT 20`

let id = 0
const nextId = () => (id++ % ROWS) + 1

summary(() => {
  group('PK fetch, sequential', () => {
    bench('query (text protocol)', async () =>
      do_not_optimize(await connection.query(PK, [nextId()])),
    )
    bench('execute (prepared)', async () =>
      do_not_optimize(await connection.execute(PK, [nextId()])),
    )
  })
})
summary(() => {
  group('20-row list, sequential', () => {
    bench('query (text protocol)', async () =>
      do_not_optimize(await connection.query(LIST, [nextId() % (ROWS - 20)])),
    )
    bench('execute (prepared)', async () =>
      do_not_optimize(await connection.execute(LIST, [nextId() % (ROWS - 20)])),
    )
  })
})

/** Client CPU per query (the database shares this machine, so latency is mostly its work). */
async function cpuPerQuery(run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await run()
  const start = process.cpuUsage()
  for (let i = 0; i < 3000; i++) await run()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 3000
}

try {
  await run()
  console.log('\nClient (Node) CPU per query, µs, lower is better:\n')
  console.log('| Method | PK fetch | 20-row list |')
  console.log('|---|---:|---:|')
  const methods = {
    query: (sql: string, params: unknown[]) => connection.query(sql, params),
    execute: (sql: string, params: unknown[]) => connection.execute(sql, params as never),
  }
  for (const [method, send] of Object.entries(methods)) {
    const pk = await cpuPerQuery(() => send(PK, [nextId()]))
    const list = await cpuPerQuery(() => send(LIST, [nextId() % (ROWS - 20)]))
    console.log(`| ${method} | ${pk.toFixed(1)} | ${list.toFixed(1)} |`)
  }
} finally {
  await connection.query(`DROP TABLE IF EXISTS ${TABLE}`)
  await connection.end()
}
