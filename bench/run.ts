/**
 * `npm run bench`: the micro-benchmarks, then the HTTP benchmark.
 *
 *   npm run bench                      # micro + http (3 interleaved repetitions × 5 s)
 *   npm run bench -- --quick           # micro + http smoke run (1 repetition × 2 s)
 *   npm run bench -- --only micro      # or --only http
 *
 * Other arguments are passed to http.ts (--reps, --duration, --connections, --contenders). From
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
const onlyIndex = args.indexOf('--only')
const only = onlyIndex === -1 ? undefined : args.splice(onlyIndex, 2)[1]
if (only !== undefined && only !== 'micro' && only !== 'http') {
  console.error('--only must be "micro" or "http"')
  process.exit(2)
}

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

if (only !== 'http') {
  console.log('# Micro-benchmarks (bench/micro.ts)\n')
  runPart('micro.ts', ['--expose-gc'], [])
}
if (only !== 'micro') {
  console.log('\n# HTTP benchmark (bench/http.ts)\n')
  runPart('http.ts', [], args)
}
