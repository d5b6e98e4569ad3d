/**
 * HTML escaping for text placed in element content or quoted attribute values. (The template
 * engine escapes automatically; this is for the few places that build HTML by hand.)
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

const UNSAFE = /[&<>"']/
const UNSAFE_ALL = /[&<>"']/g

/**
 * Escape `& < > " '` so a value can be placed in HTML text or a quoted attribute.
 *
 * @example
 * html(`<p>Hello ${escapeHtml(user.name)}</p>`)
 */
export function escapeHtml(value: unknown): string {
  const text = String(value)
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, (c) => ESCAPES[c]!) : text
}
