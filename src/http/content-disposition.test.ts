import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseFormDataDisposition, sanitizeFilename } from './content-disposition.ts'

function errorOf(value: string): string {
  const result = parseFormDataDisposition(value)
  assert.ok('error' in result, `expected an error for ${JSON.stringify(value)}`)
  return result.error
}

describe('parseFormDataDisposition', () => {
  it('reads the name and file name of a browser-style header', () => {
    assert.deepEqual(parseFormDataDisposition('form-data; name="avatar"; filename="me.png"'), {
      name: 'avatar',
      filename: 'me.png',
    })
    assert.deepEqual(parseFormDataDisposition('form-data; name="title"'), {
      name: 'title',
      filename: undefined,
    })
  })

  it('accepts case-insensitive type and parameter names, bare tokens and loose whitespace', () => {
    assert.deepEqual(parseFormDataDisposition('  Form-Data ;NAME=title ; FileName = "a b.txt" ;'), {
      name: 'title',
      filename: 'a b.txt',
    })
  })

  it('unescapes only \\" and \\\\ in quoted strings, keeping Windows paths intact', () => {
    const result = parseFormDataDisposition(
      'form-data; name="a\\"b"; filename="C:\\Users\\me\\x\\\\y.txt"',
    )
    assert.deepEqual(result, { name: 'a"b', filename: 'C:\\Users\\me\\x\\y.txt' })
  })

  it('keeps semicolons and quotes-as-%22 inside quoted values', () => {
    assert.deepEqual(parseFormDataDisposition('form-data; name="a;b"; filename="%22x%22.txt"'), {
      name: 'a;b',
      filename: '%22x%22.txt',
    })
  })

  it('prefers a valid filename* (RFC 8187) over filename', () => {
    const result = parseFormDataDisposition(
      `form-data; name="f"; filename="rates.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt`,
    )
    assert.deepEqual(result, { name: 'f', filename: '€ rates.txt' })
    assert.deepEqual(
      parseFormDataDisposition(`form-data; name="f"; filename*=iso-8859-1'en'%E9.txt`),
      {
        name: 'f',
        filename: 'é.txt',
      },
    )
  })

  it('rejects a badly percent-encoded or non-UTF-8 filename*', () => {
    for (const ext of [
      `UTF-8''%ZZ.txt`,
      `UTF-8''%E2%82.txt`, // truncated sequence
      `UTF-8''%C0%AF.txt`, // overlong "/"
      `UTF-8''50%`,
      `UTF-8''a%2`,
      `UTF-8'no-closing-quote`,
      `''plain.txt`,
      `KOI8-R''%C1.txt`,
    ]) {
      assert.match(errorOf(`form-data; name="f"; filename*=${ext}`), /filename\*/, ext)
    }
    // A space ends a bare value, so what follows it is not a parameter.
    assert.match(errorOf(`form-data; name="f"; filename*=UTF-8''a b`), /malformed/)
  })

  it('rejects an empty or missing field name', () => {
    assert.match(errorOf('form-data; name=""'), /empty field name/)
    assert.match(errorOf('form-data; filename="a.txt"'), /no field name/)
    assert.match(errorOf('form-data'), /no field name/)
  })

  it('rejects other disposition types, duplicates and broken syntax', () => {
    assert.match(errorOf('attachment; name="a"'), /form-data/)
    assert.match(errorOf('form-datax; name="a"'), /form-data/)
    assert.match(errorOf(''), /form-data/)
    assert.match(errorOf('form-data; name="a"; name="b"'), /more than once/)
    assert.match(errorOf('form-data; name="a"; NAME="b"'), /more than once/)
    assert.match(errorOf('form-data; filename="a"; filename="b"; name="x"'), /more than once/)
    assert.match(errorOf('form-data; name="unterminated'), /unterminated/)
    assert.match(errorOf('form-data; name'), /malformed/)
    assert.match(errorOf('form-data; name='), /no value/)
    assert.match(errorOf('form-data; name="a" junk'), /malformed/)
    assert.match(errorOf('form-data name="a"'), /malformed/)
  })
})

describe('sanitizeFilename', () => {
  it('keeps ordinary names unchanged', () => {
    assert.equal(sanitizeFilename('report 2024.pdf'), 'report 2024.pdf')
    assert.equal(sanitizeFilename('photo.tar.gz'), 'photo.tar.gz')
  })

  it('keeps only the last path segment, for either slash', () => {
    assert.equal(sanitizeFilename('../../evil.js'), 'evil.js')
    assert.equal(sanitizeFilename('..\\..\\evil.js'), 'evil.js')
    assert.equal(sanitizeFilename('C:\\evil.js'), 'evil.js')
    assert.equal(sanitizeFilename('/abs/evil.js'), 'evil.js')
    assert.equal(sanitizeFilename('a/b\\c/d.txt'), 'd.txt')
  })

  it('strips NUL, control characters and bidi overrides', () => {
    assert.equal(sanitizeFilename('evil.js\u0000.png'), 'evil.js.png')
    assert.equal(sanitizeFilename('a\r\nb\t\u007f\u0085c.txt'), 'abc.txt')
    assert.equal(sanitizeFilename('invoice\u202Efdp.exe'), 'invoicefdp.exe')
  })

  it('normalises to NFC', () => {
    const decomposed = 'cafe\u0301.txt'
    assert.equal(sanitizeFilename(decomposed), 'caf\u00e9.txt')
  })

  it('falls back to "upload" when nothing usable is left', () => {
    for (const raw of ['', '   ', '.', '..', '../', 'a/..', '\u0000\u0001', '/', 'dir\\']) {
      assert.equal(sanitizeFilename(raw), 'upload', JSON.stringify(raw))
    }
  })

  it('keeps reserved device names and dot files as plain metadata', () => {
    assert.equal(sanitizeFilename('CON'), 'CON')
    assert.equal(sanitizeFilename('.htaccess'), '.htaccess')
  })

  it('caps names at 255 UTF-8 bytes, keeping the extension and whole code points', () => {
    const long = sanitizeFilename(`${'a'.repeat(300)}.png`)
    assert.equal(Buffer.byteLength(long), 255)
    assert.ok(long.endsWith('.png'))
    const wide = sanitizeFilename(`${'€'.repeat(200)}.txt`) // 3 bytes each
    assert.ok(Buffer.byteLength(wide) <= 255)
    assert.ok(wide.endsWith('€.txt'))
    assert.ok(!wide.includes('\ufffd'))
    const noExtension = sanitizeFilename('b'.repeat(300))
    assert.equal(noExtension, 'b'.repeat(255))
  })
})
