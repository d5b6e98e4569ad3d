/**
 * What the security/auth stack costs per request, as ratios to the same Plinth app without it.
 *
 * 1. HTTP (wrk): `servers/plinth-auth.ts --variant <v>` serves `GET /me` → `{ "user": "ada" }`
 *    bare, and behind sessions (memory, SQLite, Redis), the full browser stack (secure headers,
 *    sessions, CSRF, auth middleware, `requireLogin` guard) and JWT bearer auth. Like http.ts:
 *    the server pinned to CPU 0, `wrk -t1 -c64` pinned to CPU 1, the variants interleaved within
 *    each repetition (fresh process each time), medians over repetitions, foreign-load checks.
 *    The fixture logs its user in through the app and prints the cookie / Authorization header,
 *    which wrk sends with every request; every variant must answer 200 with the right user first.
 * 2. Micro (mitata, in a child process with --expose-gc, pinned to CPU 0): password hashing and
 *    verification with the production defaults (Argon2id m=19456,t=2,p=1; scrypt N=2^17), JWT
 *    access-token verification (HS256, ES256), masked CSRF tokens, and `parseCookies`.
 *
 *   npx node --conditions=plinth-source bench/auth.ts                 # 3 reps × 5 s, then micro (~6 min)
 *   npx node --conditions=plinth-source bench/auth.ts --quick         # 1 rep × 2 s (~1.5 min)
 *   npx node --conditions=plinth-source bench/auth.ts --only http --variants bare,full --reps 5
 *   npx node --conditions=plinth-source bench/auth.ts --only micro --filter jwt
 *   npx node --conditions=plinth-source bench/auth.ts --profile full  # where full's CPU goes
 *
 * The report goes to bench/results/auth-<date>.md (`-quick`, `-2`, … suffixes when needed).
 *
 * This is the entry point; the parts are in bench/auth/: options.ts (the command line),
 * fixture.ts (the variants, starting and checking one), http.ts (the wrk runs and their tables),
 * micro.ts (mitata, what `--micro-child <file>` runs), profile.ts and report.ts. The wrk loop is
 * measure.ts's and the profile summary cpu-profile.ts's, shared with http.ts and profile.ts.
 */
import { writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Results, renderHttpTable, runHttp } from './auth/http.ts'
import { type MicroResult, microChild, renderMicroTable, runMicro } from './auth/micro.ts'
import { parseOptions } from './auth/options.ts'
import { runProfile } from './auth/profile.ts'
import { renderReport } from './auth/report.ts'
import { commandExists, detectPinning, ROOT_DIR, resultsFile } from './harness.ts'

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const childIndex = argv.indexOf('--micro-child')
  if (childIndex !== -1) {
    const filterIndex = argv.indexOf('--filter')
    const filter = filterIndex === -1 ? undefined : new RegExp(argv[filterIndex + 1]!, 'i')
    return microChild(argv[childIndex + 1]!, filter)
  }
  const options = parseOptions(argv)
  const pinning = detectPinning()
  if (options.only !== 'micro' && !commandExists('wrk', ['-v'])) {
    throw new Error('wrk is not installed (apt-get install wrk)')
  }
  if (options.profile !== undefined) return runProfile(options, pinning)

  const started = new Date()
  let micro: MicroResult[] | undefined
  if (options.only !== 'http') {
    console.log('# Micro-benchmarks\n')
    micro = runMicro(options, pinning)
  }
  let http: Results | undefined
  if (options.only !== 'micro') {
    console.log('\n# HTTP: GET /me\n')
    http = await runHttp(options, pinning)
  }

  const command =
    `node --conditions=plinth-source ${relative(ROOT_DIR, fileURLToPath(import.meta.url))} ${argv.join(' ')}`.trim()
  const report = renderReport({ options, pinning, started, command, http, micro })
  const file = resultsFile('auth', options.quick, started.toISOString().slice(0, 10))
  writeFileSync(file, report)
  if (http !== undefined) console.log(`\n${renderHttpTable(options, http)}`)
  if (micro !== undefined) console.log(`\n${renderMicroTable(micro)}`)
  console.log(`\nWritten to ${relative(process.cwd(), file)}`)
}

await main()
