/**
 * Correctness before speed: every contender's page must be the baseline's page, modulo
 * whitespace next to tags and the spelling of two entities. A benchmark of engines that produce
 * different pages (one forgetting to escape, one skipping a loop) would compare nothing.
 */

/**
 * The page reduced to what a browser shows: whitespace next to a tag dropped (indentation and
 * newlines left by template tags differ between engines), other runs of whitespace collapsed,
 * and `&quot;` / `&#x27;` spelled `&#34;` / `&#39;` (Nunjucks and Eta escape quotes with the
 * former, Jinja2 and LiquidJS with the latter; browsers read them alike).
 */
export function normalizeHtml(html: string): string {
  return html
    .replaceAll('&quot;', '&#34;')
    .replaceAll('&#x27;', '&#39;')
    .replace(/>\s+/g, '>')
    .replace(/\s+</g, '<')
    .replace(/\s+/g, ' ')
    .trim()
}

/** Where two normalized pages first differ, with some context from each, or undefined. */
export function firstDifference(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined
  let i = 0
  while (i < expected.length && expected[i] === actual[i]) i++
  const from = Math.max(0, i - 80)
  return [
    `first difference at character ${i} (of ${expected.length} expected, ${actual.length} actual):`,
    `  expected: …${expected.slice(from, i + 80)}…`,
    `  actual:   …${actual.slice(from, i + 80)}…`,
  ].join('\n')
}

/**
 * Throws, naming the contender and page and showing the difference, unless every page equals
 * the baseline's after normalization.
 */
export function assertSamePages(
  pages: ReadonlyArray<{ page: string; baseline: string; outputs: ReadonlyMap<string, string> }>,
): void {
  const problems: string[] = []
  for (const { page, baseline, outputs } of pages) {
    const expected = normalizeHtml(baseline)
    for (const [id, html] of outputs) {
      const difference = firstDifference(expected, normalizeHtml(html))
      if (difference !== undefined) problems.push(`${id} renders ${page} wrong: ${difference}`)
    }
  }
  if (problems.length > 0) {
    throw new Error(`bench/templates.ts: outputs differ, nothing timed.\n${problems.join('\n\n')}`)
  }
}
