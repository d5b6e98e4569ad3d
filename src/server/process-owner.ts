/**
 * Process-level policy while serving: what SIGTERM, SIGINT, uncaught exceptions and unhandled
 * rejections do.
 *
 * - SIGTERM / SIGINT: graceful shutdown of everything being served, then exit 0 (1 if requests
 *   had to be cut at the deadline or a shutdown hook failed). A second signal exits at once.
 * - `uncaughtException`: the process state is unknown, so log at fatal level, shut down
 *   gracefully, exit 1 (a supervisor restarts it).
 * - `unhandledRejection`: log at error level and keep serving; one forgotten `await` should not
 *   take down every request in the process.
 *
 * Listeners are shared: several `serve()` calls in one process register here, a signal shuts
 * all of them down, and the listeners are removed when the last one is closed.
 */
import type { Logger } from '../logging/index.ts'

/** Something served in this process that must shut down before it exits. */
export interface ProcessTenant {
  readonly log: Logger
  /** Longest a graceful shutdown may take before requests are cut (ms). */
  readonly shutdownTimeout: number
  /** Shut down; resolves `true` when clean, `false` when requests were cut or hooks failed. */
  shutdown(): Promise<boolean>
}

/**
 * The same Ctrl+C reaches every process in the terminal's process group, and `node --watch`
 * (under `plinth dev`) forwards it again, so one keypress arrives several times within
 * milliseconds. Only a signal arriving later than this counts as "second signal: exit now".
 */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1_000
/** Time allowed for shutdown hooks after the drain deadline before the process exits anyway. */
export const HOOKS_GRACE_MS = 5_000

const tenants = new Set<ProcessTenant>()
let stopping = false
let stoppingSince = 0
let failed = false

const onSigterm = () => onSignal('SIGTERM')
const onSigint = () => onSignal('SIGINT')

function install(): void {
  process.on('SIGTERM', onSigterm)
  process.on('SIGINT', onSigint)
  process.on('uncaughtException', onUncaughtException)
  process.on('unhandledRejection', onUnhandledRejection)
}

function uninstall(): void {
  process.off('SIGTERM', onSigterm)
  process.off('SIGINT', onSigint)
  process.off('uncaughtException', onUncaughtException)
  process.off('unhandledRejection', onUnhandledRejection)
}

/**
 * Register a tenant; the policy is in force while at least one is registered. Returns the
 * function that unregisters it.
 */
export function occupyProcess(tenant: ProcessTenant): () => void {
  if (tenants.size === 0 && !stopping) install()
  tenants.add(tenant)
  return () => {
    tenants.delete(tenant)
    // During a process shutdown the listeners stay: a second signal must still force the exit.
    if (tenants.size === 0 && !stopping) uninstall()
  }
}

/** Whether a process-wide shutdown is under way. */
export function isProcessStopping(): boolean {
  return stopping
}

/**
 * Shut down every tenant gracefully, then exit. Idempotent: later calls only raise the exit code.
 * Used by the signal handlers and by cluster workers told to stop by their primary.
 */
export function shutdownProcess(reason: string, exitCode: 0 | 1 = 0): void {
  if (exitCode !== 0) failed = true
  if (stopping) return
  stopping = true
  stoppingSince = Date.now()
  const list = [...tenants]
  const log = list[0]?.log
  log?.info({ reason }, `shutting down (${reason})`)
  const longest = Math.max(0, ...list.map((tenant) => tenant.shutdownTimeout))
  // Shutdown hooks have no deadline of their own; a hung one must not keep the process forever.
  setTimeout(() => {
    log?.fatal('graceful shutdown did not finish in time; exiting')
    void flushAndExit(1, log)
  }, longest + HOOKS_GRACE_MS).unref()
  void Promise.allSettled(list.map((tenant) => tenant.shutdown())).then((results) => {
    if (results.some((result) => result.status === 'rejected' || result.value === false)) {
      failed = true
    }
    return flushAndExit(failed ? 1 : 0, log)
  })
}

function onSignal(signal: NodeJS.Signals): void {
  if (!stopping) {
    shutdownProcess(signal)
    return
  }
  if (Date.now() - stoppingSince < DUPLICATE_SIGNAL_WINDOW_MS) return
  const log = [...tenants][0]?.log
  log?.warn(`received ${signal} again; exiting without waiting for the graceful shutdown`)
  void flushAndExit(1, log)
}

function onUncaughtException(error: Error): void {
  const log = [...tenants][0]?.log
  log?.fatal({ err: error }, 'uncaught exception; shutting down')
  if (log === undefined) console.error(error)
  shutdownProcess('uncaught exception', 1)
}

function onUnhandledRejection(reason: unknown): void {
  const log = [...tenants][0]?.log
  log?.error(
    { err: reason },
    'unhandled promise rejection (still serving; await or .catch() this promise)',
  )
  if (log === undefined) console.error(reason)
}

let exiting = false

/** Flush the log (bounded wait) and exit the process. Only the first call has an effect. */
export async function flushAndExit(code: number, log: Logger | undefined): Promise<void> {
  if (exiting) return
  exiting = true
  // Asynchronous log destinations buffer; give the last lines (why we exit) a chance to land.
  if (log !== undefined) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1_000)
      try {
        log.flush(() => {
          clearTimeout(timer)
          resolve()
        })
      } catch {
        clearTimeout(timer)
        resolve()
      }
    })
  }
  process.exit(code)
}
