/**
 * Tokens: 256 random bits in base64url, a strict shape check that turns junk away before the
 * store, and the SHA-256 store id.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { parseSessionRecord } from './store.ts'
import { isSessionToken, newSessionToken, sessionStoreId } from './token.ts'

describe('session tokens', () => {
  it('are 43 base64url characters (32 bytes) and never repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newSessionToken))
    assert.equal(tokens.size, 1000)
    for (const token of tokens) {
      assert.match(token, /^[A-Za-z0-9_-]{43}$/)
      assert.equal(Buffer.from(token, 'base64url').length, 32)
      assert.ok(isSessionToken(token))
    }
  })

  it('refuses anything else', () => {
    const good = newSessionToken()
    for (const junk of [
      '',
      good.slice(1),
      `${good}A`,
      `${good.slice(0, 42)}=`,
      `${good.slice(0, 42)}+`,
      `${good.slice(0, 42)}/`,
      `${good.slice(0, 42)}.`,
      `${good.slice(0, 42)} `,
      `${good.slice(0, 42)}\u00e9`,
      'x'.repeat(10_000),
      '__proto__',
      undefined,
      null,
      42,
    ])
      assert.equal(isSessionToken(junk), false, JSON.stringify(junk)?.slice(0, 60))
  })

  it('are stored under their SHA-256 hex digest', () => {
    const token = newSessionToken()
    assert.equal(sessionStoreId(token), createHash('sha256').update(token).digest('hex'))
    assert.match(sessionStoreId(token), /^[0-9a-f]{64}$/)
  })
})

describe('parseSessionRecord', () => {
  it('parses what stores wrote and treats anything malformed as absent', () => {
    const ok = { data: { a: [1] }, createdAt: 1, expiresAt: 2 }
    assert.deepEqual(parseSessionRecord(JSON.stringify(ok)), ok)
    for (const bad of [
      null,
      undefined,
      42,
      '',
      'garbage',
      '[]',
      'null',
      '{"data":[],"createdAt":1,"expiresAt":2}',
      '{"data":{},"createdAt":"1","expiresAt":2}',
      '{"data":{},"createdAt":1}',
      '{"data":null,"createdAt":1,"expiresAt":2}',
    ])
      assert.equal(parseSessionRecord(bad), undefined, String(bad))
  })
})
