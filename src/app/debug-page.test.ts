import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { HttpError, html } from '../http/index.ts'
import { type RequestOptions, testClient } from '../testing/index.ts'
import { escapeHtml, renderErrorPage, renderNotFoundDebugPage } from './debug-page.ts'
import { createApp } from './index.ts'

/**
 * The HTML answer of a debug-mode app whose `/boom` route throws what `makeError` returns. The
 * error is created here, away from the tests' literals, so the source lines shown around this
 * frame cannot contain the secrets the masking tests look for.
 */
async function debugPage(
  makeError: () => unknown = () => new Error('boom'),
  request: RequestOptions = {},
  path = '/boom',
): Promise<string> {
  const app = createApp({ logger: false, debug: true })
  app.get('/boom', () => {
    throw makeError()
  })
  const client = testClient(app)
  try {
    const res = await client.get(path, {
      ...request,
      headers: { accept: 'text/html', ...request.headers },
    })
    assert.ok(res.status >= 500, `status ${res.status}`)
    return res.text
  } finally {
    await client.close()
  }
}

const tempDir = mkdtempSync(join(tmpdir(), 'plinth-debug-page-'))
after(() => rmSync(tempDir, { recursive: true, force: true }))

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
  })
})

describe('debug page', () => {
  it('shows the throwing line of a real source file, highlighted, with lines around it', async () => {
    const file = join(tempDir, 'thrower.ts')
    writeFileSync(
      file,
      [
        'export function explode(): never {',
        "  const reason = 'kaput'",
        "  throw new RangeError('exploded: ' + reason + ' <now>')",
        '}',
        '',
      ].join('\n'),
    )
    const { explode } = (await import(pathToFileURL(file).href)) as { explode: () => never }
    const page = await debugPage(() => {
      try {
        explode()
      } catch (error) {
        return error
      }
    })
    assert.match(page, /<h1>RangeError<\/h1>/)
    assert.ok(page.includes('exploded: kaput &lt;now&gt;'))
    assert.ok(
      page.includes(
        '<span class="line current" aria-current="true"><span class="ln">3</span>' +
          '  throw new RangeError(&#39;exploded: &#39; + reason + &#39; &lt;now&gt;&#39;)</span>',
      ),
    )
    assert.ok(page.includes(`<span class="ln">2</span>  const reason = &#39;kaput&#39;</span>`))
    assert.match(
      page,
      /<span class="fn">explode<\/span> <span class="where" title="[^"]*thrower\.ts">[^<]*thrower\.ts:3:9</,
    )
  })

  it('marks application frames apart from Node and library frames, with source only for the former', async () => {
    const page = await debugPage()
    assert.match(page, /<details class="frame app" open><summary><span class="badge">app<\/span>/)
    assert.match(page, /<div class="frame node"><div class="loc"><span class="badge">node<\/span>/)
    assert.ok(page.includes('src/app/debug-page.test.ts'))
  })

  it('shows library source lines only when no application frame has any', async () => {
    const library = join(tempDir, 'node_modules', 'fake-lib')
    mkdirSync(library, { recursive: true })
    writeFileSync(
      join(library, 'index.js'),
      'export function go() {\n  throw new Error("in lib")\n}\n',
    )
    const url = pathToFileURL(join(library, 'index.js')).href
    const libraryOnly = Object.assign(new Error('in lib'), {
      stack: `Error: in lib\n    at go (${url}:2:9)\n    at Server.emit (node:events:514:28)`,
    })
    const withApp = Object.assign(new Error('in lib'), {
      stack: `Error: in lib\n    at go (${url}:2:9)\n    at handler (${import.meta.url}:1:1)`,
    })
    const libraryPage = await debugPage(() => libraryOnly)
    assert.match(libraryPage, /<details class="frame library" open>/)
    assert.ok(libraryPage.includes('throw new Error(&quot;in lib&quot;)'))
    const appPage = await debugPage(() => withApp)
    assert.match(appPage, /<div class="frame library">/)
    assert.ok(!appPage.includes('throw new Error(&quot;in lib&quot;)'))
  })

  it('shows the request line, matched route and request id', async () => {
    const page = await debugPage(undefined, {}, '/boom?page=2')
    assert.ok(page.includes('GET /boom?page=2 HTTP/1.1'))
    assert.ok(page.includes('<th scope="row">Route</th><td>GET /boom</td>'))
    assert.match(page, /<th scope="row">Request id<\/th><td>[0-9a-f]{6}-[0-9a-z]+<\/td>/)
  })

  it('shows the cause chain, each cause with its own message and frames', async () => {
    const page = await debugPage(
      () =>
        new Error('could not save order', {
          cause: new TypeError('connection reset', { cause: 'socket hang up' }),
        }),
    )
    assert.ok(page.includes('could not save order'))
    assert.ok(page.includes('<h2>Caused by: TypeError</h2><p class="message">connection reset</p>'))
    assert.ok(page.includes('Caused by › caused by: <small>string</small>'))
    assert.ok(page.includes('&#39;socket hang up&#39;'))
    // The cause was created in the same function: its shared outer frames are not repeated.
    assert.match(page, /… and \d+ more frames, shared with the error above\./)
  })

  it('shows every member of an AggregateError', async () => {
    const page = await debugPage(
      () =>
        new AggregateError(
          [new Error('first replica down'), new RangeError('second replica down')],
          'all replicas failed',
        ),
    )
    assert.match(page, /<h1>AggregateError<\/h1>/)
    assert.ok(
      page.includes('Aggregated error 1 of 2: Error</h2><p class="message">first replica down'),
    )
    assert.ok(
      page.includes(
        'Aggregated error 2 of 2: RangeError</h2><p class="message">second replica down',
      ),
    )
  })

  it('survives a circular cause', async () => {
    const page = await debugPage(() => {
      const error = new Error('loops')
      ;(error as { cause?: unknown }).cause = error
      return error
    })
    assert.ok(page.includes('Caused by: an error shown above (circular).'))
  })

  it('shows a thrown non-error value', async () => {
    const page = await debugPage(() => ({ reason: 'plain object' }))
    assert.ok(page.includes('A non-error value was thrown: <small>object</small>'))
    assert.ok(page.includes('reason: &#39;plain object&#39;'))
  })

  it('shows error properties with sensitive ones masked', async () => {
    const page = await debugPage(
      () =>
        new HttpError(502, 'upstream failed', {
          code: 'upstream_failed',
          details: upstreamDetails(),
        }),
    )
    assert.ok(page.includes('<th scope="row">code</th><td>upstream_failed</td>'))
    assert.ok(page.includes('billing'))
    assert.ok(!page.includes('ak-live-123'))
    assert.ok(!page.includes('pw-456'))
  })
})

describe('debug page safety', () => {
  it('escapes hostile error messages, header values and query values', async () => {
    const page = await debugPage(() => new Error('<script>alert(1)</script>'), {
      headers: { 'x-forwarded-for': '"><img src=x onerror=alert(1)>' },
      query: { q: '</script><script>alert(2)</script>' },
    })
    assert.ok(!page.includes('<script>alert'))
    assert.ok(!page.includes('<img src=x'))
    assert.ok(!page.includes('</script>'))
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))
    assert.ok(page.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'))
    assert.ok(page.includes('&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;'))
  })

  it('masks credentials in headers, cookies, query parameters and the request line', async () => {
    const page = await debugPage(undefined, {
      headers: {
        authorization: 'Bearer abc',
        'proxy-authorization': 'Basic cHJveHk=',
        'x-api-key': 'key-999',
        'x-csrf-token': 'csrf-888',
        cookie: 'sessionid=xyz; theme=dark',
        'x-request-source': 'mobile-app',
      },
      query: { token: 't0k', q: 'lamp' },
    })
    for (const secret of ['Bearer abc', 'cHJveHk=', 'key-999', 'csrf-888', 'xyz', 't0k']) {
      assert.ok(!page.includes(secret), `${secret} is shown`)
    }
    assert.ok(page.includes('<th scope="row">authorization</th><td><span class="masked"'))
    assert.ok(page.includes('<th scope="row">sessionid</th><td><span class="masked"'))
    assert.ok(page.includes('GET /boom?token=********&amp;q=lamp'))
    assert.ok(page.includes('<th scope="row">x-request-source</th><td>mobile-app</td>'))
    assert.ok(page.includes('<th scope="row">theme</th><td>dark</td>'))
    assert.ok(page.includes('<th scope="row">q</th><td>lamp</td>'))
  })
})

describe('production error page', () => {
  it('shows the status, reason and request id, and nothing internal', () => {
    const page = renderErrorPage({
      status: 500,
      message: 'Internal Server Error',
      requestId: 'a1b2c3-9',
    })
    assert.match(page, /<p class="status">500<\/p><h1>Internal Server Error<\/h1>/)
    assert.ok(page.includes('<code>a1b2c3-9</code>'))
    assert.doesNotMatch(page, /\bat |file:|\.ts\b|\.js\b|node:|<script/)
  })

  it('escapes the message and omits the request id when not given', () => {
    const page = renderErrorPage({
      status: 404,
      message: 'No <b>page</b> here',
      requestId: undefined,
    })
    assert.ok(page.includes('<h1>Not Found</h1><p>No &lt;b&gt;page&lt;/b&gt; here</p>'))
    assert.ok(!page.includes('Request id'))
  })
})

describe('error pages through the app', () => {
  function appThatFails(debug: boolean) {
    const app = createApp({ logger: false, debug })
    app.get('/boom', () => {
      throw new Error('ledger out of balance')
    })
    return app
  }

  it('answers browsers with the debug page in debug mode', async () => {
    const client = testClient(appThatFails(true))
    const res = await client.get('/boom', { headers: { accept: 'text/html' } })
    await client.close()
    assert.equal(res.status, 500)
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    assert.ok(res.text.includes('ledger out of balance'))
    assert.match(
      res.text,
      /<span class="where" title="[^"]*debug-page\.test\.ts">src\/app\/debug-page\.test\.ts:\d+:\d+</,
    )
  })

  it('answers browsers with a generic page in production', async () => {
    const client = testClient(appThatFails(false))
    const res = await client.get('/boom', { headers: { accept: 'text/html' } })
    await client.close()
    assert.equal(res.status, 500)
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
    assert.ok(res.text.includes('Internal Server Error'))
    assert.ok(!res.text.includes('ledger out of balance'))
    assert.ok(!res.text.includes('debug-page.test.ts'))
  })

  it('answers API clients with JSON in both modes', async () => {
    for (const debug of [true, false]) {
      const client = testClient(appThatFails(debug))
      const res = await client.get('/boom', { headers: { accept: 'application/json' } })
      await client.close()
      assert.equal(res.status, 500)
      assert.match(String(res.headers['content-type']), /^application\/json/)
      const { error } = res.json()
      assert.equal(error.message, debug ? 'ledger out of balance' : 'Internal Server Error')
      assert.equal(error.debug !== undefined, debug)
    }
  })
})

describe('404 debug page', () => {
  function appWithNotFoundPage() {
    const app = createApp({ logger: false, debug: true })
    app.get('/products', { name: 'product-list' }, () => [])
    app.get('/products/:id', () => {
      throw new HttpError(404, 'No product <7>.')
    })
    app.post('/orders', () => 'created')
    app.errorHandler(404, (error, ctx) =>
      html(
        renderNotFoundDebugPage({ ctx, routes: app.routes(), message: (error as Error).message }),
        { status: 404 },
      ),
    )
    return app
  }

  it('lists the URL patterns tried, in order, for an unmatched path', async () => {
    const client = testClient(appWithNotFoundPage())
    const res = await client.get('/prodcts/<x>?token=t0k')
    await client.close()
    assert.equal(res.status, 404)
    const patterns = [...res.text.matchAll(/<tr><td>\d+<\/td><td>(\w+)<\/td><td>([^<]+)<\/td>/g)]
    assert.deepEqual(
      patterns.map((m) => `${m[1]} ${m[2]}`),
      ['GET /products', 'GET /products/:id', 'POST /orders'],
    )
    assert.ok(res.text.includes('<td>product-list</td>'))
    assert.ok(res.text.includes("The current path, <code>/prodcts/&lt;x&gt;</code>, didn't match"))
    assert.ok(!res.text.includes('t0k'))
  })

  it('names the route whose handler answered 404, with its message', async () => {
    const client = testClient(appWithNotFoundPage())
    const res = await client.get('/products/7')
    await client.close()
    assert.equal(res.status, 404)
    assert.ok(res.text.includes('<p class="message">No product &lt;7&gt;.</p>'))
    assert.ok(res.text.includes('<th scope="row">Raised by</th><td>GET /products/:id</td>'))
    assert.match(res.text, /<tr class="current" aria-current="true"><td>2<\/td>/)
  })
})

/**
 * Error details holding credentials, defined far from where the error is created so that the
 * source lines shown around that frame do not contain them.
 */
function upstreamDetails() {
  return { upstream: 'billing', apiKey: 'ak-live-123', nested: { password: 'pw-456' } }
}
