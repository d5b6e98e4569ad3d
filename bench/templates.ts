/**
 * Template rendering speed: Plinth's engine (src/templates) against Nunjucks, Eta and LiquidJS,
 * with hand-written template literals as the ceiling, on two pages (issue 5's performance target:
 * Plinth ≥ 10× Nunjucks and at least as fast as Eta on the same page).
 *
 *   npx node --expose-gc --conditions=plinth-source bench/templates.ts            # 1-2 min
 *   npx node --conditions=plinth-source bench/templates.ts --quick                # smoke run
 *   … bench/templates.ts --save                       # also write bench/results/templates-<date>.md
 *   … bench/templates.ts --only fortunes --contenders baseline,plinth,eta --method loop
 *   … bench/templates.ts --runs 9 --run-ms 500 --blocks 10 --max-foreign 0.1 --retries 3 --wait 120
 *
 * Pages (templates in bench/templates/<engine>/, data in bench/templates/data.ts):
 * - fortunes: TechEmpower's Fortunes, a layout extended by a 13-row table of escaped messages;
 * - catalogue: a shop's category page, a layout with an included header, a macro per product
 *   (50 of them, with nested loops over tags and reviews), loop.index/first, filters (upper,
 *   truncate, default, join, round, length), conditionals, and user text to escape.
 *
 * Every engine's output is compared with the baseline's first (whitespace next to tags aside),
 * and the run stops when one differs. Then each page is timed by mitata, and by a loop that
 * interleaves the engines in blocks within each run (see templates/timing.ts); the report's
 * ratios are medians of per-run ratios from the loop. Plinth is skipped, with the reason, while
 * its engine cannot render the pages.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuModel, ROOT_DIR, resultsFile } from './harness.ts'
import { assertSamePages } from './templates/compare.ts'
import { ALL_CONTENDERS, loadContenders, type PageId } from './templates/engines.ts'
import { type PageResult, renderRuns, renderTable, renderTargets } from './templates/report.ts'
import { loop, mitataGroup, type QuietOptions } from './templates/timing.ts'

const PAGES: Array<{ id: PageId; title: string }> = [
  { id: 'fortunes', title: 'Fortunes (13 rows)' },
  { id: 'catalogue', title: 'Catalogue (50 products)' },
]

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    save: { type: 'boolean', default: false },
    only: { type: 'string' },
    contenders: { type: 'string', default: ALL_CONTENDERS.join(',') },
    method: { type: 'string', default: 'both' },
    runs: { type: 'string' },
    'run-ms': { type: 'string' },
    blocks: { type: 'string', default: '10' },
    'max-foreign': { type: 'string', default: '0.1' },
    retries: { type: 'string' },
    wait: { type: 'string' },
    pin: { type: 'string' },
  },
})

function fail(message: string): never {
  throw new Error(`bench/templates.ts: ${message}`)
}

function positive(name: string, raw: string | undefined, fallback: number, min = 1): number {
  const n = raw === undefined ? fallback : Number(raw)
  if (!Number.isFinite(n) || n < min) fail(`--${name} must be a number >= ${min}`)
  return n
}

const quick = values.quick
const method = values.method
if (!['both', 'mitata', 'loop'].includes(method)) fail('--method must be both, mitata or loop')
const pages = PAGES.filter((p) => values.only === undefined || p.id === values.only)
if (pages.length === 0) fail(`--only must be one of ${PAGES.map((p) => p.id).join(', ')}`)
const ids = values.contenders.split(',').map((s) => s.trim())
if (!ids.includes('baseline')) ids.unshift('baseline') // the pages are checked against it
const timing = {
  runs: positive('runs', values.runs, quick ? 2 : 7),
  runMs: positive('run-ms', values['run-ms'], quick ? 60 : 400),
  blocks: positive('blocks', values.blocks, 10),
  maxForeign: positive('max-foreign', values['max-foreign'], 0.1, 0),
  retries: positive('retries', values.retries, quick ? 0 : 3, 0),
  waitSeconds: positive('wait', values.wait, quick ? 0 : 120, 0),
} satisfies QuietOptions & Record<string, number>

/** Pins this process (all its threads) to the given CPUs with taskset. */
function pinSelf(cpus: string): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], {
    stdio: 'ignore',
  })
  if (result.status !== 0) fail(`taskset -a -p -c ${cpus} ${process.pid} failed`)
}

async function main(): Promise<void> {
  if (typeof globalThis.gc !== 'function') {
    console.warn('note: run with --expose-gc for steadier numbers (GC between samples and runs)\n')
  }
  if (values.pin !== undefined) pinSelf(values.pin)
  const { contenders, skipped } = await loadContenders(ids)
  const plinthSkipped = skipped.find((s) => s.id === 'plinth')
  for (const s of skipped) console.warn(`⚠ ${s.id} engine not available: ${s.reason}\n`)

  // Correctness first: the same page from every engine, or nothing is timed.
  const outputs = pages.map((p) => ({
    page: p.id,
    outputs: new Map(contenders.map((c) => [c.id, c.render[p.id]()])),
  }))
  assertSamePages(
    outputs.map(({ page, outputs }) => ({ page, baseline: outputs.get('baseline')!, outputs })),
  )
  console.log(
    `Outputs checked: ${contenders.map((c) => c.id).join(', ')} render ${pages.map((p) => p.id).join(' and ')} alike.\n`,
  )

  const results: PageResult[] = []
  const loads: string[] = []
  for (const [index, page] of pages.entries()) {
    const variants = contenders.map((c) => ({ id: c.id, label: c.label, fn: c.render[page.id] }))
    const result: PageResult = {
      page: page.id,
      title: page.title,
      contenders: contenders.map((c) => ({
        id: c.id,
        label: c.label,
        bytes: Buffer.byteLength(outputs[index]!.outputs.get(c.id)!),
      })),
      perRun: new Map(),
      renders: new Map(),
      mitata: new Map(),
    }
    if (method !== 'loop') {
      const baseline = plinthSkipped === undefined && ids.includes('plinth') ? 'plinth' : 'baseline'
      const m = await mitataGroup(page.title, variants, baseline, timing)
      result.mitata = m.avg
      loads.push(`${page.id} mitata ${m.foreign.toFixed(2)}`)
    }
    if (method !== 'mitata') {
      console.log(`\nloop ${page.id}: ${timing.runs} runs, engines interleaved in blocks …`)
      const l = await loop(variants, timing)
      variants.forEach((v, i) => {
        result.perRun.set(v.id, l.perRun[i]!)
        result.renders.set(v.id, l.renders[i]!)
      })
      loads.push(`${page.id} loop ${l.foreign.toFixed(2)} (${l.repeated} runs repeated)`)
    }
    results.push(result)
  }

  const now = new Date()
  const command = `node ${process.execArgv.join(' ')} ${relative(ROOT_DIR, fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`
  const header = [
    `- Date: ${now.toISOString()}`,
    `- Node: ${process.version} (${process.platform}-${process.arch}), CPU: ${cpuModel()}`,
    `- Command: \`${command.replace(/\s+/g, ' ').trim()}\``,
    `- Loop: ${timing.runs} runs × ~${timing.runMs} ms per engine in ${timing.blocks} interleaved blocks; ` +
      `pinned: ${values.pin ?? 'no'}; GC between runs: ${typeof globalThis.gc === 'function' ? 'yes' : 'no (--expose-gc)'}`,
    `- Foreign load (cores, highest kept measurement): ${loads.join('; ')}`,
  ].join('\n')
  const body = `${renderTable(results)}

renders/s and µs/render: median over the loop's runs. "× Nunjucks", "× Eta", "of baseline":
median over runs of the ratio to that engine in the same run (higher is faster; the baseline is
hand-written template literals, the ceiling). Output sizes differ only in whitespace and in how
quotes are escaped.

${renderTargets(results, plinthSkipped?.reason)}

${renderRuns(results)}`
  console.log(`\n${header}\n\n${body}`)
  if (values.save) {
    const file = resultsFile('templates', quick, now.toISOString().slice(0, 10))
    writeFileSync(
      file,
      `# Template rendering (bench/templates.ts) — ${now.toISOString().slice(0, 10)}\n\n${header}\n\n${body}\n`,
    )
    console.log(`\nWritten to ${relative(process.cwd(), file)}`)
  }
}

await main()
