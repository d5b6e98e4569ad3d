/**
 * The report of bench/templates.ts: one table of renders/s per page and engine, the ratios the
 * issue sets targets for (Plinth ≥ 10× Nunjucks and ≥ Eta on the same page), and the per-run
 * figures behind them, as Markdown (printed, and saved with --save).
 */
import { median } from '../harness.ts'

export interface PageResult {
  page: string
  title: string
  /** Contender ids in measured order, with their labels and output sizes in bytes. */
  contenders: Array<{ id: string; label: string; bytes: number }>
  /** Loop: ns per render, per contender id, one entry per run (empty when not measured). */
  perRun: Map<string, number[]>
  /** Loop: renders per run, per contender id. */
  renders: Map<string, number>
  /** mitata: average ns per render, per contender id. */
  mitata: Map<string, number>
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—'
const us = (ns: number) => fmt(ns / 1000, ns < 10_000 ? 2 : 1)
const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)}×` : '—')

/** Median over runs of how many times faster `id` is than `other` in the same run. */
export function speedup(result: PageResult, id: string, other: string): number {
  const mine = result.perRun.get(id) ?? []
  const theirs = result.perRun.get(other) ?? []
  if (mine.length === 0 || theirs.length !== mine.length) {
    // No loop figures: fall back to mitata's averages, measured one after the other.
    return (result.mitata.get(other) ?? Number.NaN) / (result.mitata.get(id) ?? Number.NaN)
  }
  return median(mine.map((ns, r) => theirs[r]! / ns))
}

/** ns per render of one contender: the loop's median, else mitata's average. */
function nsPerRender(result: PageResult, id: string): number {
  const runs = result.perRun.get(id) ?? []
  return runs.length > 0 ? median(runs) : (result.mitata.get(id) ?? Number.NaN)
}

/** The main table: every page × contender. */
export function renderTable(results: readonly PageResult[]): string {
  const lines = [
    '| Page | Engine | renders/s | µs/render | µs/render (mitata) | × Nunjucks | × Eta | of baseline | output |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of results) {
    for (const c of r.contenders) {
      const ns = nsPerRender(r, c.id)
      lines.push(
        `| ${r.title} | ${c.label} | ${fmt(1e9 / ns)} | ${us(ns)} | ${us(r.mitata.get(c.id) ?? Number.NaN)} | ` +
          `${times(speedup(r, c.id, 'nunjucks'))} | ${times(speedup(r, c.id, 'eta'))} | ` +
          `${(speedup(r, c.id, 'baseline') * 100).toFixed(0)}% | ${fmt(c.bytes)} B |`,
      )
    }
  }
  return lines.join('\n')
}

/** Plinth against the targets, or why there is no Plinth figure. */
export function renderTargets(results: readonly PageResult[], plinthSkipped?: string): string {
  if (plinthSkipped !== undefined) return `Plinth: not measured (${plinthSkipped}).`
  const lines = [
    '| Page | Plinth vs Nunjucks (target ≥ 10×) | Plinth vs Eta (target ≥ 1×) |',
    '| --- | ---: | ---: |',
  ]
  for (const r of results) {
    if (!r.perRun.has('plinth') && !r.mitata.has('plinth')) continue
    const vsNunjucks = speedup(r, 'plinth', 'nunjucks')
    const vsEta = speedup(r, 'plinth', 'eta')
    const mark = (x: number, target: number) =>
      Number.isFinite(x) ? `${times(x)} ${x >= target ? '✓' : '✗'}` : '—'
    lines.push(`| ${r.title} | ${mark(vsNunjucks, 10)} | ${mark(vsEta, 1)} |`)
  }
  return lines.join('\n')
}

/** The loop's figures per run, so a reader can see whether the medians are steady. */
export function renderRuns(results: readonly PageResult[]): string {
  const lines: string[] = []
  for (const r of results) {
    if (r.perRun.size === 0) continue
    lines.push(`${r.title}, µs/render in each run:`, '')
    for (const c of r.contenders) {
      const runs = r.perRun.get(c.id) ?? []
      const renders = fmt(r.renders.get(c.id) ?? Number.NaN)
      lines.push(
        `- ${c.label} (${renders} renders per run): ${runs.map((ns) => us(ns)).join(', ')}`,
      )
    }
    lines.push('')
  }
  return lines.join('\n').trimEnd()
}
