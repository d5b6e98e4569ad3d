/**
 * Connections shared by statements outside transactions (pipelining), on top of the `Pool`.
 *
 * A statement takes an idle connection when there is one, as before. When all `max` connections
 * are busy, it no longer queues for one to come back: it is sent down the shared connection with
 * the fewest statements in flight, and the server answers them in order. That keeps the database
 * busy while answers travel, which is where a loaded app spends its waiting (measured in
 * docs/decisions/0005-postgres-driver.md: concurrent fetches nearly twice as fast).
 *
 * Shared connections stay reserved in the pool while statements are in flight, and go back to it
 * when the last one is answered, so transactions (which reserve a connection for themselves) and
 * `close()` work as before. A caller waiting for a reserved connection stops new statements from
 * piling onto shared ones, so their connections drain and reach it in FIFO order.
 *
 * Writes are batched: the first statement of an event-loop turn corks the socket and the turn's
 * end (`setImmediate`) uncorks it, so every statement issued in that turn (all the requests read
 * from the network in one poll) leaves in one write instead of one per protocol message.
 */
import type { Pool } from './pool.ts'

/** One connection in shared use: how many statements are in flight on it. */
export interface SharedUse<C> {
  readonly connection: C
  inFlight: number
  /** Set when it must not take new statements and be closed once idle (a stale plan). */
  retire: boolean
}

interface Corkable {
  cork(): void
  uncork(): void
}

export interface SharedConnectionsOptions<C> {
  pool: Pool<C>
  max: number
  /** Reserve a connection from the pool, waiting for one (errors normalized by the driver). */
  acquire(): Promise<C>
  /** False for a connection known to be broken: no new statements go on it. */
  usable(connection: C): boolean
  /** Give a connection back to the pool (through the driver, which checks its state). */
  release(connection: C, destroy: boolean): void
  /** The connection's socket, to batch writes; undefined when it cannot be corked. */
  socket(connection: C): Corkable | undefined
}

/**
 * The shared connections of one driver.
 *
 * @example
 * const use = shared.take() ?? (await shared.open())
 * try { return await run(use.connection, statement) } finally { shared.done(use) }
 */
export class SharedConnections<C> {
  readonly #options: SharedConnectionsOptions<C>
  readonly #uses: SharedUse<C>[] = []
  /** `open()` calls waiting in the pool's queue (the rest of the queue wants reserved ones). */
  #opening = 0
  readonly #corked = new Set<Corkable>()
  #uncorkScheduled = false

  constructor(options: SharedConnectionsOptions<C>) {
    this.#options = options
  }

  /** A connection for one statement now, or undefined when the caller must `open()` one. */
  take(): SharedUse<C> | undefined {
    const { pool, max } = this.#options
    const idle = pool.tryAcquire()
    if (idle !== undefined) return this.#start(this.#add(idle))
    // Someone waits for a connection of their own: let the shared ones drain to them.
    if (pool.waitingCount > this.#opening) return undefined
    // Below `max`, open another connection rather than queue behind busy ones (one at a time, so
    // a burst does not open them all for statements that one pipelined connection would carry).
    if (pool.size < max && this.#opening === 0) return undefined
    let best: SharedUse<C> | undefined
    for (const use of this.#uses) {
      if (use.retire || !this.#options.usable(use.connection)) continue
      if (best === undefined || use.inFlight < best.inFlight) best = use
    }
    return best === undefined ? undefined : this.#start(best)
  }

  /** Wait for a connection from the pool (a new one, or one given back) and share it. */
  async open(): Promise<SharedUse<C>> {
    this.#opening++
    let connection: C
    try {
      connection = await this.#options.acquire()
    } finally {
      this.#opening--
    }
    return this.#start(this.#add(connection))
  }

  /** A statement on `use` has its answer (or error): give the connection back once idle. */
  done(use: SharedUse<C>): void {
    if (--use.inFlight > 0) return
    const index = this.#uses.indexOf(use)
    if (index !== -1) {
      // Order does not matter: swap the last one into the hole.
      const last = this.#uses.pop()!
      if (index < this.#uses.length) this.#uses[index] = last
    }
    this.#options.release(use.connection, use.retire)
  }

  #add(connection: C): SharedUse<C> {
    const use: SharedUse<C> = { connection, inFlight: 0, retire: false }
    this.#uses.push(use)
    return use
  }

  #start(use: SharedUse<C>): SharedUse<C> {
    use.inFlight++
    const socket = this.#options.socket(use.connection)
    if (socket !== undefined && !this.#corked.has(socket)) {
      socket.cork()
      this.#corked.add(socket)
      if (!this.#uncorkScheduled) {
        this.#uncorkScheduled = true
        setImmediate(this.#uncork)
      }
    }
    return use
  }

  readonly #uncork = (): void => {
    this.#uncorkScheduled = false
    for (const socket of this.#corked) socket.uncork()
    this.#corked.clear()
  }
}
