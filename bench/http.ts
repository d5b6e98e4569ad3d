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
import { writeFileSync } from 'node:fs'
import { availableParallelism, release } from 'node:os'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  CONTENDERS,
  checkResponses,
  commandExists,
  cpuModel,
  detectPinning,
  formatCommand,
  formatMs,
  formatRatio,
  formatRps,
  median,
  PIPELINE_DEPTH,
  parseWrk,
  pin,
  ROOT_DIR,
  resultsFile,
  runWrk,
  startServer,
  TESTS,
  type WrkResult,
  wrkArgs,
  wrkVersion,
} from './harness.ts'
import {
  errorsNote,
  formatErrors,
  formatFigures,
  formatPairedRatios,
  formatRepetitions,
  interleave,
  type LoadOptions,
  measureQuietly,
  parseLoadOptions,
  pickIds,
  readCli,
  summariseLoad,
} from './measure.ts'

interface Options extends LoadOptions {
  contenders: string[]
}

function parseOptions(argv: readonly string[]): Options {
  const cli = readCli(argv)
  const contenders = pickIds(cli.value('--contenders'), CONTENDERS, 'contender', 'raw')
  return { ...parseLoadOptions(argv, cli), contenders }
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
        `| ${test.label} | ${contender.label}${errors.length ? ' ⚠' : ''} | ${formatRps(rps)} | ${formatMs(median(runs.map((r) => r.p50)))} | ${formatMs(median(runs.map((r) => r.p99)))} | ${formatRatio(rps / baseline)} | ${formatRepetitions(runs, options.maxForeign)} |`,
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
      lines.push(`| ${test.label} | ${label} | ${formatPairedRatios(byContender.get(id)!, raw)} |`)
    }
  }
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  if (!commandExists('wrk', ['-v'])) throw new Error('wrk is not installed (apt-get install wrk)')
  const pinning = detectPinning()
  const contenders = options.contenders.map((id) => CONTENDERS.find((c) => c.id === id)!)
  const results: Results = new Map(
    TESTS.map((t) => [t.id, new Map(contenders.map((c) => [c.id, [] as WrkResult[]]))]),
  )
  const perServer = TESTS.length * options.duration + 2 * options.warmup + 1
  console.log(
    `HTTP benchmark: ${options.reps} repetition(s) × ${contenders.length} contenders × ${TESTS.length} tests, ` +
      `${options.duration} s each (about ${Math.ceil((options.reps * contenders.length * perServer) / 60)} min)`,
  )

  await interleave(
    options,
    contenders,
    (contender) => startServer(contender, pinning),
    async (server, contender, rep) => {
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
        const progress = `  rep ${rep}/${options.reps}  ${contender.label.padEnd(40)} ${test.label.padEnd(26)} `
        const result = await measureQuietly(
          options,
          server.child.pid,
          async () => parseWrk(await runWrk(args)),
          (foreign) =>
            console.log(
              `${progress}disturbed (${foreign.toFixed(2)} cores of foreign load), measuring again`,
            ),
        )
        results.get(test.id)!.get(contender.id)!.push(result)
        console.log(
          `${progress}${formatFigures(result)}  foreign ${result.foreign.toFixed(2)}${formatErrors(result)}`,
        )
      }
    },
  )

  const now = new Date()
  const table = renderTable(options, results)
  const command =
    `node ${relative(ROOT_DIR, fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`.trim()
  const sample = formatCommand(
    pin(pinning, 1, wrkArgs(options.connections, TESTS[0]!, 8080, options.duration)),
  )
  const all = [...results.values()].flatMap((m) => [...m.values()].flat())
  const { errors, disturbed, repeated, maxForeign } = summariseLoad(all, options.maxForeign)
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
${errorsNote(errors)}`
  const file = resultsFile('http', options.quick, now.toISOString().slice(0, 10))
  writeFileSync(file, report)
  console.log(`\n${table}\n\nWritten to ${relative(process.cwd(), file)}`)
}

await main()
