/**
 * Sign-up, login and password change through real HTTP requests on SQLite: field errors in the
 * ValidationError shape, privilege fields a form cannot set, the length cap before hashing, and
 * a password change that keeps this session and ends the others.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type PlinthError, ValidationError } from 'plinth'
import { createAuth, signUp } from 'plinth/auth'
import { testClient } from 'plinth/testing'
import { countingHasher, flowsApp } from './flows-support.ts'

const GOOD = 'correct horse battery staple'

interface Issue {
  location: string
  path: string[]
  message: string
  code: string
}

function issuesOf(response: { json(): any }): Issue[] {
  return response.json().error.details as Issue[]
}

function codes(issues: Issue[]): string[] {
  return issues.map((i) => `${i.path.join('.')}:${i.code}`).sort()
}

describe('signUp()', () => {
  it('creates the user with a hashed password and logs them in', async () => {
    const { app, db, auth } = await flowsApp()
    const client = testClient(app)
    const res = await client.post('/signup', {
      json: {
        username: 'ada',
        email: 'Ada@Example.COM',
        password: GOOD,
        passwordConfirm: GOOD,
        firstName: 'Ada',
      },
    })
    assert.equal(res.status, 200, res.text)
    assert.equal(res.json().username, 'ada')
    const user = await auth.findUser({ username: 'ada' })
    assert.ok(user)
    assert.match(String(user.password), /^\$scrypt\$/)
    assert.notEqual(user.password, GOOD)
    assert.equal(user.email, 'Ada@example.com') // the domain is lower-cased, the local part kept
    assert.equal(user.firstName, 'Ada')
    assert.equal(user.isStaff, false)
    assert.equal((await client.get('/me')).json().username, 'ada')
    await client.close()
    await db.close()
  })

  it('reports every problem at once, per field, in the ValidationError shape', async () => {
    const { app, db, passwords } = await flowsApp()
    const client = testClient(app)
    const res = await client.post('/signup', {
      json: {
        username: 'bad name!',
        email: 'not-an-email',
        password: '12345678',
        passwordConfirm: '1234',
      },
    })
    assert.equal(res.status, 422)
    assert.equal(res.json().error.code, 'validation_error')
    const issues = issuesOf(res)
    assert.ok(issues.every((i) => i.location === 'body' && typeof i.message === 'string'))
    assert.deepEqual(codes(issues), [
      'email:invalid_email',
      'password:password_entirely_numeric',
      'password:password_too_common',
      'passwordConfirm:password_mismatch',
      'username:invalid',
    ])
    assert.equal(
      issues.find((i) => i.path[0] === 'username')?.message,
      'Use only letters, digits and @ . + - _.',
    )
    assert.equal(passwords.hashes, 0, 'nothing is hashed when the form is refused')
    await client.close()
    await db.close()
  })

  it('refuses a taken user name case-insensitively and after NFKC normalisation', async () => {
    const { app, db } = await flowsApp()
    const client = testClient(app)
    assert.equal(
      (await client.post('/signup', { json: { username: 'ada', password: GOOD } })).status,
      200,
    )
    for (const username of ['ada', 'ADA', 'ａｄａ']) {
      const res = await testClient(app).post('/signup', { json: { username, password: GOOD } })
      assert.equal(res.status, 422, username)
      assert.deepEqual(codes(issuesOf(res)), ['username:username_taken'], username)
      assert.equal(issuesOf(res)[0]?.message, 'A user with that user name already exists.')
    }
    await client.close()
    await db.close()
  })

  it('refuses passwords similar to the user name or email, too short, or missing', async () => {
    const { app, db } = await flowsApp()
    const client = testClient(app)
    const similar = await client.post('/signup', {
      json: { username: 'lovelace', email: 'ada.lovelace@example.com', password: 'lovelace1' },
    })
    assert.deepEqual(codes(issuesOf(similar)), ['password:password_too_similar'])
    const short = await client.post('/signup', { json: { username: 'ada', password: 'xK9#' } })
    assert.deepEqual(codes(issuesOf(short)), ['password:password_too_short'])
    const missing = await client.post('/signup', { json: { username: 'ada' } })
    assert.deepEqual(codes(issuesOf(missing)), ['password:required'])
    const typed = await client.post('/signup', { json: { username: ['ada'], password: { x: 1 } } })
    assert.deepEqual(codes(issuesOf(typed)), ['password:required', 'username:required'])
    await client.close()
    await db.close()
  })

  it('never lets a form set privilege fields (mass assignment)', async () => {
    const { app, db, auth } = await flowsApp()
    const client = testClient(app)
    const res = await client.post('/signup', {
      json: {
        username: 'mallory',
        password: GOOD,
        isStaff: true,
        isSuperuser: true,
        isActive: false,
        id: 999,
        lastLogin: '2000-01-01T00:00:00Z',
      },
    })
    assert.equal(res.status, 200, res.text)
    const user = await auth.findUser({ username: 'mallory' })
    assert.ok(user)
    assert.deepEqual([user.isStaff, user.isSuperuser, user.isActive], [false, false, true])
    assert.notEqual(user.id, 999)
    await assert.rejects(
      signUp(auth, { username: 'x', password: GOOD }, { fields: ['isStaff'] }),
      (error: PlinthError) =>
        error.code === 'PLINTH_AUTH_FLOW_CONFIG' && /grants privileges/.test(error.message),
    )
    await client.close()
    await db.close()
  })

  it('refuses a 1 MB password before hashing it', async () => {
    const { db, auth, passwords } = await flowsApp()
    const huge = 'a1!'.repeat(350_000)
    await assert.rejects(
      signUp(auth, { username: 'ada', password: huge }),
      (error: ValidationError) => {
        assert.ok(error instanceof ValidationError)
        assert.deepEqual(
          error.issues.map((i) => i.code),
          ['password_too_long'],
        )
        return true
      },
    )
    assert.equal(passwords.hashes, 0)
    await db.close()
  })

  it('requires a unique email when people log in with it', async () => {
    const { app, db } = await flowsApp({ loginField: 'email' })
    const client = testClient(app)
    const none = await client.post('/signup', { json: { username: 'ada', password: GOOD } })
    assert.deepEqual(codes(issuesOf(none)), ['email:required'])
    assert.equal(
      (
        await client.post('/signup', {
          json: { username: 'ada', email: 'ada@example.com', password: GOOD },
        })
      ).status,
      200,
    )
    const taken = await testClient(app).post('/signup', {
      json: { username: 'ada2', email: 'ADA@example.com', password: GOOD },
    })
    assert.deepEqual(codes(issuesOf(taken)), ['email:email_taken'])
    await client.close()
    await db.close()
  })

  it('needs the request to log in, and works without one otherwise', async () => {
    const db = (await flowsApp()).db
    const auth = createAuth({ database: db, passwords: countingHasher() })
    await assert.rejects(
      signUp(auth, { username: 'ada', password: GOOD }, { login: true }),
      (error: PlinthError) => error.code === 'PLINTH_AUTH_FLOW_CONFIG',
    )
    const user = await signUp(auth, { username: 'ada', password: GOOD })
    assert.equal(user.username, 'ada')
    await db.close()
  })
})

describe('attemptLogin()', () => {
  it('logs in on a fresh session id and answers every bad login the same way', async () => {
    const { app, db } = await flowsApp()
    const client = testClient(app)
    await client.post('/signup', { json: { username: 'ada', password: GOOD } })
    await client.post('/logout')
    const anonymous = testClient(app)
    await anonymous.get('/me')
    const unknown = await anonymous.post('/login', { json: { username: 'nobody', password: GOOD } })
    const wrong = await anonymous.post('/login', {
      json: { username: 'ada', password: 'wrong password' },
    })
    const junk = await anonymous.post('/login', {
      json: { username: { $ne: '' }, password: ['x'] },
    })
    for (const res of [unknown, wrong, junk]) {
      assert.equal(res.status, 400)
      assert.deepEqual(res.json().error, {
        status: 400,
        code: 'invalid_credentials',
        message: 'Wrong user name or password.',
      })
    }
    const before = anonymous.cookies.get('session')
    const ok = await anonymous.post('/login', { json: { username: 'ada', password: GOOD } })
    assert.equal(ok.status, 200, ok.text)
    assert.notEqual(anonymous.cookies.get('session'), before)
    assert.equal((await anonymous.get('/me')).json().username, 'ada')
    await client.close()
    await anonymous.close()
    await db.close()
  })

  it('answers a 1 MB password like any wrong one (the hasher refuses it before hashing)', async () => {
    const { app, db, auth } = await flowsApp()
    await auth.createUser({ username: 'ada', password: GOOD })
    const client = testClient(app)
    const huge = await client.post('/login', {
      json: { username: 'ada', password: 'a'.repeat(1_000_000) },
    })
    const wrong = await client.post('/login', { json: { username: 'ada', password: 'wrong' } })
    assert.equal(huge.status, 400)
    assert.equal(huge.text, wrong.text)
    await client.close()
    await db.close()
  })

  it('refuses inactive users with the same answer as a wrong password', async () => {
    const { app, db, auth } = await flowsApp()
    await auth.createUser({ username: 'gone', password: GOOD, isActive: false })
    const client = testClient(app)
    const res = await client.post('/login', { json: { username: 'gone', password: GOOD } })
    assert.equal(res.status, 400)
    assert.equal(res.json().error.code, 'invalid_credentials')
    await client.close()
    await db.close()
  })
})

describe('changePassword()', () => {
  it('keeps this session logged in (new id) and logs out the other sessions', async () => {
    const { app, db, auth } = await flowsApp()
    await auth.createUser({ username: 'ada', password: GOOD })
    const laptop = testClient(app)
    const phone = testClient(app)
    for (const client of [laptop, phone]) {
      assert.equal(
        (await client.post('/login', { json: { username: 'ada', password: GOOD } })).status,
        200,
      )
    }
    const before = laptop.cookies.get('session')
    const res = await laptop.post('/password', {
      json: {
        oldPassword: GOOD,
        newPassword: 'tulip-orbit-basalt',
        newPasswordConfirm: 'tulip-orbit-basalt',
      },
    })
    assert.equal(res.status, 200, res.text)
    assert.notEqual(laptop.cookies.get('session'), before, 'the session id is rotated')
    assert.equal((await laptop.get('/me')).status, 200)
    assert.equal((await phone.get('/me')).status, 401, 'other sessions end')
    const fresh = testClient(app)
    assert.equal(
      (await fresh.post('/login', { json: { username: 'ada', password: GOOD } })).status,
      400,
    )
    assert.equal(
      (await fresh.post('/login', { json: { username: 'ada', password: 'tulip-orbit-basalt' } }))
        .status,
      200,
    )
    for (const client of [laptop, phone, fresh]) await client.close()
    await db.close()
  })

  it('requires a login, the right old password and a valid new one', async () => {
    const { app, db, auth, passwords } = await flowsApp()
    await auth.createUser({ username: 'ada', password: GOOD })
    const client = testClient(app)
    const anonymous = await client.post('/password', {
      json: { oldPassword: GOOD, newPassword: 'tulip-orbit-basalt' },
    })
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.json().error.code, 'login_required')
    await client.post('/login', { json: { username: 'ada', password: GOOD } })
    const hashes = passwords.hashes
    const wrongOld = await client.post('/password', {
      json: { oldPassword: 'nope', newPassword: 'tulip-orbit-basalt' },
    })
    assert.equal(wrongOld.status, 422)
    assert.deepEqual(codes(issuesOf(wrongOld)), ['oldPassword:password_incorrect'])
    const weak = await client.post('/password', {
      json: { oldPassword: GOOD, newPassword: 'password', newPasswordConfirm: 'passw0rd' },
    })
    assert.deepEqual(codes(issuesOf(weak)), [
      'newPassword:password_too_common',
      'newPasswordConfirm:password_mismatch',
    ])
    const huge = await client.post('/password', {
      json: { oldPassword: GOOD, newPassword: 'x'.repeat(100_000) },
    })
    assert.deepEqual(codes(issuesOf(huge)), ['newPassword:password_too_long'])
    assert.equal(passwords.hashes, hashes, 'nothing was hashed')
    assert.equal((await client.get('/me')).status, 200, 'still logged in with the old password')
    await client.close()
    await db.close()
  })
})
