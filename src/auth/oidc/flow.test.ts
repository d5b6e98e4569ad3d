import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Session } from '../../sessions/index.ts'
import {
  FLOWS_SESSION_KEY,
  MAX_PENDING_FLOWS,
  type PendingFlow,
  rememberFlow,
  takeFlow,
} from './flow.ts'

/** The part of a session the flow store uses, over a Map of JSON copies. */
function fakeSession(): Session & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>()
  return {
    data,
    get: (key: string) => (data.has(key) ? structuredClone(data.get(key)) : undefined),
    set: (key: string, value: unknown) => void data.set(key, structuredClone(value)),
    delete: (key: string) => void data.delete(key),
    has: (key: string) => data.has(key),
  } as unknown as Session & { data: Map<string, unknown> }
}

const flow = (state: string, overrides: Partial<PendingFlow> = {}): PendingFlow => ({
  provider: 'corp',
  state,
  nonce: `nonce-${state}`,
  verifier: `verifier-${state}`,
  next: null,
  userId: null,
  expiresAt: 1_000,
  ...overrides,
})

describe('pending login flows', () => {
  it('gives a flow back once, by its state', () => {
    const session = fakeSession()
    rememberFlow(session, flow('s1'), 0)
    rememberFlow(session, flow('s2'), 0)
    assert.equal(takeFlow(session, 'corp', 's2', 10)?.verifier, 'verifier-s2')
    assert.equal(takeFlow(session, 'corp', 's2', 10), null, 'used up')
    assert.equal(takeFlow(session, 'corp', 's1', 10)?.nonce, 'nonce-s1')
    assert.equal(session.has(FLOWS_SESSION_KEY), false, 'an empty list leaves the session')
  })

  it('finds nothing for a wrong, empty, huge or non-string state, and keeps the real one', () => {
    const session = fakeSession()
    rememberFlow(session, flow('the-state'), 0)
    for (const bad of [
      'the-stat',
      'the-statee',
      '',
      'x'.repeat(10_000),
      undefined,
      ['the-state'],
      { state: 'the-state' },
    ]) {
      assert.equal(takeFlow(session, 'corp', bad, 10), null, JSON.stringify(bad)?.slice(0, 20))
    }
    assert.equal(takeFlow(session, 'other', 'the-state', 10), null, 'another provider’s callback')
    assert.equal(takeFlow(session, 'corp', 'the-state', 10)?.state, 'the-state')
  })

  it('expires flows', () => {
    const session = fakeSession()
    rememberFlow(session, flow('old', { expiresAt: 100 }), 0)
    assert.equal(takeFlow(session, 'corp', 'old', 100), null)
    assert.equal(session.has(FLOWS_SESSION_KEY), false)
  })

  it(`keeps at most ${MAX_PENDING_FLOWS} flows, dropping the oldest`, () => {
    const session = fakeSession()
    for (let i = 0; i <= MAX_PENDING_FLOWS; i++) rememberFlow(session, flow(`s${i}`), 0)
    assert.equal((session.get(FLOWS_SESSION_KEY) as unknown[]).length, MAX_PENDING_FLOWS)
    assert.equal(takeFlow(session, 'corp', 's0', 1), null)
    assert.ok(takeFlow(session, 'corp', `s${MAX_PENDING_FLOWS}`, 1))
  })

  it('ignores junk stored under its key', () => {
    const session = fakeSession()
    session.set(FLOWS_SESSION_KEY, [null, 'x', { state: 'junk' }, flow('ok')])
    assert.equal(takeFlow(session, 'corp', 'junk', 1), null)
    assert.equal(takeFlow(session, 'corp', 'ok', 1)?.state, 'ok')
    session.set(FLOWS_SESSION_KEY, { not: 'a list' })
    assert.equal(takeFlow(session, 'corp', 'ok', 1), null)
  })
})
