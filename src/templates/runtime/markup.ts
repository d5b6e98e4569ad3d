/**
 * Safe strings and HTML escaping.
 *
 * A `SafeString` is markup the template author (or the code handing it in) vouches for: it is
 * never escaped again. Everything else is escaped when autoescaping is on, with the five
 * characters Jinja2 escapes (`& < > " '`, as `&amp; &lt; &gt; &#34; &#39;`), which is correct
 * in text and in quoted attributes.
 */

/** Markup that must not be escaped again (Jinja2's `Markup`). */
export class SafeString {
  readonly value: string
  constructor(value: string) {
    this.value = value
  }
  toString(): string {
    return this.value
  }
  get length(): number {
    return this.value.length
  }
}

/**
 * Mark trusted markup as safe.
 *
 * @example
 * env.renderString('{{ x }}', { x: markSafe('<b>ok</b>') }) // '<b>ok</b>'
 */
export function markSafe(value: unknown): SafeString {
  return value instanceof SafeString ? value : new SafeString(String(value))
}

const NEEDS_ESCAPE = /[&<>"']/

/** Escape a string for HTML (test first: most strings need nothing). */
export function escapeHtml(text: string): string {
  const first = text.search(NEEDS_ESCAPE)
  if (first === -1) return text
  // A loop over the rest is several times faster than replace() with a callback.
  let out = text.slice(0, first)
  let last = first
  for (let i = first; i < text.length; i++) {
    let entity: string
    switch (text.charCodeAt(i)) {
      case 38:
        entity = '&amp;'
        break
      case 60:
        entity = '&lt;'
        break
      case 62:
        entity = '&gt;'
        break
      case 34:
        entity = '&#34;'
        break
      case 39:
        entity = '&#39;'
        break
      default:
        continue
    }
    if (last < i) out += text.slice(last, i)
    out += entity
    last = i + 1
  }
  return last < text.length ? out + text.slice(last) : out
}
