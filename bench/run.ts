/**
 * `npm run bench`: the micro-benchmarks, the cold start, the HTTP benchmark, then the
 * TechEmpower-style suite against other frameworks (bench/tfb.ts).
 *
 *   npm run bench                      # micro + coldstart (15 runs) + http (3 repetitions × 5 s)
 *   npm run bench -- --quick           # smoke run (coldstart 3 runs, http 1 repetition × 2 s)
 *   npm run bench -- --only micro      # or --only coldstart, --only http, --only tfb
 *   npm run bench -w bench -- --only tfb --smoke   # validation of every TFB contender (CI)
 *
 * Other arguments are passed to http.ts (--reps, --duration, --connections, --contenders);
 * coldstart.ts gets only --quick, and saves its report (results/coldstart-<date>.md); tfb.ts
 * gets all of them with --only tfb, otherwise only the load options it shares with http.ts
 * (--quick, --reps, --duration, --warmup, --max-foreign, --retries). From
 * the repository root they need a second `--` (`npm run bench -- -- --reps 5`), or use
 * `npm run bench -w bench -- --reps 5`.
 * Each part runs in its own process: micro.ts with --expose-gc so mitata can collect garbage
 * between samples, http.ts to start and stop the servers.
 */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
// From the repository root, `npm run bench -- --quick` goes through a nested `npm run`, which
// swallows `--quick` as an npm config flag; it arrives here as npm_config_quick instead.
if (process.env.npm_config_quick === 'true' && !args.includes('--quick')) args.push('--quick')
if (process.env.npm_config_smoke === 'true' && !args.includes('--smoke')) args.push('--smoke')
const onlyIndex = args.indexOf('--only')
const only = onlyIndex === -1 ? undefined : args.splice(onlyIndex, 2)[1]
const PARTS = ['micro', 'coldstart', 'http', 'tfb']
if (only !== undefined && !PARTS.includes(only)) {
  console.error(`--only must be one of ${PARTS.join(', ')}`)
  process.exit(2)
}
const wants = (part: string) => only === undefined || only === part

function runPart(script: string, nodeFlags: string[], scriptArgs: string[]): void {
  const result = spawnSync(
    process.execPath,
    ['--conditions=plinth-source', ...nodeFlags, join(here, script), ...scriptArgs],
    { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  )
  if (result.status !== 0) {
    console.error(`bench/${script} failed (${result.signal ?? `exit code ${result.status}`})`)
    process.exit(result.status ?? 1)
  }
}

if (wants('micro')) {
  console.log('# Micro-benchmarks (bench/micro.ts)\n')
  runPart('micro.ts', ['--expose-gc'], [])
}
if (wants('coldstart')) {
  console.log('\n# Cold start (bench/coldstart.ts)\n')
  runPart('coldstart.ts', [], ['--save', ...(args.includes('--quick') ? ['--quick'] : [])])
}
if (wants('http')) {
  console.log('\n# HTTP benchmark (bench/http.ts)\n')
  runPart('http.ts', [], args)
}
if (wants('tfb')) {
  console.log('\n# TechEmpower-style suite (bench/tfb.ts)\n')
  runPart('tfb.ts', [], only === 'tfb' ? args : sharedLoadOptions(args))
}

/** The options of http.ts that mean the same to tfb.ts (its --connections takes a list). */
function sharedLoadOptions(all: readonly string[]): string[] {
  const shared: string[] = []
  for (let i = 0; i < all.length; i++) {
    if (all[i] === '--quick') shared.push('--quick')
    else if (/^--(reps|duration|warmup|max-foreign|retries)$/.test(all[i]!)) {
      shared.push(all[i]!, all[i + 1] ?? '')
      i++
    }
  }
  return shared
}
