/**
 * String filters against Jinja2's documented and observed outputs (checked with Jinja2 3.1),
 * including markup in and out with autoescaping.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SafeString } from '../runtime/markup.ts'
import { Undefined } from '../runtime/undefined.ts'
import { output, run, runEscaped } from './test-context.ts'

const safe = (text: string) => new SafeString(text)
const missing = new Undefined("'x' is undefined")

describe('upper, lower, capitalize, title', () => {
  it('change case as Python does', () => {
    assert.equal(run('upper', 'hello WORLD'), 'HELLO WORLD')
    assert.equal(run('lower', 'hello WORLD'), 'hello world')
    assert.equal(run('capitalize', 'hello WORLD'), 'Hello world')
    assert.equal(run('capitalize', 'ß straße'), 'Ss straße')
    assert.equal(run('title', 'hello world'), 'Hello World')
  })

  it('start words after spaces, hyphens and opening brackets in title', () => {
    assert.equal(
      run('title', "hello world-wide (foo) [bar] {baz} <qux> o'neil"),
      "Hello World-Wide (Foo) [Bar] {Baz} <Qux> O'neil",
    )
    assert.equal(run('title', 'ÉCOLE école'), 'École École')
  })

  it('convert other values to text', () => {
    assert.equal(run('upper', null), 'NONE')
    assert.equal(run('lower', true), 'true')
    assert.equal(run('upper', 42), '42')
    assert.equal(run('upper', missing), '')
  })

  it('keep markup as markup, except title, which returns text (as Jinja2)', () => {
    assert.deepEqual(runEscaped('upper', safe('<b>x</b>')), safe('<B>X</B>'))
    assert.deepEqual(runEscaped('capitalize', safe('<b>hi</b>')), safe('<b>hi</b>'))
    const titled = runEscaped('title', safe('<b>hi there</b>'))
    assert.equal(titled, '<B>hi There</b>')
    assert.equal(output(titled, true), '&lt;B&gt;hi There&lt;/b&gt;')
  })
})

describe('center', () => {
  it('pads as str.center, the odd space placed as CPython does', () => {
    assert.equal(run('center', 'ab', [5]), '  ab ')
    assert.equal(run('center', 'ab', [6]), '  ab  ')
    assert.equal(run('center', 'abc', [6]), ' abc  ')
    assert.equal(run('center', 'a', [4]), ' a  ')
    assert.equal(run('center', 'toolong', [3]), 'toolong')
    assert.equal((run('center', 'x') as string).length, 80)
    assert.equal(run('center', 'x', [], { width: 3 }), ' x ')
  })

  it('keeps markup and refuses a width that is not an integer', () => {
    assert.deepEqual(runEscaped('center', safe('<b>'), [9]), safe('   <b>   '))
    assert.throws(() => run('center', 'x', ['wide']), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
  })
})

describe('trim', () => {
  it('strips Python whitespace, or the given characters', () => {
    assert.equal(run('trim', '  hi  '), 'hi')
    assert.equal(run('trim', '\u3000hi\xa0\n'), 'hi')
    assert.equal(run('trim', 'xxhixx', ['x']), 'hi')
    assert.equal(run('trim', ' a b a ', [], { chars: ' a' }), 'b')
  })

  it('keeps markup', () => {
    assert.deepEqual(runEscaped('trim', safe('<b>'), ['<>']), safe('b'))
  })
})

describe('truncate', () => {
  const text = 'foo bar baz qux'

  it("reproduces Jinja2's documented examples", () => {
    assert.equal(run('truncate', text, [9]), 'foo...')
    assert.equal(run('truncate', text, [9, true]), 'foo ba...')
    assert.equal(run('truncate', text, [11]), 'foo bar baz qux')
    assert.equal(run('truncate', text, [11, false, '...', 0]), 'foo bar...')
  })

  it('takes keyword arguments and defaults to 255 with a leeway of 5', () => {
    assert.equal(run('truncate', text, [], { length: 5, end: '!' }), 'foo!')
    assert.equal(run('truncate', text, [5], { killwords: true, leeway: 0 }), 'fo...')
    assert.equal(run('truncate', text, [3], { end: '' }), 'foo')
    assert.equal(run('truncate', 'x'.repeat(260)), 'x'.repeat(260))
    assert.equal(run('truncate', 'x'.repeat(261)), `${'x'.repeat(252)}...`)
  })

  it('counts code points', () => {
    const emoji = '😀'.repeat(10)
    assert.equal(
      run('truncate', `${emoji} x`, [8], { leeway: 0, killwords: true }),
      `${'😀'.repeat(5)}...`,
    )
  })

  it('escapes the ending when the text is markup, and the text when the ending is', () => {
    assert.deepEqual(
      runEscaped('truncate', safe('<b>hi there you all</b>'), [12], { end: '<>' }),
      safe('<b>hi&lt;&gt;'),
    )
    assert.deepEqual(
      runEscaped('truncate', 'a<b c<d e<f g', [12], { end: safe('<i>…</i>'), leeway: 0 }),
      safe('a&lt;b<i>…</i>'),
    )
  })

  it('refuses a length shorter than the ending and a negative leeway', () => {
    assert.throws(() => run('truncate', text, [2]), {
      code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT',
      message: /expected length >= 3, got 2/,
    })
    assert.throws(() => run('truncate', text, [5], { leeway: -1 }), {
      code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT',
    })
  })
})

describe('wordcount', () => {
  it('counts runs of word characters', () => {
    assert.equal(run('wordcount', 'hello WORLD, été-2024!'), 4)
    assert.equal(run('wordcount', ''), 0)
    assert.equal(run('wordcount', missing), 0)
  })
})

describe('wordwrap', () => {
  const lorem =
    'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.'

  it('wraps at the width like textwrap.wrap', () => {
    assert.equal(
      run('wordwrap', lorem, [20]),
      'Lorem ipsum dolor\nsit amet,\nconsectetur\nadipiscing elit, sed\ndo eiusmod tempor\nincididunt.',
    )
    assert.equal(run('wordwrap', 'short text'), 'short text')
  })

  it('breaks after hyphens, or not', () => {
    const words = 'well-known self-evident'
    assert.equal(run('wordwrap', words, [8]), 'well-\nknown\nself-\nevident')
    assert.equal(
      run('wordwrap', words, [8], { break_on_hyphens: false }),
      'well-kno\nwn self-\nevident',
    )
  })

  it('breaks long words unless told not to', () => {
    const word = 'supercalifragilistic word'
    assert.equal(run('wordwrap', word, [8]), 'supercal\nifragili\nstic\nword')
    assert.equal(
      run('wordwrap', word, [8], { break_long_words: false }),
      'supercalifragilistic\nword',
    )
  })

  it('wraps paragraphs separately and joins with wrapstring', () => {
    assert.equal(
      run('wordwrap', 'line one\n\nline two is longer', [10]),
      'line one\n\nline two\nis longer',
    )
    assert.equal(run('wordwrap', 'aaa bbb ccc', [4], { wrapstring: '<br>' }), 'aaa<br>bbb<br>ccc')
  })

  it('returns plain text for markup (escaped on output) and refuses a zero width', () => {
    assert.equal(runEscaped('wordwrap', safe('<b> <i>'), [3]), '<b>\n<i>')
    assert.throws(() => run('wordwrap', 'abc', [0]), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
  })
})

describe('replace', () => {
  it("reproduces Jinja2's documented examples", () => {
    assert.equal(run('replace', 'Hello World', ['Hello', 'Goodbye']), 'Goodbye World')
    assert.equal(run('replace', 'aaaaargh', ['a', "d'oh, ", 2]), "d'oh, d'oh, aaargh")
  })

  it('follows str.replace for empty patterns and counts', () => {
    assert.equal(run('replace', 'abc', ['', '-']), '-a-b-c-')
    assert.equal(run('replace', 'abc', ['', '-', 2]), '-a-bc')
    assert.equal(run('replace', 'aaa', ['a', 'b', 0]), 'aaa')
    assert.equal(run('replace', 'aaa', ['a', 'b'], { count: 1 }), 'baa')
    assert.equal(run('replace', 12321, [2, 5]), '15351')
  })

  it('returns text when nothing is markup (escaped on output)', () => {
    assert.equal(runEscaped('replace', 'a<b', ['<', '&']), 'a&b')
  })

  it('escapes the replacement inside markup', () => {
    assert.deepEqual(
      runEscaped('replace', safe('<b>a</b>'), ['a', '<i>']),
      safe('<b>&lt;i&gt;</b>'),
    )
    assert.deepEqual(
      runEscaped('replace', safe('<b>a</b>'), ['<b>', '<i>']),
      safe('&lt;i&gt;a</b>'),
    )
  })

  it('escapes the value when the pattern or replacement is markup', () => {
    assert.deepEqual(runEscaped('replace', 'a<b>a', [safe('a'), 'x']), safe('x&lt;b&gt;x'))
    assert.deepEqual(runEscaped('replace', 'a<b>a', ['a', safe('<i>')]), safe('<i>&lt;b&gt;<i>'))
  })

  it('ignores markup without autoescaping', () => {
    assert.equal(run('replace', safe('a<b>a'), ['a', '<i>']), '<i><b><i>')
  })

  it('needs both arguments', () => {
    assert.throws(() => run('replace', 'abc', ['a']), { code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT' })
  })
})

describe('indent', () => {
  const text = 'a\nb\n\nc'

  it('indents all lines but the first and blank ones by default', () => {
    assert.equal(run('indent', text), 'a\n    b\n\n    c')
    assert.equal(run('indent', text, [2, true]), '  a\n  b\n\n  c')
    assert.equal(run('indent', text, [2, false, true]), 'a\n  b\n  \n  c')
    assert.equal(run('indent', text, [], { first: true, blank: true }), '    a\n    b\n    \n    c')
  })

  it('takes a string as the indentation and keeps a trailing newline', () => {
    assert.equal(run('indent', text, ['> ']), 'a\n> b\n\n> c')
    assert.equal(run('indent', 'a\nb\n', [2]), 'a\n  b\n')
    assert.equal(run('indent', 'a\r\nb\rc', [1]), 'a\n b\n c')
    assert.equal(run('indent', ''), '')
  })

  it('keeps markup as markup, plain text as text', () => {
    assert.deepEqual(runEscaped('indent', safe('<b>\nx'), [2, true]), safe('  <b>\n  x'))
    assert.equal(runEscaped('indent', '<b>\nx', [2, true]), '  <b>\n  x')
  })
})

describe('format', () => {
  it("formats printf-style, as Python's %", () => {
    assert.equal(run('format', '%s, %s!', ['Hello', 'World']), 'Hello, World!')
    assert.equal(run('format', '%d items, %.2f each', [3, 1.23456]), '3 items, 1.23 each')
    assert.equal(run('format', '%5s|%-5s|', ['a', 'b']), '    a|b    |')
    assert.equal(run('format', '%s %r', [[1, 'a'], 'x']), "[1, 'a'] 'x'")
    assert.equal(run('format', '%s and %s', [null, true]), 'None and True')
    assert.equal(run('format', '%05.1f%%', [-2.25]), '-02.2%')
    assert.equal(
      run('format', '%x %#o %e %g', [255, 8, 12345.678, 0.00001]),
      'ff 0o10 1.234568e+04 1e-05',
    )
  })

  it('takes keyword arguments for %(name)s', () => {
    assert.equal(run('format', '%(name)s is %(age)d', [], { name: 'Ann', age: 3 }), 'Ann is 3')
  })

  it('refuses mismatched arguments as Python does', () => {
    const code = 'PLINTH_TEMPLATE_FILTER_ARGUMENT'
    assert.throws(() => run('format', '%s %s', [1]), { code, message: /not enough arguments/ })
    assert.throws(() => run('format', '%s', [1, 2]), {
      code,
      message: /not all arguments converted/,
    })
    assert.throws(() => run('format', '%d', ['a']), {
      code,
      message: /a real number is required, not str/,
    })
    assert.throws(() => run('format', '%(a)s', []), { code, message: /requires a mapping/ })
    assert.throws(() => run('format', '%(a)s', ['x'], { a: 1 }), {
      code,
      message: /at the same time/,
    })
    assert.throws(() => run('format', '%y', [1]), {
      code,
      message: /unsupported format character 'y'/,
    })
  })

  it('escapes arguments of a markup format, but not markup arguments', () => {
    assert.deepEqual(
      runEscaped('format', safe('<b>%s</b> %r'), ['<i>', '<i>']),
      safe('<b>&lt;i&gt;</b> &#39;&lt;i&gt;&#39;'),
    )
    assert.deepEqual(runEscaped('format', safe('<b>%s</b>'), [safe('<i>')]), safe('<b><i></b>'))
    assert.deepEqual(runEscaped('format', safe('<%(a)s>'), [], { a: '&' }), safe('<&amp;>'))
    assert.equal(runEscaped('format', '<b>%s</b>', [safe('<i>')]), '<b><i></b>')
  })
})

describe('string', () => {
  it('converts to text as Python str() does, keeping markup', () => {
    assert.equal(run('string', 42), '42')
    assert.equal(run('string', null), 'None')
    assert.equal(run('string', [1, 'a']), "[1, 'a']")
    assert.equal(run('string', missing), '')
    assert.deepEqual(run('string', safe('<b>')), safe('<b>'))
  })
})
