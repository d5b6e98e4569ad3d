/**
 * HTML building blocks shared by the error pages: escaping, the page shell with its inline
 * stylesheet, and key/value tables. Pages are self-contained (no external resources, no scripts)
 * so they render even when static files, the network or JavaScript are unavailable.
 */
import { escapeHtml } from '../http/escape.ts'

export { escapeHtml }

const BASE_CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--accent:#cf222e;--band:#fff5f5;--code:#f6f8fa;--hl:#ffe0e0;--app:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--border:#3d444d;--accent:#ff7b72;--band:#25171a;--code:#151b23;--hl:#4d2226;--app:#4493f8}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
`

const DEBUG_CSS = `
header{padding:24px 32px;background:var(--band);border-bottom:1px solid var(--border)}
h1{margin:0 0 6px;font-size:24px;color:var(--accent);overflow-wrap:anywhere}
h1 small{color:var(--muted);font-weight:400}
.message{margin:0 0 16px;font-size:18px;white-space:pre-wrap;overflow-wrap:anywhere}
main{padding:0 32px 32px}
section{margin-top:28px}
h2{font-size:18px;margin:0 0 8px;padding-bottom:4px;border-bottom:1px solid var(--border);overflow-wrap:anywhere}
h2 small,.where,.muted{color:var(--muted);font-weight:400}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;width:100%;font-size:14px}
th{text-align:left;vertical-align:top;padding:4px 16px 4px 0;white-space:nowrap;color:var(--muted);font-weight:600;width:1%}
td{padding:4px 16px 4px 0;vertical-align:top;overflow-wrap:anywhere;white-space:pre-wrap}
tr+tr>*{border-top:1px solid var(--border)}
thead th{border-bottom:2px solid var(--border)}
table.grid{width:auto;min-width:50%}
.grid th{width:auto;padding-right:32px}
.grid td{padding-right:32px}
.grid tr.current{background:var(--hl)}
.kv td{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
ol.frames{list-style:none;margin:0;padding:0}
.frame{display:block;border:1px solid var(--border);border-radius:6px;margin:6px 0;padding:0}
.frame>summary,.frame>.loc{display:block;padding:6px 12px;overflow-wrap:anywhere}
.frame>summary{cursor:pointer}
.frame.app{border-left:4px solid var(--app)}
.frame.app .fn{font-weight:700}
.frame.library,.frame.node,.frame.other{color:var(--muted)}
.badge{display:inline-block;min-width:5.5em;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.app .badge{color:var(--app);font-weight:700}
pre.source{margin:0;padding:8px 0;background:var(--code);border-top:1px solid var(--border);overflow-x:auto;color:var(--fg)}
.source .line{display:block;padding:0 12px;white-space:pre}
.source .current{background:var(--hl);font-weight:700}
.ln{display:inline-block;min-width:4ch;margin-right:16px;text-align:right;color:var(--muted);user-select:none}
.masked{color:var(--muted);letter-spacing:.1em}
.empty{color:var(--muted);font-style:italic}
details.raw>summary{cursor:pointer;color:var(--muted);margin-top:8px}
pre.block{background:var(--code);padding:12px;border-radius:6px;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}
footer{margin-top:32px;padding:16px 32px;color:var(--muted);font-size:13px;border-top:1px solid var(--border)}
`

const PLAIN_CSS = `
body{display:flex;min-height:100vh;align-items:center;justify-content:center}
main{max-width:36rem;padding:32px;text-align:center}
.status{margin:0;font-size:64px;font-weight:700;line-height:1;color:var(--muted)}
h1{margin:8px 0 16px;font-size:24px}
p{overflow-wrap:anywhere}
.request-id{color:var(--muted);font-size:13px}
`

/** A complete HTML document; `style` picks the debug or the plain stylesheet. */
export function htmlPage(title: string, body: string, style: 'debug' | 'plain'): string {
  const css = BASE_CSS + (style === 'debug' ? DEBUG_CSS : PLAIN_CSS)
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    '<meta name="robots" content="noindex,nofollow">' +
    `<title>${escapeHtml(title)}</title><style>${css}</style></head><body>${body}</body></html>`
  )
}

/** A table cell value: plain text, or already-built HTML. */
export type Cell = string | { html: string }

function cellHtml(cell: Cell): string {
  return typeof cell === 'string' ? escapeHtml(cell) : cell.html
}

/** A two-column name/value table, or `empty` (a sentence) when there are no rows. */
export function keyValueTable(rows: ReadonlyArray<readonly [string, Cell]>, empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`
  const body = rows
    .map(
      ([name, value]) =>
        `<tr><th scope="row">${escapeHtml(name)}</th><td>${cellHtml(value)}</td></tr>`,
    )
    .join('')
  return `<table class="kv"><tbody>${body}</tbody></table>`
}

/** A table with a header row; the row at index `highlight`, if any, is marked as current. */
export function gridTable(
  headings: readonly string[],
  rows: ReadonlyArray<readonly Cell[]>,
  empty: string,
  highlight = -1,
): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`
  const head = headings.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')
  const body = rows
    .map((row, i) => {
      const attributes = i === highlight ? ' class="current" aria-current="true"' : ''
      return `<tr${attributes}>${row.map((cell) => `<td>${cellHtml(cell)}</td>`).join('')}</tr>`
    })
    .join('')
  return `<table class="grid"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`
}
