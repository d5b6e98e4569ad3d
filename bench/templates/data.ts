/**
 * The data both benchmark pages render, built once and shared by every engine.
 *
 * Fortunes is TechEmpower's set (with the row a request adds, sorted by message, as the test
 * requires). The catalogue is deterministic (no `Math.random`) and chosen so that every engine's
 * filters agree on it: descriptions are either at most 37 characters or longer than 45 (Jinja2's
 * `truncate(40, true)` leaves 41-45 alone, Nunjucks' and Liquid's truncate would cut them), and
 * prices have three decimals that never fall on a rounding tie, so Python's `round` and
 * `Math.round(x * 100) / 100` agree. Users supply the names, descriptions and reviews, so those
 * contain markup and quotes that must come out escaped.
 */

import { FORTUNES } from '../tfb/fixture.ts'

export interface Fortune {
  id: number
  message: string
}

const TFB_FORTUNES: readonly Fortune[] = FORTUNES

/** The 13 fortunes of one TechEmpower request: the table, one added row, sorted by message. */
export const fortunes: Fortune[] = [
  ...TFB_FORTUNES,
  { id: 0, message: 'Additional fortune added at request time.' },
].sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))

export interface Review {
  text: string
  author?: string
}

export interface Product {
  id: number
  name: string
  description: string
  price: number
  stock: number
  onSale: boolean
  /** Missing on most products: the template falls back to "standard" with `default`. */
  badge?: string
  tags: string[]
  reviews: Review[]
}

export interface Category {
  slug: string
  name: string
}

export interface CatalogueData {
  site: { name: string; year: number }
  user: { name: string } | null
  current: string
  categories: Category[]
  category: Category
  products: Product[]
}

const NAMES = [
  'Garden hose',
  'Tom\'s "Deluxe" <Grill>',
  'Lamp & shade',
  'Café chair',
  "Kids' bike",
  'Rain coat <XL>',
  'Coffee mill',
  'Hammock "Siesta"',
]
const SHORT = ['Sturdy and light.', 'Our best seller <b>ever</b>!', "Won't rust, won't fade."]
const LONG = [
  'A long-lasting product for the garden & the patio, built to survive every season.',
  'Hand-made by <em>artisans</em> from reclaimed oak; each piece is "one of a kind".',
  'Folds flat in seconds, so it fits in any car boot, cupboard or small flat.',
]
const TAGS = ['outdoor', 'garden', 'kids & toys', 'sale', '<new>', 'eco', 'wood', "editor's pick"]
const REVIEWS: Review[] = [
  { text: 'Great value, would buy again.', author: 'Ann' },
  { text: 'Arrived broken <script>alert(1)</script>', author: 'mallory' },
  { text: 'Does what it says on the tin.' },
  { text: 'Five stars & a "thank you".', author: "Bob O'Brien" },
]

/**
 * A price 0.3 or 0.4 of a cent off a whole number of cents, so rounding to two places goes
 * either way without ever meeting a tie, and never gives a whole number (which Python prints as
 * `13.0` and JavaScript as `13`).
 */
function price(i: number): number {
  let cents = 400 + ((i * 7919) % 4900)
  if (cents % 100 === 0) cents += 1
  return cents / 100 + (i % 2 === 0 ? 0.003 : -0.004)
}

function product(i: number): Product {
  const description = i % 3 === 0 ? SHORT[i % SHORT.length]! : LONG[i % LONG.length]!
  const reviewCount = i % 4 // 0-3 reviews, some products with none
  const p: Product = {
    id: 1000 + i,
    name: `${NAMES[i % NAMES.length]} #${i + 1}`,
    description,
    price: price(i),
    stock: i % 7 === 0 ? 0 : i % 5 === 1 ? 3 : 10 + i,
    onSale: i % 4 === 1,
    tags: Array.from({ length: 2 + (i % 4) }, (_, k) => TAGS[(i + k * 3) % TAGS.length]!),
    reviews: Array.from({ length: reviewCount }, (_, k) => REVIEWS[(i + k) % REVIEWS.length]!),
  }
  if (i % 6 === 2) p.badge = i % 12 === 2 ? 'bestseller' : 'limited <edition>'
  return p
}

/** A category page of the shop: 50 products with 2-5 tags and 0-3 reviews each. */
export const catalogue: CatalogueData = {
  site: { name: 'Acme & Sons', year: 2026 },
  user: { name: 'Zoë "Z" <admin>' },
  current: 'garden',
  categories: [
    { slug: 'garden', name: 'Garden & patio' },
    { slug: 'kitchen', name: 'Kitchen' },
    { slug: 'kids', name: 'Kids <3' },
    { slug: 'tools', name: 'Tools' },
    { slug: 'outdoor', name: 'Outdoor' },
  ],
  category: { slug: 'garden', name: 'Garden & patio' },
  products: Array.from({ length: 50 }, (_, i) => product(i)),
}
