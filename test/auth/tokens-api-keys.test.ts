/**
 * API keys over real requests: created once in plaintext (stored as a digest), accepted in
 * `X-API-Key` and as `Authorization: Bearer plk_…`, scoped (403 `insufficient_scope`), refused
 * when revoked, expired, unknown, malformed or of an inactive user, with `lastUsedAt` written at
 * most once a minute.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  ApiKey,
  apiKeyAuthenticator,
  createApiKey,
  createAuth,
  revokeApiKey,
  User,
  userFields,
} from 'plinth/auth'
import { defineModel } from 'plinth/orm'
import { tokenAppSetup } from './tokens-support.ts'

const withClient = tokenAppSetup()

async function setup() {
  const made = await withClient()
  const create = (options: Parameters<typeof createApiKey>[2]) =>
    made.db.scope(() => createApiKey(made.auth, made.ada, options))
  return { ...made, create }
}

type Res = { status: number; headers: Record<string, unknown>; json(): any; text: string }

function assertRefused(res: Res, code: string) {
  assert.equal(res.status, 401, res.text)
  assert.equal(res.json().error.code, code)
  assert.match(
    String(res.headers['www-authenticate']),
    /^Bearer realm="api", error="invalid_token"/,
  )
}

describe('API keys', () => {
  it('returns the plaintext once and stores only its digest and prefix', async () => {
    const { create, db } = await setup()
    const { key, apiKey } = await create({ name: 'CI deploy', scopes: ['items:write'] })
    const match = /^plk_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$/.exec(key)
    assert.ok(match, key)
    const row = await ApiKey.objects.using(db).get({ id: apiKey.id })
    assert.equal(row.prefix, match[1])
    assert.equal(row.keyHash, createHash('sha256').update(key).digest('hex'))
    assert.ok(!JSON.stringify(row).includes(key.slice(13)), 'the secret is stored')
    assert.deepEqual(row.scopes, ['items:write'])
    assert.equal(row.lastUsedAt, null)
  })

  it('authenticates X-API-Key and Bearer plk_… with its scopes', async () => {
    const { client, create } = await setup()
    const { key } = await create({ name: 'script', scopes: ['items:read'] })
    const viaHeader = await client.get('/me', { headers: { 'x-api-key': key } })
    assert.deepEqual(viaHeader.json(), {
      username: 'ada',
      method: 'apiKey',
      scopes: ['items:read'],
    })
    assert.equal(
      (await client.get('/items', { headers: { authorization: `Bearer ${key}` } })).status,
      200,
    )
  })

  it('a key without the scope → 403 insufficient_scope', async () => {
    const { client, create } = await setup()
    const { key } = await create({ name: 'read only', scopes: ['items:read'] })
    const res = await client.post('/items', { headers: { 'x-api-key': key } })
    assert.equal(res.status, 403)
    assert.equal(res.json().error.code, 'insufficient_scope')
    const writer = await create({ name: 'writer', scopes: ['items:write'] })
    assert.equal(
      (await client.post('/items', { headers: { 'x-api-key': writer.key } })).status,
      200,
    )
  })

  it('revoked → 401 api_key_revoked', async () => {
    const { client, create, auth, db } = await setup()
    const { key, apiKey } = await create({ name: 'old', scopes: [] })
    assert.equal((await client.get('/me', { headers: { 'x-api-key': key } })).status, 200)
    assert.equal(await db.scope(() => revokeApiKey(auth, apiKey)), true)
    assert.equal(await db.scope(() => revokeApiKey(auth, apiKey.id)), false, 'already revoked')
    assertRefused(await client.get('/me', { headers: { 'x-api-key': key } }), 'api_key_revoked')
    assertRefused(
      await client.get('/me', { headers: { authorization: `Bearer ${key}` } }),
      'api_key_revoked',
    )
  })

  it('expired → 401 api_key_expired', async () => {
    const { client, create } = await setup()
    const { key } = await create({
      name: 'temp',
      scopes: [],
      expiresAt: new Date(Date.now() - 1000),
    })
    assertRefused(await client.get('/me', { headers: { 'x-api-key': key } }), 'api_key_expired')
    const later = await create({
      name: 'later',
      scopes: [],
      expiresAt: new Date(Date.now() + 60_000),
    })
    assert.equal((await client.get('/me', { headers: { 'x-api-key': later.key } })).status, 200)
  })

  it('unknown, altered and malformed keys → 401 invalid_api_key', async () => {
    const { client, create } = await setup()
    const { key } = await create({ name: 'k', scopes: [] })
    const flipped = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A')
    const otherPrefix = `plk_00000000_${key.slice(13)}`
    for (const bad of [
      flipped,
      otherPrefix,
      'plk_short',
      'plk_zzzzzzzz_x',
      key.slice(0, -1),
      `${key}x`,
      "' OR 1=1 --",
      '',
    ])
      assertRefused(await client.get('/me', { headers: { 'x-api-key': bad } }), 'invalid_api_key')
    assertRefused(
      await client.get('/me', { headers: { authorization: 'Bearer plk_nope' } }),
      'invalid_api_key',
    )
  })

  it('keys of inactive users → 401', async () => {
    const { client, create, db, ada } = await setup()
    const { key } = await create({ name: 'k', scopes: [] })
    await User.objects.using(db).filter({ id: ada.id }).update({ isActive: false })
    assertRefused(await client.get('/me', { headers: { 'x-api-key': key } }), 'invalid_api_key')
  })

  it('writes lastUsedAt on first use and then at most once a minute', async () => {
    const { client, create, db } = await setup()
    const { key, apiKey } = await create({ name: 'busy', scopes: [] })
    const lastUsed = async () => (await ApiKey.objects.using(db).get({ id: apiKey.id })).lastUsedAt
    await client.get('/me', { headers: { 'x-api-key': key } })
    const first = await lastUsed()
    assert.ok(first instanceof Date)
    await client.get('/me', { headers: { 'x-api-key': key } })
    assert.equal((await lastUsed())?.getTime(), first.getTime(), 'not rewritten within a minute')
    const old = new Date(Date.now() - 61_000)
    await ApiKey.objects.using(db).filter({ id: apiKey.id }).update({ lastUsedAt: old })
    await client.get('/me', { headers: { 'x-api-key': key } })
    assert.ok((await lastUsed())!.getTime() > old.getTime() + 60_000)
  })

  it('checks its options and the user model', async () => {
    const { create } = await setup()
    await assert.rejects(create({ name: '', scopes: [] }), { code: 'PLINTH_AUTH_TOKENS_CONFIG' })
    await assert.rejects(create({ name: 'x', scopes: ['bad scope'] }), {
      code: 'PLINTH_AUTH_TOKENS_SCOPE',
    })
    await assert.rejects(create({ name: 'x', scopes: [], expiresAt: new Date('nope') }), {
      code: 'PLINTH_AUTH_TOKENS_CONFIG',
    })
    assert.throws(() => apiKeyAuthenticator({ header: 'Authorization' }), {
      code: 'PLINTH_AUTH_TOKENS_CONFIG',
    })
    assert.throws(() => apiKeyAuthenticator({ header: 'bad header' }), {
      code: 'PLINTH_AUTH_TOKENS_CONFIG',
    })
    const Member = defineModel('TokensTestMember', userFields(), {
      module: 'tokens_test',
      table: 'tokens_test_member',
    })
    const custom = createAuth({ userModel: Member })
    await assert.rejects(createApiKey(custom, { id: 1 } as never, { name: 'x', scopes: [] }), {
      code: 'PLINTH_AUTH_TOKENS_USER_MODEL',
    })
  })
})
