/**
 * The `SessionStore` interface: where session data lives between requests.
 *
 * A store is three operations on records keyed by an opaque id (the SHA-256 hex digest of the
 * cookie token, 64 characters; stores never see the token itself). Expiry is decided by the
 * middleware from the record's timestamps, so a store may keep a record past its expiry (the
 * middleware then treats it as absent and deletes it); the `ttlMs` passed to `set` lets stores
 * with native expiry (Redis `PX`, a database sweep) drop records on their own.
 */

/** Any value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue }

/** One stored session. Times are milliseconds since the epoch. */
export interface SessionRecord {
  /** The session's values (a plain object; keys such as `__proto__` are ordinary own keys). */
  data: Record<string, JsonValue>
  /** When the session was created (or last rotated): the absolute timeout counts from here. */
  createdAt: number
  /** When the session expires unless it is used again (idle timeout, capped by the absolute one). */
  expiresAt: number
}

/**
 * Where sessions are kept. Implement it to keep sessions anywhere else (a cache, another
 * database); the three Plinth stores are `memorySessionStore`, `databaseSessionStore` and
 * `redisSessionStore`.
 *
 * - `get` resolves with the record, or `undefined` when there is none (or it cannot be read:
 *   treat corrupt data as absent rather than throwing).
 * - `set` creates or replaces the record; `ttlMs` (a positive integer) is how long it must be kept
 *   at least. Last write wins: two concurrent requests of one session each write their own copy.
 * - `delete` removes the record; deleting a missing id is not an error.
 *
 * Errors (the store is unreachable) should be thrown: the request then fails with 500 instead
 * of silently logging the user out.
 *
 * @example
 * // A store on any key-value cache with string values and expiry:
 * function cacheSessionStore(cache: {
 *   get(key: string): Promise<string | undefined>
 *   put(key: string, value: string, ttlMs: number): Promise<void>
 *   remove(key: string): Promise<void>
 * }): SessionStore {
 *   return {
 *     async get(id) {
 *       const text = await cache.get(`session:${id}`)
 *       return text === undefined ? undefined : parseSessionRecord(text)
 *     },
 *     set: (id, record, ttlMs) => cache.put(`session:${id}`, JSON.stringify(record), ttlMs),
 *     delete: (id) => cache.remove(`session:${id}`),
 *   }
 * }
 */
export interface SessionStore {
  get(id: string): Promise<SessionRecord | undefined>
  set(id: string, record: SessionRecord, ttlMs: number): Promise<void>
  delete(id: string): Promise<void>
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Parse a record a store kept as JSON text (`JSON.stringify(record)`). Anything malformed gives
 * `undefined` (an absent session), never an exception.
 *
 * @example
 * parseSessionRecord('{"data":{"a":1},"createdAt":1,"expiresAt":2}') // { data: { a: 1 }, createdAt: 1, expiresAt: 2 }
 * parseSessionRecord('garbage') // undefined
 */
export function parseSessionRecord(text: unknown): SessionRecord | undefined {
  if (typeof text !== 'string') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isPlainObject(parsed)) return undefined
  const { data, createdAt, expiresAt } = parsed
  if (!isPlainObject(data) || !Number.isFinite(createdAt) || !Number.isFinite(expiresAt))
    return undefined
  return {
    data: data as Record<string, JsonValue>,
    createdAt: createdAt as number,
    expiresAt: expiresAt as number,
  }
}

/** Parse the `data` column of a database row (JSON text of an object). */
export function parseSessionData(text: unknown): Record<string, JsonValue> | undefined {
  if (typeof text !== 'string') return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    return isPlainObject(parsed) ? (parsed as Record<string, JsonValue>) : undefined
  } catch {
    return undefined
  }
}
