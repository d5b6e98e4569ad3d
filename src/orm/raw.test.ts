/**
 * Raw SQL (`db.sql`) on every dialect: values are always bound parameters, identifiers come only
 * from model metadata, fragments nest, rows hydrate into instances, and statements join the
 * current transaction.
 */
import assert from 'node:assert/strict'
import { after, describe, it, type TestContext } from 'node:test'
import { requireService, type ServiceName } from '../../test/support/services.ts'
import { createDatabase, type Database } from './database.ts'
import { QueryError } from './errors.ts'
import { field } from './fields.ts'
import { isInstance } from './instance.ts'
import { defineModel } from './model.ts'
import { column, list, table } from './raw.ts'
import { createTables, dropTables } from './schema/index.ts'

const Shelf = defineModel(
  'Shelf',
  { name: field.string({ maxLength: 50 }) },
  { table: 'raw_shelf' },
)
const Book = defineModel(
  'Book',
  {
    title: field.string({ maxLength: 100 }),
    price: field.decimal({ maxDigits: 8, decimalPlaces: 2 }),
    inPrint: field.boolean({ default: true }),
    added: field.datetime(),
    shelf: field.foreignKey(() => Shelf, { onDelete: 'cascade', relatedName: 'books' }),
  },
  { table: 'raw_book' },
)
const MODELS = [Shelf, Book]

const TARGETS: Array<{ name: string; url: string; service?: ServiceName }> = [
  { name: 'SQLite', url: 'sqlite::memory:' },
  { name: 'PostgreSQL', url: 'postgres://postgres@127.0.0.1:5432/test', service: 'postgres' },
  { name: 'MariaDB', url: 'mysql://root@127.0.0.1:3306/test', service: 'mariadb' },
]

const JAN = new Date('2024-01-15T10:00:00.000Z')
const MAR = new Date('2024-03-15T10:00:00.000Z')

function rejectsWith(code: string) {
  return (error: unknown) => error instanceof QueryError && error.code === code
}

for (const target of TARGETS) {
  describe(`db.sql on ${target.name}`, () => {
    let db: Database | undefined
    /** The database with fresh tables and three books, or undefined when the service is missing. */
    async function setup(t: TestContext): Promise<Database | undefined> {
      if (target.service && !(await requireService(t, target.service))) return undefined
      if (db) return db
      db = createDatabase({ url: target.url, models: MODELS })
      await dropTables(db, MODELS)
      await createTables(db, MODELS)
      const shelf = await Shelf.objects.create({ name: 'fiction' })
      await Book.objects.create({ title: 'Dune', price: '9.99', added: JAN, shelfId: shelf.id })
      await Book.objects.create({
        title: 'Emma',
        price: '4.50',
        inPrint: false,
        added: MAR,
        shelfId: shelf.id,
      })
      // A title that looks like a column name: it must still compare as a value.
      await Book.objects.create({ title: 'price', price: '20.00', added: MAR, shelfId: shelf.id })
      return db
    }
    after(async () => {
      if (!db) return
      await dropTables(db, MODELS)
      await db.close()
    })

    it('binds every value as a parameter, with the dialect placeholder', async (t) => {
      const db = await setup(t)
      if (!db) return
      const min = '5'
      const query = db.sql`SELECT ${column(Book, 'title')} FROM ${table(Book)} WHERE ${column(Book, 'price')} > ${min} ORDER BY ${column(Book, 'title')}`
      const statement = query.compile()
      assert.deepEqual(statement.params, ['5'])
      assert.match(statement.sql, db.dialect === 'postgres' ? /> \$1 / : /> \? /)
      assert.doesNotMatch(statement.sql, /'5'/)
      const rows = await query.all()
      assert.deepEqual(rows, [{ title: 'Dune' }, { title: 'price' }])
      assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype)
      assert.deepEqual(
        await db.sql`SELECT 1 AS one FROM ${table(Book)} WHERE ${column(Book, 'title')} = ${'nope'}`.first(),
        undefined,
      )
    })

    it('never turns a value into SQL (injection attempts)', async (t) => {
      const db = await setup(t)
      if (!db) return
      const attempts = [
        "x' OR '1'='1",
        "'; DROP TABLE raw_book; --",
        '" OR 1=1 --',
        '\\',
        '1) OR (1=1',
        'title',
      ]
      for (const attempt of attempts) {
        const rows =
          await db.sql`SELECT * FROM ${table(Book)} WHERE ${column(Book, 'title')} = ${attempt}`.all()
        assert.deepEqual(rows, [], attempt)
      }
      // A string naming a column is compared as a string: only the book titled "price" matches,
      // not every row (which `title = price` would not match either, but `price = price` would).
      const named =
        await db.sql`SELECT ${column(Book, 'title')} FROM ${table(Book)} WHERE ${column(Book, 'title')} = ${'price'}`.all()
      assert.deepEqual(named, [{ title: 'price' }])
      const self = db.sql`SELECT ${column(Book, 'title')} FROM ${table(Book)} WHERE ${column(Book, 'price')} = ${'price'}`
      // PostgreSQL tries to read the string as a number, which shows it arrived as data.
      if (db.dialect === 'postgres')
        await assert.rejects(self.all(), /invalid input syntax for type numeric/)
      else assert.deepEqual(await self.all(), [])
      // An object that looks like a Kysely node is still a value, never inlined.
      const fake = {
        toOperationNode: () => ({ kind: 'RawNode', sqlFragments: ['1=1'], parameters: [] }),
        isSelectQueryBuilder: true,
      }
      const statement = db.sql`SELECT * FROM ${table(Book)} WHERE ${fake}`.compile()
      assert.doesNotMatch(statement.sql, /1=1/)
      assert.equal(statement.params[0], fake)
      assert.equal(await Book.objects.count(), 3, 'the table is intact')
    })

    it('takes identifiers only from model metadata', async (t) => {
      const db = await setup(t)
      if (!db) return
      assert.throws(
        () => column(Book, 'price; DROP TABLE raw_book' as never),
        rejectsWith('PLINTH_ORM_UNKNOWN_FIELD'),
      )
      assert.throws(() => column(Book, 'nope' as never), rejectsWith('PLINTH_ORM_UNKNOWN_FIELD'))
      // Field name or row property of a foreign key: both name the column.
      const byField = db.sql`${column(Book, 'shelf')}`.compile().sql
      assert.equal(byField, db.sql`${column(Book, 'shelfId')}`.compile().sql)
      assert.match(byField, /shelf_id/)
      const qualified = db.sql`${column(Book, 'price', { qualified: true })}`.compile().sql
      assert.equal(qualified, db.dialect === 'mysql' ? '`raw_book`.`price`' : '"raw_book"."price"')
      // The tag refuses to be called with a plain string.
      assert.throws(
        () => (db.sql as unknown as (s: string) => unknown)('SELECT 1'),
        rejectsWith('PLINTH_ORM_BAD_RAW'),
      )
    })

    it('nests fragments and expands lists', async (t) => {
      const db = await setup(t)
      if (!db) return
      const cheap = db.sql`${column(Book, 'price')} < ${'10'}`
      const titles = list(['Dune', 'Emma', 'price'])
      const query = db.sql`SELECT ${list([column(Book, 'title'), column(Book, 'price')])} FROM ${table(Book)} WHERE ${column(Book, 'title')} IN (${titles}) AND ${cheap} ORDER BY ${column(Book, 'title')}`
      const statement = query.compile()
      assert.deepEqual(statement.params, ['Dune', 'Emma', 'price', '10'])
      if (db.dialect === 'postgres')
        assert.match(statement.sql, /IN \(\$1, \$2, \$3\) AND "price" < \$4/)
      const rows = await query.all()
      assert.deepEqual(
        rows.map((r) => r.title),
        ['Dune', 'Emma'],
      )
      assert.throws(() => list([]), rejectsWith('PLINTH_ORM_BAD_RAW'))
      if (db.dialect !== 'postgres') {
        assert.throws(
          () => db.sql`SELECT 1 WHERE 1 IN (${[1, 2]})`.compile(),
          rejectsWith('PLINTH_ORM_BAD_RAW'),
        )
      }
    })

    it('binds dates and booleans', async (t) => {
      const db = await setup(t)
      if (!db) return
      const rows =
        await db.sql`SELECT ${column(Book, 'title')} FROM ${table(Book)} WHERE ${column(Book, 'added')} > ${new Date('2024-02-01T00:00:00Z')} AND ${column(Book, 'inPrint')} = ${false}`.all()
      assert.deepEqual(rows, [{ title: 'Emma' }])
    })

    it('hydrates rows into instances with as(Model)', async (t) => {
      const db = await setup(t)
      if (!db) return
      const books =
        await db.sql`SELECT b.*, 1 AS extra FROM ${table(Book)} b ORDER BY ${column(Book, 'price')}`
          .as(Book)
          .all()
      assert.equal(books.length, 3)
      const emma = books[0]!
      assert.ok(isInstance(emma))
      assert.equal(emma.title, 'Emma')
      assert.equal(emma.price, '4.50')
      assert.equal(emma.inPrint, false)
      assert.ok(emma.added instanceof Date)
      assert.equal(emma.added.getTime(), MAR.getTime())
      assert.equal(typeof emma.shelfId, 'number')
      assert.equal(Number((emma as unknown as { extra: unknown }).extra), 1)
      // Instances behave as if loaded by a query set: save() writes the change.
      emma.title = 'Emma (2nd ed.)'
      await emma.save()
      assert.equal((await Book.objects.get({ id: emma.id })).title, 'Emma (2nd ed.)')
      emma.title = 'Emma'
      await emma.save()
      const first =
        await db.sql`SELECT * FROM ${table(Book)} WHERE ${column(Book, 'title')} = ${'Dune'}`
          .as(Book)
          .first()
      assert.equal(first?.price, '9.99')
      await assert.rejects(
        db.sql`SELECT ${column(Book, 'title')} FROM ${table(Book)}`.as(Book).all(),
        rejectsWith('PLINTH_ORM_BAD_RAW'),
      )
      // Extra columns may not shadow instance methods or reach the prototype.
      // (mysql2 itself refuses a column called __proto__.)
      const aliases =
        db.dialect === 'mysql'
          ? [db.sql`save`, db.sql`"constructor"`]
          : [db.sql`save`, db.sql`"__proto__"`, db.sql`"constructor"`]
      for (const alias of aliases) {
        await assert.rejects(
          db.sql`SELECT b.*, 1 AS ${alias} FROM ${table(Book)} b`.as(Book).all(),
          rejectsWith('PLINTH_ORM_BAD_RAW'),
        )
      }
    })

    it('run() returns the affected count and joins the current transaction', async (t) => {
      const db = await setup(t)
      if (!db) return
      const changed =
        await db.sql`UPDATE ${table(Book)} SET ${column(Book, 'price')} = ${'1.00'} WHERE ${column(Book, 'title')} IN (${list(['Dune', 'Emma'])})`.run()
      assert.equal(changed, 2)
      await db.sql`UPDATE ${table(Book)} SET ${column(Book, 'price')} = ${'9.99'} WHERE ${column(Book, 'title')} = ${'Dune'}`.run()
      await db.sql`UPDATE ${table(Book)} SET ${column(Book, 'price')} = ${'4.50'} WHERE ${column(Book, 'title')} = ${'Emma'}`.run()

      const boom = new Error('roll back')
      await assert.rejects(
        db.transaction(async () => {
          await db.sql`DELETE FROM ${table(Book)} WHERE ${column(Book, 'title')} = ${'Dune'}`.run()
          const inside = await db.sql`SELECT COUNT(*) AS n FROM ${table(Book)}`.first()
          assert.equal(Number(inside?.n), 2)
          throw boom
        }),
        boom,
      )
      const outside = await db.sql<{
        n: number | string
      }>`SELECT COUNT(*) AS n FROM ${table(Book)}`.first()
      assert.equal(Number(outside?.n), 3)
    })
  })
}
