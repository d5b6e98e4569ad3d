/**
 * The `plinth` command as users run it: `bin/plinth.js` in a real process.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { get, type Spawned, spawnNode } from '../support/child-process.ts'

const BIN = fileURLToPath(new URL('../../bin/plinth.js', import.meta.url))
const APP = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url))
const PLINTH_SOURCE = fileURLToPath(new URL('../../src/index.ts', import.meta.url))
const LISTENING = /"msg":"listening on (http:\/\/[^"]+)"/
/** The primary's line, logged once every worker listens (each worker also logs its own). */
const CLUSTER_LISTENING = /"msg":"\d+ workers listening on (http:\/\/[^"]+)"/

const temporary: string[] = []
after(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true })
})

function plinth(args: readonly string[], options: { cwd?: string } = {}): Spawned {
  return spawnNode([BIN, ...args], options)
}

async function run(args: readonly string[], options: { cwd?: string } = {}) {
  const proc = plinth(args, options)
  const code = await proc.exited(20_000)
  return { code, stdout: proc.stdout(), stderr: proc.stderr() }
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

/** Stop a server process gracefully and return its exit code. */
async function stop(proc: Spawned): Promise<number | string> {
  if (proc.child.exitCode !== null) return proc.child.exitCode
  proc.child.kill('SIGTERM')
  try {
    return await proc.exited(15_000)
  } catch (error) {
    proc.child.kill('SIGKILL')
    throw error
  }
}

describe('plinth CLI', () => {
  it('prints the route table with method, path, name and handler', async () => {
    const { code, stdout } = await run(['routes', '--app', APP])
    assert.equal(code, 0)
    const lines = stdout.trimEnd().split('\n')
    assert.match(lines[0]!, /^METHOD +PATH +NAME +HANDLER$/)
    assert.match(lines[1]!, /^GET +\/products +product-list +listProducts$/)
    assert.match(lines[2]!, /^POST +\/products +product-create +createProduct$/)
  })

  it('prints the route table as JSON with --json', async () => {
    const { code, stdout } = await run(['routes', '--app', APP, '--json'])
    assert.equal(code, 0)
    const routes = JSON.parse(stdout)
    assert.deepEqual(routes[0], {
      method: 'GET',
      path: '/products',
      name: 'product-list',
      handler: 'listProducts',
    })
    assert.equal(routes.length, 3)
  })

  it('exits 2 with the help text on an unknown command', async () => {
    const { code, stdout, stderr } = await run(['serve'])
    assert.equal(code, 2)
    assert.match(stderr, /Unknown command "serve"/)
    assert.match(stderr, /Commands:\n/)
    assert.equal(stdout, '')
  })

  it('lists the registered commands with --help', async () => {
    const { code, stdout } = await run(['--help'])
    assert.equal(code, 0)
    for (const name of ['start', 'dev', 'routes'])
      assert.match(stdout, new RegExp(`^ {2}${name} `, 'm'))
  })

  it('explains how to point at the app when no app module is found', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'plinth-cli-empty-'))
    temporary.push(empty)
    const { code, stderr } = await run(['routes'], { cwd: empty })
    assert.equal(code, 1)
    assert.match(stderr, /No app module found in .*: looked for \.\/app\.ts/)
    assert.match(stderr, /Pass --app path\/to\/app\.ts/)
  })

  it('finds the app through "plinth.app" in package.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plinth-cli-pkg-'))
    temporary.push(dir)
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ plinth: { app: './web.ts#api' } }))
    writeFileSync(
      join(dir, 'web.ts'),
      `import { createApp } from ${JSON.stringify(PLINTH_SOURCE)}\nexport const api = createApp()\napi.get('/ping', function ping() { return 'pong' })\n`,
    )
    const { code, stdout } = await run(['routes', '--json'], { cwd: dir })
    assert.equal(code, 0)
    assert.deepEqual(JSON.parse(stdout), [
      { method: 'GET', path: '/ping', name: null, handler: 'ping' },
    ])
  })

  it('start serves the app in production mode and exits 0 on SIGTERM', async () => {
    const proc = plinth(['start', '--app', APP, '--port', '0'])
    try {
      const [, url] = await proc.waitFor(LISTENING)
      const res = await get(`${url}/env`)
      assert.equal(res.status, 200)
      assert.equal(JSON.parse(res.body).nodeEnv, 'production')
    } finally {
      assert.equal(await stop(proc), 0)
    }
  })

  it('start exits 1 with a message naming the port when it is already in use', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as { port: number }
    try {
      const { code, stderr } = await run(['start', '--app', APP, '--port', String(port)])
      assert.equal(code, 1)
      assert.equal(
        stderr,
        `error: Port ${port} is already in use on 127.0.0.1; stop the process using it or choose another port (--port or PORT). [PLINTH_SERVER_PORT_IN_USE]\n`,
      )
    } finally {
      blocker.close()
    }
  })

  it('start --workers 2 serves from a cluster of workers', async () => {
    const proc = plinth(['start', '--app', APP, '--port', '0', '--workers', '2'])
    try {
      const [, url] = await proc.waitFor(CLUSTER_LISTENING)
      const pids = new Set<number>()
      for (let i = 0; i < 6; i++) pids.add(JSON.parse((await get(`${url}/env`)).body).pid)
      assert.equal(pids.size, 2)
    } finally {
      assert.equal(await stop(proc), 0)
    }
  })

  it('dev restarts on file changes and survives a syntax error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plinth-cli-dev-'))
    temporary.push(dir)
    const file = join(dir, 'app.ts')
    const version = (n: number) =>
      `import { createApp } from ${JSON.stringify(PLINTH_SOURCE)}\nexport const app = createApp()\napp.get('/version', () => ({ version: ${n}, nodeEnv: process.env.NODE_ENV }))\n`
    writeFileSync(file, version(1))
    const port = await freePort()
    const url = `http://127.0.0.1:${port}/version`
    /** Poll until the server answers with `expected` (bounded). */
    const untilVersion = async (expected: number) => {
      let last: unknown
      for (let attempt = 0; attempt < 200; attempt++) {
        try {
          last = JSON.parse((await get(url)).body)
          if ((last as { version: number }).version === expected) return last
        } catch (error) {
          last = error
        }
        await sleep(100)
      }
      assert.fail(`version ${expected} never appeared; last: ${JSON.stringify(last)}`)
    }
    const proc = plinth(['dev', '--app', file, '--port', String(port)], { cwd: dir })
    try {
      assert.deepEqual(await untilVersion(1), { version: 1, nodeEnv: 'development' })
      writeFileSync(file, version(2))
      await untilVersion(2)
      writeFileSync(file, `${version(3)}\nexport const broken = (\n`)
      await proc.waitFor(/Waiting for file changes before restarting/)
      writeFileSync(file, version(4))
      await untilVersion(4)
    } finally {
      assert.equal(await stop(proc), 0)
    }
    await assert.rejects(get(url), { code: 'ECONNREFUSED' })
  })
})
