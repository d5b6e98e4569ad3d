/**
 * Where does a contender spend its CPU per request? Runs one server under `--cpu-prof` (pinned
 * like the HTTP benchmark), loads one route with wrk, and summarises the samples taken during the
 * measured window only (startup and warm-up are cut off): time per category (Plinth, Node's HTTP
 * stack, GC, …), the hottest functions by self time, and inclusive time of Plinth's and the bench
 * server's own functions — all in µs per request, so two contenders can be compared directly.
 *
 *   npx node bench/profile.ts --contender plinth --test json
 *   npx node bench/profile.ts --contender raw --test json --duration 10 --top 30
 *
 * The profiler slows the server down (less with a larger --interval, in µs; default 100), so
 * compare µs/request between profiles, not with the throughput of bench/http.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import {
  CONTENDERS,
  checkResponses,
  commandExists,
  foreignLoad,
  pin,
  ROOT_DIR,
  runWrk,
  sampleCpu,
  startServer,
  stopServer,
  TESTS,
  waitForQuiet,
  wrkArgs,
} from './harness.ts'

interface CallFrame {
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

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name)
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback)
}

const contenderId = option('--contender', 'plinth')
const testId = option('--test', 'json')
const duration = Number(option('--duration', '10'))
const warmup = Number(option('--warmup', '3'))
const interval = Number(option('--interval', '100'))
const top = Number(option('--top', '25'))
const contender = CONTENDERS.find((c) => c.id === contenderId)
const test = TESTS.find((t) => t.id === testId)
if (!contender || !test) {
  console.error(
    `usage: profile.ts --contender ${CONTENDERS.map((c) => c.id).join('|')} --test ${TESTS.map((t) => t.id).join('|')}`,
  )
  process.exit(2)
}

/** A readable location: `src/app/app.ts:212`, `node:_http_server:1150`, `(garbage collector)`. */
function location(frame: CallFrame): string {
  if (frame.url === '') return frame.functionName || '(anonymous)'
  const url = frame.url.startsWith('file://')
    ? relative(ROOT_DIR, new URL(frame.url).pathname)
    : frame.url
  return `${url}:${frame.lineNumber + 1}`
}

function label(frame: CallFrame): string {
  if (frame.url === '') return frame.functionName || '(anonymous)'
  return `${frame.functionName || '(anonymous)'} ${location(frame)}`
}

function category(frame: CallFrame): string {
  const { url, functionName } = frame
  if (url === '') {
    if (functionName.startsWith('(')) return functionName // (garbage collector), (program), (idle)
    return 'native builtins (no source)'
  }
  if (url.startsWith('node:')) {
    const module = url.slice(5)
    if (/^_http|^http/.test(module)) return 'node: http'
    if (/^net|stream|^internal\/streams|^internal\/stream_base/.test(module))
      return 'node: net/streams'
    if (/events/.test(module)) return 'node: events'
    if (/timers|async_hooks|task_queues|process\//.test(module)) return 'node: timers/ticks/async'
    return `node: other`
  }
  if (url.includes('/src/')) return 'plinth (src/)'
  if (url.includes('/bench/')) return 'bench server'
  if (url.includes('/node_modules/')) return 'dependencies'
  return 'other'
}

async function main(): Promise<void> {
  const pinning = commandExists('taskset', ['-V'])
  const dir = mkdtempSync(join(tmpdir(), 'plinth-prof-'))
  await waitForQuiet(0.05, undefined)
  const server = await startServer(contender!, pinning, [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    `--cpu-prof-interval=${interval}`,
  ])
  let windowStart = 0
  let windowEnd = 0
  let output = ''
  let foreign = 0
  try {
    await checkResponses(server.port, contender!)
    await runWrk(pin(pinning, 1, wrkArgs(64, test!, server.port, warmup)))
    await waitForQuiet(0.05, server.child.pid)
    const before = sampleCpu(server.child.pid)
    // V8 profile timestamps and hrtime both read CLOCK_MONOTONIC (µs here).
    windowStart = Number(process.hrtime.bigint() / 1000n)
    output = await runWrk(pin(pinning, 1, wrkArgs(64, test!, server.port, duration)))
    windowEnd = Number(process.hrtime.bigint() / 1000n)
    foreign = foreignLoad(before, sampleCpu(server.child.pid))
  } finally {
    await stopServer(server)
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`)
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile
  rmSync(dir, { recursive: true, force: true })

  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN)
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN)

  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

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

  const perRequest = (us: number) => us / requests
  const fmt = (us: number) =>
    `${perRequest(us).toFixed(3).padStart(7)} µs/req  ${((100 * us) / windowTotal).toFixed(1).padStart(5)}%`

  // Categories (self time).
  const categories = new Map<string, number>()
  const functions = new Map<string, number>()
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame
    const cat = category(frame)
    categories.set(cat, (categories.get(cat) ?? 0) + us)
    const key = label(frame)
    functions.set(key, (functions.get(key) ?? 0) + us)
  }

  // Inclusive time of our own code (Plinth sources and the bench server), once per stack.
  const inclusive = new Map<string, number>()
  for (const [id, us] of self) {
    const seen = new Set<string>()
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const frame = byId.get(node)!.callFrame
      if (!frame.url.includes('/src/') && !frame.url.includes('/bench/')) continue
      const key = label(frame)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + us)
    }
  }

  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1])
  const busy = windowTotal - (categories.get('(idle)') ?? 0)
  console.log(
    `\n${contender!.label} — ${test!.label}: ${rps.toLocaleString('en-US')} req/s under the profiler ` +
      `(${requests.toLocaleString('en-US')} requests, ${(windowTotal / 1e6).toFixed(1)} s window, ` +
      `sampling every ${interval} µs, foreign load ${foreign.toFixed(2)} cores)`,
  )
  console.log(`CPU per request (window minus idle): ${perRequest(busy).toFixed(2)} µs\n`)
  console.log('By category (self time):')
  for (const [name, us] of sorted(categories)) console.log(`  ${fmt(us)}  ${name}`)
  console.log(`\nTop ${top} functions by self time:`)
  for (const [name, us] of sorted(functions).slice(0, top)) console.log(`  ${fmt(us)}  ${name}`)
  console.log(`\nInclusive time of Plinth and bench-server functions (top ${top}):`)
  for (const [name, us] of sorted(inclusive).slice(0, top)) console.log(`  ${fmt(us)}  ${name}`)
}

await main()
