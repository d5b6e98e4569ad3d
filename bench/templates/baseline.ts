/**
 * The hand-written baseline: both pages as plain functions over template literals, the fastest
 * way to produce the same HTML in JavaScript and so the ceiling for a compiled template engine.
 *
 * It does what the templates do, no less: every user string is escaped, the layout is a function
 * taking the page's blocks, and the product card is a function called per item (the macro).
 * Rows are appended with `+=` (V8's rope strings make that cheaper than `array.join`).
 */
import type { CatalogueData, Fortune, Product } from './data.ts'

const NEEDS_ESCAPE = /[&<>"']/

/**
 * Escape text for HTML as Jinja2 does (`& < > " '`): a native regex test first (most strings
 * need nothing), then a character loop copying the clean runs between specials. Measured on
 * these pages' strings, that is 1.2× faster than test + `replace` with a callback on the
 * fortunes and 1.9× on the catalogue (whose strings mostly need escaping), so the ceiling is not
 * held down by its escaper.
 */
export function escapeHtml(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text
  let out = ''
  let last = 0
  for (let i = 0; i < text.length; i++) {
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
    if (last !== i) out += text.slice(last, i)
    out += entity
    last = i + 1
  }
  return last === text.length ? out : out + text.slice(last)
}

/** Jinja2's `truncate(s, length, killwords=True)` with its default leeway of 5 and end '...'. */
export function truncate(s: string, length: number): string {
  return s.length <= length + 5 ? s : s.slice(0, length - 3) + '...'
}

/** The Fortunes page (layout inlined: it has nothing but the content block). */
export function renderFortunes(data: { fortunes: Fortune[] }): string {
  let rows = ''
  for (const f of data.fortunes) {
    rows += `<tr><td>${f.id}</td><td>${escapeHtml(f.message)}</td></tr>\n`
  }
  return `<!DOCTYPE html><html><head><title>Fortunes</title></head><body>
<table>
<tr><th>id</th><th>message</th></tr>
${rows}</table>
</body></html>`
}

function layout(data: CatalogueData, title: string, content: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title></head>
<body>
${header(data)}
<main>
${content}
</main>
<footer>&copy; ${data.site.year} ${escapeHtml(data.site.name)}</footer>
</body>
</html>`
}

function header(data: CatalogueData): string {
  let nav = ''
  for (const c of data.categories) {
    nav += `<a href="/c/${escapeHtml(c.slug)}"${c.slug === data.current ? ' class="active"' : ''}>${escapeHtml(c.name)}</a>`
  }
  const user = data.user
  return `<header>
<a class="logo" href="/">${escapeHtml(data.site.name)}</a>
<nav>${nav}</nav>
${user ? `<span class="user">Hello, ${escapeHtml(user.name)}</span>` : '<a href="/login">Sign in</a>'}
</header>`
}

function stock(n: number): string {
  return n === 0 ? 'Sold out' : n < 5 ? `Only ${n} left` : 'In stock'
}

function card(p: Product): string {
  let tags = ''
  for (let i = 0; i < p.tags.length; i++) {
    tags += `<li${i === 0 ? ' class="first"' : ''}>${escapeHtml(p.tags[i]!)}</li>`
  }
  let reviews = ''
  if (p.reviews.length > 0) {
    reviews = `<section class="reviews"><h3>${p.reviews.length} reviews</h3>`
    for (const r of p.reviews) {
      reviews += `<blockquote>${escapeHtml(r.text)} — ${escapeHtml(r.author ?? 'anonymous')}</blockquote>`
    }
    reviews += '</section>'
  }
  return `
<article class="card${p.onSale ? ' sale' : ''}" id="p${p.id}">
  <h2>${escapeHtml(p.name)}</h2>
  <p class="desc">${escapeHtml(truncate(p.description, 40))}</p>
  <p class="price">${Math.round(p.price * 100) / 100} EUR</p>
  <p class="stock">${stock(p.stock)}</p>
  <p class="badge">${escapeHtml(p.badge ?? 'standard')}</p>
  <ul class="tags">${tags}</ul>
  <p class="all-tags">${escapeHtml(p.tags.join(', '))}</p>
  ${reviews}
</article>
`
}

/** The catalogue page: layout, header partial, one card per product. */
export function renderCatalogue(data: CatalogueData): string {
  let items = ''
  data.products.forEach((p, i) => {
    items += `<li class="item-${i + 1}${i === 0 ? ' first' : ''}">${card(p)}</li>\n`
  })
  const content = `<h1>${escapeHtml(data.category.name)}</h1>
<p class="count">${data.products.length} products</p>
<ol class="products">
${items}</ol>`
  const title = `${escapeHtml(data.category.name.toUpperCase())} — ${escapeHtml(data.site.name)}`
  return layout(data, title, content)
}
