/**
 * `serveCluster()` in a real process tree: a primary and two workers sharing a port.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createApp } from 'plinth'
import { get, isAlive, spawnNode } from '../support/child-process.ts'

const FIXTURE = new URL('./fixtures/cluster-app.ts', import.meta.url).pathname

async function pidOf(url: string): Promise<number> {
  const res = await get(`${url}/pid`)
  assert.equal(res.status, 200)
  return JSON.parse(res.body).pid
}

/** Pids seen over `count` requests, each on its own connection. */
async function pidsOver(url: string, count: number): Promise<Set<number>> {
  const pids = new Set<number>()
  for (let i = 0; i < count; i++) pids.add(await pidOf(url))
  return pids
}

describe('serveCluster()', () => {
  it('serves from two workers, replaces a killed one, and stops them all on SIGTERM', async () => {
    const proc = spawnNode([FIXTURE])
    try {
      const [, url] = await proc.waitFor(/"msg":"2 workers listening on (http:\/\/[^"]+)"/)
      const first = await pidsOver(url!, 8)
      assert.equal(first.size, 2, 'connections are spread over both workers')
      assert.ok(!first.has(proc.child.pid!), 'the primary serves no requests')

      const [victim] = first
      process.kill(victim!, 'SIGKILL')
      await proc.waitFor(new RegExp(`worker ${victim} died \\(signal SIGKILL\\)`))
      let replacement: number | undefined
      for (let attempt = 0; attempt < 100 && replacement === undefined; attempt++) {
        const pid = await pidOf(url!).catch(() => undefined)
        if (pid !== undefined && !first.has(pid)) replacement = pid
        else await sleep(50)
      }
      assert.ok(replacement !== undefined, 'a new worker answers')
      const workers = [...first].filter((pid) => pid !== victim).concat(replacement)

      proc.child.kill('SIGTERM')
      assert.equal(await proc.exited(15_000), 0)
      for (const pid of workers) {
        assert.match(proc.stdout(), new RegExp(`worker ${pid} shutdown hook ran`))
        assert.equal(isAlive(pid), false, `worker ${pid} is gone`)
      }
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL')
    }
  })

  it('stays silent with logger: false and resolves in the primary once every worker listens', async () => {
    const proc = spawnNode([FIXTURE], { env: { QUIET: '1' } })
    try {
      const [, url] = await proc.waitFor(/ready (http:\/\/\S+)/)
      assert.equal((await pidsOver(url!, 6)).size, 2, 'both workers answer at once')
      proc.child.kill('SIGTERM')
      assert.equal(await proc.exited(15_000), 0)
      // Workers log through their app's logger; the primary logs nothing at all.
      assert.ok(proc.stdout().split('\n').includes(`ready ${url}`), proc.stdout())
      assert.ok(!proc.stdout().includes('cluster-primary'), proc.stdout())
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL')
    }
  })

  it('refuses a logger that is not one', async () => {
    const { serveCluster } = await import('plinth/server')
    await assert.rejects(
      serveCluster(() => createApp(), { logger: 'quiet' as never }),
      {
        code: 'PLINTH_CLUSTER_INVALID_LOGGER',
      },
    )
  })

  it('leaves no orphaned workers when the primary is killed', async () => {
    const proc = spawnNode([FIXTURE])
    const [, url] = await proc.waitFor(/"msg":"2 workers listening on (http:\/\/[^"]+)"/)
    const workers = await pidsOver(url!, 8)
    proc.child.kill('SIGKILL')
    for (let attempt = 0; attempt < 200 && [...workers].some(isAlive); attempt++) await sleep(50)
    for (const pid of workers) assert.equal(isAlive(pid), false, `worker ${pid} is gone`)
  })

  it('stops the cluster with exit code 1 when deaths exceed maxRestarts', async () => {
    const proc = spawnNode([FIXTURE], { env: { MAX_RESTARTS: '0' } })
    const [, url] = await proc.waitFor(/"msg":"2 workers listening on (http:\/\/[^"]+)"/)
    const [victim] = await pidsOver(url!, 1)
    process.kill(victim!, 'SIGKILL')
    assert.equal(await proc.exited(15_000), 1)
    assert.match(proc.stdout(), /exceed maxRestarts \(0\); stopping the cluster/)
    assert.doesNotMatch(proc.stdout(), /starting a replacement/)
  })

  it('stops with exit code 1 instead of restarting when workers fail to boot', async () => {
    const proc = spawnNode([FIXTURE], { env: { FAIL_BOOT: '1' } })
    assert.equal(await proc.exited(15_000), 1)
    assert.match(proc.stdout(), /failed to start/)
    assert.doesNotMatch(proc.stdout(), /starting a replacement/)
    assert.match(proc.stderr(), /the app cannot start/)
  })
})
