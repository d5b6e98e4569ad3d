/**
 * `serveCluster()`: one app served by several worker processes sharing a port (`node:cluster`).
 *
 * The same script runs in every process. In the primary, `serveCluster` forks the workers and
 * supervises them (see `cluster-primary.ts`); it never calls `loadApp`, so the primary opens no
 * database pools and holds no app state. In a worker, it calls `loadApp` and `serve()`s the app.
 * Because workers re-run the primary's script with the same arguments, they find the same app
 * module (the `plinth start --workers` command relies on this).
 */
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import type { App } from '../app/index.ts'
import { PlinthError } from '../http/index.ts'
import type { Logger } from '../logging/index.ts'
import { SHUTDOWN_MESSAGE, superviseWorkers } from './cluster-primary.ts'
import { shutdownProcess } from './process-owner.ts'
import { type ServeHandle, type ServeOptions, serve } from './serve.ts'

/** Options of {@link serveCluster}: those of `serve()` plus the worker pool. */
export interface ClusterOptions extends ServeOptions {
  /** Worker processes: a positive integer, or `'auto'` for `os.availableParallelism()`. Default `'auto'`. */
  workers?: number | 'auto'
  /**
   * Unexpected worker deaths tolerated within one minute. Each is replaced after a backoff
   * (100 ms, doubling up to 5 s); beyond this many the primary stops everything and exits 1, so
   * a crashing app shows up as a failed deployment instead of a fork loop. Default 10.
   */
  maxRestarts?: number
  /**
   * Where the primary logs (workers listening, restarts, shutdown): a Plinth logger, or `false`
   * for nothing. Default: JSON lines on stdout, at debug level with `NODE_ENV=development`.
   * Workers log through their app's own logger.
   */
  logger?: Logger | false
}

/** The running cluster, as seen from the current process. */
export interface ClusterHandle {
  /** True in the primary, false in a worker. */
  readonly isPrimary: boolean
  /** In a worker: its server. In the primary: undefined. */
  readonly server: ServeHandle | undefined
  /** The URL the workers listen on (with the real port when `port: 0` was asked). */
  readonly url: string
  /** Primary: shut every worker down gracefully. Worker: shut this worker's server down. */
  close(): Promise<void>
}

/** Resolve the `workers` option (validated) to a count. */
export function resolveWorkerCount(workers: unknown = 'auto'): number {
  if (workers === 'auto') return availableParallelism()
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1) {
    throw new PlinthError(
      'PLINTH_CLUSTER_INVALID_WORKERS',
      `Option "workers" must be a positive integer or "auto", got ${JSON.stringify(workers)}.`,
    )
  }
  return workers
}

/**
 * Serve the app from `loadApp` in a pool of worker processes. In the primary, resolves once every
 * worker listens (rejects if one fails to boot); in a worker, once its server listens.
 *
 * @example
 * // server.ts: run with `node server.ts`; every worker re-runs this file.
 * import { serveCluster } from 'plinth/server'
 * await serveCluster(async () => (await import('./app.ts')).app, { port: 8000, workers: 'auto' })
 */
export async function serveCluster(
  loadApp: () => App | Promise<App>,
  options: ClusterOptions = {},
): Promise<ClusterHandle> {
  const count = resolveWorkerCount(options.workers)
  const maxRestarts = options.maxRestarts ?? 10
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw new PlinthError(
      'PLINTH_CLUSTER_INVALID_MAX_RESTARTS',
      `Option "maxRestarts" must be a non-negative integer, got ${JSON.stringify(maxRestarts)}.`,
    )
  }
  if (cluster.isPrimary) {
    if (
      options.logger !== undefined &&
      options.logger !== false &&
      typeof (options.logger as Partial<Logger>).info !== 'function'
    ) {
      throw new PlinthError(
        'PLINTH_CLUSTER_INVALID_LOGGER',
        'Option "logger" must be a logger (createLogger() from plinth) or false for no primary logs.',
      )
    }
    const primary = await superviseWorkers({ ...options, workers: count, maxRestarts })
    return { isPrimary: true, server: undefined, url: primary.url, close: primary.close }
  }
  return runWorker(loadApp, options)
}

async function runWorker(
  loadApp: () => App | Promise<App>,
  options: ClusterOptions,
): Promise<ClusterHandle> {
  let server: ServeHandle
  try {
    // A worker always owns its process: the primary relies on it exiting after shutdown.
    server = await serve(await loadApp(), { ...options, signals: true })
  } catch (error) {
    // The open IPC channel would keep this failed worker alive even after the error is
    // reported; letting go of it lets the process exit and the primary see the failure.
    process.exitCode = 1
    cluster.worker?.disconnect()
    throw error
  }
  const onMessage = (message: unknown) => {
    if ((message as { plinth?: unknown } | null)?.plinth === SHUTDOWN_MESSAGE.plinth) {
      shutdownProcess('asked by the cluster primary')
    }
  }
  // No handler for the primary disappearing: Node's cluster exits a worker whose IPC channel
  // closes unexpectedly, so a dead primary never leaves orphaned workers holding the port.
  process.on('message', onMessage)
  return {
    isPrimary: false,
    server,
    url: server.url,
    async close() {
      process.off('message', onMessage)
      await server.close()
    },
  }
}
