/**
 * A small bounded connection pool, the same for every dialect.
 *
 * Plinth pools connections itself instead of using each client's pool so that the limits behave
 * identically everywhere: at most `max` connections, callers waiting in FIFO order for at most
 * `acquireTimeoutMs` (then `PoolTimeoutError`), idle connections closed after `idleTimeoutMs`.
 */
import { ConnectionError, type OrmError, PoolTimeoutError } from '../errors.ts'

/** How a pool opens and closes its connections, and its limits. */
export interface PoolConfig<C> {
  /** Open one connection. A rejection becomes a `ConnectionError` for the waiting caller. */
  create(): Promise<C>
  /** Close one connection. Errors are ignored: the connection is gone either way. */
  destroy(connection: C): void | Promise<void>
  max: number
  acquireTimeoutMs: number
  /** False for an idle connection known to be broken: it is closed instead of handed out. */
  validate?(connection: C): boolean
  /** `Infinity` keeps idle connections forever (SQLite's single in-memory connection). */
  idleTimeoutMs: number
  /** Names the database in error messages, e.g. `PostgreSQL at db:5432`. Never a password. */
  label?: string
}

interface Waiter<C> {
  resolve(connection: C): void
  reject(error: unknown): void
  timer: ReturnType<typeof setTimeout>
}

/**
 * A bounded pool of connections of type `C`.
 *
 * @example
 * const pool = new Pool({ create: openClient, destroy: (c) => c.end(), max: 10, acquireTimeoutMs: 5000, idleTimeoutMs: 30000 })
 * const client = await pool.acquire()
 * try { await client.query('SELECT 1') } finally { pool.release(client) }
 */
export class Pool<C> {
  readonly #config: PoolConfig<C>
  // Most recently released last: reusing it keeps few connections warm and lets the rest expire.
  // Two parallel arrays rather than entry objects: release() is on every query's path.
  readonly #idle: C[] = []
  readonly #idleSince: number[] = []
  readonly #reserved = new Set<C>()
  readonly #waiters: Waiter<C>[] = []
  #creating = 0
  readonly #expires: boolean
  #closed = false
  #onDrained: (() => void) | undefined
  #sweeper: ReturnType<typeof setTimeout> | undefined

  constructor(config: PoolConfig<C>) {
    this.#config = config
    this.#expires = Number.isFinite(config.idleTimeoutMs)
  }

  /** Connections open or being opened. */
  get size(): number {
    return this.#idle.length + this.#reserved.size + this.#creating
  }
  get idleCount(): number {
    return this.#idle.length
  }
  get waitingCount(): number {
    return this.#waiters.length
  }

  /**
   * An idle connection to use *synchronously* without reserving it, or undefined. Only for work
   * that completes before returning (node:sqlite): nothing else can run in between, so the
   * reserve/release bookkeeping would be pure cost. Not when callers are waiting (they go first)
   * or when connections need validating.
   */
  idleForSyncUse(): C | undefined {
    if (this.#waiters.length > 0 || this.#config.validate !== undefined || this.#closed)
      return undefined
    return this.#idle[this.#idle.length - 1]
  }

  /** An idle connection, synchronously, or undefined (then call `acquire()`). */
  tryAcquire(): C | undefined {
    if (this.#waiters.length > 0) return undefined // waiting callers go first
    const validate = this.#config.validate
    while (true) {
      const connection = this.#idle.pop()
      if (connection === undefined) return undefined
      this.#idleSince.pop()
      if (validate !== undefined && !validate(connection)) {
        this.#destroy(connection)
        continue
      }
      this.#reserved.add(connection)
      return connection
    }
  }

  /** A connection, waiting at most `acquireTimeoutMs` for one to become free. */
  acquire(): Promise<C> {
    if (this.#closed) return Promise.reject(closedError(this.#config.label))
    const connection = this.tryAcquire()
    if (connection !== undefined) return Promise.resolve(connection)
    return new Promise<C>((resolve, reject) => {
      const waiter: Waiter<C> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.#waiters.indexOf(waiter)
          if (index >= 0) this.#waiters.splice(index, 1)
          reject(new PoolTimeoutError(this.#config.acquireTimeoutMs, this.#config.max))
        }, this.#config.acquireTimeoutMs),
      }
      this.#waiters.push(waiter)
      this.#pump()
    })
  }

  /** Give a connection back; with `destroy`, close it (broken, or in an unknown state). */
  release(connection: C, destroy = false): void {
    if (!this.#reserved.delete(connection)) {
      throw new Error('Pool.release(): this connection is not reserved (released twice?)')
    }
    if (destroy || this.#closed) {
      this.#destroy(connection)
    } else {
      const waiter = this.#waiters.shift()
      if (waiter !== undefined) {
        clearTimeout(waiter.timer)
        this.#reserved.add(connection)
        waiter.resolve(connection)
        return
      }
      this.#idle.push(connection)
      if (this.#expires) {
        this.#idleSince.push(Date.now())
        if (this.#sweeper === undefined) this.#scheduleSweep()
      } else {
        this.#idleSince.push(0)
      }
    }
    this.#pump()
    this.#checkDrained()
  }

  /** Refuse new callers, wait for reserved connections to come back, then close everything. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true
      for (const waiter of this.#waiters.splice(0)) {
        clearTimeout(waiter.timer)
        waiter.reject(closedError(this.#config.label))
      }
      if (this.#sweeper !== undefined) clearTimeout(this.#sweeper)
      this.#idleSince.length = 0
      for (const connection of this.#idle.splice(0)) this.#destroy(connection)
    }
    if (this.#reserved.size > 0 || this.#creating > 0) {
      await new Promise<void>((resolve) => {
        const previous = this.#onDrained
        this.#onDrained = () => {
          previous?.()
          resolve()
        }
      })
    }
  }

  /** Open connections while callers wait for more than are being opened, within `max`. */
  #pump(): void {
    while (!this.#closed && this.#waiters.length > this.#creating && this.size < this.#config.max) {
      this.#creating++
      this.#create()
    }
  }

  async #create(): Promise<void> {
    let connection: C
    try {
      connection = await this.#config.create()
    } catch (error) {
      this.#creating--
      // The caller that has waited longest learns why; the slot is free again for the others.
      const waiter = this.#waiters.shift()
      if (waiter !== undefined) {
        clearTimeout(waiter.timer)
        waiter.reject(connectionError(error, this.#config.label))
      }
      this.#pump()
      this.#checkDrained()
      return
    }
    this.#creating--
    this.#reserved.add(connection)
    if (this.#closed) {
      this.release(connection, true)
      return
    }
    // Not necessarily the caller that asked for it: FIFO order is kept for everyone.
    this.release(connection)
  }

  #destroy(connection: C): void {
    try {
      Promise.resolve(this.#config.destroy(connection)).catch(() => {})
    } catch {
      // Closing a broken connection may throw; it is dropped all the same.
    }
  }

  #checkDrained(): void {
    if (this.#closed && this.#reserved.size === 0 && this.#creating === 0 && this.#onDrained) {
      const done = this.#onDrained
      this.#onDrained = undefined
      done()
    }
  }

  #scheduleSweep(): void {
    const since = this.#idleSince[0]
    if (since === undefined) return
    const delay = Math.max(0, since + this.#config.idleTimeoutMs - Date.now())
    this.#sweeper = setTimeout(() => this.#sweep(), delay)
    // An idle pool must not keep the process alive.
    this.#sweeper.unref()
  }

  #sweep(): void {
    this.#sweeper = undefined
    const cutoff = Date.now() - this.#config.idleTimeoutMs
    while (this.#idle.length > 0 && this.#idleSince[0]! <= cutoff) {
      this.#idleSince.shift()
      this.#destroy(this.#idle.shift()!)
    }
    this.#scheduleSweep()
  }
}

function closedError(label: string | undefined): OrmError {
  return new ConnectionError(
    `The connection pool${label ? ` for ${label}` : ''} is closed: close() was called, so no new queries can run.`,
  )
}

function connectionError(error: unknown, label: string | undefined): ConnectionError {
  if (error instanceof ConnectionError) return error
  const reason = error instanceof Error ? error.message : String(error)
  return new ConnectionError(`Could not connect to ${label ?? 'the database'}: ${reason}`, {
    cause: error,
  })
}
