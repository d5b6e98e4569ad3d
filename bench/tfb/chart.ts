/**
 * The report's chart, hand-written SVG: one panel per database and layout, a group of horizontal
 * bars per test (its headline level), one bar per contender, the bar's length its ratio to raw
 * node:http, and a line at 100% (raw itself). Colours from the Okabe-Ito palette, which stays
 * distinguishable with the common kinds of colour blindness.
 */
import { formatRatio } from '../harness.ts'
import { BASELINE, contenderById } from './contenders.ts'
import type { TfbOptions } from './options.ts'
import type { TfbResults } from './run.ts'
import { cellOf, combinations, headlinePoints } from './summary.ts'

const COLOURS: Record<string, string> = {
  plinth: '#0072B2',
  fastify: '#E69F00',
  hono: '#009E73',
  express: '#CC79A7',
}
const FALLBACK_COLOURS = ['#56B4E9', '#D55E00', '#F0E442', '#000000']

const WIDTH = 860
const LABEL_WIDTH = 190
const BAR_AREA = 560
const BAR = 14
const GROUP_GAP = 14
const PANEL_TITLE = 34

const escapeXml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

export function renderChart(options: TfbOptions, results: TfbResults, title: string): string {
  const bars = options.contenders.filter((id) => id !== BASELINE)
  const colour = (id: string) =>
    COLOURS[id] ?? FALLBACK_COLOURS[bars.indexOf(id) % FALLBACK_COLOURS.length]!
  const panels = combinations(options).map(({ db, layout }) => ({
    title: `${db}, ${layout}`,
    groups: headlinePoints(options, db, layout).map((point) => ({
      label: `${point.test.label}`,
      sub: point.level.id,
      ratios: bars.map((id) => cellOf(results, point, id)?.ratio ?? Number.NaN),
    })),
  }))
  const finite = panels.flatMap((p) => p.groups.flatMap((g) => g.ratios)).filter(Number.isFinite)
  // The scale: at least 0-125%, up to a multiple of 50% (gridlines every 25%, or 50% past 200%).
  const max = Math.max(1.25, Math.ceil((Math.max(0, ...finite) * 1.08) / 0.5) * 0.5)
  const x = (ratio: number) => LABEL_WIDTH + (Math.min(ratio, max) / max) * BAR_AREA
  const out: string[] = []
  let y = 70
  for (const panel of panels) {
    const groupHeight = bars.length * BAR + GROUP_GAP
    const height = panel.groups.length * groupHeight
    const top = y + PANEL_TITLE
    out.push(`<text x="12" y="${y + 20}" class="panel">${escapeXml(panel.title)}</text>`)
    for (let step = 0; step <= max + 1e-9; step += max > 2 ? 0.5 : 0.25) {
      out.push(
        `<line x1="${x(step)}" y1="${top - 4}" x2="${x(step)}" y2="${top + height}" class="grid"/>`,
        `<text x="${x(step)}" y="${top + height + 14}" class="axis">${Math.round(step * 100)}%</text>`,
      )
    }
    panel.groups.forEach((group, g) => {
      const gy = top + g * groupHeight
      const mid = gy + (bars.length * BAR) / 2
      out.push(
        `<text x="${LABEL_WIDTH - 8}" y="${mid - 2}" class="label">${escapeXml(group.label)}</text>`,
        `<text x="${LABEL_WIDTH - 8}" y="${mid + 11}" class="sub">${escapeXml(group.sub)}</text>`,
      )
      group.ratios.forEach((ratio, b) => {
        const by = gy + b * BAR
        if (!Number.isFinite(ratio)) {
          out.push(
            `<text x="${LABEL_WIDTH + 4}" y="${by + BAR - 3}" class="value">${escapeXml(contenderById(bars[b]!).label)}: not measured</text>`,
          )
          return
        }
        const end = x(ratio)
        out.push(
          `<rect x="${LABEL_WIDTH}" y="${by + 1}" width="${(end - LABEL_WIDTH).toFixed(1)}" height="${BAR - 2}" fill="${colour(bars[b]!)}"/>`,
          `<text x="${end + 4}" y="${by + BAR - 3}" class="value">${formatRatio(ratio)}${ratio > max ? ' ›' : ''}</text>`,
        )
      })
    })
    // Raw's 100% on top of the bars, so that it shows where a bar crosses it.
    out.push(`<line x1="${x(1)}" y1="${top - 4}" x2="${x(1)}" y2="${top + height}" class="raw"/>`)
    y = top + height + 30
  }
  const legend = bars.map((id, i) => {
    const lx = 12 + i * 150
    return `<rect x="${lx}" y="42" width="12" height="12" fill="${colour(id)}"/><text x="${lx + 18}" y="52" class="legend">${escapeXml(contenderById(id).label)}</text>`
  })
  legend.push(
    `<line x1="${12 + bars.length * 150}" y1="40" x2="${12 + bars.length * 150}" y2="56" class="raw"/><text x="${18 + bars.length * 150}" y="52" class="legend">100% = ${escapeXml(contenderById(BASELINE).label)}</text>`,
  )
  const height = y + 10
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">
<style>
.title { font-size: 16px; font-weight: 600; fill: #222 }
.panel { font-size: 14px; font-weight: 600; fill: #222 }
.label { font-size: 12px; fill: #222; text-anchor: end }
.sub { font-size: 10px; fill: #666; text-anchor: end }
.value, .legend { font-size: 11px; fill: #222 }
.value { paint-order: stroke; stroke: #fff; stroke-width: 3px }
.axis { font-size: 10px; fill: #666; text-anchor: middle }
.grid { stroke: #ddd; stroke-width: 1 }
.raw { stroke: #222; stroke-width: 1.5; stroke-dasharray: 4 3 }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="24" class="title">${escapeXml(title)}</text>
${legend.join('\n')}
${out.join('\n')}
</svg>
`
}
