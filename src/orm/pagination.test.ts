/**
 * Numbered and keyset pagination on every dialect: walking all pages gives every row exactly
 * once (ties and mixed directions included), and bad page numbers or cursors are refused before
 * any SQL runs.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { capture, forEachDialect } from '../../test/orm/support/dialects.ts'
import { QueryError } from './errors.ts'
import { field } from './fields.ts'
import { defineModel } from './model.ts'
import { keysetPage, paginate } from './pagination.ts'
import { lookup } from './query/lookup.ts'

const Post = defineModel(
  'Post',
  {
    title: field.string({ maxLength: 50 }),
    score: field.integer(),
    price: field.decimal({ maxDigits: 6, decimalPlaces: 2 }),
    createdAt: field.datetime(),
    note: field.text({ null: true }),
  },
  { table: 'pag_post' },
)

const DAYS = ['2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z']
const TITLES = ['delta', 'alpha', 'charlie', 'bravo']

/** 23 posts with many ties on every column but the key. */
async function seed(count = 23): Promise<void> {
  for (let i = 0; i < count; i++) {
    await Post.objects.create({
      title: TITLES[i % 4]!,
      score: i % 3,
      price: i % 2 ? '1.50' : '10.00',
      createdAt: new Date(DAYS[i % 3]!),
      note: null,
    })
  }
}

function refused(code: string) {
  return (error: unknown) => error instanceof QueryError && error.code === code
}

/** Ids in the order the database gives for `keys` (the primary key breaking ties). */
async function expectedIds(keys: readonly string[]): Promise<number[]> {
  const order = keys.some((k) => k.replace('-', '') === 'id') ? keys : [...keys, 'id']
  return Post.objects
    .orderBy(...(order as never[]))
    .valuesList('id', { flat: true })
    .all()
}

/** Follow `next` to the end; returns the ids in page order and the page sizes. */
async function walk(keys: readonly string[], size: number) {
  const ids: number[] = []
  const sizes: number[] = []
  let after: string | null = null
  for (let guard = 0; guard < 100; guard++) {
    const page: { items: Array<{ id: number }>; next: string | null } = await keysetPage(
      Post.objects,
      {
        orderBy: keys as never,
        after,
        size,
      },
    )
    ids.push(...page.items.map((p) => p.id))
    sizes.push(page.items.length)
    after = page.next
    if (after === null) return { ids, sizes }
  }
  throw new Error('keyset pagination did not end')
}

forEachDialect({ models: [Post] }, (s) => {
  s.it('paginates by page number with totals and flags', async () => {
    await seed()
    const first = await paginate(Post.objects.orderBy('-score'), { page: 1, pageSize: 5 })
    assert.equal(first.total, 23)
    assert.equal(first.pages, 5)
    assert.equal(first.items.length, 5)
    assert.equal(first.hasPrevious, false)
    assert.equal(first.hasNext, true)
    const ids: number[] = []
    for (let page = 1; page <= 5; page++) {
      const result = await paginate(Post.objects.orderBy('-score'), { page, pageSize: 5 })
      ids.push(...result.items.map((p) => p.id))
      assert.equal(result.hasNext, page < 5)
    }
    assert.deepEqual(ids, await expectedIds(['-score']), 'ties on score are broken by the key')
    const past = await paginate(Post.objects, { page: 9, pageSize: 5 })
    assert.deepEqual([past.items, past.hasNext, past.hasPrevious], [[], false, true])
  })

  s.it('keeps filters, caps the page size and handles an empty result', async () => {
    await seed()
    const capped = await paginate(Post.objects.filter({ score: 0 }), {
      pageSize: 500,
      maxPageSize: 3,
    })
    assert.equal(capped.pageSize, 3)
    assert.equal(capped.total, 8)
    assert.equal(capped.pages, 3)
    assert.deepEqual(
      capped.items.map((p) => p.id),
      (await expectedIds(['id'])).filter((_, i) => i % 3 === 0).slice(0, 3),
    )
    const none = await paginate(Post.objects.filter({ score: 99 }))
    assert.deepEqual(none, {
      items: [],
      page: 1,
      pageSize: 20,
      total: 0,
      pages: 1,
      hasNext: false,
      hasPrevious: false,
    })
  })

  s.it('refuses bad page numbers and sizes before running SQL', async (db) => {
    const sql = await capture(db, async () => {
      for (const page of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2']) {
        await assert.rejects(
          paginate(Post.objects, { page: page as number }),
          refused('PLINTH_ORM_BAD_PAGE'),
          String(page),
        )
      }
      await assert.rejects(paginate(Post.objects, { pageSize: 0 }), refused('PLINTH_ORM_BAD_PAGE'))
      await assert.rejects(
        keysetPage(Post.objects, { orderBy: ['id'], size: -5 }),
        refused('PLINTH_ORM_BAD_PAGE'),
      )
    })
    assert.deepEqual(sql, [])
  })

  s.it(
    'walks keyset pages: every row exactly once, ties and mixed directions included',
    async () => {
      await seed()
      const orderings = [
        ['-createdAt'],
        ['-score', 'title'],
        ['price', '-createdAt', 'title'],
        ['title', '-id'],
        ['-id'],
      ]
      for (const keys of orderings) {
        const expected = await expectedIds(keys)
        for (const size of [1, 4, 7, 23, 30]) {
          const { ids, sizes } = await walk(keys, size)
          assert.deepEqual(ids, expected, `${keys.join(',')} by ${size}`)
          assert.equal(sizes.length, Math.max(1, Math.ceil(23 / size)), 'no empty last page')
        }
      }
    },
  )

  s.it('does not repeat rows when rows are added before the cursor', async () => {
    await seed(10)
    const first = await keysetPage(Post.objects, { orderBy: ['-createdAt'], size: 4 })
    await Post.objects.create({
      title: 'new',
      score: 9,
      price: '1.00',
      createdAt: new Date('2025-01-01T00:00:00Z'),
    })
    const seen = first.items.map((p) => p.id)
    let after = first.next
    while (after) {
      const page = await keysetPage(Post.objects, { orderBy: ['-createdAt'], after, size: 4 })
      seen.push(...page.items.map((p) => p.id))
      after = page.next
    }
    assert.equal(seen.length, 10)
    assert.equal(new Set(seen).size, 10)
  })

  s.it('pages filtered query sets and values() rows', async () => {
    await seed()
    const filtered = Post.objects.filter({ score: lookup.gte(1) })
    const ids: number[] = []
    let after: string | null = null
    do {
      const page: { items: Array<{ id: number; title: string }>; next: string | null } =
        await keysetPage(filtered.values('id', 'title'), { orderBy: ['title'], after, size: 4 })
      ids.push(...page.items.map((p) => p.id))
      after = page.next
    } while (after)
    const expected = await filtered.orderBy('title', 'id').valuesList('id', { flat: true }).all()
    assert.deepEqual(ids, expected)
    await assert.rejects(
      keysetPage(Post.objects.values('title'), { orderBy: ['title'] }),
      refused('PLINTH_ORM_BAD_VALUES'),
    )
    await assert.rejects(
      keysetPage(Post.objects.valuesList('id'), { orderBy: ['id'] }),
      refused('PLINTH_ORM_BAD_VALUES'),
    )
  })

  s.it('refuses orderings keyset pagination cannot page through', async (db) => {
    const sql = await capture(db, async () => {
      for (const keys of [['note'], ['nope'], ['title', 'title'], ['-'], [3]]) {
        await assert.rejects(
          keysetPage(Post.objects, { orderBy: keys as never }),
          refused('PLINTH_ORM_BAD_ORDER'),
          String(keys),
        )
      }
      await assert.rejects(
        keysetPage(Post.objects.slice(0, 5), { orderBy: ['id'] }),
        refused('PLINTH_ORM_BAD_PAGE'),
      )
    })
    assert.deepEqual(sql, [])
  })

  s.it('refuses tampered, foreign and garbage cursors without running SQL', async (db) => {
    await seed(6)
    const { next } = await keysetPage(Post.objects, { orderBy: ['-score', 'title'], size: 2 })
    assert.ok(next)
    assert.match(next, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'base64url')
    const [payload, sum] = next.split('.') as [string, string]
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1)
    /** A cursor with a valid checksum around any JSON: what a determined client could forge. */
    const forge = (values: unknown, signature = 'pag_post|-score,title,id') => {
      const body = Buffer.from(JSON.stringify(values)).toString('base64url')
      const check = createHash('sha256')
        .update(signature)
        .update('\0')
        .update(body)
        .digest()
        .subarray(0, 12)
        .toString('base64url')
      return `${body}.${check}`
    }
    assert.equal(
      (
        await keysetPage(Post.objects, {
          orderBy: ['-score', 'title'],
          after: forge([2, 'alpha', 1]),
          size: 2,
        })
      ).items.length,
      2,
      'the forge matches the format',
    )
    const bad = [
      '',
      'garbage',
      '!!!.???',
      'a.b.c',
      `${flip(payload, 2)}.${sum}`,
      `${payload}.${flip(sum, 3)}`,
      `${payload}.${sum}=`,
      'x'.repeat(10_000),
      forge([2, 'alpha']),
      forge([2, 'alpha', 1, 4]),
      forge({ score: 2 }),
      forge(['2; DROP TABLE pag_post', 'alpha', 1]),
      forge([2, 'alpha', 1.5]),
      forge([2, { toString: 'x' }, 1]),
      forge([2, 'alpha', 1], 'pag_post|title,id'),
    ]
    const sql = await capture(db, async () => {
      for (const cursor of bad) {
        await assert.rejects(
          keysetPage(Post.objects, { orderBy: ['-score', 'title'], after: cursor, size: 2 }),
          refused('PLINTH_ORM_BAD_CURSOR'),
          cursor.slice(0, 40),
        )
      }
      // A cursor made for another ordering is refused too.
      await assert.rejects(
        keysetPage(Post.objects, { orderBy: ['title'], after: next, size: 2 }),
        refused('PLINTH_ORM_BAD_CURSOR'),
      )
    })
    assert.deepEqual(sql, [])
    // A string key holding SQL is only ever a value.
    const page = await keysetPage(Post.objects, {
      orderBy: ['-score', 'title'],
      after: forge([2, "x' OR '1'='1", 1]),
      size: 50,
    })
    assert.deepEqual(
      page.items.map((p) => p.score),
      [1, 1, 0, 0],
    )
    assert.equal(await Post.objects.count(), 6)
  })
})
