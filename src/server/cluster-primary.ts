/**
 * The cluster primary: forks the workers, replaces the ones that die, and stops them all on
 * SIGTERM/SIGINT.
 *
 * Restart policy: a worker that dies unexpectedly is replaced after a backoff (100 ms doubling
 * to 5 s, counted over the last minute). More than `maxRestarts` deaths in a minute, or a worker
 * dying before it ever listened during the first boot (a broken app or a taken port), stops the
 * cluster instead: restarting cannot fix that, and a visible failure beats a fork loop.
 *
 * Shutdown: workers get an IPC message rather than a signal. They may already have received the
 * same Ctrl+C from the terminal, and a second signal would make them skip graceful shutdown.
 */
import cluster, { type Worker } from 'node:cluster'
import type { AddressInfo } from 'node:net'
import { PlinthError } from '../http/index.ts'
import { createLogger, type Logger, silentLogger } from '../logging/index.ts'
import { localUrl } from './listen.ts'
import { DUPLICATE_SIGNAL_WINDOW_MS, flushAndExit, HOOKS_GRACE_MS } from './process-owner.ts'

/** Message the primary sends a worker to start its graceful shutdown. */
export const SHUTDOWN_MESSAGE = { plinth: 'shutdown' } as const

/** What the supervisor needs (validated by `serveCluster`). */
export interface SupervisorOptions {
  workers: number
  maxRestarts: number
  shutdownTimeout?: number
  signals?: boolean
  logger?: Logger | false
}

const RESTART_WINDOW_MS = 60_000
const BACKOFF_START_MS = 100
const BACKOFF_MAX_MS = 5_000

/**
 * Fork and supervise the workers. Resolves when all of them listen; rejects (after stopping the
 * others) when one fails to boot.
 */
export function superviseWorkers(
  options: SupervisorOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const log =
    options.logger === false
      ? silentLogger()
      : (options.logger?.child({ role: 'cluster-primary' }) ??
        createLogger({ base: { role: 'cluster-primary' } }, process.env.NODE_ENV === 'development'))
  const ownsProcess = options.signals ?? true
  const live = new Set<Worker>()
  const booted = new Set<Worker>()
  const crashes: number[] = []
  const restartTimers = new Set<NodeJS.Timeout>()
  let ready = false
  let failed = false
  let stopping: Promise<void> | undefined
  let stoppingSince = 0
  let allExited: () => void = () => {}
  const exited = new Promise<void>((resolve) => {
    allExited = resolve
  })

  let settleReady: { resolve(url: string): void; reject(error: Error): void } | undefined
  const readyPromise = new Promise<string>((resolve, reject) => {
    settleReady = { resolve, reject }
  })

  function fork(): void {
    const worker = cluster.fork()
    live.add(worker)
    worker.once('listening', (address: AddressInfo) => {
      booted.add(worker)
      if (ready || booted.size < options.workers) return
      ready = true
      const url = localUrl({ ...address, address: address.address ?? '127.0.0.1' })
      log.info({ url, workers: options.workers }, `${options.workers} workers listening on ${url}`)
      settleReady?.resolve(url)
    })
    worker.once('exit', (code: number | null, signal: string | null) =>
      onExit(worker, code, signal),
    )
  }

  function onExit(worker: Worker, code: number | null, signal: string | null): void {
    live.delete(worker)
    const wasBooted = booted.delete(worker)
    const pid = worker.process.pid
    const how = signal === null ? `exit code ${code}` : `signal ${signal}`
    if (stopping !== undefined) {
      // A worker killed before it booted (we sent SIGTERM) is an expected casualty of stopping.
      if (code !== 0 && (wasBooted || code !== null)) failed = true
      if (live.size === 0) allExited()
      return
    }
    if (!wasBooted && !ready) {
      log.fatal(
        { workerPid: pid, code, signal },
        `worker ${pid} failed to start (${how}); stopping`,
      )
      failed = true
      void stop()
      settleReady?.reject(
        new PlinthError(
          'PLINTH_CLUSTER_WORKER_BOOT_FAILED',
          `A cluster worker stopped (${how}) before it started listening; its error is printed above. Fix it and start again.`,
        ),
      )
      return
    }
    const now = Date.now()
    crashes.push(now)
    while (crashes.length > 0 && crashes[0]! <= now - RESTART_WINDOW_MS) crashes.shift()
    if (crashes.length > options.maxRestarts) {
      log.fatal(
        { workerPid: pid, code, signal, crashes: crashes.length },
        `worker ${pid} died (${how}); ${crashes.length} deaths within a minute exceed maxRestarts (${options.maxRestarts}); stopping the cluster`,
      )
      failed = true
      void stop().then(() => {
        if (ownsProcess) void flushAndExit(1, log)
      })
      return
    }
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** (crashes.length - 1))
    log.error(
      { workerPid: pid, code, signal, restartInMs: delay },
      `worker ${pid} died (${how}); starting a replacement in ${delay} ms`,
    )
    const timer = setTimeout(() => {
      restartTimers.delete(timer)
      if (stopping === undefined) fork()
    }, delay)
    restartTimers.add(timer)
  }

  function stop(): Promise<void> {
    if (stopping !== undefined) return stopping
    stoppingSince = Date.now()
    for (const timer of restartTimers) clearTimeout(timer)
    restartTimers.clear()
    for (const worker of live) {
      // Before it listens, a worker has no shutdown logic installed yet: the signal just ends it.
      if (booted.has(worker) && worker.isConnected()) worker.send(SHUTDOWN_MESSAGE)
      else worker.process.kill('SIGTERM')
    }
    if (live.size === 0) allExited()
    const deadline = setTimeout(
      () => {
        failed = true
        for (const worker of live) {
          log.error({ workerPid: worker.process.pid }, 'worker did not stop in time; killing it')
          worker.process.kill('SIGKILL')
        }
      },
      (options.shutdownTimeout ?? 10_000) + HOOKS_GRACE_MS + 1_000,
    )
    stopping = exited.then(() => {
      clearTimeout(deadline)
      removeSignalHandlers()
      log.info('all workers stopped')
    })
    return stopping
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping === undefined) {
      log.info(`received ${signal}; stopping ${live.size} workers`)
      void stop().then(() => flushAndExit(failed ? 1 : 0, log))
      return
    }
    if (Date.now() - stoppingSince < DUPLICATE_SIGNAL_WINDOW_MS) return
    log.warn(`received ${signal} again; killing workers without waiting`)
    for (const worker of live) worker.process.kill('SIGKILL')
    void flushAndExit(1, log)
  }
  const onSigterm = () => onSignal('SIGTERM')
  const onSigint = () => onSignal('SIGINT')
  function removeSignalHandlers(): void {
    process.off('SIGTERM', onSigterm)
    process.off('SIGINT', onSigint)
  }
  if (ownsProcess) {
    process.on('SIGTERM', onSigterm)
    process.on('SIGINT', onSigint)
  }

  for (let i = 0; i < options.workers; i++) fork()
  return readyPromise.then((url) => ({ url, close: stop }))
}
