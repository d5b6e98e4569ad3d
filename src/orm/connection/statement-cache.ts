/**
 * A bounded map of prepared statements keyed by SQL text, evicting the least recently used.
 *
 * A hit only stamps the entry with a counter: re-inserting into a `Map` to keep LRU order costs
 * more than a SQLite primary-key fetch itself (deletes make V8 rehash the table). Eviction pays
 * instead: when full, the least recently used quarter is dropped in one pass.
 */

interface Entry<S> {
  value: S
  used: number
}

/**
 * @example
 * const cache = new StatementCache<StatementSync>(500)
 * const stmt = cache.get(sql) ?? cache.set(sql, db.prepare(sql))
 */
export class StatementCache<S> {
  readonly #entries = new Map<string, Entry<S>>()
  readonly #max: number
  #clock = 0

  constructor(max: number) {
    this.#max = max
  }

  get size(): number {
    return this.#entries.size
  }

  get(sql: string): S | undefined {
    const entry = this.#entries.get(sql)
    if (entry === undefined) return undefined
    entry.used = ++this.#clock
    return entry.value
  }

  set(sql: string, value: S): S {
    if (this.#entries.size >= this.#max) this.#evict()
    this.#entries.set(sql, { value, used: ++this.#clock })
    return value
  }

  clear(): void {
    this.#entries.clear()
  }

  #evict(): void {
    const byAge = [...this.#entries].sort((a, b) => a[1].used - b[1].used)
    const count = Math.max(1, Math.floor(this.#max / 4))
    for (let i = 0; i < count && i < byAge.length; i++) this.#entries.delete(byAge[i]![0])
  }
}
