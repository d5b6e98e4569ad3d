import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseFillValue, promptQuestioner } from './questioner.ts'

describe('parseFillValue()', () => {
  it('reads JSON when it parses, else keeps the text', () => {
    assert.equal(parseFillValue('0'), 0)
    assert.equal(parseFillValue('true'), true)
    assert.equal(parseFillValue('null'), null)
    assert.equal(parseFillValue('"quoted"'), 'quoted')
    assert.deepEqual(parseFillValue('{"a":[1]}'), { a: [1] })
    assert.equal(parseFillValue('n/a'), 'n/a')
    assert.equal(parseFillValue(''), '')
  })
})

describe('promptQuestioner()', () => {
  function scripted(...replies: string[]) {
    const prompts: string[] = []
    let written = ''
    const questioner = promptQuestioner(
      async (prompt) => {
        prompts.push(prompt)
        return replies.shift() ?? ''
      },
      (text) => {
        written += text
      },
    )
    return { questioner, prompts, written: () => written }
  }

  it('confirms a rename only on y or yes', async () => {
    const q = { kind: 'field', model: 'app.P', from: 'a', to: 'b', text: 'Rename? [y/N]' } as const
    for (const [reply, expected] of [
      ['y', true],
      [' Yes ', true],
      ['', false],
      ['n', false],
      ['yep', false],
    ] as const) {
      const s = scripted(reply)
      assert.equal(await s.questioner.confirmRename(q), expected, reply)
      assert.deepEqual(s.prompts, ['Rename? [y/N] '])
    }
  })

  it('parses a fill value; an empty answer gives none', async () => {
    const q = { model: 'app.P', field: 'stock', change: 'add', text: 'Value:' } as const
    assert.deepEqual(await scripted('42').questioner.fillValue(q), { value: 42 })
    assert.deepEqual(await scripted('none').questioner.fillValue(q), { value: 'none' })
    assert.equal(await scripted('  ').questioner.fillValue(q), undefined)
  })

  it('lists what loses data before asking', async () => {
    const s = scripted('y')
    const ok = await s.questioner.confirmDataLoss([
      { module: 'app', description: 'Remove field sku from Product', reason: 'drops the column' },
    ])
    assert.equal(ok, true)
    assert.equal(
      s.written(),
      'These operations lose data:\n  - app: Remove field sku from Product: drops the column\n',
    )
    assert.deepEqual(s.prompts, ['Write the migration anyway? [y/N] '])
    assert.equal(await scripted('').questioner.confirmDataLoss([]), false)
  })
})
