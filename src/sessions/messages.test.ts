/**
 * Flash messages: queued in one request, shown (escaped) and removed by the next, bounded, and
 * checked at flash time.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp, render, templates } from '../app/index.ts'
import { redirect } from '../http/index.ts'
import { createEnvironment, memoryLoader } from '../templates/index.ts'
import { testClient } from '../testing/index.ts'
import { consumeMessages, flash, MAX_QUEUED_MESSAGES, type MessageLevel } from './messages.ts'
import { getSession, sessions } from './middleware.ts'

function messagesApp() {
  const app = createApp({ logger: false })
  const env = createEnvironment({
    loader: memoryLoader({
      'page.html':
        '{% for m in messages %}<p class="{{ m.level }}">{{ m.message }}</p>{% else %}none{% endfor %}',
    }),
  })
  app.register(templates(env))
  app.use(sessions({ store: 'memory' }))
  app.post('/save', async (ctx) => {
    await flash(ctx, 'Saved <b>draft</b>.', 'success')
    await flash(ctx, 'Check your email.')
    return redirect('/page')
  })
  app.post('/flash', async (ctx) => {
    const { level, message, count } = ctx.query as Record<string, string>
    for (let i = 0; i < Number(count ?? 1); i++)
      await flash(ctx, count ? `${message} ${i}` : message!, level as MessageLevel)
    return { ok: true }
  })
  app.get('/page', async (ctx) =>
    render(ctx, 'page.html', { messages: await consumeMessages(ctx) }),
  )
  app.get('/json', async (ctx) => consumeMessages(ctx))
  app.post('/junk', async (ctx) => {
    const junk = [
      { level: 'evil', message: 'x' },
      { level: 'info', message: 1 },
      'x',
      null,
      { level: 'info', message: 'ok' },
    ]
    ;(await getSession(ctx)).set('plinth.messages', junk)
    return { ok: true }
  })
  return app
}

describe('flash messages', () => {
  it('shows queued messages once on the next page, escaped, oldest first', async () => {
    const client = testClient(messagesApp())
    const saved = await client.post('/save')
    assert.equal(saved.status, 302)
    const page = await client.get('/page')
    assert.equal(
      page.text,
      '<p class="success">Saved &lt;b&gt;draft&lt;/b&gt;.</p><p class="info">Check your email.</p>',
    )
    assert.equal(page.headers.vary, 'Cookie')
    assert.equal((await client.get('/page')).text, 'none', 'consumed: shown once')
    await client.close()
  })

  it('supports every level and returns plain objects', async () => {
    const client = testClient(messagesApp())
    for (const level of ['debug', 'info', 'success', 'warning', 'error'])
      await client.post('/flash', { query: { level, message: level } })
    assert.deepEqual(
      (await client.get('/json')).json(),
      ['debug', 'info', 'success', 'warning', 'error'].map((level) => ({ level, message: level })),
    )
    await client.close()
  })

  it('consuming when nothing is queued creates no session', async () => {
    const client = testClient(messagesApp())
    const res = await client.get('/json')
    assert.deepEqual(res.json(), [])
    assert.equal(res.headers['set-cookie'], undefined)
    await client.close()
  })

  it('removes the session cookie once the last message is consumed from an otherwise empty session', async () => {
    const client = testClient(messagesApp())
    await client.post('/flash', { query: { message: 'hi' } })
    assert.ok(client.cookies.get('__Host-session'))
    await client.get('/page')
    assert.equal(client.cookies.get('__Host-session'), undefined)
    await client.close()
  })

  it(`keeps at most ${MAX_QUEUED_MESSAGES} messages, dropping the oldest`, async () => {
    const client = testClient(messagesApp())
    await client.post('/flash', {
      query: { message: 'm', count: String(MAX_QUEUED_MESSAGES + 10) },
    })
    const messages = (await client.get('/json')).json() as Array<{ message: string }>
    assert.equal(messages.length, MAX_QUEUED_MESSAGES)
    assert.equal(messages[0]!.message, 'm 10')
    await client.close()
  })

  it('skips malformed entries left under the messages key', async () => {
    const client = testClient(messagesApp())
    await client.post('/junk')
    assert.deepEqual((await client.get('/json')).json(), [{ level: 'info', message: 'ok' }])
    await client.close()
  })

  it('refuses an unknown level or a non-string message', async () => {
    const app = createApp({ logger: false })
    app.use(sessions({ store: 'memory' }))
    const errors: unknown[] = []
    app.get('/', async (ctx) => {
      for (const call of [
        () => flash(ctx, 'x', 'critical' as MessageLevel),
        () => flash(ctx, 'x', '__proto__' as MessageLevel),
        () => flash(ctx, { toString: () => 'x' } as unknown as string),
      ])
        await call().catch((error: unknown) => errors.push(error))
      return { ok: true }
    })
    const client = testClient(app)
    await client.get('/')
    assert.equal(errors.length, 3)
    for (const error of errors)
      assert.equal((error as { code?: string }).code, 'PLINTH_SESSIONS_INVALID_MESSAGE')
    await client.close()
  })
})
