/**
 * `plinth start`: the production server. One process by default; `--workers` runs a cluster.
 * NODE_ENV defaults to `production` (set before the app module is imported, since the app reads
 * it when created).
 */
import { serve, serveCluster } from '../../server/index.ts'
import { defineCommand, UsageError } from '../command.ts'
import { loadApp, resolveAppReference } from '../load-app.ts'
import {
  appOption,
  hostOption,
  parseNonNegativeInteger,
  portOption,
  resolveListenSettings,
} from './listen-options.ts'

function parseWorkers(value: string): number | 'auto' {
  if (value === 'auto') return 'auto'
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`--workers must be a positive integer or "auto", got "${value}".`)
  }
  return Number(value)
}

/** The `start` command. */
export const startCommand = defineCommand({
  name: 'start',
  summary: 'Run the production server',
  description: [
    'Run the production server: startup hooks, then listen; SIGTERM/SIGINT shut down gracefully.',
    'NODE_ENV defaults to "production". With --workers, a primary process forks that many',
    'workers sharing the port and replaces any that crash.',
  ].join('\n'),
  options: {
    app: appOption,
    port: portOption,
    host: hostOption,
    workers: {
      type: 'string',
      short: 'w',
      placeholder: '<n|auto>',
      description: 'Serve from a cluster of n worker processes (auto: one per CPU)',
    },
    'shutdown-timeout': {
      type: 'string',
      placeholder: '<ms>',
      description: 'How long in-flight requests may run during shutdown (default 10000)',
    },
  },
  async run({ values }, io) {
    const { port, host } = resolveListenSettings(values, io.env)
    const workers = values.workers === undefined ? undefined : parseWorkers(values.workers)
    const shutdownTimeout =
      values['shutdown-timeout'] === undefined
        ? undefined
        : parseNonNegativeInteger(values['shutdown-timeout'], '--shutdown-timeout')
    const reference = resolveAppReference(values.app, io.cwd)
    process.env.NODE_ENV ??= 'production'
    const options = { port, host, shutdownTimeout }
    if (workers !== undefined) {
      await serveCluster(() => loadApp(reference, io.cwd), { ...options, workers })
    } else {
      await serve(await loadApp(reference, io.cwd), options)
    }
    // The server keeps the process alive; signals end it (see plinth/server).
    return 0
  },
})
