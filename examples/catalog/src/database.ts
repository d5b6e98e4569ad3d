/**
 * The catalogue's database: opened from a URL, its tables created on first start and filled with
 * a few rows so the app has something to show.
 *
 * `createTables` stands in for migrations until Plinth's migration battery arrives (the next
 * issue): it creates missing tables from the model definitions but never changes existing ones.
 */
import { createDatabase, createTables, type Database } from 'plinth/orm'
import { Category, Product } from './models.ts'

const MODELS = [Category, Product]

/** Create the tables when they are missing (first run) and seed them. Safe to call on every start. */
export async function prepareDatabase(db: Database): Promise<void> {
  const existing = new Set((await db.kysely.introspection.getTables()).map((t) => t.name))
  if (MODELS.every((model) => existing.has(model.meta.table))) return
  await db.transaction(async () => {
    await createTables(db, MODELS)
    await seed()
  })
}

/** Open the database for `url` (nothing connects until the first query). */
export function openDatabase(url: string): Database {
  // Models are not attached to this database: the app runs each request inside `db.scope()`, so
  // several apps (tests, the PostgreSQL check) can use the same models on different databases.
  return createDatabase(url)
}

async function seed(): Promise<void> {
  const [furniture, lighting, kitchen] = await Category.objects.bulkCreate([
    { name: 'Furniture', slug: 'furniture' },
    { name: 'Lighting', slug: 'lighting' },
    { name: 'Kitchen', slug: 'kitchen' },
  ])
  await Product.objects.bulkCreate([
    {
      name: 'Oak desk',
      price: '249.00',
      stock: 4,
      categoryId: furniture!.id,
      description: 'Solid oak, 140 × 70 cm.',
    },
    { name: 'Linen armchair', price: '420.00', stock: 0, categoryId: furniture!.id },
    { name: 'Desk lamp', price: '39.50', stock: 12, categoryId: lighting!.id },
    { name: 'Ceramic mug', price: '12.00', stock: 30, categoryId: kitchen!.id },
    { name: 'Walnut tray', price: '45.00', stock: 6, categoryId: kitchen!.id },
  ])
}
