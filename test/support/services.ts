/**
 * External services for integration tests (PostgreSQL, MariaDB, Redis).
 *
 * On a developer's machine a test that needs a missing service is skipped with the reason; in CI
 * (`CI=true`) a missing service fails the test: CI must never pass by silently testing less.
 */
import { connect } from 'node:net'
import type { TestContext } from 'node:test'

/** Where each service is expected. */
export const SERVICES = {
  postgres: {
    host: '127.0.0.1',
    port: 5432,
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  mariadb: {
    host: '127.0.0.1',
    port: 3306,
    start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  },
  redis: {
    host: '127.0.0.1',
    port: 6379,
    start: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  },
} as const

export type ServiceName = keyof typeof SERVICES

/** True when the service accepts TCP connections within `timeoutMs`. */
export function isReachable(name: ServiceName, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = SERVICES[name]
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/**
 * Skip the test (locally) or fail it (in CI) when a service is unreachable. Returns true when the
 * test may go on.
 *
 * @example
 * it('stores sessions in Redis', async (t) => {
 *   if (!(await requireService(t, 'redis'))) return
 *   …
 * })
 */
export async function requireService(t: TestContext, name: ServiceName): Promise<boolean> {
  if (await isReachable(name)) return true
  const { host, port, start } = SERVICES[name]
  const reason = `${name} is not reachable on ${host}:${port}; start it with: ${start}`
  if (process.env.CI === 'true') throw new Error(`CI: ${reason}`)
  t.skip(reason)
  return false
}
