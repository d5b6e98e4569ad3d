/**
 * What the raw server and the peers (Fastify, Hono, Express) share, so that only the framework
 * differs between them: the environment contract, the database layer (database.ts: same driver,
 * same settings, same SQL), the TechEmpower helpers, and the process model (one process, or a
 * node:cluster of workers).
 *
 * Environment (see bench/tfb's briefing): PORT, TFB_DB (postgres | sqlite), TFB_DATABASE (URL or
 * file), TFB_POOL (PostgreSQL connections per process, default 4), TFB_WORKERS (default 1), and
 * TFB_PG_MODE (pool | pipelined, default pool: see database.ts; only the tuned reference
 * contender sets it). Importing this module has no side effects; `launch()` does the work.
 */
import cluster, { type Worker } from 'node:cluster'
import { DEFAULT_DATABASES } from '../fixture.ts'
import { type Database, openDatabase } from './database.ts'

export type { Database } from './database.ts'
// The servers import the fixture module only (setup.ts loads the harness, which would add to
// their measured memory).
export { DEFAULT_DATABASES }

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

export interface Config {
  port: number
  db: 'postgres' | 'sqlite'
  /** PostgreSQL URL or SQLite file path. */
  database: string
  pool: number
  workers: number
  /** How PostgreSQL connections are used (database.ts); SQLite ignores it. */
  pgMode: 'pool' | 'pipelined'
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || !Number.isSafeInteger(value)) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got '${raw}'.`)
  }
  return value
}

/** Reads and checks the contract's variables; throws ConfigError with a readable message. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0)
  if (port > 65535) throw new ConfigError(`PORT must be at most 65535, got ${port}.`)
  const db = env.TFB_DB || 'postgres'
  if (db !== 'postgres' && db !== 'sqlite') {
    throw new ConfigError(`TFB_DB must be 'postgres' or 'sqlite', got '${db}'.`)
  }
  const pgMode = env.TFB_PG_MODE || 'pool'
  if (pgMode !== 'pool' && pgMode !== 'pipelined') {
    throw new ConfigError(`TFB_PG_MODE must be 'pool' or 'pipelined', got '${pgMode}'.`)
  }
  const workers = integer(env, 'TFB_WORKERS', 1, 1)
  // Workers sharing an ephemeral port would each get a different one.
  if (port === 0 && workers > 1) {
    throw new ConfigError('PORT=0 (ephemeral) needs TFB_WORKERS=1; give a fixed port.')
  }
  return {
    port,
    db,
    database: env.TFB_DATABASE || DEFAULT_DATABASES[db],
    pool: integer(env, 'TFB_POOL', 4, 1),
    workers,
    pgMode,
  }
}

// ---------------------------------------------------------------------------------------------
// TechEmpower helpers
// ---------------------------------------------------------------------------------------------

export const GREETING = 'Hello, World!'
export const ADDITIONAL_FORTUNE = 'Additional fortune added at request time.'

export interface World {
  id: number
  randomNumber: number
}

export interface Fortune {
  id: number
  message: string
}

/** `?queries=` as TechEmpower wants it: missing, non-integer or < 1 → 1, > 500 → 500. */
export function clampQueries(raw: string | null | undefined): number {
  const n = Number.parseInt(raw ?? '', 10)
  if (!(n >= 1)) return 1 // also NaN
  return n > 500 ? 500 : n
}

/** A World id, or a new randomNumber: 1..10000. */
export function randomId(): number {
  return ((Math.random() * 10000) | 0) + 1
}

const HTML_SPECIAL = /[&<>"']/
const HTML_SPECIAL_ALL = /[&<>"']/g
const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  // Most messages have nothing to escape: test first, so they are returned without a copy.
  if (!HTML_SPECIAL.test(text)) return text
  return text.replace(HTML_SPECIAL_ALL, (c) => HTML_ENTITIES[c]!)
}

/** Adds the request-time fortune and sorts by message in code-unit order (TFB: not locale). */
export function withAdditionalFortune(fortunes: Fortune[]): Fortune[] {
  fortunes.push({ id: 0, message: ADDITIONAL_FORTUNE })
  return fortunes.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
}

// ---------------------------------------------------------------------------------------------
// Process model
// ---------------------------------------------------------------------------------------------

/** Starts the server on `config.port` (host 127.0.0.1) and resolves with the bound port. */
export type Listen = (db: Database, config: Config) => Promise<number>

export const HOST = '127.0.0.1'

function fail(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}

function announce(port: number): void {
  process.stdout.write(`${JSON.stringify({ port })}\n`)
}

/**
 * Runs a server per the contract: with TFB_WORKERS=1 in this process; otherwise as a
 * node:cluster primary that forks the workers (each runs `listen`), prints the port once all
 * of them listen, stops them on SIGTERM/SIGINT, and exits when one dies.
 */
export async function launch(listen: Listen): Promise<void> {
  let config: Config
  try {
    config = readConfig()
  } catch (error) {
    fail(error)
  }
  if (config.workers > 1 && cluster.isPrimary) {
    supervise(config)
    return
  }
  let db: Database
  let port: number
  try {
    db = await openDatabase(config)
    port = await listen(db, config)
  } catch (error) {
    fail(error)
  }
  const stop = () => {
    // Don't wait for keep-alive connections; give the pool a moment to say goodbye.
    setTimeout(() => process.exit(0), 1000).unref()
    db.close().then(
      () => process.exit(0),
      () => process.exit(0),
    )
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  // A cluster worker that loses its primary exits by itself (node:cluster does that).
  if (cluster.isPrimary) announce(port)
}

function supervise(config: Config): void {
  const listening = new Set<Worker>()
  let alive = 0
  let stopping = false
  let exitCode = 0

  const stopAll = (code: number) => {
    if (stopping) return
    stopping = true
    exitCode = code
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    // A worker stuck in a busy_timeout wait or a long request must not keep us alive.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL')
      process.exit(exitCode)
    }, 5000).unref()
  }

  cluster.on('listening', (worker) => {
    listening.add(worker)
    if (listening.size === config.workers) announce(config.port)
  })
  cluster.on('exit', (worker) => {
    alive--
    if (!stopping) {
      const when = listening.has(worker) ? 'while serving' : 'before it listened'
      process.stderr.write(`worker ${worker.process.pid} exited ${when}; stopping the cluster\n`)
      stopAll(1)
    }
    // Counted here: cluster.workers may still list a worker whose IPC channel is open.
    if (alive === 0) process.exit(exitCode)
  })
  process.once('SIGTERM', () => stopAll(0))
  process.once('SIGINT', () => stopAll(0))
  for (; alive < config.workers; alive++) cluster.fork()
}
