/**
 * The auth core over real requests: login with session rotation (no fixation), logout that ends
 * the session server-side, guards as dependencies and as middleware, permissions through groups,
 * password changes ending other sessions, rehash on login and the dummy verify for unknown users.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createApp, guard, HttpError } from 'plinth'
import {
  createAuth,
  Group,
  getUser,
  LoginRequiredError,
  type PasswordHasher,
  Permission,
  requireLogin,
  requirePermission,
  requireStaff,
  syncPermissions,
  User,
} from 'plinth/auth'
import { getSession } from 'plinth/sessions'
import { testClient } from 'plinth/testing'
import { authApp, fastHasher } from './support.ts'

const SESSION = '__Host-session'
const closers: Array<() => Promise<void>> = []
after(async () => {
  for (const close of closers) await close()
})

async function setup(options: Parameters<typeof authApp>[0] = {}) {
  const made = await authApp(options)
  closers.push(() => made.db.close())
  const { auth, db } = made
  const ada = await db.scope(() =>
    auth.createUser({
      username: 'ada',
      email: 'ada@example.com',
      password: 'analytical engine 1843',
    }),
  )
  return { ...made, ada }
}

const form = (username: string, password: string) => ({ form: { username, password } })

describe('login and logout', () => {
  it('rotates the session id on login, so a planted session id is worthless (fixation)', async () => {
    const { app } = await setup()
    app.get('/visit', async (ctx) => {
      const session = await getSession(ctx)
      session.set('cart', ['tea'])
      return { ok: true }
    })
    app.get('/me', async (ctx) => {
      const session = await getSession(ctx)
      return { user: (await getUser(ctx))?.username ?? null, cart: session.get('cart') ?? null }
    })
    const client = testClient(app)
    await client.get('/visit')
    const planted = client.cookies.get(SESSION)
    assert.ok(planted, 'an anonymous session exists before login')

    const res = await client.post('/login', form('ada', 'analytical engine 1843'))
    assert.equal(res.status, 303)
    const rotated = client.cookies.get(SESSION)
    assert.ok(rotated && rotated !== planted, 'login issued a new session id')
    assert.deepEqual((await client.get('/me')).json(), { user: 'ada', cart: ['tea'] })

    // The attacker who planted the old id is not logged in with it.
    const attacker = testClient(app)
    attacker.cookies.set(SESSION, planted)
    assert.deepEqual((await attacker.get('/me')).json(), { user: null, cart: null })
    await attacker.close()
    await client.close()
  })

  it('destroys the session on logout: a replayed cookie is anonymous', async () => {
    const { app } = await setup()
    app.get('/me', async (ctx) => ({ user: (await getUser(ctx))?.username ?? null }))
    const client = testClient(app)
    await client.post('/login', form('ada', 'analytical engine 1843'))
    const loggedIn = client.cookies.get(SESSION)!
    assert.deepEqual((await client.get('/me')).json(), { user: 'ada' })
    await client.post('/logout')
    assert.deepEqual((await client.get('/me')).json(), { user: null })

    const replay = testClient(app)
    const res = await replay.get('/me', { headers: { cookie: `${SESSION}=${loggedIn}` } })
    assert.deepEqual(res.json(), { user: null })
    await replay.close()
    await client.close()
  })

  it('refuses wrong passwords, unknown users and inactive users alike', async () => {
    const { app, auth, db } = await setup()
    await db.scope(() =>
      auth.createUser({ username: 'grace', password: 'cobol compiler 1959', isActive: false }),
    )
    const client = testClient(app)
    for (const [user, pass] of [
      ['ada', 'wrong password here'],
      ['nobody', 'analytical engine 1843'],
      ['grace', 'cobol compiler 1959'],
      ['', ''],
    ] as const) {
      const res = await client.post('/login', form(user, pass))
      assert.equal(res.status, 400, `${user}/${pass}`)
      assert.equal(res.json().error.code, 'bad_login')
    }
    assert.equal(client.cookies.get(SESSION), undefined, 'no session was created')
    await client.close()
  })

  it('records the last login', async () => {
    const { app, db } = await setup()
    const client = testClient(app)
    await client.post('/login', form('ada', 'analytical engine 1843'))
    const ada = await User.objects.using(db).get({ username: 'ada' })
    assert.ok(ada.lastLogin instanceof Date)
    await client.close()
  })
})

describe('passwords at login', () => {
  it('upgrades a hash made with older parameters on a successful login', async () => {
    const { app, auth, db } = await setup({ passwords: fastHasher(2 ** 11) })
    const weak = await fastHasher(2 ** 10).hash('babbage difference 1822')
    await User.objects.using(db).create({ username: 'charles', password: weak })
    const client = testClient(app)
    assert.equal(
      (await client.post('/login', form('charles', 'babbage difference 1822'))).status,
      303,
    )
    const stored = (await User.objects.using(db).get({ username: 'charles' })).password
    assert.notEqual(stored, weak)
    assert.match(stored, /^\$scrypt\$ln=11,/)
    assert.deepEqual(await auth.passwords.verify('babbage difference 1822', stored), {
      ok: true,
      needsRehash: false,
    })
    await client.close()
  })

  it('spends a dummy verification on unknown users (no timing oracle)', async () => {
    const real = fastHasher()
    let dummies = 0
    const spy: PasswordHasher = {
      ...real,
      hash: (p) => real.hash(p),
      verify: (p, s) => real.verify(p, s),
      needsRehash: (s) => real.needsRehash(s),
      dummyVerify: async (p) => {
        dummies++
        await real.dummyVerify(p)
      },
    }
    const { auth, db } = await setup({ passwords: spy })
    await db.scope(async () => {
      assert.equal(await auth.authenticate({ username: 'nobody', password: 'x' }), null)
      assert.equal(dummies, 1)
      assert.ok(await auth.authenticate({ username: 'ada', password: 'analytical engine 1843' }))
      assert.equal(dummies, 1, 'a known user costs a real verification, not a dummy one')
    })
  })

  it('ends the other sessions when the password changes, keeping none logged in with the old one', async () => {
    const { app, auth, db } = await setup()
    app.get('/me', async (ctx) => ({ user: (await getUser(ctx))?.username ?? null }))
    const laptop = testClient(app)
    await laptop.post('/login', form('ada', 'analytical engine 1843'))
    assert.deepEqual((await laptop.get('/me')).json(), { user: 'ada' })
    const ada = await User.objects.using(db).get({ username: 'ada' })
    await db.scope(() => auth.setPassword(ada, 'a brand new passphrase'))
    assert.deepEqual((await laptop.get('/me')).json(), { user: null })
    await laptop.close()
  })

  it('ends the sessions of a user who was deactivated', async () => {
    const { app, db } = await setup()
    app.get('/me', async (ctx) => ({ user: (await getUser(ctx))?.username ?? null }))
    const client = testClient(app)
    await client.post('/login', form('ada', 'analytical engine 1843'))
    await User.objects.using(db).filter({ username: 'ada' }).update({ isActive: false })
    assert.deepEqual((await client.get('/me')).json(), { user: null })
    await client.close()
  })

  it('gives accounts created without a password no way to log in with one', async () => {
    const { auth, db } = await setup()
    await db.scope(async () => {
      const social = await auth.createUser({ username: 'oidc-user', password: null })
      assert.match(social.password, /^!/)
      for (const guess of ['', '!', social.password, 'null']) {
        assert.equal(await auth.authenticate({ username: 'oidc-user', password: guess }), null)
      }
    })
  })

  it('logs in by email, case-insensitively, when configured', async () => {
    const { auth, db } = await setup({ loginField: 'email' })
    await db.scope(async () => {
      const user = await auth.authenticate({
        username: 'ADA@example.com',
        password: 'analytical engine 1843',
      })
      assert.equal(user?.username, 'ada')
    })
  })
})

describe('guards', () => {
  it('requireLogin works as a dependency (its value is the user) and as middleware', async () => {
    const { app } = await setup()
    app.get('/dep', { deps: { user: requireLogin } }, (ctx) => ({ name: ctx.deps.user.username }))
    app.get('/mw', { middleware: [requireLogin] }, () => ({ ok: true }))
    const client = testClient(app)
    for (const path of ['/dep', '/mw']) {
      const res = await client.get(path)
      assert.equal(res.status, 401, path)
      assert.equal(res.json().error.code, 'login_required')
    }
    await client.post('/login', form('ada', 'analytical engine 1843'))
    assert.deepEqual((await client.get('/dep')).json(), { name: 'ada' })
    assert.deepEqual((await client.get('/mw')).json(), { ok: true })
    await client.close()
  })

  it('redirects browsers to loginUrl with a next path, and keeps 401 for API clients', async () => {
    const { app } = await setup({ loginUrl: '/login' })
    app.get('/account', { deps: { user: requireLogin } }, () => ({ ok: true }))
    const client = testClient(app)
    const page = await client.get('/account?tab=orders', { headers: { accept: 'text/html' } })
    assert.equal(page.status, 303)
    assert.equal(page.headers.location, '/login?next=%2Faccount%3Ftab%3Dorders')
    assert.equal(
      (await client.get('/account', { headers: { accept: 'application/json' } })).status,
      401,
    )
    assert.equal((await client.post('/account', { headers: { accept: 'text/html' } })).status, 405)
    await client.close()
  })

  it('requireStaff refuses non-staff with 403 and anonymous with 401', async () => {
    const { app, auth, db } = await setup()
    await db.scope(() =>
      auth.createUser({ username: 'root', password: 'staff member pass', isStaff: true }),
    )
    app.get('/admin', { middleware: [requireStaff] }, () => ({ ok: true }))
    const client = testClient(app)
    assert.equal((await client.get('/admin')).status, 401)
    await client.post('/login', form('ada', 'analytical engine 1843'))
    const refused = await client.get('/admin')
    assert.equal(refused.status, 403)
    assert.equal(refused.json().error.code, 'staff_required')
    await client.post('/login', form('root', 'staff member pass'))
    assert.equal((await client.get('/admin')).status, 200)
    await client.close()
  })

  it('requirePermission grants through groups and direct permissions; superusers have all', async () => {
    const { app, auth, db, ada } = await setup()
    await db.scope(async () => {
      await syncPermissions({ models: [User, Group] })
      await auth.createUser({ username: 'boss', password: 'superuser pass 1', isSuperuser: true })
    })
    const canChange = requirePermission('auth.change_user')
    app.put('/users/:id', { deps: { user: canChange } }, (ctx) => ({ by: ctx.deps.user.username }))
    const client = testClient(app)
    await client.post('/login', form('ada', 'analytical engine 1843'))
    const denied = await client.put('/users/1')
    assert.equal(denied.status, 403)
    assert.deepEqual(denied.json().error.details, { required: ['auth.change_user'] })

    // Through a group.
    await db.scope(async () => {
      const editors = await Group.objects.create({ name: 'editors' })
      const perm = await Permission.objects.get({ module: 'auth', codename: 'change_user' })
      await editors.related('permissions').add(perm)
      await ada.related('groups').add(editors)
    })
    assert.deepEqual((await client.put('/users/1')).json(), { by: 'ada' })

    // A superuser needs no grant.
    await client.post('/login', form('boss', 'superuser pass 1'))
    assert.deepEqual((await client.put('/users/1')).json(), { by: 'boss' })
    await client.close()
  })

  it('consults the object-permission hook for object-level checks', async () => {
    const { auth, db, ada } = await setup({
      objectPermission: (user, permission, object) =>
        permission === 'app.change_note' && (object as { owner: string }).owner === user.username,
    })
    await db.scope(async () => {
      assert.equal(await auth.hasPermissions(ada, ['app.change_note'], { owner: 'ada' }), true)
      assert.equal(await auth.hasPermissions(ada, ['app.change_note'], { owner: 'bob' }), false)
      assert.equal(await auth.hasPermissions(ada, ['app.change_note']), false)
    })
  })

  it('lets users write their own guards the same way', async () => {
    const { app } = await setup()
    const requireAda = guard(async (ctx) => {
      const user = await getUser(ctx)
      if (user?.username !== 'ada') throw new HttpError(403, 'Only Ada.')
      return user
    })
    app.get('/ada', { deps: { ada: requireAda } }, (ctx) => ({ hi: ctx.deps.ada.username }))
    const client = testClient(app)
    assert.equal((await client.get('/ada')).status, 403)
    await client.post('/login', form('ada', 'analytical engine 1843'))
    assert.deepEqual((await client.get('/ada')).json(), { hi: 'ada' })
    await client.close()
  })

  it('marks pages for a logged-in user Cache-Control: private', async () => {
    const { app } = await setup()
    app.get('/me', async (ctx) => ({ user: (await getUser(ctx))?.username ?? null }))
    app.get('/public', () => ({ ok: true }))
    const client = testClient(app)
    await client.post('/login', form('ada', 'analytical engine 1843'))
    assert.equal((await client.get('/me')).headers['cache-control'], 'private')
    assert.equal((await client.get('/public')).headers['cache-control'], undefined)
    await client.close()
  })

  it('tells the developer when the auth middleware is missing', async () => {
    const bare = createApp({ logger: false, debug: true })
    bare.get('/x', { deps: { user: requireLogin } }, () => 1)
    const client = testClient(bare)
    const res = await client.get('/x')
    assert.equal(res.status, 500)
    assert.match(res.text, /app\.use\(auth\.middleware\)/)
    await client.close()
  })

  it('exports the error guards throw, for error handlers', () => {
    const error = new LoginRequiredError()
    assert.equal(error.status, 401)
    assert.equal(error.code, 'login_required')
  })
})

describe('configuration', () => {
  it('refuses a user model without the auth fields, and bad options', () => {
    assert.throws(() => createAuth({ userModel: Group as never }), {
      code: 'PLINTH_AUTH_USER_MODEL',
    })
    assert.throws(() => createAuth({ loginField: 'phone' as never }), {
      code: 'PLINTH_AUTH_CONFIG',
    })
    assert.throws(() => createAuth({ loginUrl: 'https://evil.example/login' }), {
      code: 'PLINTH_AUTH_CONFIG',
    })
    assert.throws(() => createAuth({ authenticators: [] }), { code: 'PLINTH_AUTH_CONFIG' })
    assert.throws(() => requirePermission('change user'), { code: 'PLINTH_AUTH_PERMISSION_NAME' })
  })

  it('syncPermissions creates view/add/change/delete once per model', async () => {
    const { db } = await setup()
    await db.scope(async () => {
      assert.equal(await syncPermissions({ models: [User, Group] }), 8)
      assert.equal(await syncPermissions({ models: [User, Group] }), 0)
      const names = (await Permission.objects.filter({ model: 'Group' }).all()).map(
        (p) => `${p.module}.${p.codename}`,
      )
      assert.deepEqual(names.sort(), [
        'auth.add_group',
        'auth.change_group',
        'auth.delete_group',
        'auth.view_group',
      ])
    })
  })
})
