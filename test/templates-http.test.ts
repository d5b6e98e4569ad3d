/**
 * Templates in an app: `templates(env)` + `render(ctx, …)` answer HTML with the request helpers
 * (`url()`, `{% url %}`, `static()`, `{% csrf_token %}`, `request`) and escape request data.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CSRF_TOKEN_KEY, createApp, render, renderStream, templates } from '../src/index.ts'
import { createEnvironment, memoryLoader } from '../src/templates/index.ts'
import { testClient } from '../src/testing/index.ts'

function app() {
  const env = createEnvironment({
    loader: memoryLoader({
      'page.html':
        '<a href="{{ url("item", id=item.id) }}">{{ item.name }}</a>|{% url "item" 7 %}|{{ static("css/site.css") }}|{{ request.path }}|{% csrf_token %}',
      'missing.html': '<p>{{ message }}</p>',
      'rows.html': '<ul>{% for r in rows %}<li>{{ r }}</li>{% endfor %}</ul>{{ request.path }}',
    }),
  })
  const a = createApp({ logger: false })
  a.register(templates(env))
  a.use((ctx, next) => {
    if (ctx.path === '/with-token') ctx.state[CSRF_TOKEN_KEY] = 'tok123'
    return next()
  })
  a.get('/items/:id', { name: 'item' }, (ctx) =>
    render(ctx, 'page.html', { item: { id: ctx.params.id, name: '<b>x</b>' } }),
  )
  a.get('/with-token', (ctx) => render(ctx, 'page.html', { item: { id: 1, name: 'n' } }))
  a.get('/gone', (ctx) =>
    render(ctx, 'missing.html', { message: 'No such thing.' }, { status: 404 }),
  )
  a.get('/rows', (ctx) =>
    renderStream(ctx, 'rows.html', {
      rows: (async function* () {
        for (let i = 0; i < 2000; i++) yield `<row ${i}>`
      })(),
    }),
  )
  return a
}

describe('templates in an app', () => {
  it('renders with url, static, request and escaping', async () => {
    const client = testClient(app())
    try {
      const res = await client.get('/items/3')
      assert.equal(res.status, 200)
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
      assert.equal(
        res.text,
        '<a href="/items/3">&lt;b&gt;x&lt;/b&gt;</a>|/items/7|/static/css/site.css|/items/3|',
      )
      const withToken = await client.get('/with-token')
      assert.match(withToken.text, /<input type="hidden" name="csrf_token" value="tok123">$/)
      const rows = await client.get('/rows')
      assert.equal(rows.headers['content-type'], 'text/html; charset=utf-8', rows.text)
      assert.match(rows.text, /^<ul><li>&lt;row 0&gt;<\/li>/)
      assert.match(rows.text, /<li>&lt;row 1999&gt;<\/li><\/ul>\/rows$/)
      const gone = await client.get('/gone')
      assert.equal(gone.status, 404)
      assert.equal(gone.text, '<p>No such thing.</p>')
    } finally {
      await client.close()
    }
  })

  it('refuses static paths climbing out and says when the plugin is missing', async () => {
    const env = createEnvironment({
      loader: memoryLoader({ 'x.html': '{{ static("../secret") }}' }),
    })
    const a = createApp({ logger: false })
    a.register(templates(env))
    a.get('/x', (ctx) => render(ctx, 'x.html'))
    const bare = createApp({ logger: false })
    bare.get('/y', (ctx) => render(ctx, 'x.html'))
    const client = testClient(a)
    const other = testClient(bare)
    try {
      assert.equal((await client.get('/x')).status, 500)
      assert.equal((await other.get('/y')).status, 500)
    } finally {
      await client.close()
      await other.close()
    }
  })
})
