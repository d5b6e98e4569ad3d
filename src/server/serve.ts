/**
 * `serve()`: run an app on a port with graceful shutdown.
 *
 * Startup: validate options → run startup hooks → listen → log the URL.
 * Shutdown (`close()`, SIGTERM, SIGINT): stop accepting → close idle connections → let in-flight
 * requests finish (up to `shutdownTimeout`) → cut the rest → run shutdown hooks.
 *
 * `serve()` takes explicit options and reads no environment variables; the `plinth start`
 * command maps `PORT` and `HOST` onto them.
 */
import type { Server } from 'node:http'
import type { App } from '../app/index.ts'
import { PlinthError } from '../http/index.ts'
import { createServer, resolveServerOptions, type ServerOptions } from './create-server.ts'
import { drainServer } from './drain.ts'
import { assertPort, listen, localUrl } from './listen.ts'
import { occupyProcess } from './process-owner.ts'

/** Options of {@link serve}: where to listen, how to shut down, and the server timeouts. */
export interface ServeOptions extends ServerOptions {
  /** TCP port; `0` picks a free one (read it from the handle). Default 8000. */
  port?: number
  /**
   * Interface to bind. Default `127.0.0.1`: reachable from this machine only, so a development
   * server is never exposed by accident. Use `0.0.0.0` (or `::`) to accept outside connections,
   * e.g. in a container.
   */
  host?: string
  /** Milliseconds in-flight requests get to finish during shutdown before they are cut. Default 10 000. */
  shutdownTimeout?: number
  /**
   * Take charge of the process (default true): SIGTERM/SIGINT shut down gracefully and exit,
   * unhandled rejections are logged, an uncaught exception is logged and shuts down with exit
   * code 1. Pass `false` when something else owns the process (tests, an embedding host).
   */
  signals?: boolean
}

/** How a shutdown went. */
export interface ShutdownReport {
  /** False when requests were still running at `shutdownTimeout` and their connections were cut. */
  drained: boolean
}

/** A running server. */
export interface ServeHandle {
  server: Server
  /** A URL that reaches the server from this machine, e.g. `http://127.0.0.1:8000`. */
  url: string
  /** The bound port (the real one when `port: 0` was asked for). */
  port: number
  /** The bound address, e.g. `127.0.0.1` or `::`. */
  host: string
  /**
   * Shut down gracefully (same steps as on SIGTERM, without exiting). Idempotent. Rejects with
   * an `AggregateError` when shutdown hooks fail (after everything else was done).
   */
  close(): Promise<ShutdownReport>
}

/**
 * Run startup hooks, then listen. Resolves once the server accepts connections.
 *
 * Rejects when a startup hook throws (nothing is listening then) or when listening fails, e.g.
 * `PLINTH_SERVER_PORT_IN_USE`; in that case the shutdown hooks run first, so whatever the startup
 * hooks opened is closed again.
 *
 * @example
 * const app = createApp()
 * app.get('/', () => ({ hello: 'world' }))
 * const server = await serve(app, { port: 8000 })
 * console.log(`open ${server.url}`)
 *
 * @example
 * // In tests: a free port, no process-wide signal handling.
 * const server = await serve(app, { port: 0, signals: false })
 * await fetch(`${server.url}/health`)
 * await server.close()
 */
export async function serve(app: App, options: ServeOptions = {}): Promise<ServeHandle> {
  const port = options.port ?? 8000
  assertPort(port)
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host === '') {
    throw new PlinthError(
      'PLINTH_SERVER_INVALID_HOST',
      'Option "host" must be a non-empty string such as "127.0.0.1" or "0.0.0.0".',
    )
  }
  const shutdownTimeout = options.shutdownTimeout ?? 10_000
  if (!Number.isSafeInteger(shutdownTimeout) || shutdownTimeout < 0) {
    throw new PlinthError(
      'PLINTH_SERVER_INVALID_SHUTDOWN_TIMEOUT',
      `Option "shutdownTimeout" must be a non-negative number of milliseconds, got ${JSON.stringify(shutdownTimeout)}.`,
    )
  }
  // Fail on bad timeouts before startup hooks open connections to anything.
  const created = createServer(app, resolveServerOptions(options))

  await app.start()
  let address: Awaited<ReturnType<typeof listen>>
  try {
    address = await listen(created.server, port, host)
  } catch (error) {
    await app.stop().catch(() => {})
    throw error
  }
  const url = localUrl(address)
  app.log.info({ url, host: address.address, port: address.port }, `listening on ${url}`)

  let release: (() => void) | undefined
  let closing: Promise<ShutdownReport> | undefined
  const shutdown = async (): Promise<ShutdownReport> => {
    const { drained, abandoned } = await drainServer(created, shutdownTimeout)
    if (!drained) {
      app.log.warn(
        { abandoned, shutdownTimeout },
        `${abandoned} request(s) still running after ${shutdownTimeout} ms; connections closed`,
      )
    }
    try {
      await app.stop()
    } finally {
      release?.()
    }
    app.log.info('server stopped')
    return { drained }
  }
  const handle: ServeHandle = {
    server: created.server,
    url,
    port: address.port,
    host: address.address,
    close() {
      closing ??= shutdown()
      return closing
    },
  }
  if (options.signals ?? true) {
    release = occupyProcess({
      log: app.log,
      shutdownTimeout,
      shutdown: () =>
        handle.close().then(
          (report) => report.drained,
          () => false,
        ),
    })
  }
  return handle
}
