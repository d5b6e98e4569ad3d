/**
 * Creates and fills the TechEmpower `world` and `fortune` tables on PostgreSQL and SQLite, the
 * same on both (anchors doc §1.3): 10,000 World rows with random numbers 1..10000 and the 12 TFB
 * fortunes. Running it again starts over (tables dropped and recreated), in well under a second.
 *
 *   npx node --conditions=plinth-source bench/tfb/setup.ts --db both
 *   npx node --conditions=plinth-source bench/tfb/setup.ts --db postgres --database postgres://postgres@127.0.0.1:5432/other
 *
 * The drivers are used directly (`pg`, `node:sqlite`): this is fixture code, not a contender.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import pg from 'pg'
import { readCli } from '../measure.ts'

import { DEFAULT_DATABASES, FORTUNES, type TfbDatabaseKind, WORLD_ROWS } from './fixture.ts'

export { DEFAULT_DATABASES, FORTUNES, type TfbDatabaseKind, WORLD_ROWS }

export interface TfbDatabase {
  db: TfbDatabaseKind
  /** PostgreSQL URL, or SQLite file path. */
  database: string
}

const CREATE_TABLES = [
  'DROP TABLE IF EXISTS world',
  'DROP TABLE IF EXISTS fortune',
  'CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL)',
  'CREATE TABLE fortune (id integer PRIMARY KEY, message varchar(2048) NOT NULL)',
]

const randomNumber = () => Math.floor(Math.random() * WORLD_ROWS) + 1

/** Create (PostgreSQL: also the database itself) and fill both tables, replacing earlier data. */
export async function setupDatabase(target: TfbDatabase): Promise<void> {
  if (target.db === 'postgres') await setupPostgres(target.database)
  else setupSqlite(target.database)
}

async function setupPostgres(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  if (!name) throw new Error(`no database name in ${url}`)
  const adminUrl = new URL(url)
  adminUrl.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: adminUrl.href })
  await admin.connect()
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    const quoted = `"${name.replaceAll('"', '""')}"`
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${quoted}`)
    // TechEmpower's PostgreSQL configuration runs with synchronous_commit off, which is what
    // makes /updates affordable there; every contender's session inherits it from the database.
    await admin.query(`ALTER DATABASE ${quoted} SET synchronous_commit = off`)
  } finally {
    await admin.end()
  }

  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('BEGIN')
    for (const sql of CREATE_TABLES) await client.query(sql)
    const ids = Array.from({ length: WORLD_ROWS }, (_, i) => i + 1)
    // Two array parameters unnested into rows: one round trip for all 10,000 rows.
    await client.query(
      'INSERT INTO world (id, randomnumber) SELECT * FROM unnest($1::int[], $2::int[])',
      [ids, ids.map(randomNumber)],
    )
    await client.query(
      'INSERT INTO fortune (id, message) SELECT * FROM unnest($1::int[], $2::text[])',
      [FORTUNES.map((f) => f.id), FORTUNES.map((f) => f.message)],
    )
    await client.query('COMMIT')
    await client.query('ANALYZE world')
    await client.query('ANALYZE fortune')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    await client.end()
  }
}

function setupSqlite(file: string): void {
  mkdirSync(dirname(file), { recursive: true })
  const db = new DatabaseSync(file, { timeout: 5000 })
  try {
    // WAL lets cluster workers read while one of them writes; the mode is stored in the file.
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('BEGIN')
    for (const sql of CREATE_TABLES) db.exec(sql)
    const insertWorld = db.prepare('INSERT INTO world (id, randomnumber) VALUES (?, ?)')
    for (let id = 1; id <= WORLD_ROWS; id++) insertWorld.run(id, randomNumber())
    const insertFortune = db.prepare('INSERT INTO fortune (id, message) VALUES (?, ?)')
    for (const { id, message } of FORTUNES) insertFortune.run(id, message)
    db.exec('COMMIT')
    db.exec('ANALYZE')
    // Fold the WAL into the database file now, so the first contender does not pay for it.
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK')
    throw error
  } finally {
    db.close()
  }
}

/** The whole World table as id → randomNumber (the validator compares snapshots). */
export async function readWorld(
  db: TfbDatabaseKind,
  database: string,
): Promise<Map<number, number>> {
  const rows = await query<{ id: number; randomnumber: number }>(
    { db, database },
    'SELECT id, randomnumber FROM world',
  )
  return new Map(rows.map((row) => [Number(row.id), Number(row.randomnumber)]))
}

/** Run one statement (no parameters) on a short-lived connection; its rows, none for writes. */
export async function query<Row extends object>(target: TfbDatabase, sql: string): Promise<Row[]> {
  if (target.db === 'postgres') {
    const client = new pg.Client({ connectionString: target.database })
    await client.connect()
    try {
      return (await client.query(sql)).rows as Row[]
    } finally {
      await client.end()
    }
  }
  // A contender may be writing the file (cluster workers, /updates): wait for its lock.
  const db = new DatabaseSync(target.database, { timeout: 5000 })
  try {
    const statement = db.prepare(sql)
    if (statement.columns().length > 0) return statement.all() as Row[]
    statement.run()
    return []
  } finally {
    db.close()
  }
}

async function main(): Promise<void> {
  const cli = readCli(process.argv.slice(2))
  const choice = cli.value('--db') ?? 'both'
  if (choice !== 'postgres' && choice !== 'sqlite' && choice !== 'both')
    throw new Error('--db must be postgres, sqlite or both')
  const kinds: TfbDatabaseKind[] = choice === 'both' ? ['postgres', 'sqlite'] : [choice]
  const database = cli.value('--database')
  if (database !== undefined && kinds.length > 1)
    throw new Error('--database names one database: use it with --db postgres or --db sqlite')
  for (const db of kinds) {
    const target = { db, database: database ?? DEFAULT_DATABASES[db] }
    const started = performance.now()
    await setupDatabase(target)
    const world = await readWorld(db, target.database)
    const ms = Math.round(performance.now() - started)
    console.log(
      `${db}: ${target.database} ready, ${world.size} worlds, ${FORTUNES.length} fortunes (${ms} ms)`,
    )
  }
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
