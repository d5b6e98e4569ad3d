/**
 * The Session object on its own: values are JSON (checked at set time, with a clear error),
 * copied in and out, `__proto__` is an ordinary key, and rotate/destroy touch the store at once.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PlinthError } from '../http/index.ts'
import { memorySessionStore } from './memory-store.ts'
import { Session, type SessionState } from './session.ts'
import type { SessionStore } from './store.ts'
import { newSessionToken, sessionStoreId } from './token.ts'

function freshSession(store: SessionStore = memorySessionStore(), token?: string): Session {
  const state: SessionState = {
    store,
    now: () => 1_000,
    data: new Map(),
    token,
    isNew: token === undefined,
    modified: false,
    createdAt: 1_000,
    expiresAt: token === undefined ? 0 : 10_000,
    invalidated: false,
  }
  return new Session(state)
}

function assertNotJson(fn: () => void, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof PlinthError)
    assert.equal(error.code, 'PLINTH_SESSIONS_NOT_JSON')
    assert.match(error.message, pattern)
    return true
  })
}

describe('Session values', () => {
  it('gets, sets, deletes, checks and lists keys', () => {
    const session = freshSession()
    assert.equal(session.modified, false)
    assert.equal(session.get('missing'), undefined)
    session.set('user', { id: 7, roles: ['admin'] })
    session.set('count', 0)
    session.set('nothing', null)
    assert.deepEqual(session.get('user'), { id: 7, roles: ['admin'] })
    assert.equal(session.get('count'), 0)
    assert.equal(session.get('nothing'), null)
    assert.equal(session.has('nothing'), true)
    assert.deepEqual(session.keys(), ['user', 'count', 'nothing'])
    assert.equal(session.modified, true)
    session.delete('count')
    assert.equal(session.has('count'), false)
    session.clear()
    assert.deepEqual(session.keys(), [])
  })

  it('does not count reads or no-op deletes as modifications', () => {
    const session = freshSession()
    session.get('a')
    session.has('a')
    session.delete('a')
    session.clear()
    assert.equal(session.modified, false)
  })

  it('copies values in and out, so in-place changes need a set()', () => {
    const session = freshSession()
    const cart = { items: ['a'] }
    session.set('cart', cart)
    cart.items.push('mutated after set')
    const read = session.get<{ items: string[] }>('cart')!
    read.items.push('mutated after get')
    assert.deepEqual(session.get('cart'), { items: ['a'] })
  })

  it('keeps __proto__ and constructor as ordinary keys, polluting nothing', () => {
    const session = freshSession()
    session.set('__proto__', { isAdmin: true })
    session.set('constructor', 'x')
    session.set('nested', JSON.parse('{"__proto__":{"isAdmin":true}}'))
    assert.deepEqual(session.get('__proto__'), { isAdmin: true })
    assert.equal(session.get('constructor'), 'x')
    const nested = session.get<Record<string, unknown>>('nested')!
    assert.ok(Object.hasOwn(nested, '__proto__'))
    assert.equal(Object.getPrototypeOf(nested), Object.prototype)
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined)
    assert.deepEqual(session.keys(), ['__proto__', 'constructor', 'nested'])
  })

  it('refuses values JSON cannot carry, naming where they are', () => {
    const session = freshSession()
    assertNotJson(() => session.set('f', () => 1), /a function/)
    assertNotJson(() => session.set('u', undefined), /undefined/)
    assertNotJson(() => session.set('b', 10n), /BigInt.*toString/)
    assertNotJson(() => session.set('d', new Date()), /Date.*toISOString/)
    assertNotJson(() => session.set('m', new Map()), /a Map/)
    assertNotJson(() => session.set('n', Number.NaN), /NaN/)
    assertNotJson(() => session.set('i', { a: Number.POSITIVE_INFINITY }), /at a/)
    assertNotJson(() => session.set('s', Symbol('x')), /symbol/)
    assertNotJson(() => session.set('deep', { list: [1, { fn() {} }] }), /at list\[1\]\.fn/)
    assertNotJson(() => session.set('hole', { a: [1, undefined] }), /at a\[1\] is undefined/)
    const cycle: Record<string, unknown> = { name: 'loop' }
    cycle.self = cycle
    assertNotJson(() => session.set('c', cycle), /cycle/)
    let deep: unknown = 'end'
    for (let i = 0; i < 100; i++) deep = [deep]
    assertNotJson(() => session.set('deep', deep), /nested more than 64/)
    assert.deepEqual(session.keys(), [], 'nothing refused was stored')
    assert.equal(session.modified, false)
  })

  it('accepts the same object twice when it is not a cycle', () => {
    const session = freshSession()
    const shared = { x: 1 }
    session.set('pair', [shared, shared])
    assert.deepEqual(session.get('pair'), [{ x: 1 }, { x: 1 }])
  })

  it('refuses keys that are not strings', () => {
    const session = freshSession()
    assert.throws(() => session.set(1 as unknown as string, 'x'), {
      code: 'PLINTH_SESSIONS_INVALID_KEY',
    })
    assert.throws(() => session.get(Symbol() as unknown as string), {
      code: 'PLINTH_SESSIONS_INVALID_KEY',
    })
  })
})

describe('Session rotate and destroy', () => {
  it('rotate() deletes the old record at once and keeps the data', async () => {
    const store = memorySessionStore()
    const token = newSessionToken()
    await store.set(sessionStoreId(token), { data: { a: 1 }, createdAt: 0, expiresAt: 10 }, 60_000)
    const session = freshSession(store, token)
    session._state.data.set('a', 1)
    await session.rotate()
    assert.equal(await store.get(sessionStoreId(token)), undefined)
    assert.equal(session.get('a'), 1)
    assert.equal(session._state.token, undefined, 'a new token is issued when saved')
    assert.equal(session._state.invalidated, true)
    assert.equal(session.modified, true)
  })

  it('destroy() deletes the record at once, empties the session and makes it new', async () => {
    const store = memorySessionStore()
    const token = newSessionToken()
    await store.set(sessionStoreId(token), { data: { a: 1 }, createdAt: 0, expiresAt: 10 }, 60_000)
    const session = freshSession(store, token)
    session._state.data.set('a', 1)
    assert.equal(session.isNew, false)
    await session.destroy()
    assert.equal(await store.get(sessionStoreId(token)), undefined)
    assert.deepEqual(session.keys(), [])
    assert.equal(session.isNew, true)
    assert.equal(session.modified, false)
  })

  it('rotate() and destroy() on a session never stored touch no store', async () => {
    const calls: string[] = []
    const store: SessionStore = {
      get: async () => undefined,
      set: async () => void calls.push('set'),
      delete: async () => void calls.push('delete'),
    }
    const session = freshSession(store)
    await session.rotate()
    await session.destroy()
    assert.deepEqual(calls, [])
  })
})
