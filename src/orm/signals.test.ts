import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDatabase, createTables, defineModel, field } from './index.ts'
import { listen } from './signals.ts'

const Note = defineModel('Note', { text: field.string({ maxLength: 50 }) }, { table: 'sig_note' })

describe('listen', () => {
  it('runs handlers around save and delete, in order, until stopped', async () => {
    const db = createDatabase('sqlite::memory:')
    await createTables(db, [Note])
    const events: string[] = []
    const stops = [
      listen(Note, 'beforeSave', (note, { created }) => {
        events.push(`beforeSave:${note.text}:${created}`)
      }),
      listen(Note, 'afterSave', (note, { created }) => {
        events.push(`afterSave:${note.id}:${created}`)
      }),
      listen(Note, 'beforeDelete', (note) => {
        events.push(`beforeDelete:${note.id}`)
      }),
      listen(Note, 'afterDelete', async (note) => {
        events.push(`afterDelete:${note.id}`)
      }),
    ]
    await db.scope(async () => {
      const note = await Note.objects.create({ text: 'a' })
      note.text = 'b'
      await note.save()
      await note.delete()
      for (const stop of stops) stop()
      await Note.objects.create({ text: 'c' })
    })
    assert.deepEqual(events, [
      'beforeSave:a:true',
      'afterSave:1:true',
      'beforeSave:b:false',
      'afterSave:1:false',
      'beforeDelete:1',
      'afterDelete:1',
    ])
    await db.close()
  })

  it('aborts the write when a before handler throws', async () => {
    const db = createDatabase('sqlite::memory:')
    await createTables(db, [Note])
    const stop = listen(Note, 'beforeSave', (note) => {
      if (note.text === 'forbidden') throw new Error('no')
    })
    await db.scope(async () => {
      await assert.rejects(Note.objects.create({ text: 'forbidden' }), /no/)
      assert.equal(await Note.objects.count(), 0)
    })
    stop()
    await db.close()
  })
})
