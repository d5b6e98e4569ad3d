/**
 * Hello-world throughput through the full stack, against a raw `node:http` server.
 *
 * Each contender runs as its own child process pinned to core 0 (`taskset -c 0`); `wrk` runs
 * pinned to core 1, so both sides get one core each (TechEmpower-style per-core numbers). For
 * every repetition the contenders are started one at a time, in turn (A B C A B C …), warmed up,
 * then measured on `/json`, `/plaintext` and pipelined `/plaintext` (depth 16). The report gives
 * medians over the repetitions and each contender's ratio to raw `node:http` from the same run.
 *
 *   npx node bench/http.ts                 # 3 repetitions × 5 s per test
 *   npx node bench/http.ts --quick         # 1 repetition × 2 s (smoke test)
 *   npx node bench/http.ts --reps 5 --duration 10 --connections 128 --contenders raw,plinth
 *
 * Results are printed and written to bench/results/http-<date>.md.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, release } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  BENCH_DIR,
  CONTENDERS,
  checkResponses,
  commandExists,
  cpuModel,
  foreignLoad,
  formatMs,
  formatRatio,
  formatRps,
  median,
  PIPELINE_DEPTH,
  parseWrk,
  pin,
  ROOT_DIR,
  runWrk,
  sampleCpu,
  startServer,
  stopServer,
  TESTS,
  type WrkResult,
  waitForQuiet,
  wrkArgs,
  wrkVersion,
} from './harness.ts'

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

interface Options {
  quick: boolean
  reps: number
  duration: number
  warmup: number
  connections: number
  contenders: string[]
  /** Foreign CPU load (in cores) above which a measurement counts as disturbed. */
  maxForeign: number
  /** How often a disturbed measurement is repeated. */
  retries: number
}

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick')
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(name)
    if (index === -1) return undefined
    const v = argv[index + 1]
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`)
    return v
  }
  const integer = (name: string, fallback: number, min = 1): number => {
    const raw = value(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}`)
    return n
  }
  const contenders = (value('--contenders') ?? CONTENDERS.map((c) => c.id).join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const id of contenders) {
    if (!CONTENDERS.some((c) => c.id === id)) {
      throw new Error(`unknown contender "${id}"; known: ${CONTENDERS.map((c) => c.id).join(', ')}`)
    }
  }
  if (!contenders.includes('raw')) contenders.unshift('raw') // ratios need the baseline
  const maxForeign = Number(value('--max-foreign') ?? 0.05)
  if (!(maxForeign > 0)) throw new Error('--max-foreign must be a positive number of cores')
  return {
    quick,
    maxForeign,
    retries: integer('--retries', quick ? 0 : 2, 0),
    reps: integer('--reps', quick ? 1 : 3),
    duration: integer('--duration', quick ? 2 : 5),
    warmup: integer('--warmup', quick ? 1 : 2),
    connections: integer('--connections', 64),
    contenders,
  }
}

type Results = Map<string, Map<string, WrkResult[]>> // test id → contender id → one per rep

function renderTable(options: Options, results: Results): string {
  const lines = [
    '| Test | Contender | Req/s (median) | p50 | p99 | vs node:http | Req/s per repetition |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const test of TESTS) {
    const byContender = results.get(test.id)!
    const baseline = median(byContender.get('raw')!.map((r) => r.requestsPerSecond))
    for (const id of options.contenders) {
      const contender = CONTENDERS.find((c) => c.id === id)!
      const runs = byContender.get(id)!
      const rps = median(runs.map((r) => r.requestsPerSecond))
      const errors = runs.flatMap((r) => r.errors)
      lines.push(
        `| ${test.label} | ${contender.label}${errors.length ? ' ⚠' : ''} | ${formatRps(rps)} | ${formatMs(median(runs.map((r) => r.p50)))} | ${formatMs(median(runs.map((r) => r.p99)))} | ${formatRatio(rps / baseline)} | ${runs.map((r) => formatRps(r.requestsPerSecond) + (r.foreign > options.maxForeign ? '†' : '')).join(', ')} |`,
      )
    }
  }
  return lines.join('\n')
}

function renderPairedRatios(options: Options, results: Results): string {
  const lines = [
    '| Test | Contender | Ratio to node:http in each repetition |',
    '| --- | --- | --- |',
  ]
  for (const test of TESTS) {
    const byContender = results.get(test.id)!
    const raw = byContender.get('raw')!
    for (const id of options.contenders) {
      if (id === 'raw') continue
      const label = CONTENDERS.find((c) => c.id === id)!.label
      const ratios = byContender
        .get(id)!
        .map((r, i) => formatRatio(r.requestsPerSecond / raw[i]!.requestsPerSecond))
      lines.push(`| ${test.label} | ${label} | ${ratios.join(', ')} |`)
    }
  }
  return lines.join('\n')
}

function resultsFile(quick: boolean, date: string): string {
  const dir = join(BENCH_DIR, 'results')
  mkdirSync(dir, { recursive: true })
  const base = `http-${date}${quick ? '-quick' : ''}`
  let file = join(dir, `${base}.md`)
  for (let n = 2; existsSync(file); n++) file = join(dir, `${base}-${n}.md`)
  return file
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  if (!commandExists('wrk', ['-v'])) throw new Error('wrk is not installed (apt-get install wrk)')
  const pinning = commandExists('taskset', ['-V']) && availableParallelism() >= 2
  if (!pinning) {
    console.warn('⚠ taskset missing or fewer than 2 CPUs: server and wrk are NOT pinned to cores')
  }
  const contenders = options.contenders.map((id) => CONTENDERS.find((c) => c.id === id)!)
  const results: Results = new Map(
    TESTS.map((t) => [t.id, new Map(contenders.map((c) => [c.id, [] as WrkResult[]]))]),
  )
  const perServer = TESTS.length * options.duration + 2 * options.warmup + 1
  console.log(
    `HTTP benchmark: ${options.reps} repetition(s) × ${contenders.length} contenders × ${TESTS.length} tests, ` +
      `${options.duration} s each (about ${Math.ceil((options.reps * contenders.length * perServer) / 60)} min)`,
  )

  for (let rep = 1; rep <= options.reps; rep++) {
    for (const contender of contenders) {
      await waitForQuiet(options.maxForeign, undefined)
      const server = await startServer(contender, pinning)
      try {
        await checkResponses(server.port, contender)
        // Warm up the JIT on both routes before measuring.
        for (const test of TESTS.filter((t) => !t.pipeline)) {
          await runWrk(
            pin(pinning, 1, wrkArgs(options.connections, test, server.port, options.warmup)),
          )
        }
        for (const test of TESTS) {
          const args = pin(
            pinning,
            1,
            wrkArgs(options.connections, test, server.port, options.duration),
          )
          let result: WrkResult
          for (let attempt = 1; ; attempt++) {
            await waitForQuiet(options.maxForeign, server.child.pid)
            const before = sampleCpu(server.child.pid)
            const output = await runWrk(args)
            const foreign = foreignLoad(before, sampleCpu(server.child.pid))
            result = { ...parseWrk(output), foreign, attempts: attempt }
            if (foreign <= options.maxForeign || attempt > options.retries) break
            console.log(
              `  rep ${rep}/${options.reps}  ${contender.label.padEnd(40)} ${test.label.padEnd(26)} ` +
                `disturbed (${foreign.toFixed(2)} cores of foreign load), measuring again`,
            )
          }
          results.get(test.id)!.get(contender.id)!.push(result)
          console.log(
            `  rep ${rep}/${options.reps}  ${contender.label.padEnd(40)} ${test.label.padEnd(26)} ` +
              `${formatRps(result.requestsPerSecond).padStart(9)} req/s  p50 ${formatMs(result.p50)}  p99 ${formatMs(result.p99)}` +
              `  foreign ${result.foreign.toFixed(2)}` +
              (result.errors.length ? `  ⚠ ${result.errors.join('; ')}` : ''),
          )
        }
      } finally {
        await stopServer(server)
      }
    }
  }

  const now = new Date()
  const table = renderTable(options, results)
  const command =
    `node ${relative(ROOT_DIR, fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`.trim()
  const quote = (arg: string) => (/^[\w./:=,@%+-]+$/.test(arg) ? arg : `'${arg}'`)
  const sample = pin(pinning, 1, wrkArgs(options.connections, TESTS[0]!, 8080, options.duration))
    .map(quote)
    .join(' ')
  const all = [...results.values()].flatMap((m) => [...m.values()].flat())
  const errors = all.flatMap((r) => r.errors)
  const disturbed = all.filter((r) => r.foreign > options.maxForeign).length
  const repeated = all.reduce((n, r) => n + r.attempts - 1, 0)
  const maxForeign = Math.max(...all.map((r) => r.foreign))
  const report = `# HTTP hello benchmark — ${now.toISOString().slice(0, 10)}

- Date: ${now.toISOString()}
- Node: ${process.version} (${process.platform}-${process.arch}, kernel ${release()})
- CPU: ${cpuModel()}, ${availableParallelism()} logical CPUs
- Load generator: ${wrkVersion()}, ${options.connections} connections, 1 thread, ${options.duration} s per test after ${options.warmup} s warm-up per route
- Pinning: ${pinning ? 'server on CPU 0 (`taskset -c 0`), wrk on CPU 1 (`taskset -c 1`)' : '**none** (taskset missing or a single CPU)'}
- Repetitions: ${options.reps}, contenders interleaved (${contenders.map((c) => c.id).join(' → ')} per repetition, fresh process each time)
- Foreign CPU load (other processes on the machine) during the kept measurements: at most ${maxForeign.toFixed(2)} cores; ${repeated} measurement(s) repeated because another process used more than ${options.maxForeign} cores; ${disturbed} kept despite that (marked †)
- Command: \`${command}\`
- wrk invocation: \`${sample.replace(':8080', ':<port>')}\` (pipelined: \`-s bench/pipeline.lua … -- ${PIPELINE_DEPTH}\`)

Medians over the repetitions; "vs node:http" is the contender's median req/s divided by the raw
\`node:http\` median from this same run. Runs on this kind of VM vary by ±10-15%, so differences
below that are noise unless they persist across runs.

${table}

Per-repetition ratios (each contender against the raw server measured in the same repetition):

${renderPairedRatios(options, results)}
${errors.length ? `\n⚠ wrk reported errors: ${[...new Set(errors)].join('; ')}\n` : ''}`
  const file = resultsFile(options.quick, now.toISOString().slice(0, 10))
  writeFileSync(file, report)
  console.log(`\n${table}\n\nWritten to ${relative(process.cwd(), file)}`)
}

await main()
