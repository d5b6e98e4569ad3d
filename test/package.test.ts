/**
 * The published package works for a user: `dist/` is built from the sources, every export map
 * entry resolves to built JavaScript without the repository's `plinth-source` condition, the
 * declarations type-check a user's TypeScript, and the `plinth` bin runs.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { before, describe, it } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const project = mkdtempSync(join(tmpdir(), 'plinth-consumer-'))
const installed = join(project, 'node_modules', 'plinth')
// A user's environment: no source condition, no repository NODE_OPTIONS.
const userEnv = { ...process.env, NODE_OPTIONS: '' }

before(async () => {
  const dist = join(project, 'build')
  await run(process.execPath, [join(ROOT, 'scripts/build.ts'), '--out-dir', dist], { cwd: ROOT })
  mkdirSync(installed, { recursive: true })
  cpSync(dist, join(installed, 'dist'), { recursive: true })
  cpSync(join(ROOT, 'bin'), join(installed, 'bin'), { recursive: true })
  writeFileSync(join(installed, 'package.json'), JSON.stringify(pkg))
  for (const dep of [...Object.keys(pkg.dependencies), 'zod', '@types/node']) {
    const target = join(project, 'node_modules', dep)
    mkdirSync(join(target, '..'), { recursive: true })
    symlinkSync(join(ROOT, 'node_modules', dep), target)
  }
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ type: 'module', plinth: { app: './app.js' } }),
  )
})

describe('the published package', () => {
  it('lists only built files, the bin and the manifest', () => {
    assert.deepEqual(pkg.files, ['bin', 'dist'])
    for (const [subpath, target] of Object.entries(pkg.exports as Record<string, unknown>)) {
      if (typeof target === 'string') continue
      const { types, default: js } = target as { types: string; default: string }
      assert.match(js, /^\.\/dist\/.+\.js$/, subpath)
      assert.match(types, /^\.\/dist\/.+\.d\.ts$/, subpath)
    }
  })

  it('runs an app from the built JavaScript through every export', async () => {
    const script = join(project, 'smoke.mjs')
    writeFileSync(
      script,
      `import { createApp } from 'plinth'
import { testClient } from 'plinth/testing'
import { openapi } from 'plinth/openapi'
import { serve } from 'plinth/server'
import { parseCookies } from 'plinth/http'
import { RouteTree } from 'plinth/routing'
import { compileSerializer } from 'plinth/validation'
import { defineDependency } from 'plinth/di'
import { createLogger } from 'plinth/logging'
import { main } from 'plinth/cli'
for (const value of [serve, parseCookies, RouteTree, compileSerializer, defineDependency, createLogger, main]) {
  if (typeof value !== 'function') throw new Error('missing export')
}
const app = createApp({ logger: false })
app.get('/hello/:name', (ctx) => ({ hello: ctx.params.name }))
app.register(openapi({ title: 'smoke', version: '1' }))
const client = testClient(app)
const res = await client.get('/hello/built')
const doc = await client.get('/openapi.json')
console.log(JSON.stringify({ status: res.status, body: res.json(), openapi: doc.json().openapi }))
`,
    )
    const { stdout } = await run(process.execPath, [script], { cwd: project, env: userEnv })
    assert.deepEqual(JSON.parse(stdout), {
      status: 200,
      body: { hello: 'built' },
      openapi: '3.1.0',
    })
  })

  it('type-checks a user module against the published declarations', async () => {
    writeFileSync(
      join(project, 'user.ts'),
      `import { createApp, type Middleware } from 'plinth'
import { testClient } from 'plinth/testing'
import { z } from 'zod'
const app = createApp()
const log: Middleware = async (_ctx, next) => next()
app.use(log)
app.get('/items/:id', { params: z.object({ id: z.number() }) }, (ctx) => {
  const id: number = ctx.params.id
  return { id }
})
app.get('/raw/:slug', (ctx) => {
  const slug: string = ctx.params.slug
  // @ts-expect-error params are typed from the path: there is no "other" parameter
  return { slug, other: ctx.params.other }
})
export const res = testClient(app).get('/items/1')
`,
    )
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2024',
          noEmit: true,
          types: ['node'],
          skipLibCheck: false,
          allowImportingTsExtensions: true,
        },
        files: ['user.ts'],
      }),
    )
    const result = await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', project], {
      cwd: project,
    }).catch((e) => e)
    assert.equal(result.code ?? 0, 0, `${result.stdout ?? ''}${result.stderr ?? ''}`)
  })

  it('runs the plinth bin from the built package', async () => {
    writeFileSync(
      join(project, 'app.js'),
      `import { createApp } from 'plinth'
export const app = createApp({ logger: false })
app.get('/products/:id', { name: 'product-detail' }, function getProduct() { return {} })
`,
    )
    const { stdout } = await run(
      process.execPath,
      [join(installed, 'bin/plinth.js'), 'routes', '--json'],
      { cwd: project, env: userEnv },
    )
    assert.deepEqual(
      JSON.parse(stdout).map((r: { method: string; path: string; name: string }) => [
        r.method,
        r.path,
        r.name,
      ]),
      [['GET', '/products/:id', 'product-detail']],
    )
  })
})
