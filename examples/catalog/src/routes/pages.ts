/**
 * The HTML side of the catalogue: a product list page with an image upload form.
 * (Plinth's template engine arrives with the templates issue; until then pages are built with an
 * `escapeHtml` so user data can never become markup.)
 */
import { escapeHtml, html, Router, redirect } from 'plinth'
import type { Database } from 'plinth/orm'
import { z } from 'zod'
import type { ChangeFeed } from '../events.ts'
import { IMAGE_TYPES, saveImage } from '../media.ts'
import { Product } from '../models.ts'

const UploadForm = z.object({
  product: z.number().int().positive(),
  image: z
    .file()
    .max(2 * 1024 * 1024)
    .mime(IMAGE_TYPES),
})

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1f2933; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e4e7eb; }
  img { max-width: 64px; max-height: 48px; } .muted { color: #7b8794; } form { margin-top: 2rem; display: grid; gap: .6rem; max-width: 24rem; }
</style>
</head>
<body>
${body}
</body>
</html>`
}

export function pageRoutes(db: Database, feed: ChangeFeed, mediaDir: string): Router {
  const pages = new Router({ namespace: 'pages', tags: ['pages'] })

  pages.get('/', { name: 'home', hidden: true }, async (ctx) => {
    // One query: the category of each product comes from a JOIN, not one query per row.
    const items = await Product.objects.selectRelated('category').orderBy('name').limit(100).all()
    const rows = items
      .map(
        (p) => `<tr>
  <td>${p.image ? `<img src="${escapeHtml(p.image)}" alt="">` : '<span class="muted">—</span>'}</td>
  <td><a href="${escapeHtml(ctx.url('api:product-detail', { id: p.id }))}">${escapeHtml(p.name)}</a></td>
  <td>${escapeHtml(p.category.name)}</td>
  <td>€${escapeHtml(p.price)}</td>
  <td>${p.stock > 0 ? `${p.stock} in stock` : '<span class="muted">sold out</span>'}</td>
</tr>`,
      )
      .join('\n')
    const options = items
      .map((p) => `<option value="${p.id}">${escapeHtml(p.name)}</option>`)
      .join('')
    return html(
      layout(
        'Plinth catalogue',
        `<h1>Plinth catalogue</h1>
<p>A small product catalogue served by Plinth. The JSON API is documented at <a href="/docs">/docs</a>
(OpenAPI document: <a href="/openapi.json">/openapi.json</a>).</p>
<table><thead><tr><th></th><th>Product</th><th>Category</th><th>Price</th><th>Stock</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<form method="post" action="${escapeHtml(ctx.url('pages:upload'))}" enctype="multipart/form-data">
  <h2>Add a product image</h2>
  <label>Product <select name="product">${options}</select></label>
  <label>Image <input type="file" name="image" accept="${IMAGE_TYPES.join(',')}" required></label>
  <button type="submit">Upload</button>
</form>`,
      ),
    )
  })

  pages.post(
    '/upload',
    {
      name: 'upload',
      hidden: true,
      consumes: 'multipart',
      body: UploadForm,
      limits: { fileSize: 2 * 1024 * 1024 },
    },
    async (ctx) => {
      const { product: id, image } = ctx.body
      const product = await Product.objects.filter({ id }).first()
      if (!product) return html(layout('Not found', '<p>No such product.</p>'), { status: 404 })
      product.image = await saveImage(image, mediaDir)
      await product.save()
      db.onCommit(() => feed.publish('updated', Product.schemas.output.parse(product)))
      // Post/redirect/get: a reload does not resubmit the form.
      return redirect(ctx.url('pages:home'), 303)
    },
  )

  return pages
}
