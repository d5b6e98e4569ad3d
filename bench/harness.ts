/**
 * Shared by http.ts, profile.ts and auth.ts: the contenders and tests, starting and stopping
 * pinned servers, running and parsing wrk, accounting for other processes' CPU load, and where
 * reports go.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
export const ROOT_DIR = dirname(BENCH_DIR)
export const PIPELINE_SCRIPT = join(BENCH_DIR, 'pipeline.lua')
export const PIPELINE_DEPTH = 16

// ---------------------------------------------------------------------------------------------
// Contenders and tests
// ---------------------------------------------------------------------------------------------

export interface Contender extends ServerSpec {
  id: string
}

export const CONTENDERS: Contender[] = [
  { id: 'raw', label: 'node:http (raw)', script: 'servers/raw-node.ts', args: [] },
  {
    id: 'plinth',
    label: 'Plinth (plinth/server createServer)',
    script: 'servers/plinth.ts',
    args: ['--listener', 'server'],
  },
  {
    id: 'plinth-handler',
    label: 'Plinth (http.createServer(app.handler))',
    script: 'servers/plinth.ts',
    args: ['--listener', 'handler'],
  },
]

export interface Test {
  id: string
  label: string
  path: string
  pipeline: boolean
  /** What a correct response looks like (checked once per server before measuring). */
  body: string
  contentType: RegExp
}

export const TESTS: Test[] = [
  {
    id: 'json',
    label: 'JSON',
    path: '/json',
    pipeline: false,
    body: '{"message":"Hello, World!"}',
    contentType: /^application\/json\b/,
  },
  {
    id: 'plaintext',
    label: 'plaintext',
    path: '/plaintext',
    pipeline: false,
    body: 'Hello, World!',
    contentType: /^text\/plain\b/,
  },
  {
    id: 'plaintext-pipelined',
    label: `plaintext, pipelined ×${PIPELINE_DEPTH}`,
    path: '/plaintext',
    pipeline: true,
    body: 'Hello, World!',
    contentType: /^text\/plain\b/,
  },
]

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

export function commandExists(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' })
  return result.error === undefined
}

export function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8')
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim()
    const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(info)?.[1]?.trim()
    if (model) return mhz ? `${model} (${Math.round(Number(mhz))} MHz)` : model
  } catch {}
  return 'unknown'
}

export function wrkVersion(): string {
  const out = spawnSync('wrk', ['-v'], { encoding: 'utf8' })
  return /wrk\s+\S+/.exec(`${out.stdout}${out.stderr}`)?.[0] ?? 'wrk (unknown version)'
}

/**
 * Whether server and wrk can each have a core of their own (`taskset` and 2 CPUs); warns when not.
 */
export function detectPinning(): boolean {
  const pinning = commandExists('taskset', ['-V']) && availableParallelism() >= 2
  if (!pinning) {
    console.warn('⚠ taskset missing or fewer than 2 CPUs: server and wrk are NOT pinned to cores')
  }
  return pinning
}

/** `taskset -c <cpu>` prefix when pinning is possible, otherwise nothing. */
export function pin(pinning: boolean, cpu: number, command: string[]): string[] {
  return pinning ? ['taskset', '-c', String(cpu), ...command] : command
}

// ---------------------------------------------------------------------------------------------
// Foreign CPU load
//
// The machine may be shared (another test suite, a build), and on two cores any other busy
// process lands on the server's or wrk's core and skews the run far beyond the usual ±10-15%.
// So every measurement is accounted: busy CPU time from /proc/stat, minus what the server, wrk
// (a reaped child of this process) and this process used, minus interrupt time (the loopback
// traffic itself). What remains is foreign load, in cores. Measurements are started only once
// the machine is quiet, and a disturbed one is repeated (--retries, --max-foreign).
// ---------------------------------------------------------------------------------------------

export const CPU_COUNT = cpus().length

export interface CpuSample {
  total: number
  busy: number
  ours: number
}

function systemTicks(): { total: number; busy: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    line.trim().split(/\s+/).slice(1, 9).map(Number)
  return {
    total: user + nice + system + idle + iowait + irq + softirq + steal,
    busy: user + nice + system + steal,
  }
}

/** utime and stime of a process, and cutime + cstime of its reaped children, in clock ticks. */
export function processTimes(pid: number | 'self'): {
  user: number
  sys: number
  children: number
} {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after "(comm)": state is field 3, so utime..cstime (fields 14-17) are 11..14 here.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number)
    return { user: fields[11]!, sys: fields[12]!, children: fields[13]! + fields[14]! }
  } catch {
    return { user: 0, sys: 0, children: 0 } // the process is gone
  }
}

function processTicks(pid: number | 'self', withChildren: boolean): number {
  const { user, sys, children } = processTimes(pid)
  return withChildren ? user + sys + children : user + sys
}

/** `extraPids`: other processes serving the benchmark (auth.ts's Redis), whose CPU is ours too. */
export function sampleCpu(
  serverPid: number | undefined,
  extraPids: readonly number[] = [],
): CpuSample {
  let ours =
    processTicks('self', true) + (serverPid === undefined ? 0 : processTicks(serverPid, false))
  for (const pid of extraPids) ours += processTicks(pid, false)
  return { ...systemTicks(), ours }
}

/** CPU used by other processes between two samples, in cores (1 = one core fully busy). */
export function foreignLoad(a: CpuSample, b: CpuSample): number {
  const elapsedPerCpu = (b.total - a.total) / CPU_COUNT
  if (elapsedPerCpu <= 0) return 0
  return Math.max(0, (b.busy - a.busy - (b.ours - a.ours)) / elapsedPerCpu)
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Wait (up to two minutes) until other processes use less than `maxForeign` cores; at once when
 * `maxForeign` is infinite (smoke runs accept any load). `extraPids` as in `sampleCpu`.
 */
export async function waitForQuiet(
  maxForeign: number,
  serverPid: number | undefined,
  extraPids: readonly number[] = [],
): Promise<void> {
  if (maxForeign === Number.POSITIVE_INFINITY) return
  const deadline = Date.now() + 120_000
  let announced = false
  for (;;) {
    const before = sampleCpu(serverPid, extraPids)
    await sleep(1000)
    const load = foreignLoad(before, sampleCpu(serverPid, extraPids))
    if (load <= maxForeign) return
    if (Date.now() > deadline) {
      console.warn(
        `  ⚠ still ${load.toFixed(2)} cores of foreign load after 2 min; measuring anyway`,
      )
      return
    }
    if (!announced) {
      console.log(`  … other processes use ${load.toFixed(2)} cores; waiting for a quiet machine`)
      announced = true
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

/** A server script under bench/: one of the contenders, or an auth.ts fixture variant. */
export interface ServerSpec {
  label: string
  script: string
  args: string[]
  /** Milliseconds it may take to print its first line (15 s by default). */
  startTimeout?: number
  /** Environment variables on top of this process's (and `NODE_ENV=production`). */
  env?: Record<string, string>
}

/** The first line a server prints once listening: `{"port":N}`, and whatever else it tells. */
export interface ServerLine {
  port: number
}

export interface RunningServer<Line extends ServerLine = ServerLine> {
  child: ChildProcess
  port: number
  /** The whole JSON line the server printed. */
  line: Line
}

export function startServer<Line extends ServerLine = ServerLine>(
  spec: ServerSpec,
  pinning: boolean,
  nodeFlags: readonly string[] = [],
): Promise<RunningServer<Line>> {
  const command = pin(pinning, 0, [
    process.execPath,
    '--conditions=plinth-source',
    ...nodeFlags,
    join(BENCH_DIR, spec.script),
    ...spec.args,
  ])
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT_DIR,
    env: { ...process.env, NODE_ENV: 'production', ...spec.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const timeout = spec.startTimeout ?? 15_000
  return new Promise((resolve, reject) => {
    let buffered = ''
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`${spec.label} did not start within ${timeout / 1000} s`))
    }, timeout)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${spec.label} exited with code ${code} before listening`))
    })
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const newline = buffered.indexOf('\n')
      if (newline === -1) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      child.stdout!.off('data', onData)
      const line = JSON.parse(buffered.slice(0, newline)) as Line
      resolve({ child, port: line.port, line })
    }
    child.stdout!.on('data', onData)
  })
}

export function stopServer(server: RunningServer): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve()
    server.child.once('exit', () => resolve())
    server.child.kill('SIGTERM')
  })
}

export async function checkResponses(port: number, contender: Contender): Promise<void> {
  for (const test of TESTS) {
    if (test.pipeline) continue
    const response = await fetch(`http://127.0.0.1:${port}${test.path}`)
    const body = await response.text()
    const type = response.headers.get('content-type') ?? ''
    if (response.status !== 200 || body !== test.body || !test.contentType.test(type)) {
      throw new Error(
        `${contender.label} answered ${test.path} wrongly: ${response.status} ${type} ${JSON.stringify(body)}`,
      )
    }
    if (response.headers.get('content-length') !== String(Buffer.byteLength(body))) {
      throw new Error(`${contender.label} ${test.path}: missing or wrong content-length`)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// wrk
// ---------------------------------------------------------------------------------------------

export interface WrkResult {
  requestsPerSecond: number
  /** Milliseconds; NaN when wrk could not report it. */
  p50: number
  p99: number
  errors: string[]
  /** Foreign CPU load during the run, in cores (see above). */
  foreign: number
  /** Measurements taken for this result (more than 1 when earlier ones were disturbed). */
  attempts: number
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value)
  if (!match) throw new Error(`cannot parse wrk latency "${value}"`)
  const n = Number(match[1])
  switch (match[2]) {
    case 'us':
      return n / 1000
    case 'ms':
      return n
    case 's':
      return n * 1000
    default:
      return n * 60_000
  }
}

export function parseWrk(output: string): Omit<WrkResult, 'foreign' | 'attempts'> {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output)
  const p50 = /^\s+50%\s+(\S+)/m.exec(output)
  const p99 = /^\s+99%\s+(\S+)/m.exec(output)
  if (!rps || !p50 || !p99) throw new Error(`cannot parse wrk output:\n${output}`)
  const errors: string[] = []
  const socket = /Socket errors: (.+)/.exec(output)
  if (socket) errors.push(`socket errors: ${socket[1]}`)
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output)
  if (non2xx) errors.push(`${non2xx[1]} non-2xx/3xx responses`)
  // wrk's histogram overflows under deep pipelining and then prints 0 for the top percentiles.
  const latency = (raw: string) => {
    const ms = toMs(raw)
    return ms > 0 ? ms : Number.NaN
  }
  return {
    requestsPerSecond: Number(rps[1]),
    p50: latency(p50[1]!),
    p99: latency(p99[1]!),
    errors,
  }
}

/** What `wrkArgs` does differently from http.ts's defaults (bench/tfb uses TechEmpower's). */
export interface WrkOptions {
  accept?: string
  /** Seconds after which wrk counts a request as timed out (wrk's default is 2). */
  timeout?: number
}

export function wrkArgs(
  connections: number,
  test: Pick<Test, 'path' | 'pipeline'>,
  port: number,
  seconds: number,
  options: WrkOptions = {},
): string[] {
  const args = [
    'wrk',
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-H',
    `Accept: ${options.accept ?? 'application/json,text/html;q=0.9,*/*;q=0.8'}`,
    '-H',
    'Connection: keep-alive',
  ]
  if (options.timeout !== undefined) args.push('--timeout', `${options.timeout}s`)
  if (test.pipeline) args.push('-s', PIPELINE_SCRIPT)
  args.push(`http://127.0.0.1:${port}${test.path}`)
  if (test.pipeline) args.push('--', String(PIPELINE_DEPTH))
  return args
}

export function runWrk(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}:\n${out}`)),
    )
  })
}

// ---------------------------------------------------------------------------------------------
// Statistics and report
// ---------------------------------------------------------------------------------------------

/** Median of the finite values (NaN when there are none). */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const formatRps = (n: number) => Math.round(n).toLocaleString('en-US')
export function formatMs(n: number): string {
  if (Number.isNaN(n)) return 'n/a'
  return n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(2)} ms`
}
export const formatRatio = (n: number) => `${(n * 100).toFixed(1)}%`

/** A command line as it can be pasted into a shell. */
export function formatCommand(args: readonly string[]): string {
  return args.map((arg) => (/^[\w./:=,@%+-]+$/.test(arg) ? arg : `'${arg}'`)).join(' ')
}

/**
 * bench/results/<name>-<date>[-quick][-2, -3, …].md, never one that exists. A string `quick` is
 * the suffix itself (`'smoke'` → `-smoke`).
 */
export function resultsFile(name: string, quick: boolean | string, date: string): string {
  const dir = join(BENCH_DIR, 'results')
  mkdirSync(dir, { recursive: true })
  const suffix = quick === true ? '-quick' : quick ? `-${quick}` : ''
  const base = `${name}-${date}${suffix}`
  let file = join(dir, `${base}.md`)
  for (let n = 2; existsSync(file); n++) file = join(dir, `${base}-${n}.md`)
  return file
}
