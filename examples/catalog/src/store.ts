/**
 * An in-memory product store with change notifications. Later issues replace it with the ORM;
 * the routes only see this small interface.
 */
import type { Product } from './schemas.ts'

export type ProductInput = { name: string; price: number; tags: string[]; inStock: boolean }
export type ProductEvent = { type: 'created' | 'updated' | 'deleted'; product: Product }

export interface ListOptions {
  q?: string | undefined
  tag: string[]
  inStock?: boolean | undefined
  sort: 'name' | '-name' | 'price' | '-price'
  page: number
  pageSize: number
}

function slugify(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'product'
  )
}

export class ProductStore {
  readonly #products = new Map<number, Product>()
  readonly #listeners = new Set<(event: ProductEvent) => void>()
  #nextId = 1

  constructor(seed: ProductInput[] = []) {
    for (const input of seed) this.create(input)
  }

  list(options: ListOptions): { items: Product[]; total: number } {
    const q = options.q?.toLowerCase()
    const [field, direction] = options.sort.startsWith('-')
      ? [options.sort.slice(1), -1]
      : [options.sort, 1]
    const matches = [...this.#products.values()]
      .filter((p) => (q ? p.name.toLowerCase().includes(q) : true))
      .filter((p) => options.tag.every((t) => p.tags.includes(t)))
      .filter((p) => (options.inStock === undefined ? true : p.inStock === options.inStock))
      .sort((a, b) => {
        const x = a[field as 'name' | 'price']
        const y = b[field as 'name' | 'price']
        return (x < y ? -1 : x > y ? 1 : a.id - b.id) * direction
      })
    const start = (options.page - 1) * options.pageSize
    return { items: matches.slice(start, start + options.pageSize), total: matches.length }
  }

  get(id: number): Product | undefined {
    return this.#products.get(id)
  }

  create(input: ProductInput): Product {
    const id = this.#nextId++
    const product: Product = { id, slug: slugify(input.name), imageUrl: null, ...input }
    this.#products.set(id, product)
    this.#emit({ type: 'created', product })
    return product
  }

  update(
    id: number,
    changes: Partial<ProductInput> & { imageUrl?: string | null },
  ): Product | undefined {
    const current = this.#products.get(id)
    if (!current) return undefined
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined))
    const product: Product = { ...current, ...defined }
    if (changes.name !== undefined) product.slug = slugify(changes.name)
    this.#products.set(id, product)
    this.#emit({ type: 'updated', product })
    return product
  }

  delete(id: number): boolean {
    const product = this.#products.get(id)
    if (!product) return false
    this.#products.delete(id)
    this.#emit({ type: 'deleted', product })
    return true
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  subscribe(listener: (event: ProductEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #emit(event: ProductEvent): void {
    for (const listener of this.#listeners) listener(event)
  }
}

export const SEED: ProductInput[] = [
  { name: 'Oak desk', price: 249, tags: ['furniture', 'office'], inStock: true },
  { name: 'Desk lamp', price: 39.5, tags: ['lighting', 'office'], inStock: true },
  { name: 'Linen armchair', price: 420, tags: ['furniture'], inStock: false },
  { name: 'Ceramic mug', price: 12, tags: ['kitchen'], inStock: true },
  { name: 'Wool rug', price: 180, tags: ['textiles'], inStock: true },
]
