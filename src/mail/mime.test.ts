import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  encodeTextBody,
  encodeWords,
  foldHeader,
  formatDate,
  hasControlChar,
  parameterTokens,
  unstructuredTokens,
} from './mime.ts'

const decodeWord = (word: string) => {
  const match = /^=\?utf-8\?B\?([A-Za-z0-9+/=]*)\?=$/.exec(word)
  assert.ok(match, word)
  return Buffer.from(match[1]!, 'base64')
}

describe('mime encodings', () => {
  it('splits encoded-words on character boundaries, each at most 75 characters', () => {
    const text = `Grüße 👋🏽 ${'日本語'.repeat(20)} ✓`
    const words = encodeWords(text)
    assert.ok(words.length > 1)
    for (const word of words) {
      assert.ok(word.length <= 75)
      // Each word decodes on its own to valid UTF-8 (no character cut in two).
      assert.equal(decodeWord(word).toString('utf8').includes('\uFFFD'), false)
    }
    assert.equal(Buffer.concat(words.map(decodeWord)).toString('utf8'), text)
  })

  it('keeps plain ASCII header text readable and encodes anything ambiguous', () => {
    assert.deepEqual(unstructuredTokens('Your order has shipped'), [
      'Your',
      'order',
      'has',
      'shipped',
    ])
    assert.equal(unstructuredTokens('Grüße')[0]!.startsWith('=?utf-8?B?'), true)
    // Text that looks like an encoded-word is encoded, so clients show it literally.
    assert.equal(
      Buffer.concat(unstructuredTokens('=?utf-8?B?SGk=?=').map(decodeWord)).toString(),
      '=?utf-8?B?SGk=?=',
    )
    // Double spaces and edge spaces survive folding only when encoded.
    assert.equal(Buffer.concat(unstructuredTokens(' a  b ').map(decodeWord)).toString(), ' a  b ')
    assert.deepEqual(unstructuredTokens(''), [])
  })

  it('folds headers at 78 characters before a token', () => {
    const folded = foldHeader('Subject', 'lorem ipsum dolor sit amet '.repeat(10).trim().split(' '))
    const lines = folded.split('\r\n')
    assert.ok(lines.length > 1)
    for (const line of lines) assert.ok(line.length <= 78, line)
    for (const line of lines.slice(1)) assert.ok(line.startsWith(' '))
    assert.equal(
      folded.replace(/\r\n/g, ''),
      `Subject: ${'lorem ipsum dolor sit amet '.repeat(10).trim()}`,
    )
  })

  it('sends short printable ASCII as 7bit and everything else as quoted-printable', () => {
    assert.deepEqual(encodeTextBody('Hello\nworld'), { encoding: '7bit', body: 'Hello\r\nworld' })
    assert.equal(encodeTextBody('a\rb\r\nc').body, 'a\r\nb\r\nc')
    const { encoding, body } = encodeTextBody(`Grüße ${'x'.repeat(200)} \n.\nend `)
    assert.equal(encoding, 'quoted-printable')
    for (const line of body.split('\r\n')) assert.ok(line.length <= 76, line)
    assert.match(body, /^Gr=C3=BC=C3=9Fe x/)
    assert.match(body, /end=20$/, 'trailing space encoded')
    const decoded = Buffer.from(
      body
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    ).toString('utf8')
    assert.equal(decoded, `Grüße ${'x'.repeat(200)} \r\n.\r\nend `)
    assert.equal(encodeTextBody('a=b\u0000').encoding, 'quoted-printable')
  })

  it('writes file name parameters plainly, with RFC 2231, or in continuations', () => {
    assert.deepEqual(parameterTokens('filename', 'report.pdf'), ['filename="report.pdf"'])
    assert.deepEqual(parameterTokens('filename', 'a"b.txt'), ["filename*=utf-8''a%22b.txt"])
    assert.deepEqual(parameterTokens('filename', 'résumé.pdf'), [
      "filename*=utf-8''r%C3%A9sum%C3%A9.pdf",
    ])
    const long = `${'é'.repeat(40)}.txt`
    const tokens = parameterTokens('filename', long)
    assert.ok(tokens.length > 1)
    const pieces = tokens.map((token, i) => {
      const prefix = i === 0 ? "filename*0*=utf-8''" : `filename*${i}*=`
      assert.ok(token.startsWith(prefix), token)
      const piece = token.slice(prefix.length)
      // Each continuation decodes to whole characters.
      assert.equal(decodeURIComponent(piece).includes('\uFFFD'), false)
      return piece
    })
    assert.equal(decodeURIComponent(pieces.join('')), long)
  })

  it('spots control characters', () => {
    assert.equal(hasControlChar('plain\ttext'), false)
    for (const char of ['\r', '\n', '\u0000', '\u001b', '\u007f', '\u0085']) {
      assert.equal(hasControlChar(`a${char}b`), true, JSON.stringify(char))
    }
  })

  it('formats dates as RFC 5322', () => {
    assert.equal(
      formatDate(new Date(Date.UTC(2025, 2, 1, 9, 5, 7))),
      'Sat, 01 Mar 2025 09:05:07 +0000',
    )
  })
})
