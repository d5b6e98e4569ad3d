/** bench/auth.ts's Markdown report: the machine, then the HTTP and micro-benchmark sections. */
import { availableParallelism, release } from 'node:os'
import { CPU_COUNT, cpuModel, formatCommand, pin, type WrkResult, wrkVersion } from '../harness.ts'
import { errorsNote, summariseLoad } from '../measure.ts'
import { fixtureWrkArgs } from './fixture.ts'
import { type Results, renderHttpTable, renderPairedRatios } from './http.ts'
import { type MicroResult, renderMicroTable } from './micro.ts'
import type { Options } from './options.ts'

function httpSection(options: Options, pinning: boolean, http: Results): string {
  const all: WrkResult[] = [...http.values()].flat()
  const { errors, disturbed, repeated, maxForeign } = summariseLoad(all, options.maxForeign)
  const sampleArgs = formatCommand(
    pin(
      pinning,
      1,
      fixtureWrkArgs(
        options.connections,
        { port: 8080, headers: { Cookie: '<cookie>' } },
        options.duration,
      ),
    ),
  ).replace(':8080', ':<port>')
  return `## HTTP: \`GET /me\` with and without the stack

- Load generator: ${wrkVersion()}, ${options.connections} connections, 1 thread, ${options.duration} s per variant after ${options.warmup} s of warm-up
- Pinning: ${pinning ? 'server on CPU 0 (`taskset -c 0`), wrk on CPU 1 (`taskset -c 1`); Redis (sessions-redis) unpinned, its CPU counted as the benchmark’s own' : '**none** (taskset missing or a single CPU)'}
- Repetitions: ${options.reps}, variants interleaved (${options.variants.map((v) => v.id).join(' → ')} per repetition, fresh process each time)
- Foreign CPU load during the kept measurements: at most ${maxForeign.toFixed(2)} cores; ${repeated} measurement(s) repeated because other processes used more than ${options.maxForeign} cores; ${disturbed} kept despite that (marked †)
- wrk invocation: \`${sampleArgs}\` (the variant's \`Cookie\` or \`Authorization\` header)

Every variant answers \`{"user":"ada"}\`; all but \`bare\` keep the user in a SQLite database file
(WAL, temporary directory) and load it by id on every request, as the authenticators do. The
user was logged in once through the app's own \`POST /login\` (with a CSRF token in \`full\`).
"vs bare" is the variant's median req/s divided by \`bare\`'s, and "µs/req added"
\`1/req/s − 1/req/s(bare)\`: the server's one core is saturated, so this is the extra time per
request. "Server CPU" is the server process's own user and kernel time per request over the
measured run (\`/proc/<pid>/stat\`, medians): user time is Plinth, Node and the libraries;
kernel time is reading requests and writing responses over loopback, plus SQLite's file
locking. Both grow per request for the slow variants on this VM well beyond the work the profiles
find in the stack (notes in results/auth-2026-11-24.md), so read the ratios as an upper bound.

${options.variants.map((v) => `- \`${v.id}\`: ${v.description}`).join('\n')}

${renderHttpTable(options, http)}

Per-repetition ratios (each variant against \`bare\` measured in the same repetition):

${renderPairedRatios(options, http)}
${errorsNote(errors)}`
}

function microSection(pinning: boolean, micro: readonly MicroResult[]): string {
  return `## Micro-benchmarks (mitata)

One process with \`--expose-gc\`${pinning ? ', pinned to CPU 0' : ''}. Each figure is one awaited call, calls made one after another. Password
hashing runs on the libuv thread pool (Argon2id in \`@node-rs/argon2\`, scrypt in \`node:crypto\`),
so its ms/op is the wall time of one hash on an otherwise idle machine; Argon2id and scrypt are
deliberately slow, and this is what a login, a sign-up or a password change pays once, never a
normal request. \`jose\` signs and verifies through WebCrypto, whose operations are queued to the
thread pool too, so the JWT figures are also wall time per awaited call. CSRF and cookie figures
are synchronous CPU time on one core.

${renderMicroTable(micro)}
`
}

export interface Run {
  options: Options
  pinning: boolean
  started: Date
  /** The command line, as the report shows it. */
  command: string
  http: Results | undefined
  micro: MicroResult[] | undefined
}

export function renderReport(run: Run): string {
  const sections: string[] = []
  if (run.http !== undefined) sections.push(httpSection(run.options, run.pinning, run.http))
  if (run.micro !== undefined) sections.push(microSection(run.pinning, run.micro))
  return `# Security/auth stack cost — ${run.started.toISOString().slice(0, 10)}

- Date: ${run.started.toISOString()}
- Node: ${process.version} (${process.platform}-${process.arch}, kernel ${release()})
- CPU: ${cpuModel()}, ${availableParallelism()} logical CPUs (${CPU_COUNT} counted for load)
- Command: \`${run.command}\`

Ratios, not absolute numbers: compare "vs bare" across runs and machines, req/s only within this
report. Runs on this kind of VM vary by ±10-15%.

${sections.join('\n')}`
}
