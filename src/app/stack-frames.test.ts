import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { localPath, parseStack, readSourceContext } from './stack-frames.ts'

describe('parseStack', () => {
  it('parses a named frame with a file URL, line and column', () => {
    const [frame] = parseStack('Error: x\n    at loadUser (file:///srv/app/users.ts:12:5)')
    assert.deepEqual(frame, {
      functionName: 'loadUser',
      file: 'file:///srv/app/users.ts',
      line: 12,
      column: 5,
      isAsync: false,
      kind: 'app',
      raw: 'loadUser (file:///srv/app/users.ts:12:5)',
    })
  })

  it('parses anonymous top-level frames without a function name', () => {
    const [frame] = parseStack('Error: x\n    at file:///srv/app/main.ts:3:7')
    assert.equal(frame!.functionName, undefined)
    assert.equal(frame!.file, 'file:///srv/app/main.ts')
    assert.equal(frame!.line, 3)
    assert.equal(frame!.column, 7)
  })

  it('marks `at async` frames, named and anonymous', () => {
    const frames = parseStack(
      [
        'TypeError: boom',
        '    at inner (file:///srv/a.ts:2:59)',
        '    at async outer (file:///srv/a.ts:3:26)',
        '    at async file:///srv/a.ts:4:7',
      ].join('\n'),
    )
    assert.deepEqual(
      frames.map((f) => [f.functionName, f.isAsync, f.line]),
      [
        ['inner', false, 2],
        ['outer', true, 3],
        [undefined, true, 4],
      ],
    )
  })

  it("classifies Node's own modules as node frames", () => {
    const frames = parseStack(
      [
        'Error: x',
        '    at Server.emit (node:events:514:28)',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
      ].join('\n'),
    )
    assert.deepEqual(
      frames.map((f) => [f.functionName, f.file, f.line, f.kind]),
      [
        ['Server.emit', 'node:events', 514, 'node'],
        ['process.processTicksAndRejections', 'node:internal/process/task_queues', 105, 'node'],
      ],
    )
  })

  it('classifies files inside node_modules as library frames, others as app frames', () => {
    const frames = parseStack(
      [
        'Error: x',
        '    at query (/srv/app/node_modules/pg/lib/client.js:526:17)',
        '    at handler (/srv/app/src/routes.ts:9:3)',
        '    at run (C:\\app\\node_modules\\lib\\index.js:1:2)',
        '    at main (C:\\app\\src\\main.ts:4:1)',
      ].join('\n'),
    )
    assert.deepEqual(
      frames.map((f) => f.kind),
      ['library', 'app', 'library', 'app'],
    )
    assert.equal(frames[3]!.file, 'C:\\app\\src\\main.ts')
  })

  it('keeps `new` in constructor frames', () => {
    const [frame] = parseStack('Error: x\n    at new Repository (file:///srv/repo.ts:1:35)')
    assert.equal(frame!.functionName, 'new Repository')
  })

  it('parses native and eval frames without a file position', () => {
    const frames = parseStack(
      [
        'Error: x',
        '    at Array.map (<anonymous>)',
        '    at async Promise.all (index 0)',
        '    at eval (eval at <anonymous> (file:///srv/a.ts:7:7), <anonymous>:1:7)',
      ].join('\n'),
    )
    assert.deepEqual(
      frames.map((f) => [f.functionName, f.file, f.line, f.kind]),
      [
        ['Array.map', '<anonymous>', undefined, 'other'],
        ['Promise.all', 'index 0', undefined, 'other'],
        ['eval', 'eval at <anonymous> (file:///srv/a.ts:7:7), <anonymous>:1:7', undefined, 'other'],
      ],
    )
  })

  it('skips the header and multi-line message lines', () => {
    const frames = parseStack('Error: first line\nsecond line\n    at run (/srv/a.ts:1:1)')
    assert.equal(frames.length, 1)
    assert.equal(frames[0]!.functionName, 'run')
  })

  it('parses the stack of a real error thrown here', () => {
    const error = new Error('here')
    const [frame] = parseStack(error.stack!)
    assert.equal(frame!.file, import.meta.url)
    assert.equal(frame!.kind, 'app')
    assert.equal(typeof frame!.line, 'number')
  })
})

describe('localPath', () => {
  it('turns file URLs and absolute paths into paths, and refuses the rest', () => {
    assert.equal(localPath('file:///srv/a%20b.ts'), '/srv/a b.ts')
    assert.equal(localPath('/srv/a.ts'), '/srv/a.ts')
    assert.equal(localPath('node:events'), undefined)
    assert.equal(localPath('<anonymous>'), undefined)
  })
})

describe('readSourceContext', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plinth-source-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`)

  it('returns the lines around the requested one', () => {
    const file = join(dir, 'around.ts')
    writeFileSync(file, lines.join('\n'))
    const context = readSourceContext(pathToFileURL(file).href, 10)
    assert.deepEqual(context, {
      firstLine: 7,
      lines: ['line 7', 'line 8', 'line 9', 'line 10', 'line 11', 'line 12', 'line 13'],
      line: 10,
    })
  })

  it('stops at the start and end of the file', () => {
    const file = join(dir, 'edges.ts')
    writeFileSync(file, lines.join('\r\n'))
    assert.deepEqual(readSourceContext(file, 1)?.lines, ['line 1', 'line 2', 'line 3', 'line 4'])
    assert.deepEqual(readSourceContext(file, 20)?.lines, [
      'line 17',
      'line 18',
      'line 19',
      'line 20',
    ])
  })

  it('returns nothing for missing files, non-files, lines past the end and node modules', () => {
    assert.equal(readSourceContext(join(dir, 'missing.ts'), 1), undefined)
    assert.equal(readSourceContext(dir, 1), undefined)
    const file = join(dir, 'short.ts')
    writeFileSync(file, 'only line')
    assert.equal(readSourceContext(file, 5), undefined)
    assert.equal(readSourceContext('node:events', 1), undefined)
  })

  it('does not read files larger than 2 MB', () => {
    const file = join(dir, 'bundle.js')
    writeFileSync(file, `throw new Error()\n${'x'.repeat(2 * 1024 * 1024)}`)
    assert.equal(readSourceContext(file, 1), undefined)
  })

  it('reads a file again after it changed', () => {
    const file = join(dir, 'edited.ts')
    writeFileSync(file, 'before')
    assert.deepEqual(readSourceContext(file, 1)?.lines, ['before'])
    writeFileSync(file, 'after, and longer')
    assert.deepEqual(readSourceContext(file, 1)?.lines, ['after, and longer'])
  })

  it('clips very long (minified) lines', () => {
    const file = join(dir, 'minified.js')
    writeFileSync(file, 'a'.repeat(5000))
    const [line] = readSourceContext(file, 1)!.lines
    assert.ok(line!.length < 500)
    assert.ok(line!.endsWith('…'))
  })
})
