import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, it } from 'node:test'
import { createApp } from 'plinth'
import { testClient } from 'plinth/testing'
import { z } from 'zod'
import { openapi } from './plugin.ts'

const distVersion = (
  JSON.parse(
    readFileSync(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'), 'utf8'),
  ) as { version: string }
).version

function appWithDocs(options: Partial<Parameters<typeof openapi>[0]> = {}) {
  const app = createApp({ logger: false })
  app.register(openapi({ title: 'Shop <API>', version: '1.0.0', ...options }))
  app.get('/products/:id', { params: z.object({ id: z.coerce.number() }) }, (ctx) => ({
    id: ctx.params.id,
  }))
  return app
}

describe('openapi plugin: document route', () => {
  it('serves the document as JSON, including routes registered after the plugin', async () => {
    const client = testClient(appWithDocs())
    const res = await client.get('/openapi.json')
    assert.equal(res.status, 200)
    assert.match(String(res.headers['content-type']), /^application\/json/)
    const doc = res.json()
    assert.equal(doc.openapi, '3.1.0')
    assert.equal(doc.info.title, 'Shop <API>')
    assert.deepEqual(Object.keys(doc.paths), ['/products/{id}'])
  })

  it('keeps its own routes out of the document', async () => {
    const client = testClient(appWithDocs())
    const doc = (await client.get('/openapi.json')).json()
    assert.doesNotMatch(JSON.stringify(doc.paths), /openapi\.json|docs/)
  })

  it('generates the document once and serves the cached copy afterwards', async () => {
    const app = appWithDocs()
    let calls = 0
    const original = app.routes.bind(app)
    app.routes = () => {
      calls++
      return original()
    }
    const client = testClient(app)
    const first = await client.get('/openapi.json')
    const second = await client.get('/openapi.json')
    assert.equal(first.text, second.text)
    assert.equal(calls, 1)
  })

  it('serves at custom paths and can leave the docs UI out', async () => {
    const client = testClient(appWithDocs({ path: '/api/spec.json', docsPath: false }))
    assert.equal((await client.get('/api/spec.json')).status, 200)
    assert.equal((await client.get('/openapi.json')).status, 404)
    assert.equal((await client.get('/docs')).status, 404)
  })

  it('stops the app at startup when the options reference an undeclared scheme', async () => {
    const app = createApp({ logger: false, debug: true })
    app.register(openapi({ title: 't', version: '1', security: [{ missing: [] }] }))
    await assert.rejects(app.start(), /security scheme "missing", which is not declared/)
  })
})

describe('openapi plugin: docs UI', () => {
  it('serves an HTML page that loads only local assets, with no inline script', async () => {
    const client = testClient(appWithDocs())
    const res = await client.get('/docs')
    assert.equal(res.status, 200)
    assert.match(String(res.headers['content-type']), /^text\/html/)
    const page = res.text
    assert.match(page, /<title>Shop &lt;API&gt;<\/title>/)
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    assert.deepEqual(
      sources.map((s) => s.replace(/\?v=.*/, '')),
      [
        '/docs/swagger-ui.css',
        '/docs/index.css',
        '/docs/favicon-32x32.png',
        '/docs/favicon-16x16.png',
        '/docs/swagger-ui-bundle.js',
        '/docs/swagger-ui-standalone-preset.js',
        '/docs/init.js',
      ],
    )
    assert.ok(sources.includes(`/docs/swagger-ui-bundle.js?v=${distVersion}`))
    // Every <script> has a src and an empty body: nothing a strict CSP would block.
    for (const match of page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      assert.match(match[1]!, /src="/)
      assert.equal(match[2]!.trim(), '')
    }
    assert.doesNotMatch(page, /<style|\sstyle="|\son\w+="/)
  })

  it('serves the initializer, pointing Swagger UI at the document and at no validator', async () => {
    const client = testClient(appWithDocs({ swaggerUi: { docExpansion: 'none' } }))
    const page = (await client.get('/docs')).text
    const initUrl = /src="(\/docs\/init\.js\?v=[^"]+)"/.exec(page)![1]!
    const res = await client.get(initUrl)
    assert.equal(res.status, 200)
    assert.match(String(res.headers['content-type']), /^text\/javascript/)
    assert.match(String(res.headers['cache-control']), /immutable/)
    assert.match(res.text, /SwaggerUIBundle\(/)
    assert.match(res.text, /"url":"\/openapi\.json"/)
    assert.match(res.text, /"validatorUrl":null/)
    assert.match(res.text, /"docExpansion":"none"/)
    assert.match(res.text, /dom_id: '#swagger-ui'/)
    assert.equal((await client.get('/docs/init.js')).headers['cache-control'], 'no-cache')
  })

  it('serves the Swagger UI assets from swagger-ui-dist with their content types', async () => {
    const client = testClient(appWithDocs())
    const expected: Record<string, RegExp> = {
      'swagger-ui-bundle.js': /^text\/javascript/,
      'swagger-ui-standalone-preset.js': /^text\/javascript/,
      'swagger-ui.css': /^text\/css/,
      'index.css': /^text\/css/,
      'favicon-32x32.png': /^image\/png$/,
      'oauth2-redirect.html': /^text\/html/,
    }
    const dir = createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')
    for (const [name, type] of Object.entries(expected)) {
      const res = await client.get(`/docs/${name}?v=${distVersion}`)
      assert.equal(res.status, 200, name)
      assert.match(String(res.headers['content-type']), type, name)
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', name)
      assert.ok(res.headers.etag, name)
      assert.equal(res.body.length, readFileSync(new URL(name, `file://${dir}`)).length, name)
    }
  })

  it('revalidates assets requested without the current version instead of caching them for good', async () => {
    const client = testClient(appWithDocs())
    const res = await client.get('/docs/swagger-ui.css')
    assert.equal(res.status, 200)
    assert.equal(res.headers['cache-control'], 'public, max-age=0')
    const again = await client.get('/docs/swagger-ui.css', {
      headers: { 'if-none-match': String(res.headers.etag) },
    })
    assert.equal(again.status, 304)
  })

  it('exposes only the listed assets, not the rest of the package', async () => {
    const client = testClient(appWithDocs())
    for (const path of ['/docs/index.html', '/docs/swagger-ui-bundle.js.map', '/docs/package.json'])
      assert.equal((await client.get(path)).status, 404, path)
  })

  it('serves the UI at a custom docs path', async () => {
    const client = testClient(appWithDocs({ docsPath: '/reference', path: '/spec.json' }))
    const page = (await client.get('/reference')).text
    assert.match(page, /src="\/reference\/swagger-ui-bundle\.js\?v=/)
    const initUrl = /src="(\/reference\/init\.js\?v=[^"]+)"/.exec(page)![1]!
    assert.match((await client.get(initUrl)).text, /"url":"\/spec\.json"/)
    assert.equal((await client.get('/reference/swagger-ui.css')).status, 200)
  })
})

describe('openapi plugin: options', () => {
  it('rejects invalid paths and options when registered', () => {
    const base = { title: 't', version: '1' }
    assert.throws(() => openapi({ ...base, path: 'openapi.json' }), {
      code: 'PLINTH_OPENAPI_INVALID_PATH',
    })
    assert.throws(() => openapi({ ...base, docsPath: '/docs/' }), {
      code: 'PLINTH_OPENAPI_INVALID_PATH',
    })
    assert.throws(() => openapi({ ...base, docsPath: '/docs/:x' }), {
      code: 'PLINTH_OPENAPI_INVALID_PATH',
    })
    assert.throws(() => openapi({ ...base, theme: 'dark' } as never), {
      code: 'PLINTH_OPENAPI_UNKNOWN_OPTION',
    })
    assert.throws(() => openapi({ title: 't' } as never), { code: 'PLINTH_OPENAPI_INVALID_INFO' })
    assert.throws(() => openapi({ ...base, securitySchemes: { x: { type: 'magic' } as never } }), {
      code: 'PLINTH_OPENAPI_INVALID_SECURITY_SCHEME',
    })
  })
})
