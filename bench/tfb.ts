/**
 * The TechEmpower-style suite: Plinth against raw node:http, Fastify, Hono and Express on the
 * TechEmpower test types (JSON, plaintext pipelined, single query, multiple queries, fortunes,
 * updates), on PostgreSQL and/or SQLite, one process pinned to a core and/or a cluster over all
 * cores. Every contender is validated against TechEmpower's rules before it is timed.
 *
 *   npx node --conditions=plinth-source bench/tfb.ts                       # PostgreSQL, both layouts, 3 reps (~1 h)
 *   npx node --conditions=plinth-source bench/tfb.ts --smoke               # CI: both databases, pinned, 1 s per test
 *   npx node --conditions=plinth-source bench/tfb.ts --db sqlite --layouts pinned --tests json,db --reps 5
 *
 * Options and how to read the report: bench/README.md ("TechEmpower-style suite"). The report
 * goes to bench/results/tfb-<date>.md with its chart tfb-<date>.svg (a smoke run: to a temporary
 * directory unless --save). Exit code 1 when a contender fails validation, does not start, crashes
 * or does not stop cleanly, and in a smoke run when it answers with errors under load; never
 * because of its speed.
 *
 * The parts are in bench/tfb/: options.ts, contenders.ts, tests.ts, run.ts (the loop), procs.ts
 * (process trees, memory), summary.ts, report.ts, targets.ts and chart.ts; the servers in
 * tfb/servers/, the database fixture in tfb/setup.ts and the validator in tfb/validate.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import pg from 'pg'
import { commandExists, detectPinning, resultsFile } from './harness.ts'
import { renderChart } from './tfb/chart.ts'
import { contenderById } from './tfb/contenders.ts'
import { type Db, estimateMinutes, parseTfbOptions } from './tfb/options.ts'
import { renderReport } from './tfb/report.ts'
import { runTfb } from './tfb/run.ts'
import { DEFAULT_DATABASES, setupDatabase } from './tfb/setup.ts'

async function postgresVersion(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
    const result = await client.query<{ server_version: string }>('SHOW server_version')
    return result.rows[0]?.server_version
  } catch {
    return undefined
  } finally {
    await client.end().catch(() => {})
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  const options = parseTfbOptions(argv)
  if (!commandExists('wrk', ['-v'])) throw new Error('wrk is not installed (apt-get install wrk)')
  const pinning = options.layouts.includes('pinned') ? detectPinning() : false
  const databases = { ...DEFAULT_DATABASES, ...options.databases } as Record<Db, string>
  for (const db of options.dbs) {
    console.log(`Setting up ${db} (${databases[db]})`)
    await setupDatabase({ db, database: databases[db] })
  }
  const started = new Date()
  console.log(
    `TechEmpower-style suite: ${options.contenders.map((id) => contenderById(id).label).join(', ')}; ` +
      `${options.dbs.join(' + ')}; ${options.layouts.join(' + ')}; ${options.tests.join(', ')}; ` +
      `${options.reps} rep(s) × ${options.duration} s per level (about ${estimateMinutes(options)} min)`,
  )
  const results = await runTfb(options, pinning, databases)

  const date = started.toISOString().slice(0, 10)
  const file = options.save
    ? resultsFile('tfb', options.smoke ? 'smoke' : options.quick, date)
    : join(mkdtempSync(join(tmpdir(), 'plinth-tfb-')), `tfb-${date}-smoke.md`)
  const chartFile = file.replace(/\.md$/, '.svg')
  const report = renderReport({
    options,
    results,
    pinning,
    started,
    command: `node --conditions=plinth-source bench/tfb.ts ${argv.join(' ')}`.trim(),
    postgresVersion: options.dbs.includes('postgres')
      ? await postgresVersion(databases.postgres)
      : undefined,
    chart: basename(chartFile),
  })
  writeFileSync(file, report)
  writeFileSync(chartFile, renderChart(options, results, `Ratio to raw node:http — ${date}`))
  const shown = options.save ? relative(process.cwd(), file) : file
  console.log(`\nWritten to ${shown} and ${basename(chartFile)}`)

  const failures = results.validations.filter((v) => v.failures.length > 0)
  for (const v of failures) {
    const more = v.failures.length > 1 ? ` (and ${v.failures.length - 1} more: see above)` : ''
    console.log(
      `✗ ${contenderById(v.contender).label} (${v.db}, ${v.layout}) failed: ${v.failures[0]}${more}`,
    )
  }
  for (const p of results.problems) {
    console.log(
      `✗ ${contenderById(p.contender).label} (${p.db}, ${p.layout}, rep ${p.rep}): ${p.problem}`,
    )
  }
  // Error responses under load are a bug, not slowness: a smoke run fails on them too.
  const refused = results.samples.filter((s) => s.result.non2xx > 0)
  for (const s of refused) {
    console.log(
      `${options.smoke ? '✗' : '⚠'} ${contenderById(s.contender).label} (${s.db}, ${s.layout}) ${s.test} ${s.level}: ${s.result.non2xx} non-2xx responses`,
    )
  }
  const broken = failures.length + results.problems.length + (options.smoke ? refused.length : 0)
  return broken > 0 ? 1 : 0
}

process.exitCode = await main()
