/**
 * Where a TechEmpower contender spends its CPU on one test: the server runs under `--cpu-prof`
 * (pinned, one process, like the pinned layout), wrk loads one route, and the samples of the
 * measured window are summarised in µs per request by module (Plinth's `src/<module>`, pg, Node's
 * HTTP stack, GC, …), with the hottest functions. Compare µs/request between contenders; the
 * profiler slows servers down, so its req/s is not the benchmark's.
 *
 *   npx node --conditions=plinth-source bench/tfb/profile.ts --contender plinth --test queries --queries 20
 *   npx node --conditions=plinth-source bench/tfb/profile.ts --contender raw-pipelined --test db --db sqlite
 *
 * Options: --contender (plinth), --test (db), --db (postgres), --queries (20), --connections
 * (256 for queries/updates, 64 otherwise), --duration (10), --warmup (3), --interval (100 µs),
 * --top (25). Run `bench/tfb/setup.ts` first (or any tfb.ts run) so that the tables exist.
 */
import { type CallFrame, nodeCategory, profileServer } from '../cpu-profile.ts'
import { commandExists, startServer, wrkArgs } from '../harness.ts'
import { contenderById } from './contenders.ts'
import { DEFAULT_DATABASES, type TfbDatabaseKind } from './setup.ts'

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name)
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback)
}

const PATHS: Record<string, (queries: number) => string> = {
  json: () => '/json',
  plaintext: () => '/plaintext',
  db: () => '/db',
  queries: (n) => `/queries?queries=${n}`,
  fortunes: () => '/fortunes',
  updates: (n) => `/updates?queries=${n}`,
}

const contender = contenderById(option('--contender', 'plinth'))
const testId = option('--test', 'db')
const path = PATHS[testId]?.(Number(option('--queries', '20')))
const db = option('--db', 'postgres') as TfbDatabaseKind
if (path === undefined || (db !== 'postgres' && db !== 'sqlite')) {
  console.error(`usage: profile.ts --test ${Object.keys(PATHS).join('|')} --db postgres|sqlite`)
  process.exit(2)
}
const connections = Number(
  option('--connections', testId === 'queries' || testId === 'updates' ? '256' : '64'),
)

/** Plinth's own code by module (`src/orm`), dependencies by package, Node by area. */
function category(frame: CallFrame): string {
  const { url, functionName } = frame
  if (url === '') return functionName.startsWith('(') ? functionName : 'native builtins'
  if (url.startsWith('node:')) return nodeCategory(url.slice(5), [[/events/, 'node: events']])
  const module = /\/src\/([^/]+)\//.exec(url)
  if (module && !url.includes('/node_modules/')) return `plinth: src/${module[1]}`
  const dependency = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (dependency) return `dependency: ${dependency[1]}`
  if (url.includes('/bench/')) return 'bench server'
  return 'other'
}

const pinning = commandExists('taskset', ['-V'])
await profileServer(
  {
    pinning,
    maxForeign: 0.1,
    interval: Number(option('--interval', '100')),
    warmup: Number(option('--warmup', '3')),
    duration: Number(option('--duration', '10')),
    start: (nodeFlags) =>
      startServer(
        {
          label: contender.label,
          script: contender.script,
          args: [],
          env: {
            ...contender.env,
            PORT: '0',
            TFB_DB: db,
            TFB_DATABASE: DEFAULT_DATABASES[db],
            TFB_POOL: '4',
            TFB_WORKERS: '1',
          },
        },
        pinning,
        nodeFlags,
      ),
    check: async (server) => {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`)
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`)
      await response.arrayBuffer()
    },
    wrkArgs: (server, seconds) =>
      wrkArgs(connections, { path, pipeline: testId === 'plaintext' }, server.port, seconds),
  },
  {
    title: `${contender.label} — ${path} on ${db}, ${connections} connections`,
    own: 'Plinth (src/) and bench-server',
    isOwn: (frame) =>
      !frame.url.includes('/node_modules/') &&
      (frame.url.includes('/src/') || frame.url.includes('/bench/')),
    category,
    top: Number(option('--top', '25')),
  },
)
