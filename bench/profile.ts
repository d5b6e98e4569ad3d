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
import { type CallFrame, nodeCategory, profileServer } from './cpu-profile.ts'
import {
  CONTENDERS,
  checkResponses,
  commandExists,
  startServer,
  TESTS,
  wrkArgs,
} from './harness.ts'

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

function category(frame: CallFrame): string {
  const { url, functionName } = frame
  if (url === '') {
    if (functionName.startsWith('(')) return functionName // (garbage collector), (program), (idle)
    return 'native builtins (no source)'
  }
  if (url.startsWith('node:')) return nodeCategory(url.slice(5), [[/events/, 'node: events']])
  if (url.includes('/src/')) return 'plinth (src/)'
  if (url.includes('/bench/')) return 'bench server'
  if (url.includes('/node_modules/')) return 'dependencies'
  return 'other'
}

const pinning = commandExists('taskset', ['-V'])
await profileServer(
  {
    pinning,
    maxForeign: 0.05,
    interval,
    warmup,
    duration,
    start: (nodeFlags) => startServer(contender, pinning, nodeFlags),
    check: (server) => checkResponses(server.port, contender),
    wrkArgs: (server, seconds) => wrkArgs(64, test, server.port, seconds),
  },
  {
    title: `${contender.label} — ${test.label}`,
    own: 'Plinth and bench-server',
    isOwn: (frame) => frame.url.includes('/src/') || frame.url.includes('/bench/'),
    category,
    top,
  },
)
