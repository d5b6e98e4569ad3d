/**
 * The Fortunes page check: the body is reduced to the normal form TechEmpower's
 * `fortune_html_parser.py` produces and compared with the expected page exactly (anchors doc
 * §1.4). The normal form keeps tags without attributes (names lower-cased), drops whitespace-only
 * text, comments and the wrapper tags `meta link script thead tbody` (and a script's content),
 * writes the doctype in lower case, spells equivalent escapes one way, and breaks lines after
 * `<html>`, `<table>`, `</head>` and `</tr>`.
 *
 * Text is not unescaped wholesale: a raw `<` or `&` stays as it is and so fails the comparison,
 * as in TechEmpower. Raw `'`, `"` and `>` in text are tolerated (written as entities).
 */

/** TechEmpower's expected page in normal form. */
export const EXPECTED_FORTUNES_PAGE = `<!doctype html><html>
<head><title>Fortunes</title></head>
<body><table>
<tr><th>id</th><th>message</th></tr>
<tr><td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);&lt;/script&gt;</td></tr>
<tr><td>4</td><td>A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1</td></tr>
<tr><td>5</td><td>A computer program does what you tell it to do, not what you want it to do.</td></tr>
<tr><td>2</td><td>A computer scientist is someone who fixes things that aren&apos;t broken.</td></tr>
<tr><td>8</td><td>A list is only as strong as its weakest link. — Donald Knuth</td></tr>
<tr><td>0</td><td>Additional fortune added at request time.</td></tr>
<tr><td>3</td><td>After enough decimal places, nobody gives a damn.</td></tr>
<tr><td>7</td><td>Any program that runs right is obsolete.</td></tr>
<tr><td>10</td><td>Computers make very fast, very accurate mistakes.</td></tr>
<tr><td>6</td><td>Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen</td></tr>
<tr><td>9</td><td>Feature: A bug with seniority.</td></tr>
<tr><td>1</td><td>fortune: No such file or directory</td></tr>
<tr><td>12</td><td>フレームワークのベンチマーク</td></tr>
</table></body></html>`

/**
 * TechEmpower's 12 fortunes sort the same with `localeCompare` as with `<`, so the validator adds
 * this row for a second request: by code units it comes between `Feature…` and `fortune…`
 * (`Z` < `f`), by locale after both.
 */
export const SORT_PROBE = { id: 13, message: 'Zen and the art of sorting by code unit.' }

export const EXPECTED_WITH_SORT_PROBE = EXPECTED_FORTUNES_PAGE.replace(
  '<tr><td>1</td>',
  `<tr><td>${SORT_PROBE.id}</td><td>${SORT_PROBE.message}</td></tr>\n<tr><td>1</td>`,
)

const IGNORED_TAGS = new Set(['meta', 'link', 'script', 'thead', 'tbody'])
const LINE_AFTER_START = new Set(['html', 'table'])
const LINE_AFTER_END = new Set(['head', 'tr'])
/** Elements whose content is raw text up to the closing tag (no tags or entities inside). */
const RAW_TEXT = new Set(['script', 'style'])
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
const CANONICAL: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
}

const TAG_NAME = /^[a-zA-Z][^\s/>]*/
const ENTITY = /^&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);/

/** The normal form of a Fortunes page (see the file comment). */
export function normalizeFortunesHtml(html: string): string {
  const out: string[] = []
  let insideScript = false
  const append = (item: string) => {
    insideScript = item === '<script>' || (insideScript && item !== '</script>')
    const name = /^<\/?([^>\s]+)>$/.exec(item)?.[1]
    if (!insideScript && !(name !== undefined && IGNORED_TAGS.has(name))) out.push(item)
  }
  const text = (chunk: string) => {
    if (chunk.trim() !== '') append(chunk.replace(/['">]/g, (c) => CANONICAL[c]!))
  }

  let i = 0
  while (i < html.length) {
    const lt = html.indexOf('<', i)
    const ampersand = html.indexOf('&', i)
    const next = Math.min(lt === -1 ? html.length : lt, ampersand === -1 ? html.length : ampersand)
    if (next > i) {
      text(html.slice(i, next))
      i = next
      continue
    }
    if (html[i] === '&') {
      const entity = ENTITY.exec(html.slice(i, i + 40))
      if (entity) append(canonicalEntity(entity[1]!))
      else text('&')
      i += entity ? entity[0].length : 1
      continue
    }
    i = readMarkup(html, i, append, text)
  }
  return out.join('')
}

/** Read the markup starting at `html[start] === '<'` and return where it ends. */
function readMarkup(
  html: string,
  start: number,
  append: (item: string) => void,
  text: (chunk: string) => void,
): number {
  const after = html.slice(start + 1, start + 2)
  if (html.startsWith('<!--', start)) return endOf(html, '-->', start + 4)
  if (after === '!') {
    const end = endOf(html, '>', start)
    append(`${html.slice(start, end - 1).toLowerCase()}>`)
    return end
  }
  if (after === '?') return endOf(html, '>', start)
  const closing = after === '/'
  const name = TAG_NAME.exec(html.slice(start + (closing ? 2 : 1)))?.[0].toLowerCase()
  if (name === undefined) {
    text('<') // not a tag: a bare `<` in text, left unescaped so the page fails
    return start + 1
  }
  const end = endOfTag(html, start)
  if (closing) {
    append(`</${name}>`)
    if (LINE_AFTER_END.has(name)) append('\n')
    return end
  }
  append(`<${name}>`)
  if (LINE_AFTER_START.has(name)) append('\n')
  if (html[end - 2] === '/') {
    append(`</${name}>`)
    return end
  }
  if (!RAW_TEXT.has(name)) return end
  const close = html.toLowerCase().indexOf(`</${name}`, end)
  const contentEnd = close === -1 ? html.length : close
  text(html.slice(end, contentEnd))
  return contentEnd
}

/** The index just after the `>` that ends a tag, skipping `>` inside quoted attribute values. */
function endOfTag(html: string, start: number): number {
  let quote: string | undefined
  for (let i = start + 1; i < html.length; i++) {
    const c = html[i]
    if (quote) {
      if (c === quote) quote = undefined
    } else if (c === '"' || c === "'") quote = c
    else if (c === '>') return i + 1
  }
  return html.length
}

function endOf(html: string, terminator: string, from: number): number {
  const at = html.indexOf(terminator, from)
  return at === -1 ? html.length : at + terminator.length
}

/**
 * One spelling per character: the five HTML specials as named entities, anything else as the
 * character itself (`&#43;` is `+`, `&mdash;` is `—`). Unknown names are kept as written.
 */
function canonicalEntity(reference: string): string {
  let char: string | undefined
  if (reference.startsWith('#')) {
    const hex = reference[1] === 'x' || reference[1] === 'X'
    const code = Number.parseInt(reference.slice(hex ? 2 : 1), hex ? 16 : 10)
    char = code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined
  } else if (reference === 'mdash') char = '—'
  else char = NAMED[reference]
  if (char === undefined) return `&${reference};`
  return CANONICAL[char] ?? char
}

/**
 * Compare a Fortunes body with the expected normal form; a message naming the first differing
 * line (with a hint for the usual mistakes), or undefined when it matches.
 */
export function fortunesDifference(
  html: string,
  expected = EXPECTED_FORTUNES_PAGE,
): string | undefined {
  const actual = normalizeFortunesHtml(html)
  if (actual === expected) return undefined
  const want = expected.split('\n')
  const got = actual.split('\n')
  let line = 0
  while (line < want.length && want[line] === got[line]) line++
  const hints: string[] = []
  if (/<script>alert/i.test(html)) hints.push('a message is not HTML-escaped')
  const ids = (lines: string[]) =>
    lines.flatMap((l) => /^<tr><td>(\d+)<\/td>/.exec(l)?.[1] ?? []).join(',')
  const [wantIds, gotIds] = [ids(want), ids(got)]
  if (
    wantIds !== gotIds &&
    [...wantIds.split(',')].sort().join() === gotIds.split(',').sort().join()
  )
    hints.push(
      `rows are out of order (ids ${gotIds}, expected ${wantIds}): sort by message with <, not localeCompare`,
    )
  return (
    `the page differs from TechEmpower's after normalization at line ${line + 1}: ` +
    `expected ${JSON.stringify(want[line] ?? '(end of page)')}, got ${JSON.stringify(truncate(got[line] ?? '(end of page)'))}` +
    (hints.length > 0 ? ` (${hints.join('; ')})` : '')
  )
}

export function truncate(text: string, max = 160): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`
}
