/**
 * A port of Jinja2's `urlize` helper: turn URLs and e-mail addresses in text into links.
 *
 * The text is HTML-escaped first and links are built from the escaped words, so nothing in the
 * input can open a tag or an attribute; only `http(s)://`, `www.`, bare domains on common TLDs,
 * `mailto:`, e-mail addresses and explicitly allowed extra schemes become links (never
 * `javascript:`). Word splitting and the handling of surrounding punctuation follow Jinja2 3.1.
 */
import { escapeHtml } from '../runtime/markup.ts'

const HTTP = new RegExp(
  '^(' +
    '(https?://|www\\.)(([\\p{L}\\p{N}_%-]+\\.)+)?([a-z]{2,63}|xn--[\\p{L}\\p{N}_%]{2,59})' +
    '|([\\p{L}\\p{N}_%-]{2,63}\\.)+(com|net|int|edu|gov|org|info|mil)' +
    '|(https?://)((([\\p{Nd}]{1,3})(\\.[\\p{Nd}]{1,3}){3})|(\\[([\\da-f]{0,4}:){2}([\\da-f]{0,4}:?){1,6}\\]))' +
    ')' +
    '(?::[\\p{Nd}]{1,5})?' +
    '(?:[/?#]\\S*)?$',
  'iu',
)
const EMAIL = /^\S+@[\p{L}\p{N}_][\p{L}\p{N}_.-]*\.[\p{L}\p{N}_]+$/u
const LEADING = ['(', '<', '&lt;']
const TRAILING = [')', '>', '.', ',', '\n', '&gt;']
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['(', ')'],
  ['<', '>'],
  ['&lt;', '&gt;'],
]
/** A valid extra scheme: `tel:`, `ftp://`, `x-app:/`. */
export const URI_SCHEME = /^[\p{L}\p{N}_.+-]{2,}:\/{0,2}$/u

/** Options of {@link urlize}; `text`, `rel` and `target` are plain (unescaped) strings. */
export interface UrlizeOptions {
  trimUrlLimit?: number | undefined
  rel?: string | undefined
  target?: string | undefined
  extraSchemes?: readonly string[] | undefined
}

const count = (text: string, part: string) => text.split(part).length - 1

/**
 * Convert URLs in already escaped text into links (Jinja2's `utils.urlize`).
 *
 * @param escaped the text, HTML-escaped
 */
export function urlize(escaped: string, options: UrlizeOptions): string {
  const limit = options.trimUrlLimit
  const trim = (url: string) =>
    limit !== undefined && url.length > limit ? `${url.slice(0, limit)}...` : url
  const relAttr = options.rel ? ` rel="${escapeHtml(options.rel)}"` : ''
  const targetAttr = options.target ? ` target="${escapeHtml(options.target)}"` : ''
  const words = escaped.split(/(\s+)/)
  for (let i = 0; i < words.length; i += 2) {
    let middle = words[i]!
    const head = leading(middle)
    middle = middle.slice(head.length)
    let tail = trailing(middle)
    middle = middle.slice(0, middle.length - tail.length)
    // Prefer balancing parentheses in URLs to leaving a closing one outside.
    for (const [open, close] of PAIRS) {
      const opened = count(middle, open)
      if (opened <= count(middle, close)) continue
      for (let n = Math.min(opened, count(tail, close)); n > 0; n--) {
        const end = tail.indexOf(close) + close.length
        middle += tail.slice(0, end)
        tail = tail.slice(end)
      }
    }
    if (HTTP.test(middle)) {
      const href =
        middle.startsWith('https://') || middle.startsWith('http://') ? middle : `https://${middle}`
      middle = `<a href="${href}"${relAttr}${targetAttr}>${trim(middle)}</a>`
    } else if (middle.startsWith('mailto:') && EMAIL.test(middle.slice(7))) {
      middle = `<a href="${middle}">${middle.slice(7)}</a>`
    } else if (
      middle.includes('@') &&
      !middle.startsWith('www.') &&
      !middle.startsWith('@') &&
      !middle.includes(':') &&
      EMAIL.test(middle)
    ) {
      middle = `<a href="mailto:${middle}">${middle}</a>`
    } else if (options.extraSchemes !== undefined) {
      for (const scheme of options.extraSchemes) {
        if (middle !== scheme && middle.startsWith(scheme)) {
          middle = `<a href="${middle}"${relAttr}${targetAttr}>${middle}</a>`
        }
      }
    }
    words[i] = head + middle + tail
  }
  return words.join('')
}

/** The run of `(`, `<` and `&lt;` at the start (Jinja2's `^([(<]|&lt;)+`), scanned linearly. */
function leading(word: string): string {
  let at = 0
  for (let found = true; found; ) {
    found = false
    for (const token of LEADING) {
      if (word.startsWith(token, at)) {
        at += token.length
        found = true
      }
    }
  }
  return word.slice(0, at)
}

/** The run of `) > . , \n &gt;` at the end, scanned backwards (no regex backtracking). */
function trailing(word: string): string {
  let at = word.length
  for (let found = true; found; ) {
    found = false
    for (const token of TRAILING) {
      if (at >= token.length && word.startsWith(token, at - token.length)) {
        at -= token.length
        found = true
      }
    }
  }
  return word.slice(at)
}
