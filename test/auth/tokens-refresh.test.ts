/**
 * The refresh-token store on SQLite and PostgreSQL (migrated with the shipped `auth` and
 * `auth_tokens` migrations): only digests stored, rotation within a family, reuse detection that
 * revokes every descendant, concurrent exchanges of one token, expiry, revocation, deactivated
 * users, cascades, clean-up — and the shipped migrations match the models.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it, type TestContext } from 'node:test'
import pg from 'pg'
import {
  authModule,
  createAuth,
  jwtTokens,
  RefreshToken,
  TokenError,
  type TokenPair,
  tokensModule,
  User,
} from 'plinth/auth'
import { makeMigrations, migrate } from 'plinth/migrations'
import { createDatabase, type Database } from 'plinth/orm'
import { isReachable, requireService } from '../support/services.ts'
import { fastHasher } from './support.ts'

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/test'
const PG_NAME = `plinth_tokens_${process.pid}_${randomBytes(3).toString('hex')}`

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex')

async function rejectsWith(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TokenError, `expected TokenError ${code}, got ${String(error)}`)
    assert.equal(error.status, 401)
    assert.equal(error.code, code)
    return true
  })
}

it('the shipped auth_tokens migrations match the models', async () => {
  const result = await makeMigrations({ modules: [authModule, tokensModule], check: true })
  assert.equal(result.changed, false, result.output)
})

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`refresh tokens on ${dialect}`, () => {
    let db: Database
    let available = true

    before(async () => {
      if (dialect === 'postgres') {
        available = await isReachable('postgres')
        if (!available) return
        await adminQuery(`CREATE DATABASE ${PG_NAME}`)
        db = createDatabase(`postgres://postgres@127.0.0.1:5432/${PG_NAME}`)
      } else {
        db = createDatabase('sqlite::memory:')
      }
      await migrate(db, { modules: [authModule, tokensModule] })
    })

    after(async () => {
      if (!available) return
      await db.close()
      if (dialect === 'postgres')
        await adminQuery(`DROP DATABASE IF EXISTS ${PG_NAME} WITH (FORCE)`)
    })

    /** A fresh user and token service; skips (or fails in CI) when PostgreSQL is down. */
    async function setup(t: TestContext) {
      if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return undefined
      const auth = createAuth({ database: db, passwords: fastHasher() })
      const tokens = jwtTokens({
        algorithms: ['HS256'],
        key: randomBytes(32),
        issuer: 'i',
        audience: 'a',
        database: db,
      })
      const username = `u${randomBytes(6).toString('hex')}`
      const user = await auth.createUser({ username, password: 'correct horse battery' })
      const rows = () =>
        RefreshToken.objects.using(db).filter({ userId: user.id }).orderBy('id').all()
      return { auth, tokens, user, rows }
    }

    it('stores only the digest of an opaque 32-byte token', async (t) => {
      const s = await setup(t)
      if (!s) return
      const pair = await s.tokens.issuePair(s.user, { scopes: ['items:read'] })
      assert.match(pair.refreshToken, /^[A-Za-z0-9_-]{43}$/)
      assert.equal(Buffer.from(pair.refreshToken, 'base64url').length, 32)
      const [row] = await s.rows()
      assert.equal(row!.tokenHash, digest(pair.refreshToken))
      assert.ok(!JSON.stringify(row).includes(pair.refreshToken), 'the token itself is stored')
      assert.deepEqual(row!.scopes, ['items:read'])
      assert.equal(pair.tokenType, 'Bearer')
      assert.equal(pair.expiresIn, 900)
      const ttl = row!.expiresAt.getTime() - row!.createdAt.getTime()
      assert.ok(Math.abs(ttl - 14 * 86_400_000) < 60_000, `refresh TTL is ${ttl} ms`)
    })

    it('rotates within a family: old marked used and linked to its successor', async (t) => {
      const s = await setup(t)
      if (!s) return
      const first = await s.tokens.issuePair(s.user, { scopes: ['a', 'b'] })
      const second = await s.tokens.refresh(first.refreshToken)
      const third = await s.tokens.refresh(second.refreshToken, { scopes: ['a'] })
      assert.deepEqual(third.scopes, ['a'])
      assert.equal((await s.tokens.verifyAccessToken(third.accessToken)).sub, String(s.user.id))
      const [r1, r2, r3] = await s.rows()
      assert.equal(new Set([r1!.family, r2!.family, r3!.family]).size, 1)
      assert.ok(r1!.usedAt && r2!.usedAt && r3!.usedAt === null)
      assert.equal(r1!.replacedById, r2!.id)
      assert.equal(r2!.replacedById, r3!.id)
      await assert.rejects(s.tokens.refresh(third.refreshToken, { scopes: ['b'] }), {
        status: 400,
        code: 'invalid_scope',
      })
    })

    it('reuse of a used token revokes the whole family, newest included; other logins survive', async (t) => {
      const s = await setup(t)
      if (!s) return
      const stolen = await s.tokens.issuePair(s.user)
      const other = await s.tokens.issuePair(s.user)
      const legit = await s.tokens.refresh(stolen.refreshToken)
      const newest = await s.tokens.refresh(legit.refreshToken)
      await rejectsWith(s.tokens.refresh(stolen.refreshToken), 'refresh_token_reused')
      await rejectsWith(s.tokens.refresh(newest.refreshToken), 'refresh_token_revoked')
      // legit was used (for newest): presenting it again is a reuse, even after the revocation.
      await rejectsWith(s.tokens.refresh(legit.refreshToken), 'refresh_token_reused')
      const rows = await s.rows()
      const stolenFamily = rows.find((row) => row.tokenHash === digest(stolen.refreshToken))!.family
      const family = rows.filter((row) => row.family === stolenFamily)
      assert.equal(family.length, 3)
      assert.ok(
        family.every((row) => row.revokedAt !== null),
        'every token of the stolen family is revoked',
      )
      assert.ok(
        rows.filter((row) => row.family !== stolenFamily).every((row) => row.revokedAt === null),
      )
      assert.ok(
        (await s.tokens.refresh(other.refreshToken)).accessToken,
        'the other login still works',
      )
    })

    it('two concurrent exchanges of one token: never two valid successors', async (t) => {
      const s = await setup(t)
      if (!s) return
      for (let round = 0; round < 5; round++) {
        const pair = await s.tokens.issuePair(s.user)
        const results: PromiseSettledResult<TokenPair>[] = await Promise.allSettled([
          s.tokens.refresh(pair.refreshToken),
          s.tokens.refresh(pair.refreshToken),
          s.tokens.refresh(pair.refreshToken),
        ])
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        assert.ok(rejected.length >= 2, 'at most one exchange wins')
        for (const r of rejected)
          assert.equal((r.reason as TokenError).code, 'refresh_token_reused')
        // The reuse revoked the family, so even the winner's successor is dead.
        for (const r of results) {
          if (r.status === 'fulfilled')
            await rejectsWith(s.tokens.refresh(r.value.refreshToken), 'refresh_token_revoked')
        }
      }
    })

    it('refuses expired, revoked and unknown tokens', async (t) => {
      const s = await setup(t)
      if (!s) return
      const pair = await s.tokens.issuePair(s.user)
      await RefreshToken.objects
        .using(db)
        .filter({ tokenHash: digest(pair.refreshToken) })
        .update({ expiresAt: new Date(Date.now() - 1000) })
      await rejectsWith(s.tokens.refresh(pair.refreshToken), 'refresh_token_expired')
      const revoked = await s.tokens.issuePair(s.user)
      assert.equal(await s.tokens.revoke(revoked.refreshToken), true)
      await rejectsWith(s.tokens.refresh(revoked.refreshToken), 'refresh_token_revoked')
      assert.equal(await s.tokens.revoke(randomBytes(32).toString('base64url')), false)
      await rejectsWith(
        s.tokens.refresh(randomBytes(32).toString('base64url')),
        'invalid_refresh_token',
      )
      await rejectsWith(s.tokens.refresh(''), 'invalid_refresh_token')
    })

    it('revokeAllForUser logs the user out everywhere', async (t) => {
      const s = await setup(t)
      if (!s) return
      const pairs = [await s.tokens.issuePair(s.user), await s.tokens.issuePair(s.user)]
      assert.equal(await s.tokens.revokeAllForUser(s.user), 2)
      for (const pair of pairs)
        await rejectsWith(s.tokens.refresh(pair.refreshToken), 'refresh_token_revoked')
    })

    it('a deactivated user cannot refresh, and the family is revoked', async (t) => {
      const s = await setup(t)
      if (!s) return
      const pair = await s.tokens.issuePair(s.user)
      await User.objects.using(db).filter({ id: s.user.id }).update({ isActive: false })
      await rejectsWith(s.tokens.refresh(pair.refreshToken), 'invalid_refresh_token')
      await User.objects.using(db).filter({ id: s.user.id }).update({ isActive: true })
      await rejectsWith(s.tokens.refresh(pair.refreshToken), 'refresh_token_revoked')
    })

    it('deleting a user deletes their tokens (cascade); clearExpired deletes expired ones only', async (t) => {
      const s = await setup(t)
      if (!s) return
      await s.tokens.issuePair(s.user)
      await User.objects.using(db).filter({ id: s.user.id }).delete()
      assert.equal((await s.rows()).length, 0)

      const s2 = await setup(t)
      if (!s2) return
      const keep = await s2.tokens.issuePair(s2.user)
      const old = await s2.tokens.issuePair(s2.user)
      await RefreshToken.objects
        .using(db)
        .filter({ tokenHash: digest(old.refreshToken) })
        .update({ expiresAt: new Date(Date.now() - 1000) })
      assert.ok((await s2.tokens.clearExpired()) >= 1)
      assert.deepEqual(
        (await s2.rows()).map((row) => row.tokenHash),
        [digest(keep.refreshToken)],
      )
    })
  })
}
