/**
 * Shared by profile.ts and `auth.ts --profile`: one server run under V8's sampling profiler
 * (`--cpu-prof`), pinned and loaded by wrk like the HTTP benchmarks, and the samples taken during
 * the measured window only (startup and warm-up cut off) summarised in µs per request: time per
 * category, the hottest functions by self time, and inclusive time of our own functions.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import {
  foreignLoad,
  pin,
  ROOT_DIR,
  type RunningServer,
  runWrk,
  sampleCpu,
  stopServer,
  waitForQuiet,
} from './harness.ts'

export interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** The server to profile and how to load it. */
export interface ProfileRun<Server extends RunningServer> {
  pinning: boolean
  /** Foreign CPU load (cores) to wait for before starting and before measuring. */
  maxForeign: number
  /** Sampling interval, µs. */
  interval: number
  /** Seconds of wrk before the window, and in it. */
  warmup: number
  duration: number
  start(nodeFlags: string[]): Promise<Server>
  check(server: Server): Promise<void>
  /** wrk's command line for `seconds` against the server (pinned here). */
  wrkArgs(server: Server, seconds: number): string[]
}

/** How to print the summary. */
export interface ProfileView {
  /** `plinth — JSON`: what was loaded. */
  title: string
  /** Whose functions the inclusive list is of, e.g. `Plinth and bench-server`. */
  own: string
  isOwn(frame: CallFrame): boolean
  category(frame: CallFrame): string
  top: number
}

/**
 * The category of a `node:` module: HTTP, net/streams, then the first of `more` that matches,
 * then timers/ticks/async, or other.
 */
export function nodeCategory(module: string, more: readonly [RegExp, string][]): string {
  if (/^_http|^http/.test(module)) return 'node: http'
  if (/^net|stream|^internal\/streams|^internal\/stream_base/.test(module))
    return 'node: net/streams'
  for (const [pattern, category] of more) if (pattern.test(module)) return category
  if (/timers|async_hooks|task_queues|process\//.test(module)) return 'node: timers/ticks/async'
  return 'node: other'
}

/** A readable frame: `dispatch src/app/app.ts:212`, `(garbage collector)`. */
function label(frame: CallFrame): string {
  if (frame.url === '') return frame.functionName || '(anonymous)'
  const url = frame.url.startsWith('file://')
    ? relative(ROOT_DIR, new URL(frame.url).pathname)
    : frame.url
  return `${frame.functionName || '(anonymous)'} ${url}:${frame.lineNumber + 1}`
}

/** What one profiled run gave: the profile, the measured window in it, and wrk's output. */
interface Capture {
  profile: CpuProfile
  /** CLOCK_MONOTONIC µs, as the profile's timestamps. */
  windowStart: number
  windowEnd: number
  output: string
  foreign: number
}

async function capture<Server extends RunningServer>(run: ProfileRun<Server>): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'plinth-prof-'))
  await waitForQuiet(run.maxForeign, undefined)
  const server = await run.start([
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    `--cpu-prof-interval=${run.interval}`,
  ])
  let windowStart = 0
  let windowEnd = 0
  let output = ''
  let foreign = 0
  try {
    await run.check(server)
    await runWrk(pin(run.pinning, 1, run.wrkArgs(server, run.warmup)))
    await waitForQuiet(run.maxForeign, server.child.pid)
    const before = sampleCpu(server.child.pid)
    // V8 profile timestamps and hrtime both read CLOCK_MONOTONIC (µs here).
    windowStart = Number(process.hrtime.bigint() / 1000n)
    output = await runWrk(pin(run.pinning, 1, run.wrkArgs(server, run.duration)))
    windowEnd = Number(process.hrtime.bigint() / 1000n)
    foreign = foreignLoad(before, sampleCpu(server.child.pid))
  } finally {
    await stopServer(server)
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`)
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
  rmSync(dir, { recursive: true, force: true })
  return { profile, windowStart, windowEnd, output, foreign }
}

/** Self time of each profile node (µs) over the samples inside the window, and their total. */
function selfTimes(
  { profile, windowStart, windowEnd }: Capture,
  interval: number,
): { self: Map<number, number>; windowTotal: number } {
  // Time of each sample = startTime + cumulative deltas; keep those inside the wrk window.
  const self = new Map<number, number>() // node id → µs
  let t = profile.startTime
  let windowTotal = 0
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!
    if (t < windowStart || t > windowEnd) continue
    const delta = profile.timeDeltas[i + 1] ?? interval
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + delta)
    windowTotal += delta
  }
  if (windowTotal === 0) throw new Error('no samples inside the measured window')
  return { self, windowTotal }
}

/** Runs the server under the profiler, loads it, and prints where its CPU went per request. */
export async function profileServer<Server extends RunningServer>(
  run: ProfileRun<Server>,
  view: ProfileView,
): Promise<void> {
  const captured = await capture(run)
  const { profile, output, foreign } = captured
  const { self, windowTotal } = selfTimes(captured, run.interval)
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN)
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN)
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

  // Self time by category and by function; inclusive time of our own code, once per stack.
  const categories = new Map<string, number>()
  const functions = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us)
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame
    add(categories, view.category(frame), us)
    add(functions, label(frame), us)
    const seen = new Set<string>()
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const f = byId.get(node)!.callFrame
      if (!view.isOwn(f)) continue
      const key = label(f)
      if (seen.has(key)) continue
      seen.add(key)
      add(inclusive, key, us)
    }
  }

  const fmt = (us: number) =>
    `${(us / requests).toFixed(3).padStart(7)} µs/req  ${((100 * us) / windowTotal).toFixed(1).padStart(5)}%`
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1])
  const busy = windowTotal - (categories.get('(idle)') ?? 0)
  console.log(
    `\n${view.title}: ${rps.toLocaleString('en-US')} req/s under the profiler ` +
      `(${requests.toLocaleString('en-US')} requests, ${(windowTotal / 1e6).toFixed(1)} s window, ` +
      `sampling every ${run.interval} µs, foreign load ${foreign.toFixed(2)} cores)`,
  )
  console.log(`CPU per request (window minus idle): ${(busy / requests).toFixed(2)} µs\n`)
  console.log('By category (self time):')
  for (const [name, us] of sorted(categories)) console.log(`  ${fmt(us)}  ${name}`)
  console.log(`\nTop ${view.top} functions by self time:`)
  for (const [name, us] of sorted(functions).slice(0, view.top))
    console.log(`  ${fmt(us)}  ${name}`)
  console.log(`\nInclusive time of ${view.own} functions (top ${view.top}):`)
  for (const [name, us] of sorted(inclusive).slice(0, view.top))
    console.log(`  ${fmt(us)}  ${name}`)
}
