/**
 * watchQueries: statements are counted per SQL text inside each run, apart for concurrent runs,
 * and shapes at or over the threshold are reported once the run ends.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createDatabase } from './database.ts'
import { OrmConfigError } from './errors.ts'
import { field } from './fields.ts'
import { defineModel } from './model.ts'
import { type RepeatedQuery, watchQueries } from './query-watch.ts'
import { createTables } from './schema/index.ts'

const Author = defineModel(
  'Author',
  { name: field.string({ maxLength: 50 }) },
  { table: 'qwu_author' },
)
const Note = defineModel(
  'Note',
  {
    text: field.string({ maxLength: 50 }),
    author: field.foreignKey(() => Author, { onDelete: 'cascade' }),
  },
  { table: 'qwu_note' },
)
const db = createDatabase({ url: 'sqlite::memory:', models: [Author, Note] })

before(async () => {
  await createTables(db, [Author, Note])
  const ada = await Author.objects.create({ name: 'ada' })
  for (let i = 0; i < 12; i++) await Note.objects.create({ text: `n${i}`, authorId: ada.id })
})
after(() => db.close())

/** One query per note: the N+1 pattern. */
async function nPlusOne(limit = 12): Promise<void> {
  for (const note of await Note.objects.orderBy('id').limit(limit).all())
    await Author.objects.get({ id: note.authorId })
}

describe('watchQueries', () => {
  it('reports a shape run threshold times or more, once, with its count', async () => {
    const reports: RepeatedQuery[] = []
    const watcher = watchQueries(db, { onRepeated: (r) => reports.push(r) })
    const result = await watcher.run(async () => {
      await nPlusOne()
      return 'done'
    })
    assert.equal(result, 'done')
    assert.equal(reports.length, 1)
    assert.equal(reports[0]!.count, 12)
    assert.match(reports[0]!.sql, /qwu_author/)
    assert.doesNotMatch(reports[0]!.sql, /qwu_note/, 'the list query ran once')
  })

  it('stays quiet below the threshold, and honours a custom one', async () => {
    const reports: RepeatedQuery[] = []
    await watchQueries(db, { onRepeated: (r) => reports.push(r) }).run(() => nPlusOne(9))
    assert.equal(reports.length, 0)
    await watchQueries(db, { threshold: 3, onRepeated: (r) => reports.push(r) }).run(() =>
      nPlusOne(3),
    )
    assert.equal(reports.length, 1)
    assert.equal(reports[0]!.count, 3)
    assert.throws(() => watchQueries(db, { threshold: 1, onRepeated: () => {} }), OrmConfigError)
  })

  it('counts concurrent runs apart', async () => {
    const reports: RepeatedQuery[] = []
    const watcher = watchQueries(db, { onRepeated: (r) => reports.push(r) })
    // Both runs interleave their queries; together they make 12, each only 6.
    let started = 0
    let release: () => void = () => {}
    const bothStarted = new Promise<void>((resolve) => {
      release = resolve
    })
    const unit = () =>
      watcher.run(async () => {
        if (++started === 2) release()
        await bothStarted
        await nPlusOne(6)
      })
    await Promise.all([unit(), unit()])
    assert.equal(reports.length, 0)
  })

  it('reports when the run throws, keeps the error, and ignores statements outside runs', async () => {
    const reports: RepeatedQuery[] = []
    const watcher = watchQueries(db, { onRepeated: (r) => reports.push(r) })
    const boom = new Error('boom')
    await assert.rejects(
      watcher.run(async () => {
        await nPlusOne()
        throw boom
      }),
      boom,
    )
    assert.equal(reports.length, 1)
    await nPlusOne()
    assert.equal(reports.length, 1)
    // The observer is only registered while a run is in progress.
    assert.equal(db.observers.active, false)
  })

  it('does not let a failing reporter replace the result', async () => {
    const watcher = watchQueries(db, {
      onRepeated: () => {
        throw new Error('reporter broke')
      },
    })
    const result = await watcher.run(async () => {
      await nPlusOne()
      return 7
    })
    assert.equal(result, 7)
  })
})
