/**
 * The terminal prompter of `createsuperuser`/`changepassword` on a fake TTY: secrets are never
 * echoed, editing keys work, Ctrl-C and end of input abort, raw mode is always restored, and a
 * pasted second line is kept for the next question.
 */
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import type { PlinthError } from 'plinth'
import { isYes, readTerminalLine } from '../../src/cli/commands/auth/prompt.ts'

/** A PassThrough that records raw-mode switches, as a TTY ReadStream would take them. */
function fakeTerminal() {
  const stream = new PassThrough() as PassThrough & {
    isTTY: boolean
    isRaw: boolean
    setRawMode(raw: boolean): void
  }
  const modes: boolean[] = []
  stream.isTTY = true
  stream.isRaw = false
  stream.setRawMode = (raw: boolean) => {
    modes.push(raw)
    stream.isRaw = raw
  }
  let written = ''
  const output = { write: (chunk: string) => (written += chunk) }
  return { input: stream, output, modes, written: () => written }
}

describe('readTerminalLine()', () => {
  it('reads a secret without echoing it, and restores the terminal', async () => {
    const t = fakeTerminal()
    const answer = readTerminalLine(t.input, t.output, 'Password: ', true)
    t.input.write('s3cret-pass')
    t.input.write('word\r')
    assert.equal(await answer, 's3cret-password')
    assert.equal(t.written(), 'Password: \n')
    assert.deepEqual(t.modes, [true, false])
  })

  it('echoes text answers and applies backspace, Ctrl-U and cursor keys', async () => {
    const t = fakeTerminal()
    const answer = readTerminalLine(t.input, t.output, 'Username: ', false)
    t.input.write('adx\u007fa\u001b[D\u001bOC\u001b[3~\u0015ada\n')
    assert.equal(await answer, 'ada')
    assert.equal(t.written(), 'Username: adx\b \ba\b \b\b \b\b \bada\n')
  })

  it('deletes whole characters, not UTF-16 halves', async () => {
    const t = fakeTerminal()
    const answer = readTerminalLine(t.input, t.output, '> ', true)
    t.input.write('pass😀\u007fé\r')
    assert.equal(await answer, 'passé')
  })

  it('keeps what was pasted after Enter for the next question', async () => {
    const t = fakeTerminal()
    const first = readTerminalLine(t.input, t.output, 'Password: ', true)
    t.input.write('one-secret\r\none-secret\r')
    assert.equal(await first, 'one-secret')
    assert.equal(
      await readTerminalLine(t.input, t.output, 'Password (again): ', true),
      'one-secret',
    )
    assert.deepEqual(t.modes, [true, false, true, false])
  })

  it('aborts on Ctrl-C, on Ctrl-D at an empty line and at end of input', async () => {
    for (const keys of ['half\u0003', '\u0004', null]) {
      const t = fakeTerminal()
      const answer = readTerminalLine(t.input, t.output, 'Password: ', true)
      if (keys === null) t.input.end()
      else t.input.write(keys)
      await assert.rejects(answer, (error: PlinthError) => error.code === 'PLINTH_AUTH_CLI_ABORTED')
      assert.deepEqual(t.modes, [true, false], String(keys))
    }
  })

  it('ignores Ctrl-D and other control characters inside a line', async () => {
    const t = fakeTerminal()
    const answer = readTerminalLine(t.input, t.output, '> ', true)
    t.input.write('a\u0004b\u0000c\u0007\r')
    assert.equal(await answer, 'abc')
  })
})

describe('isYes()', () => {
  it('takes y and yes in any case, nothing else', () => {
    assert.deepEqual(['y', 'Y', ' yes ', 'YES', '', 'n', 'yep', 'no'].map(isYes), [
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ])
  })
})
