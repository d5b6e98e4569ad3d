/**
 * Running fixture scripts as real child processes: collect their output, wait for a line, wait
 * for the exit within a bound; start a fixture server and talk to it over plain HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { type IncomingHttpHeaders, request } from 'node:http'

export interface Spawned {
  child: ChildProcess
  /** Everything written to stdout so far. */
  stdout(): string
  stderr(): string
  /** Resolves with the first match of `pattern` in stdout (rejects after `timeout` ms). */
  waitFor(pattern: RegExp, timeout?: number): Promise<RegExpMatchArray>
  /** Resolves with the exit code (or signal name) once the process exits (rejects after `timeout`). */
  exited(timeout?: number): Promise<number | string>
}

/** Spawn `node --conditions=plinth-source <args>`. */
export function spawnNode(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Spawned {
  const child = spawn(process.execPath, ['--conditions=plinth-source', ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const watchers = new Set<() => void>()
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    for (const check of watchers) check()
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
  })
  const exit = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1))
  })
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeout = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = out.match(pattern)
          if (match === null) return
          cleanup()
          resolve(match)
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`timed out waiting for ${pattern}\nstdout:\n${out}\nstderr:\n${err}`))
        }, timeout)
        const cleanup = () => {
          clearTimeout(timer)
          watchers.delete(check)
        }
        watchers.add(check)
        check()
      })
    },
    exited(timeout = 15_000) {
      let timer: NodeJS.Timeout | undefined
      const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `process did not exit within ${timeout} ms\nstdout:\n${out}\nstderr:\n${err}`,
              ),
            ),
          timeout,
        )
      })
      return Promise.race([exit, limit]).finally(() => clearTimeout(timer))
    },
  }
}

/** A fixture server running in its own process, and the base URL it listens on. */
export interface SpawnedServer {
  proc: Spawned
  /** `http://127.0.0.1:<port>` */
  url: string
}

/**
 * Spawn a fixture server (see `spawnNode`) that prints `READY <port>` once it listens on
 * 127.0.0.1, and wait for that line.
 */
export async function spawnServer(
  args: readonly string[],
  options: Parameters<typeof spawnNode>[1] = {},
): Promise<SpawnedServer> {
  const proc = spawnNode(args, options)
  const [, port] = await proc.waitFor(/READY (\d+)/)
  return { proc, url: `http://127.0.0.1:${port}` }
}

export interface Received {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** GET on a fresh connection. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** Whether a process with this id exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
