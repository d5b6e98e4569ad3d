/**
 * `plinth dev`: the development server, restarted when a file it imported changes.
 *
 * It runs `plinth start` in a child process under Node's own watcher (`node --watch`), with
 * NODE_ENV=development. The watcher tracks every module the app imports, restarts on change, and
 * when the app fails to load (a syntax error) waits for the next change instead of exiting, so
 * the dev loop survives mistakes. This process only forwards signals and relays the exit code.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { defineCommand } from '../command.ts'
import { formatAppReference, resolveAppReference } from '../load-app.ts'
import { appOption, hostOption, portOption, resolveListenSettings } from './listen-options.ts'

/** The CLI entry point, at the same relative place from `src/cli/commands` and `dist/cli/commands`. */
const CLI_ENTRY = fileURLToPath(new URL('../../../bin/plinth.js', import.meta.url))

/**
 * A restart should be quick: in-flight requests of the old code get this long, and a browser's
 * open event stream does not hold up every reload.
 */
const DEV_SHUTDOWN_TIMEOUT_MS = 1_000

/**
 * The Node flags the child needs from this process: module resolution (`--conditions`, loaders)
 * and a few harmless toggles. Not `--inspect` (the port would clash) nor watch/test flags.
 */
export function inheritedExecArgv(execArgv: readonly string[]): string[] {
  const keep: string[] = []
  const withValue = new Set(['--conditions', '-C', '--import', '--require', '-r', '--loader'])
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!
    if (withValue.has(arg) && i + 1 < execArgv.length) {
      keep.push(arg, execArgv[++i]!)
    } else if (
      /^--(conditions|import|require|loader|experimental-loader|env-file)=/.test(arg) ||
      /^--(no-warnings|enable-source-maps|experimental-[\w-]+)$/.test(arg)
    ) {
      keep.push(arg)
    }
  }
  return keep
}

/** The `dev` command. */
export const devCommand = defineCommand({
  name: 'dev',
  summary: 'Run the development server, restarting when files change',
  description: [
    'Run the app with NODE_ENV=development (debug pages, pretty logs) and restart it whenever a',
    'file it imported changes. A file that fails to load is reported and the server waits for the',
    'next change.',
  ].join('\n'),
  options: { app: appOption, port: portOption, host: hostOption },
  run({ values }, io) {
    const { port, host } = resolveListenSettings(values, io.env)
    // Resolve here so a missing app module is reported once, not by every restart.
    const reference = resolveAppReference(values.app, io.cwd)
    const args = [
      ...inheritedExecArgv(process.execArgv),
      '--watch',
      '--watch-preserve-output',
      CLI_ENTRY,
      'start',
      '--app',
      formatAppReference(reference),
      '--port',
      String(port),
      '--host',
      host,
      '--shutdown-timeout',
      String(DEV_SHUTDOWN_TIMEOUT_MS),
    ]
    const child = spawn(process.execPath, args, {
      cwd: io.cwd,
      stdio: 'inherit',
      env: { ...io.env, NODE_ENV: 'development' },
    })
    return new Promise<number>((resolve, reject) => {
      let stopping = false
      // Ctrl+C also reaches the child directly (same process group); the duplicate is harmless.
      const forward = (signal: NodeJS.Signals) => {
        stopping = true
        child.kill(signal)
      }
      const onSigint = () => forward('SIGINT')
      const onSigterm = () => forward('SIGTERM')
      process.on('SIGINT', onSigint)
      process.on('SIGTERM', onSigterm)
      const cleanup = () => {
        process.off('SIGINT', onSigint)
        process.off('SIGTERM', onSigterm)
      }
      child.once('error', (error) => {
        cleanup()
        reject(error)
      })
      child.once('exit', (code) => {
        cleanup()
        resolve(code ?? (stopping ? 0 : 1))
      })
    })
  },
})
