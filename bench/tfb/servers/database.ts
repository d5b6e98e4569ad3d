/**
 * The database layer of the raw server and the peers (common.ts's `launch()` opens it): the same
 * driver, settings and SQL for all of them, so that only the framework differs.
 *
 * PostgreSQL goes through `pg` in one of two modes (TFB_PG_MODE):
 * - `pool` (default, every peer): `pg.Pool({ max: TFB_POOL })`, one reserved connection per
 *   statement, as the pg docs recommend.
 * - `pipelined` (the tuned reference, raw.ts only): TFB_POOL `pg.Client`s in pipeline mode shared
 *   round-robin, and each event-loop turn's statements corked into one write per socket. It is
 *   what a hand-tuned server could do with the same driver, and close to what Plinth's ORM does.
 * SQLite goes through `node:sqlite` (`DatabaseSync`, one connection per process); the mode does
 * not apply to it.
 */
import { existsSync } from 'node:fs'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import pg from 'pg'
import type { Config, Fortune, World } from './common.ts'

export interface Database {
  getWorld(id: number): Promise<World>
  /** All fortunes, unordered, in a fresh array the caller may change. */
  getFortunes(): Promise<Fortune[]>
  /** Persists each row's randomNumber (one bulk statement or one transaction). */
  updateWorlds(rows: readonly World[]): Promise<void>
  close(): Promise<void>
}

const SELECT_WORLD = 'SELECT id, randomnumber AS "randomNumber" FROM world WHERE id = '
const SELECT_FORTUNES = 'SELECT id, message FROM fortune'

function missingWorld(id: number): Error {
  return new Error(`World ${id} not found: is the database filled (bench/tfb/setup.ts)?`)
}

export async function openDatabase(config: Config): Promise<Database> {
  return config.db === 'postgres' ? openPostgres(config) : openSqlite(config)
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

/** Runs one statement; the two modes differ only in which connection carries it. */
interface Connections {
  query<Row extends pg.QueryResultRow>(query: pg.QueryConfig): Promise<pg.QueryResult<Row>>
  close(): Promise<void>
}

function pooledConnections(config: Config): Connections {
  const pool = new pg.Pool({ connectionString: config.database, max: config.pool })
  return { query: (query) => pool.query(query), close: () => pool.end() }
}

/**
 * TFB_POOL pipelined clients: a statement goes to the next client in turn without waiting for
 * the ones before it, and the server answers each client's statements in order (each has its own
 * Sync, hence its own implicit transaction). Plinth's ORM (src/orm/connection/shared.ts) differs
 * in when it shares: it reserves idle connections first and pipelines onto the least busy one
 * only once all are busy. The cork batching below mirrors Plinth's.
 */
async function pipelinedConnections(config: Config): Promise<Connections> {
  const clients = Array.from(
    { length: config.pool },
    () => new pg.Client({ connectionString: config.database, pipeline: true }),
  )
  for (const client of clients) {
    // A broken client would fail every statement sent to it from then on, and pg would throw the
    // event if unheard: stop the process so that the run fails visibly (pg.Pool mode crashes too).
    client.on('error', (error) => {
      process.stderr.write(`PostgreSQL connection lost: ${error.message}\n`)
      process.exit(1)
    })
  }
  await Promise.all(clients.map((client) => client.connect()))

  // pg writes each protocol message separately (Parse, Bind, Describe, Execute, Sync). The first
  // statement of an event-loop turn corks every socket and the turn's end uncorks them, so all
  // statements issued in that turn leave in one write per socket (as Plinth's ORM does).
  const sockets = clients.map(socketOf)
  let corked = false
  const uncork = () => {
    corked = false
    for (const socket of sockets) socket.uncork()
  }
  let next = 0
  return {
    query(query) {
      if (!corked) {
        corked = true
        for (const socket of sockets) socket.cork()
        setImmediate(uncork)
      }
      const client = clients[next]!
      next = (next + 1) % clients.length
      return client.query(query)
    },
    close: async () => {
      // end() waits for the statements still in flight on a pipelined client.
      await Promise.all(clients.map((client) => client.end()))
    },
  }
}

/** The client's socket: pg keeps it on `client.connection.stream` (not in its typings). */
function socketOf(client: pg.Client): { cork(): void; uncork(): void } {
  const stream = (client as unknown as { connection: { stream: { cork(): void; uncork(): void } } })
    .connection.stream
  if (typeof stream?.cork !== 'function') throw new Error('pg: no socket to cork on a client')
  return stream
}

async function openPostgres(config: Config): Promise<Database> {
  const connections =
    config.pgMode === 'pipelined' ? await pipelinedConnections(config) : pooledConnections(config)
  // Fail at startup, not at the first request, when the URL or the tables are wrong.
  await connections.query({ text: 'SELECT 1 FROM world, fortune LIMIT 1' })

  const selectWorld = { name: 'tfb-world', text: `${SELECT_WORLD}$1` }
  const selectFortunes = { name: 'tfb-fortunes', text: SELECT_FORTUNES }
  // One statement per row count, prepared by each connection on first use.
  const updateTexts: string[] = []
  function updateText(count: number): string {
    let text = updateTexts[count]
    if (text === undefined) {
      const values = Array.from(
        { length: count },
        (_, i) => `($${2 * i + 1}::int,$${2 * i + 2}::int)`,
      )
      text = `UPDATE world SET randomnumber = v.r FROM (VALUES ${values.join(',')}) AS v(id, r) WHERE world.id = v.id`
      updateTexts[count] = text
    }
    return text
  }

  return {
    async getWorld(id) {
      const row = (await connections.query<World>({ ...selectWorld, values: [id] })).rows[0]
      if (row === undefined) throw missingWorld(id)
      return row
    },
    async getFortunes() {
      return (await connections.query<Fortune>(selectFortunes)).rows
    },
    async updateWorlds(rows) {
      // A repeated id would join twice, and PostgreSQL would keep either value: keep the last,
      // as sequential updates would. Sorted ids make concurrent updates lock rows in the same
      // order, which avoids deadlocks. It is one statement, so it needs no reserved connection
      // and is as safe on a pipelined client as on a pooled one.
      const latest = new Map<number, number>()
      for (const row of rows) latest.set(row.id, row.randomNumber)
      const ids = [...latest.keys()].sort((a, b) => a - b)
      const values: number[] = []
      for (const id of ids) values.push(id, latest.get(id)!)
      await connections.query({
        name: `tfb-update-${ids.length}`,
        text: updateText(ids.length),
        values,
      })
    },
    close: () => connections.close(),
  }
}

// ---------------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------------

async function openSqlite(config: Config): Promise<Database> {
  // DatabaseSync would create an empty file and fail on every request instead.
  if (!existsSync(config.database)) {
    throw new Error(`SQLite file ${config.database} does not exist: run bench/tfb/setup.ts.`)
  }
  const db = new DatabaseSync(config.database)
  // As Plinth's ORM opens SQLite: busy_timeout first, then WAL (cluster workers share the file).
  db.exec('PRAGMA busy_timeout = 5000')
  db.exec('PRAGMA journal_mode = WAL')
  // Plinth's ORM default for WAL files (a commit does not wait for a disk flush): same settings.
  db.exec('PRAGMA synchronous = NORMAL')
  // Prepared once; preparing also checks that the tables exist.
  const selectWorld: StatementSync = db.prepare(`${SELECT_WORLD}?`)
  const selectFortunes = db.prepare(SELECT_FORTUNES)
  const updateWorld = db.prepare('UPDATE world SET randomnumber = ? WHERE id = ?')
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  const rollback = db.prepare('ROLLBACK')

  // node:sqlite is synchronous; the async methods only give every peer the same interface.
  return {
    async getWorld(id) {
      const row = selectWorld.get(id) as World | undefined
      if (row === undefined) throw missingWorld(id)
      return row
    },
    async getFortunes() {
      return selectFortunes.all() as unknown as Fortune[]
    },
    async updateWorlds(rows) {
      // One write transaction (IMMEDIATE takes the write lock at once, waiting up to
      // busy_timeout for another worker's) of single-row updates; later duplicates win.
      begin.run()
      try {
        for (const row of rows) updateWorld.run(row.randomNumber, row.id)
        commit.run()
      } catch (error) {
        if (db.isTransaction) rollback.run()
        throw error
      }
    },
    async close() {
      db.close()
    },
  }
}
