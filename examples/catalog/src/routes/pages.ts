/**
 * The HTML side of the catalogue: the product list page (`templates/products.html`, extending
 * `templates/base.html`) with an image upload form. Templates escape every value, so user data
 * can never become markup.
 */
import { Router, redirect } from 'plinth'
import { requireLogin } from 'plinth/auth'
import type { Database } from 'plinth/orm'
import { z } from 'zod'
import type { ChangeFeed } from '../events.ts'
import { IMAGE_TYPES, saveImage } from '../media.ts'
import { Product } from '../models.ts'
import { pageRender } from '../page-context.ts'

const UploadForm = z.object({
  product: z.number().int().positive(),
  image: z
    .file()
    .max(2 * 1024 * 1024)
    .mime(IMAGE_TYPES),
})

export function pageRoutes(db: Database, feed: ChangeFeed, mediaDir: string): Router {
  const pages = new Router({ namespace: 'pages', tags: ['pages'] })

  pages.get('/', { name: 'home', hidden: true }, async (ctx) => {
    // One query: the category of each product comes from a JOIN, not one query per row.
    const products = await Product.objects
      .selectRelated('category')
      .orderBy('name')
      .limit(100)
      .all()
    return pageRender(ctx, 'products.html', { products, image_types: IMAGE_TYPES })
  })

  pages.post(
    '/upload',
    {
      name: 'upload',
      hidden: true,
      consumes: 'multipart',
      body: UploadForm,
      limits: { fileSize: 2 * 1024 * 1024 },
      // Only members may upload (anonymous browsers are sent to the login page).
      middleware: [requireLogin],
    },
    async (ctx) => {
      const { product: id, image } = ctx.body
      const product = await Product.objects.filter({ id }).first()
      if (!product)
        return pageRender(ctx, 'not-found.html', { message: 'No such product.' }, { status: 404 })
      product.image = await saveImage(image, mediaDir)
      await product.save()
      db.onCommit(() => feed.publish('updated', Product.schemas.output.parse(product)))
      // Post/redirect/get: a reload does not resubmit the form.
      return redirect(ctx.url('pages:home'), 303)
    },
  )

  return pages
}
