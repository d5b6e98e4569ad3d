import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { formatAppReference, loadApp, resolveAppReference } from './load-app.ts'

const PLINTH = fileURLToPath(new URL('../index.ts', import.meta.url))
const made: string[] = []

/** A temporary project directory with the given files. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'plinth-load-app-'))
  made.push(dir)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

const appModule = (body: string) => `import { createApp } from ${JSON.stringify(PLINTH)}\n${body}\n`

after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
})

describe('resolveAppReference()', () => {
  it('prefers --app, then "plinth.app" in package.json, then ./app.ts, then ./src/app.ts', () => {
    const dir = project({
      'app.ts': '',
      'src/app.ts': '',
      'server/main.ts': '',
      'other.ts': '',
      'package.json': JSON.stringify({ plinth: { app: './server/main.ts#api' } }),
    })
    assert.deepEqual(resolveAppReference('other.ts#web', dir), {
      file: join(dir, 'other.ts'),
      exportName: 'web',
      origin: 'from --app',
    })
    const configured = resolveAppReference(undefined, dir)
    assert.equal(configured.file, join(dir, 'server/main.ts'))
    assert.equal(configured.exportName, 'api')
    rmSync(join(dir, 'package.json'))
    assert.equal(resolveAppReference(undefined, dir).file, join(dir, 'app.ts'))
    rmSync(join(dir, 'app.ts'))
    assert.equal(resolveAppReference(undefined, dir).file, join(dir, 'src/app.ts'))
  })

  it('explains where it looked and how to point at the app when nothing is found', () => {
    const dir = project({ 'package.json': '{"name":"x"}' })
    assert.throws(
      () => resolveAppReference(undefined, dir),
      (error: Error & { code: string }) => {
        assert.equal(error.code, 'PLINTH_CLI_APP_NOT_FOUND')
        assert.match(error.message, /looked for \.\/app\.ts, \.\/app\.js, \.\/src\/app\.ts/)
        assert.match(error.message, /--app path\/to\/app\.ts/)
        assert.match(error.message, /"plinth": \{ "app": "\.\/src\/app\.ts" \}/)
        return true
      },
    )
  })

  it('names the source of a reference to a missing file', () => {
    const dir = project({ 'package.json': JSON.stringify({ plinth: { app: './gone.ts' } }) })
    assert.throws(() => resolveAppReference(undefined, dir), {
      code: 'PLINTH_CLI_APP_NOT_FOUND',
      message: /\.\/gone\.ts \(from "plinth\.app" in package\.json\) does not exist/,
    })
    assert.throws(() => resolveAppReference('./missing.ts', dir), /\(from --app\) does not exist/)
  })

  it('rejects a malformed reference and a non-string "plinth.app"', () => {
    const dir = project({ 'package.json': JSON.stringify({ plinth: { app: 42 } }) })
    assert.throws(() => resolveAppReference('app.ts#', dir), {
      code: 'PLINTH_CLI_APP_INVALID_REFERENCE',
    })
    assert.throws(() => resolveAppReference(undefined, dir), {
      code: 'PLINTH_CLI_PACKAGE_JSON_INVALID',
    })
  })

  it('formats a reference back into an --app value', () => {
    assert.equal(
      formatAppReference({ file: '/p/app.ts', exportName: 'api', origin: 'x' }),
      '/p/app.ts#api',
    )
    assert.equal(
      formatAppReference({ file: '/p/app.ts', exportName: undefined, origin: 'x' }),
      '/p/app.ts',
    )
  })
})

describe('loadApp()', () => {
  it('loads the "app" export, else the default export, else a named export', async () => {
    const dir = project({
      'named.ts': appModule(
        "export const app = createApp({ logger: false })\napp.get('/a', () => 1)",
      ),
      'default.ts': appModule(
        "const app = createApp({ logger: false })\napp.get('/b', () => 1)\nexport default app",
      ),
      'custom.ts': appModule(
        "export const api = createApp({ logger: false })\napi.get('/c', () => 1)",
      ),
    })
    const paths = async (file: string, exportName?: string) =>
      (await loadApp({ file: join(dir, file), exportName, origin: 'test' }, dir))
        .routes()
        .map((route) => route.path)
    assert.deepEqual(await paths('named.ts'), ['/a'])
    assert.deepEqual(await paths('default.ts'), ['/b'])
    assert.deepEqual(await paths('custom.ts', 'api'), ['/c'])
  })

  it('calls a factory export and awaits a promised app', async () => {
    const dir = project({
      'factory.ts': appModule(
        "export async function app() {\n  const app = createApp({ logger: false })\n  app.get('/made', () => 1)\n  return app\n}",
      ),
    })
    const app = await loadApp({ file: join(dir, 'factory.ts'), exportName: undefined, origin: 't' })
    assert.deepEqual(
      app.routes().map((route) => route.path),
      ['/made'],
    )
  })

  it('lists the available exports when the expected one is missing', async () => {
    const dir = project({ 'app.ts': 'export const server = 1\nexport const db = 2\n' })
    await assert.rejects(
      loadApp({ file: join(dir, 'app.ts'), exportName: undefined, origin: 't' }, dir),
      {
        code: 'PLINTH_CLI_APP_EXPORT_MISSING',
        message: /\.\/app\.ts has no export "app" or "default" \(it exports: db, server\)/,
      },
    )
  })

  it('says what the export is when it is not an app', async () => {
    const dir = project({ 'app.ts': 'export const app = { name: "not an app" }\n' })
    await assert.rejects(
      loadApp({ file: join(dir, 'app.ts'), exportName: undefined, origin: 't' }, dir),
      {
        code: 'PLINTH_CLI_NOT_AN_APP',
        message: /Export "app" of \.\/app\.ts is an object, not a Plinth app/,
      },
    )
  })

  it('wraps an import failure, keeping the original error as the cause', async () => {
    const dir = project({ 'app.ts': 'throw new Error("no database")\n' })
    await assert.rejects(
      loadApp({ file: join(dir, 'app.ts'), exportName: undefined, origin: 't' }, dir),
      (error: Error & { code: string }) => {
        assert.equal(error.code, 'PLINTH_CLI_APP_IMPORT_FAILED')
        assert.match(error.message, /Could not import the app module \.\/app\.ts: no database/)
        assert.equal((error.cause as Error).message, 'no database')
        return true
      },
    )
  })
})
