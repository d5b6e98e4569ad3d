/**
 * Plinth's targets (issue 7, anchors doc §6), checked on each test's headline level: JSON and
 * plaintext at ≥ 95% of raw node:http and ahead of Fastify; the database tests at ≥ 100% of raw
 * and ahead of every peer. Only reported: nothing fails because of speed.
 */
import { formatRatio, formatRps } from '../harness.ts'
import { BASELINE, contenderById, PLINTH, TFB_CONTENDERS } from './contenders.ts'
import type { TfbOptions } from './options.ts'
import type { TfbResults } from './run.ts'
import {
  type Cell,
  cellOf,
  combinations,
  formatShare,
  headlinePoints,
  type Point,
} from './summary.ts'

export interface TargetCheck {
  point: Point
  target: string
  verdict: 'met' | 'not met' | 'n/a'
  detail: string
}

/** Every contender but Plinth and raw, whether this run included it or not. */
const PEERS = TFB_CONTENDERS.filter((c) => !c.reference)
  .map((c) => c.id)
  .filter((id) => id !== PLINTH && id !== BASELINE)

export function checkTargets(options: TfbOptions, results: TfbResults): TargetCheck[] {
  const checks: TargetCheck[] = []
  for (const { db, layout } of combinations(options)) {
    for (const point of headlinePoints(options, db, layout)) {
      const minimum = point.test.database ? 1 : 0.95
      const rivals = point.test.database ? PEERS : ['fastify']
      const target = `≥ ${formatRatio(minimum)} of raw, ahead of ${point.test.database ? 'every peer' : 'Fastify'}`
      const plinth = cellOf(results, point, PLINTH)
      if (plinth === undefined || !Number.isFinite(plinth.ratio)) {
        const reason = plinth === undefined ? 'Plinth not measured' : 'raw not measured'
        checks.push({ point, target, verdict: 'n/a', detail: reason })
        continue
      }
      const measured = rivals
        .map((id) => ({ id, cell: cellOf(results, point, id) }))
        .filter((p): p is { id: string; cell: Cell } => p.cell !== undefined)
        .sort((a, b) => b.cell.rps - a.cell.rps)
      const best = measured[0]
      const missing = rivals.filter((id) => !measured.some((m) => m.id === id))
      const detail = [
        `Plinth ${formatRps(plinth.rps)} req/s = ${formatShare(plinth.ratio)} of raw`,
        best &&
          `best peer ${contenderById(best.id).label} ${formatRps(best.cell.rps)} (${formatShare(best.cell.ratio)})`,
        missing.length > 0 &&
          `not measured, so not compared: ${missing.map((id) => contenderById(id).label).join(', ')}`,
      ]
        .filter(Boolean)
        .join('; ')
      const ahead = best === undefined || plinth.rps > best.cell.rps
      checks.push({
        point,
        target,
        verdict: plinth.ratio >= minimum && ahead ? 'met' : 'not met',
        detail,
      })
    }
  }
  return checks
}

export function targetsSection(options: TfbOptions, results: TfbResults): string {
  if (!options.contenders.includes(PLINTH)) return '## Targets\n\nPlinth was not run.'
  const lines = [
    '| Database | Layout | Test | Target | Verdict | Figures |',
    '| --- | --- | --- | --- | --- | --- |',
  ]
  for (const c of checkTargets(options, results)) {
    const verdict = c.verdict === 'not met' ? '**not met**' : c.verdict
    lines.push(
      `| ${c.point.db} | ${c.point.layout} | ${c.point.test.label}, ${c.point.level.id} | ${c.target} | ${verdict} | ${c.detail} |`,
    )
  }
  const smoke = options.smoke
    ? '\nA smoke run measures for a second per test on a busy machine: these verdicts mean nothing.\n'
    : ''
  return `## Targets (Plinth)

Checked at each test's headline level, on medians ("ahead" = higher median req/s).
${smoke}
${lines.join('\n')}`
}
