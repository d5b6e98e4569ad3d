/**
 * The catalogue's data shapes. One Zod schema per shape drives validation, the handler types and
 * the OpenAPI document.
 */
import { z } from 'zod'
import { IMAGE_TYPES } from './media.ts'

export const Product = z
  .object({
    id: z.number().int().positive(),
    name: z.string().min(1).max(120),
    slug: z.string().regex(/^[a-z0-9-]+$/),
    price: z.number().nonnegative().describe('Price in euros'),
    tags: z.array(z.string()).default([]),
    inStock: z.boolean(),
    imageUrl: z.string().nullable(),
  })
  .meta({ id: 'Product' })
export type Product = z.infer<typeof Product>

export const ProductCreate = z
  .object({
    name: z.string().min(1).max(120),
    price: z.number().nonnegative(),
    tags: z.array(z.string().min(1).max(30)).max(10).default([]),
    inStock: z.boolean().default(true),
  })
  .meta({ id: 'ProductCreate' })

export const ProductUpdate = ProductCreate.partial().meta({ id: 'ProductUpdate' })

export const ProductQuery = z.object({
  q: z.string().max(100).optional().describe('Search in names'),
  tag: z.array(z.string()).default([]).describe('Only products with all these tags'),
  inStock: z.boolean().optional(),
  sort: z.enum(['name', '-name', 'price', '-price']).default('name'),
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(100).default(20),
})

export const ProductPage = z
  .object({
    items: z.array(Product),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
  .meta({ id: 'ProductPage' })

export const ProductId = z.object({ id: z.number().int().positive() })

export const ImageUpload = z.object({
  image: z
    .file()
    .max(2 * 1024 * 1024)
    .mime(IMAGE_TYPES),
})
