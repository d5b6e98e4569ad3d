/**
 * Two real app processes sharing sessions through Redis: a value set through one is read
 * through the other over real HTTP, and rotation and logout on one are seen by the other.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { type SpawnedServer as Server, spawnServer } from '../support/child-process.ts'
import { deleteRedisKeys } from '../support/redis.ts'
import { requireService } from '../support/services.ts'

const FIXTURE = new URL('./fixtures/redis-app.ts', import.meta.url).pathname
const PREFIX = `plinth:test:sessions-2p:${process.pid}:${randomUUID()}:`

const start = () =>
  spawnServer([FIXTURE], { env: { SESSION_PREFIX: PREFIX, NODE_ENV: 'production' } })

/** The session token from a response's Set-Cookie ('' when the cookie is removed). */
function tokenFrom(res: Response): string | undefined {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-session='))
  return cookie?.slice('__Host-session='.length).split(';')[0]
}

async function call(server: Server, method: string, path: string, token?: string) {
  const res = await fetch(server.url + path, {
    method,
    headers: token === undefined ? {} : { cookie: `__Host-session=${token}` },
  })
  assert.equal(res.status, 200, `${method} ${path}: ${await res.clone().text()}`)
  return { res, body: (await res.json()) as { pid: number; value?: string | null } }
}

describe('two app processes sharing Redis sessions', () => {
  const servers: Server[] = []
  after(async () => {
    for (const { proc } of servers) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) continue
      proc.child.kill('SIGKILL')
      await proc.exited(10_000).catch(() => {})
    }
    await deleteRedisKeys(PREFIX)
  })

  it('share values, rotation and logout over real HTTP', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const [a, b] = await Promise.all([start(), start()])
    servers.push(a!, b!)

    const set = await call(a!, 'POST', '/value?v=hello')
    const token = tokenFrom(set.res)!
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    const readB = await call(b!, 'GET', '/value', token)
    assert.notEqual(readB.body.pid, set.body.pid, 'two different processes')
    assert.equal(readB.body.value, 'hello')

    const rotated = await call(b!, 'POST', '/rotate', token)
    const newToken = tokenFrom(rotated.res)!
    assert.notEqual(newToken, token)
    assert.equal((await call(a!, 'GET', '/value', token)).body.value, null, 'old token dead on A')
    assert.equal((await call(a!, 'GET', '/value', newToken)).body.value, 'hello')

    const destroyed = await call(b!, 'POST', '/destroy', newToken)
    assert.equal(tokenFrom(destroyed.res), '', 'B removes the cookie')
    assert.equal((await call(a!, 'GET', '/value', newToken)).body.value, null, 'A sees it gone')

    // Both shut down cleanly, closing their Redis connections.
    for (const { proc } of [a!, b!]) proc.child.kill('SIGTERM')
    assert.deepEqual(await Promise.all([a!.proc.exited(10_000), b!.proc.exited(10_000)]), [0, 0])
  })
})
