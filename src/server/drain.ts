/**
 * Draining a server: the HTTP half of graceful shutdown.
 *
 * Order matters. Refuse new work first (new connections, new requests on kept-alive sockets),
 * then give requests already running a bounded time to finish, then cut whatever is left so the
 * shutdown hooks can close the resources those requests were using.
 */
import type { CreatedServer } from './create-server.ts'

/** What happened while draining. */
export interface DrainResult {
  /** False when requests were still running at the deadline and their connections were cut. */
  drained: boolean
  /** Requests still running when the deadline hit (0 when drained). */
  abandoned: number
}

/**
 * Stop accepting, wait up to `timeoutMs` for in-flight requests, then close every connection.
 *
 * @example
 * const { drained } = await drainServer(created, 10_000)
 */
export async function drainServer(created: CreatedServer, timeoutMs: number): Promise<DrainResult> {
  const { server } = created
  created.beginShutdown()
  // Stops the listening socket right away. The callback (all connections gone) is not awaited:
  // upgraded sockets (WebSockets) are closed by their owners in shutdown hooks, which run later.
  if (server.listening) server.close(() => {})
  // Kept-alive sockets with no request in progress have nothing to finish.
  server.closeIdleConnections()
  const drained = await settleWithin(created.whenIdle(), timeoutMs)
  const abandoned = drained ? 0 : created.inFlight
  // Sockets that went idle after the first sweep, and (past the deadline) stuck requests.
  server.closeAllConnections()
  return { drained, abandoned }
}

/** True if `promise` settles within `ms`, false otherwise. Leaves no timer behind. */
function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    promise.then(
      () => {
        clearTimeout(timer)
        resolve(true)
      },
      () => {
        clearTimeout(timer)
        resolve(true)
      },
    )
  })
}
