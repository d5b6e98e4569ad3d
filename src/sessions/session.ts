/**
 * `Session`: one request's view of the visitor's session. Reads and writes are synchronous and
 * in memory; the middleware saves the result after the handler (only when something changed, or
 * when the idle expiry needs pushing back). `rotate()` and `destroy()` touch the store at once,
 * because they exist to make an old token useless.
 */
import { PlinthError } from '../http/index.ts'
import { copySessionValue, toSessionValue } from './json.ts'
import type { JsonValue, SessionStore } from './store.ts'
import { sessionStoreId } from './token.ts'

/** @internal What the middleware needs to know to save a session. */
export interface SessionState {
  readonly store: SessionStore
  readonly now: () => number
  data: Map<string, JsonValue>
  /** The token of the stored session this request uses; `undefined` until one is issued. */
  token: string | undefined
  /** No stored session was found (or it was destroyed) this request. */
  isNew: boolean
  modified: boolean
  createdAt: number
  /** Expiry of the stored record as loaded (0 for a new session). */
  expiresAt: number
  /** The token the request arrived with was invalidated (rotate/destroy): its cookie must go. */
  invalidated: boolean
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string') {
    throw new PlinthError(
      'PLINTH_SESSIONS_INVALID_KEY',
      `Session keys are strings, got ${typeof key}.`,
    )
  }
  return key
}

/**
 * The visitor's session, from `await getSession(ctx)`. Values are JSON (checked by `set`), copied
 * in and out: after changing an object you read, `set` it again.
 *
 * @example
 * const session = await getSession(ctx)
 * const visits = (session.get<number>('visits') ?? 0) + 1
 * session.set('visits', visits)
 */
export class Session {
  /** @internal */
  readonly _state: SessionState

  constructor(state: SessionState) {
    this._state = state
  }

  /** The value stored under `key` (a copy), or `undefined`. */
  get<T = unknown>(key: string): T | undefined {
    const value = this._state.data.get(checkKey(key))
    return value === undefined ? undefined : (copySessionValue(value) as T)
  }

  /** Store a JSON value. Throws `PLINTH_SESSIONS_NOT_JSON` for functions, `undefined`, `BigInt`, `Date`, class instances and cycles. */
  set(key: string, value: unknown): void {
    const json = toSessionValue(checkKey(key), value)
    this._state.data.set(key, json)
    this._state.modified = true
  }

  /** Remove `key` (no-op when absent). */
  delete(key: string): void {
    if (this._state.data.delete(checkKey(key))) this._state.modified = true
  }

  has(key: string): boolean {
    return this._state.data.has(checkKey(key))
  }

  /** Remove every value. An emptied session is deleted from the store and its cookie removed. */
  clear(): void {
    if (this._state.data.size === 0) return
    this._state.data.clear()
    this._state.modified = true
  }

  /** The keys that have values. */
  keys(): string[] {
    return [...this._state.data.keys()]
  }

  /** True when the request came without a live session (none, unknown, expired, or destroyed). */
  get isNew(): boolean {
    return this._state.isNew
  }

  /** True when a value changed during this request (it will be saved). */
  get modified(): boolean {
    return this._state.modified
  }

  /**
   * Give the session a new token, keeping its data, and delete the old one from the store now:
   * a token an attacker planted or saw before (session fixation) stops working. Call it on login
   * and on every privilege change. The absolute timeout starts again.
   */
  async rotate(): Promise<void> {
    const state = this._state
    if (state.token !== undefined) {
      await state.store.delete(sessionStoreId(state.token))
      state.token = undefined
      state.invalidated = true
    }
    state.createdAt = state.now()
    state.modified = true
  }

  /**
   * Delete the session from the store now and empty it (logout). The cookie is removed with the
   * response; values set afterwards (a "logged out" message) start a fresh session with a new token.
   */
  async destroy(): Promise<void> {
    const state = this._state
    if (state.token !== undefined) {
      await state.store.delete(sessionStoreId(state.token))
      state.token = undefined
      state.invalidated = true
    }
    state.data.clear()
    state.isNew = true
    state.modified = false
    state.createdAt = state.now()
    state.expiresAt = 0
  }
}
