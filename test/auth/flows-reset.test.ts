/**
 * Password reset by emailed token (catalogue F11) through real HTTP requests and the memory mail
 * backend: the mail, the link, and the attacks — reuse, expiry, another user's token, tampering,
 * login after the mail, unknown and inactive addresses (no enumeration, no mail), Unicode
 * look-alike addresses, and two uses of one link racing.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  checkPasswordReset,
  decodeUid,
  encodeUid,
  passwordResetTokens,
  resetPassword,
  type UserRow,
} from 'plinth/auth'
import { Signer } from 'plinth/http'
import { testClient } from 'plinth/testing'
import { flowsApp, lastResetLink, SECRET } from './flows-support.ts'

const GOOD = 'correct horse battery staple'
const NEW = { newPassword: 'tulip-orbit-basalt', newPasswordConfirm: 'tulip-orbit-basalt' }
const DAY = 24 * 3600 * 1000

async function withUser(options: Parameters<typeof flowsApp>[0] = {}) {
  const setup = await flowsApp(options)
  const ada = (await setup.auth.createUser({
    username: 'ada',
    email: 'ada@example.com',
    password: GOOD,
  })) as UserRow
  return { ...setup, ada, client: testClient(setup.app) }
}

describe('requestPasswordReset()', () => {
  it('mails a link to the stored address; the link sets a new password once', async () => {
    const { client, db, outbox } = await withUser()
    const res = await client.post('/password-reset', { json: { email: 'ADA@EXAMPLE.COM' } })
    assert.equal(res.status, 200)
    assert.equal(outbox.length, 1)
    assert.deepEqual(outbox[0]!.to, ['ada@example.com'])
    assert.equal(outbox[0]!.from, 'Shop <shop@example.com>')
    assert.equal(outbox[0]!.subject, 'Password reset')
    const link = lastResetLink(outbox)
    assert.equal(decodeUid(link.uid), '1')
    assert.match(link.token, /^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/)
    assert.deepEqual((await client.get(link.path)).json(), { valid: true })

    assert.equal((await client.post(link.path, { json: NEW })).status, 200)
    assert.deepEqual((await client.get(link.path)).json(), { valid: false })
    const reuse = await client.post(link.path, { json: { newPassword: 'another-fine-passphrase' } })
    assert.equal(reuse.status, 400)
    assert.equal(reuse.json().error.code, 'invalid_reset_token')
    assert.equal(
      (await client.post('/login', { json: { username: 'ada', password: GOOD } })).status,
      400,
    )
    assert.equal(
      (await client.post('/login', { json: { username: 'ada', password: NEW.newPassword } }))
        .status,
      200,
    )
    await client.close()
    await db.close()
  })

  it('answers the same for unknown, inactive and password-less accounts, and sends nothing', async () => {
    const { client, db, outbox, auth } = await withUser()
    await auth.createUser({
      username: 'gone',
      email: 'gone@example.com',
      password: GOOD,
      isActive: false,
    })
    await auth.createUser({ username: 'social', email: 'social@example.com', password: null })
    const known = await client.post('/password-reset', { json: { email: 'ada@example.com' } })
    assert.equal(outbox.length, 1)
    for (const email of [
      'nobody@example.com',
      'gone@example.com',
      'social@example.com',
      '',
      'x'.repeat(300),
      { $ne: '' },
    ]) {
      const res = await client.post('/password-reset', { json: { email } })
      assert.equal(res.status, known.status)
      assert.equal(res.text, known.text, JSON.stringify(email))
    }
    assert.equal(outbox.length, 1, 'no mail for any of them')
    await client.close()
    await db.close()
  })

  it('never mails an address that only matches after Unicode case mapping', async () => {
    // Django CVE-2019-19844: "mıke" (dotless i) upper-cases to "MIKE".
    const { client, db, outbox, auth } = await withUser()
    await auth.createUser({ username: 'mike', email: 'mike@example.org', password: GOOD })
    await client.post('/password-reset', { json: { email: 'mıke@example.org' } })
    await client.post('/password-reset', { json: { email: 'MİKE@example.org' } })
    assert.equal(outbox.length, 0)
    await client.close()
    await db.close()
  })
})

describe('resetPassword() attacks', () => {
  it('refuses a token older than three days (injected clock)', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z')
    const tokens = passwordResetTokens({ secret: SECRET, now: () => now })
    const { client, db, outbox } = await withUser({ tokens })
    await client.post('/password-reset', { json: { email: 'ada@example.com' } })
    const link = lastResetLink(outbox)
    now += 3 * DAY - 1000
    assert.deepEqual((await client.get(link.path)).json(), { valid: true })
    now += 2000
    const late = await client.post(link.path, { json: NEW })
    assert.equal(late.status, 400)
    assert.equal(late.json().error.code, 'invalid_reset_token')
    await client.close()
    await db.close()
  })

  it("refuses another user's token, tampered tokens and junk without throwing", async () => {
    const { client, db, outbox, auth } = await withUser()
    const bob = await auth.createUser({ username: 'bob', email: 'bob@example.com', password: GOOD })
    await client.post('/password-reset', { json: { email: 'ada@example.com' } })
    const { uid, token } = lastResetLink(outbox)
    const last = token.at(-2) === 'A' ? 'B' : 'A'
    const forged = [
      [encodeUid(bob.id), token], // Ada's token on Bob's id
      [uid, `${token.slice(0, -2)}${last}${token.at(-1)}`], // one character changed
      [
        uid,
        `${(Number.parseInt(token.split('.')[0]!, 36) + 1).toString(36)}.${token.split('.')[1]}`,
      ], // later timestamp
      [uid, token.slice(0, -1)], // wrong length
      [uid, `${token}A`],
      [uid, 'x'],
      [uid, `${token.split('.')[0]}.${'A'.repeat(43)}`],
      ['%00', token],
      ['abc', token], // not an integer id
      [encodeUid(999), token],
      [`${uid}=`, token], // non-canonical uid
    ]
    for (const [u, t] of forged) {
      const res = await client.post(`/reset/${encodeURIComponent(u!)}/${encodeURIComponent(t!)}`, {
        json: NEW,
      })
      assert.equal(res.status, 400, `${u} ${t}`)
      assert.equal(res.json().error.code, 'invalid_reset_token')
    }
    // A token made with another key.
    const other = passwordResetTokens({ secret: 'another-secret-key-of-32-characters!!' })
    const ada = (await auth.findUser({ username: 'ada' }))!
    assert.equal(
      await checkPasswordReset(auth, { uid, token: other.make(ada), secret: SECRET }),
      null,
    )
    assert.equal(await checkPasswordReset(auth, { uid, token: ['array'], secret: SECRET }), null)
    // The genuine one still works after all that.
    assert.equal((await client.post(`/reset/${uid}/${token}`, { json: NEW })).status, 200)
    await client.close()
    await db.close()
  })

  it('stops working once the user has logged in, or changed their email', async () => {
    const { client, db, outbox, auth } = await withUser()
    await client.post('/password-reset', { json: { email: 'ada@example.com' } })
    const first = lastResetLink(outbox)
    assert.equal(
      (await client.post('/login', { json: { username: 'ada', password: GOOD } })).status,
      200,
    )
    assert.deepEqual((await client.get(first.path)).json(), { valid: false })

    await client.post('/password-reset', { json: { email: 'ada@example.com' } })
    const second = lastResetLink(outbox)
    assert.deepEqual((await client.get(second.path)).json(), { valid: true })
    await auth.users().filter({ username: 'ada' }).update({ email: 'ada@new.example' })
    assert.equal((await client.post(second.path, { json: NEW })).status, 400)
    await client.close()
    await db.close()
  })

  it('validates the new password only after the token, and keeps the token on refusal', async () => {
    const { client, db, outbox } = await withUser()
    await client.post('/password-reset', { json: { email: 'ada@example.com' } })
    const link = lastResetLink(outbox)
    const weak = await client.post(link.path, { json: { newPassword: '12345678' } })
    assert.equal(weak.status, 422)
    assert.deepEqual(
      weak
        .json()
        .error.details.map((i: { code: string }) => i.code)
        .sort(),
      ['password_entirely_numeric', 'password_too_common'],
    )
    const huge = await client.post(link.path, { json: { newPassword: 'x'.repeat(100_000) } })
    assert.equal(huge.json().error.details[0].code, 'password_too_long')
    assert.equal((await client.post(link.path, { json: NEW })).status, 200)
    await client.close()
    await db.close()
  })

  it('lets only one of two simultaneous uses of a link win', async () => {
    const { db, outbox, auth, client } = await withUser()
    await client.post('/password-reset', { json: { email: 'ada@example.com' } })
    const { uid, token } = lastResetLink(outbox)
    const results = await Promise.allSettled([
      resetPassword(auth, { uid, token, newPassword: 'first-winner-passphrase', secret: SECRET }),
      resetPassword(auth, { uid, token, newPassword: 'second-winner-passphrase', secret: SECRET }),
    ])
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.equal(rejected.reason.code, 'invalid_reset_token')
    await client.close()
    await db.close()
  })

  it('keeps links working across a key rotation', async () => {
    const { db, auth, client } = await withUser()
    const ada = (await auth.findUser({ username: 'ada' }))!
    const token = passwordResetTokens({ secret: SECRET }).make(ada)
    const rotated = new Signer(['a-brand-new-secret-key-0123456789abcdef', SECRET])
    assert.ok(await checkPasswordReset(auth, { uid: encodeUid(ada.id), token, secret: rotated }))
    assert.equal(
      await checkPasswordReset(auth, {
        uid: encodeUid(ada.id),
        token,
        secret: 'a-brand-new-secret-key-0123456789abcdef',
      }),
      null,
    )
    await client.close()
    await db.close()
  })
})
