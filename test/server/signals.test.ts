/**
 * Process-level behaviour of `serve()` in a real child process: signals, uncaught exceptions,
 * unhandled rejections.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { get, type Spawned, spawnNode } from '../support/child-process.ts'

const FIXTURE = new URL('./fixtures/serve-app.ts', import.meta.url).pathname

async function startServer(
  env: Record<string, string> = {},
): Promise<{ proc: Spawned; url: string }> {
  const proc = spawnNode([FIXTURE], { env })
  const [, port] = await proc.waitFor(/READY (\d+)/)
  return { proc, url: `http://127.0.0.1:${port}` }
}

describe('serve() in a real process', () => {
  it('finishes the in-flight request on SIGTERM, runs shutdown hooks and exits 0', async () => {
    const { proc, url } = await startServer()
    const response = get(`${url}/slow`)
    await proc.waitFor(/HANDLING \/slow/)
    proc.child.kill('SIGTERM')
    const res = await response
    assert.equal(res.status, 200)
    assert.equal(res.headers.connection, 'close')
    assert.deepEqual(JSON.parse(res.body), { done: true })
    assert.equal(await proc.exited(10_000), 0)
    assert.match(proc.stdout(), /shutdown hook ran/)
    assert.match(proc.stdout(), /shutting down \(SIGTERM\)/)
  })

  it('treats the same signal repeated within a moment as one (Ctrl+C reaching the whole process group)', async () => {
    const { proc, url } = await startServer()
    const response = get(`${url}/slow`)
    await proc.waitFor(/HANDLING \/slow/)
    proc.child.kill('SIGINT')
    proc.child.kill('SIGINT')
    assert.equal((await response).status, 200)
    assert.equal(await proc.exited(10_000), 0)
    assert.match(proc.stdout(), /shutdown hook ran/)
  })

  it('exits 1 at once on a second signal while a graceful shutdown is waiting', async () => {
    const { proc, url } = await startServer()
    const response = get(`${url}/stuck`).catch((error: Error) => error)
    await proc.waitFor(/HANDLING \/stuck/)
    proc.child.kill('SIGTERM')
    await proc.waitFor(/shutting down/)
    await sleep(1_200) // past the duplicate-signal window
    proc.child.kill('SIGTERM')
    assert.equal(await proc.exited(5_000), 1)
    assert.ok((await response) instanceof Error, 'the stuck request was cut')
    assert.match(proc.stdout(), /received SIGTERM again/)
  })

  it('exits 1 after the drain deadline when a request is stuck, still running shutdown hooks', async () => {
    const { proc, url } = await startServer({ SHUTDOWN_TIMEOUT: '300' })
    const response = get(`${url}/stuck`).catch((error: Error) => error)
    await proc.waitFor(/HANDLING \/stuck/)
    proc.child.kill('SIGTERM')
    assert.equal(await proc.exited(10_000), 1)
    assert.ok((await response) instanceof Error)
    assert.match(proc.stdout(), /request\(s\) still running after 300 ms/)
    assert.match(proc.stdout(), /shutdown hook ran/)
  })

  it('logs an uncaught exception as fatal, shuts down gracefully and exits 1', async () => {
    const { proc, url } = await startServer()
    assert.equal((await get(`${url}/throw-later`)).status, 200)
    assert.equal(await proc.exited(10_000), 1)
    const fatal = proc
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((entry) => entry.level === 60)
    assert.ok(fatal, `no fatal log line in:\n${proc.stdout()}`)
    assert.match(fatal.msg, /uncaught exception/)
    assert.match(fatal.err.message, /boom from a timer/)
    assert.match(proc.stdout(), /shutdown hook ran/)
  })

  it('logs an unhandled rejection and keeps serving', async () => {
    const { proc, url } = await startServer()
    try {
      assert.equal((await get(`${url}/forget-rejection`)).status, 200)
      await proc.waitFor(/unhandled promise rejection/)
      const res = await get(`${url}/hello`)
      assert.equal(res.status, 200)
      assert.match(proc.stdout(), /nobody awaited me/)
    } finally {
      proc.child.kill('SIGTERM')
    }
    assert.equal(await proc.exited(10_000), 0)
  })
})
