/**
 * The in-process session store: for development, tests and single-process apps.
 *
 * Bounded, so a flood of new sessions cannot exhaust memory: records past their TTL are swept
 * periodically, and beyond `maxEntries` the least recently used session is evicted (that user is
 * logged out, which is the right failure). Records are kept as JSON text, so no two requests ever
 * share (and mutate) the same objects. Sessions vanish when the process restarts and are not
 * shared between processes: use the database or Redis store for that.
 */
import { PlinthError } from '../http/index.ts'
import { parseSessionRecord, type SessionRecord, type SessionStore } from './store.ts'

/** Options of {@link memorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept; the least recently used is evicted beyond it. Default 10,000. */
  maxEntries?: number
  /** How often (at most) expired records are swept, in ms. Default 60,000. */
  sweepIntervalMs?: number
  /** The clock (ms since the epoch). Default `Date.now`; tests pass their own. */
  now?: () => number
}

interface Entry {
  text: string
  expiresAt: number
}

/** The store returned by {@link memorySessionStore}. */
export class MemorySessionStore implements SessionStore {
  readonly maxEntries: number
  readonly sweepIntervalMs: number
  readonly #now: () => number
  // Map iteration order is insertion order: re-inserting on use keeps it least-recently-used first.
  readonly #entries = new Map<string, Entry>()
  #nextSweep = Number.NEGATIVE_INFINITY

  constructor(options: MemorySessionStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000
    this.#now = options.now ?? Date.now
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries <= 0) {
      throw new PlinthError(
        'PLINTH_SESSIONS_CONFIG',
        `memorySessionStore({ maxEntries }) must be a positive integer, got ${String(options.maxEntries)}.`,
      )
    }
    if (!(this.sweepIntervalMs > 0) || !Number.isFinite(this.sweepIntervalMs)) {
      throw new PlinthError(
        'PLINTH_SESSIONS_CONFIG',
        `memorySessionStore({ sweepIntervalMs }) must be a positive number of milliseconds, got ${String(options.sweepIntervalMs)}.`,
      )
    }
  }

  /** Number of sessions held (for monitoring and tests). */
  get size(): number {
    return this.#entries.size
  }

  get(id: string): Promise<SessionRecord | undefined> {
    const now = this.#now()
    this.#maybeSweep(now)
    const entry = this.#entries.get(id)
    if (entry === undefined) return Promise.resolve(undefined)
    this.#entries.delete(id)
    if (entry.expiresAt <= now) return Promise.resolve(undefined)
    this.#entries.set(id, entry)
    return Promise.resolve(parseSessionRecord(entry.text))
  }

  set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    const now = this.#now()
    this.#maybeSweep(now)
    const entries = this.#entries
    if (!entries.delete(id) && entries.size >= this.maxEntries) {
      const oldest = entries.keys().next()
      if (!oldest.done) entries.delete(oldest.value)
    }
    entries.set(id, { text: JSON.stringify(record), expiresAt: now + ttlMs })
    return Promise.resolve()
  }

  delete(id: string): Promise<void> {
    this.#entries.delete(id)
    return Promise.resolve()
  }

  /** Drop every record past its TTL. Runs on its own from `get`/`set` every `sweepIntervalMs`. */
  sweep(now = this.#now()): void {
    this.#nextSweep = now + this.sweepIntervalMs
    for (const [id, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(id)
  }

  #maybeSweep(now: number): void {
    if (now >= this.#nextSweep) this.sweep(now)
  }
}

/**
 * A bounded in-process store: the default, for development and tests. Sessions are lost on
 * restart and not shared between processes (use {@link databaseSessionStore} or
 * {@link redisSessionStore} in production).
 *
 * @example
 * app.use(sessions({ store: memorySessionStore({ maxEntries: 50_000 }) }))
 */
export function memorySessionStore(options: MemorySessionStoreOptions = {}): MemorySessionStore {
  return new MemorySessionStore(options)
}
