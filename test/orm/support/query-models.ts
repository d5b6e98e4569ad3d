/**
 * The models and seed data shared by the query test files. Each file passes its own table prefix,
 * so files running in parallel on the same PostgreSQL/MariaDB database never share tables.
 */
import { defineModel, field } from '../../../src/orm/index.ts'

export function queryModels(prefix: string) {
  const Category = defineModel(
    'Category',
    { name: field.string({ maxLength: 50, unique: true }), rank: field.integer({ null: true }) },
    { table: `${prefix}_category`, ordering: ['-rank', 'name'] },
  )

  const Product = defineModel(
    'Product',
    {
      name: field.string({ maxLength: 100 }),
      price: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
      cost: field.decimal({ maxDigits: 10, decimalPlaces: 2 }),
      stock: field.integer({ default: 0 }),
      note: field.string({ maxLength: 100, null: true }),
      releasedAt: field.datetime({ null: true }),
      category: field.foreignKey(() => Category, {
        onDelete: 'cascade',
        relatedName: 'products',
        null: true,
      }),
    },
    { table: `${prefix}_product` },
  )

  const Counter = defineModel('Counter', { n: field.integer() }, { table: `${prefix}_counter` })

  const events: string[] = []
  const Account = defineModel(
    'Account',
    {
      email: field.email(),
      low: field.integer({ default: 0 }),
      high: field.integer({ default: 10 }),
    },
    {
      table: `${prefix}_account`,
      validate: (row: { low: number; high: number }) =>
        row.low > row.high ? [{ field: 'low', message: 'low must not exceed high' }] : [],
      hooks: {
        beforeSave: (a: { email: string }, { created }) => {
          events.push(`beforeSave:${a.email}:${created}`)
        },
        afterSave: (a: { email: string }, { created }) => {
          events.push(`afterSave:${a.email}:${created}`)
        },
        beforeDelete: (a: { email: string }) => {
          events.push(`beforeDelete:${a.email}`)
        },
        afterDelete: (a: { email: string }) => {
          events.push(`afterDelete:${a.email}`)
        },
      },
    },
  )

  async function seed() {
    const books = await Category.objects.create({ name: 'Books', rank: 2 })
    const games = await Category.objects.create({ name: 'Games', rank: 1 })
    const toys = await Category.objects.create({ name: 'Toys', rank: null })
    const dune = await Product.objects.create({
      name: 'Dune',
      price: '9.99',
      cost: '5.00',
      stock: 10,
      note: 'sci-fi classic',
      releasedAt: new Date('2021-05-03T10:15:00Z'), // a Monday
      categoryId: books.id,
    })
    const emma = await Product.objects.create({
      name: 'Emma',
      price: '19.50',
      cost: '20.00',
      stock: 0,
      note: null,
      releasedAt: new Date('2020-12-31T23:30:00Z'), // a Thursday
      categoryId: books.id,
    })
    const chess = await Product.objects.create({
      name: 'Chess',
      price: '25.00',
      cost: '10.00',
      stock: 3,
      note: '100% wood',
      categoryId: games.id,
    })
    const go = await Product.objects.create({
      name: 'Go_Board',
      price: '40.00',
      cost: '45.00',
      stock: 1,
      note: 'a_b*c\\d',
    })
    return { books, games, toys, dune, emma, chess, go }
  }

  const names = async (qs: {
    valuesList(key: 'name', o: { flat: true }): { all(): Promise<unknown[]> }
  }) => ((await qs.valuesList('name', { flat: true }).all()) as string[]).sort()

  return { Category, Product, Counter, Account, events, seed, names }
}
