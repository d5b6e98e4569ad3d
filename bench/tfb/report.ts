/**
 * bench/tfb.ts's Markdown report: the run's context, a headline table per database and layout,
 * Plinth's targets, the full tables per test and level, memory, validation, and problems.
 */
import { availableParallelism, release } from 'node:os'
import {
  cpuModel,
  formatCommand,
  formatMs,
  formatRps,
  median,
  PIPELINE_DEPTH,
  pin,
  wrkArgs,
  wrkVersion,
} from '../harness.ts'
import { formatRepetitions, summariseLoad } from '../measure.ts'
import { BASELINE, contenderById } from './contenders.ts'
import type { Db, Layout, TfbOptions } from './options.ts'
import type { TfbResults } from './run.ts'
import {
  cellOf,
  combinations,
  formatErrorCounts,
  formatMb,
  formatShare,
  headlinePoints,
  type Point,
} from './summary.ts'
import { targetsSection } from './targets.ts'
import { levelsOf, SKIPPED_TESTS, TFB_TESTS } from './tests.ts'

export interface ReportContext {
  options: TfbOptions
  results: TfbResults
  pinning: boolean
  started: Date
  command: string
  postgresVersion: string | undefined
  /** File name of the chart, next to the report. */
  chart: string
}

const label = (id: string) => contenderById(id).label

function layoutDescription(layout: Layout, ctx: ReportContext): string {
  if (layout === 'pinned') {
    return ctx.pinning
      ? '`pinned`: one server process on CPU 0 (`taskset -c 0`), `wrk -t1` on CPU 1: per-core efficiency, the headline'
      : '`pinned`: one server process, `wrk -t1`, **not pinned** (taskset missing or a single CPU)'
  }
  return `\`cluster\`: ${ctx.options.workers} workers (\`TFB_WORKERS=${ctx.options.workers}\`: node:cluster, or \`serveCluster\` for Plinth), \`wrk -t1\`, nothing pinned: the whole machine`
}

/** Rows = tests at their highest level, columns = contenders, cells = req/s and ratio. */
function headlineTable(ctx: ReportContext, db: Db, layout: Layout): string {
  const { options, results } = ctx
  const lines = [
    `| Test | ${options.contenders.map(label).join(' | ')} |`,
    `| --- |${options.contenders.map(() => ' ---: |').join('')}`,
  ]
  for (const point of headlinePoints(options, db, layout)) {
    const cells = options.contenders.map((id) => {
      const cell = cellOf(results, point, id)
      if (cell === undefined) return 'not measured'
      const errors = formatErrorCounts(cell.runs) === '—' ? '' : ' ⚠'
      return `${formatRps(cell.rps)}${errors}<br>${formatShare(cell.ratio)}`
    })
    lines.push(`| ${point.test.label}, ${point.level.id} | ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

/** Every test and level of one database and layout: medians, errors, memory, each repetition. */
function fullTable(ctx: ReportContext, db: Db, layout: Layout): string {
  const { options, results } = ctx
  const lines = [
    '| Test | Level | Contender | Req/s | p50 | p99 | Errors | vs raw | Peak RSS | Req/s per rep | vs raw per rep |',
    '| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |',
  ]
  for (const test of TFB_TESTS.filter((t) => options.tests.includes(t.id))) {
    for (const level of levelsOf(test, options)) {
      const point: Point = { db, layout, test, level }
      for (const id of options.contenders) {
        const cell = cellOf(results, point, id)
        const head = `| ${test.label} | ${level.id} | ${label(id)} |`
        if (cell === undefined) {
          lines.push(`${head} not measured | | | | | | | |`)
          continue
        }
        const paired = id === BASELINE ? '' : cell.paired.map(formatShare).join(', ')
        lines.push(
          `${head} ${formatRps(cell.rps)} | ${formatMs(cell.p50)} | ${formatMs(cell.p99)} | ${formatErrorCounts(cell.runs)} | ${formatShare(cell.ratio)} | ${formatMb(median(cell.runs.map((r) => r.rssPeak)))} | ${formatRepetitions(cell.runs, options.maxForeign)} | ${paired} |`,
        )
      }
    }
  }
  return lines.join('\n')
}

function memoryTable(ctx: ReportContext): string {
  const { options, results } = ctx
  const lines = [
    '| Database | Layout | Contender | Idle RSS | Peak RSS under load |',
    '| --- | --- | --- | ---: | ---: |',
  ]
  for (const { db, layout } of combinations(options)) {
    for (const id of options.contenders) {
      const match = (e: { db: Db; layout: Layout; contender: string }) =>
        e.db === db && e.layout === layout && e.contender === id
      const idle = median(results.idle.filter(match).map((e) => e.rss))
      // Per repetition the highest peak over all tests, then the median of those.
      const peaks = new Map<number, number>()
      for (const s of results.samples.filter(match)) {
        peaks.set(s.rep, Math.max(peaks.get(s.rep) ?? 0, s.result.rssPeak))
      }
      lines.push(
        `| ${db} | ${layout} | ${label(id)} | ${formatMb(idle)} | ${formatMb(median([...peaks.values()]))} |`,
      )
    }
  }
  return lines.join('\n')
}

function validationTable(ctx: ReportContext): string {
  const lines = [
    '| Database | Layout | Contender | Result | Failures and warnings |',
    '| --- | --- | --- | --- | --- |',
  ]
  for (const v of ctx.results.validations) {
    const notes = [...v.failures, ...v.warnings.map((w) => `warning: ${w}`)]
      .map((n) => n.replaceAll('|', '\\|').replaceAll('\n', ' '))
      .join('<br>')
    lines.push(
      `| ${v.db} | ${v.layout} | ${label(v.contender)} | ${v.failures.length ? '**fail** (not timed)' : 'pass'} | ${notes || '—'} |`,
    )
  }
  return lines.join('\n')
}

function problemsSection(ctx: ReportContext): string {
  if (ctx.results.problems.length === 0) return ''
  const lines = ctx.results.problems.map(
    (p) => `- rep ${p.rep}, ${p.db}, ${p.layout}, ${label(p.contender)}: ${p.problem}`,
  )
  return `\n## Problems\n\n${lines.join('\n')}\n`
}

export function renderReport(ctx: ReportContext): string {
  const { options, results, started } = ctx
  const date = started.toISOString().slice(0, 10)
  const all = results.samples.map((s) => s.result)
  const load = all.length ? summariseLoad(all, options.maxForeign) : undefined
  const sampleWrk = formatCommand(
    pin(
      ctx.pinning,
      1,
      wrkArgs(
        options.connections.at(-1)!,
        { path: '/db', pipeline: false },
        8080,
        options.duration,
        {
          accept: TFB_TESTS[0]!.accept,
          timeout: 8,
        },
      ),
    ),
  ).replace(':8080', ':<port>')
  const sections = combinations(options).map(
    ({ db, layout }) => `### ${db}, ${layout}\n\n${headlineTable(ctx, db, layout)}`,
  )
  const full = combinations(options).map(
    ({ db, layout }) => `### ${db}, ${layout}\n\n${fullTable(ctx, db, layout)}`,
  )
  return `# TechEmpower-style benchmark${options.smoke ? ' (smoke run: validation, not speed)' : ''} — ${date}

- Date: ${started.toISOString()}
- Node: ${process.version} (${process.platform}-${process.arch})
- Machine: ${cpuModel()}, ${availableParallelism()} logical CPUs, kernel ${release()}
- Load generator: ${wrkVersion()}, 1 thread, ${options.duration} s per level after ${options.warmup} s of warm-up per route (at its highest level), TechEmpower's headers, \`--latency --timeout 8\`
- wrk invocation: \`${sampleWrk}\` (plaintext: \`-s bench/pipeline.lua … -- ${PIPELINE_DEPTH}\`)
- Databases: ${options.dbs.map((db) => (db === 'postgres' ? `PostgreSQL ${ctx.postgresVersion ?? '(version unknown)'} through \`pg\`` : `SQLite ${process.versions.sqlite ?? ''} through \`node:sqlite\``)).join('; ')}
- Pool: \`TFB_POOL=${options.pool}\` PostgreSQL connections per process (a cluster has one pool per worker)
- Contenders: ${options.contenders.map((id) => `${label(id)} (${contenderById(id).version()})`).join('; ')}
- Layouts: ${options.layouts.map((l) => layoutDescription(l, ctx)).join('; ')}
- Repetitions: ${options.reps}, contenders interleaved, a fresh process each time, the order rotating between repetitions; validated in the first repetition only
- Foreign CPU load: ${load === undefined ? 'n/a' : options.smoke ? `not checked (smoke run); at most ${load.maxForeign.toFixed(2)} cores` : `at most ${load.maxForeign.toFixed(2)} cores during the kept measurements; ${load.repeated} repeated (over ${options.maxForeign} cores), ${load.disturbed} kept despite that (marked †)`}. PostgreSQL's processes and a cluster's workers count as the benchmark's own.
- Command: \`${ctx.command}\`

Medians over repetitions. "vs raw" is a contender's median req/s over raw \`node:http\`'s median
from this same run, same database, layout, test and level: compare those ratios across runs, and
absolute req/s only within one report (±10-15% run to run on a small VM).

![Ratio to raw node:http per test](${ctx.chart})

## Headline (each test at its highest level; req/s and ratio to raw)

${sections.join('\n\n')}

${targetsSection(options, results)}

## Full results

${full.join('\n\n')}

## Memory

Resident memory (VmRSS) of the server's processes, summed over a cluster's primary and workers:
after start before any request, and the highest value sampled every 200 ms while measured (median
over repetitions of the highest over all tests).

${memoryTable(ctx)}

## Validation

${validationTable(ctx)}
${problemsSection(ctx)}
## Not run

${SKIPPED_TESTS.map((t) => `- ${t.id}: ${t.reason}`).join('\n')}
`
}
