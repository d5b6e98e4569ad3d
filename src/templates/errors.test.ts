/** Template errors: codes, message formats, and the code frame. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  codeFrame,
  TemplateError,
  TemplateNotFoundError,
  TemplatePathError,
  TemplateRuntimeError,
  TemplateSyntaxError,
} from './errors.ts'

const SOURCE = '{% for p in products %}\n  {{ p.name }\n{% endfor %}'

describe('codeFrame', () => {
  it('shows one line of context each side, a gutter, and a caret under the column', () => {
    assert.equal(
      codeFrame(SOURCE, 2, 13),
      [
        '  1 | {% for p in products %}',
        '> 2 |   {{ p.name }',
        '    |             ^',
        '  3 | {% endfor %}',
      ].join('\n'),
    )
  })

  it('has no line before the first line', () => {
    assert.equal(
      codeFrame(SOURCE, 1, 1),
      ['> 1 | {% for p in products %}', '    | ^', '  2 |   {{ p.name }'].join('\n'),
    )
  })

  it('has no line after the last line, and can point just past its end', () => {
    assert.equal(
      codeFrame(SOURCE, 3, 13),
      ['  2 |   {{ p.name }', '> 3 | {% endfor %}', '    |             ^'].join('\n'),
    )
  })

  it('handles a one-line source and an empty source', () => {
    assert.equal(codeFrame('{{ x', 1, 5), '> 1 | {{ x\n    |     ^')
    assert.equal(codeFrame('', 1, 1), '> 1 |\n    | ^')
  })

  it('clamps lines and columns out of range instead of failing', () => {
    assert.equal(codeFrame('a\nb', 99, 99), '  1 | a\n> 2 | b\n    |  ^')
    assert.equal(codeFrame('a\nb', 0, -5), '> 1 | a\n    | ^\n  2 | b')
    assert.equal(codeFrame('a\nb', Number.NaN, 1), '> 1 | a\n    | ^\n  2 | b')
  })

  it('omits the caret line when no column is given', () => {
    assert.equal(codeFrame('a\nb\nc', 2), '  1 | a\n> 2 | b\n  3 | c')
  })

  it('widens the gutter to the largest line number shown', () => {
    const source = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n')
    assert.equal(
      codeFrame(source, 10, 6),
      ['   9 | line 9', '> 10 | line 10', '     |      ^', '  11 | line 11'].join('\n'),
    )
  })

  it('keeps tabs in the caret line so the caret stays aligned at any tab width', () => {
    assert.equal(codeFrame('\t\t{{ x }', 1, 9), '> 1 | \t\t{{ x }\n    | \t\t      ^')
  })

  it('splits lines on \\r\\n and \\r as well as \\n', () => {
    assert.equal(codeFrame('a\r\nb\rc', 2, 1), '  1 | a\n> 2 | b\n    | ^\n  3 | c')
  })

  it('cuts long lines to a window around the column, with the same window for context', () => {
    const long = 'a'.repeat(100) + 'X' + 'b'.repeat(100)
    const frame = codeFrame(`${long}\n${long}`, 2, 101, { maxWidth: 20 })
    const lines = frame.split('\n')
    assert.equal(lines[0], `  1 | …${'a'.repeat(10)}X${'b'.repeat(9)}…`)
    assert.equal(lines[1], `> 2 | …${'a'.repeat(10)}X${'b'.repeat(9)}…`)
    assert.equal(lines[2], `    | ${' '.repeat(11)}^`)
    // The caret is under the X.
    assert.equal(lines[1]!.indexOf('X'), lines[2]!.indexOf('^'))
  })

  it('cuts only the end of a long line when the column is near its start', () => {
    const frame = codeFrame('x'.repeat(300), 1, 3, { maxWidth: 20 })
    assert.equal(frame, `> 1 | ${'x'.repeat(20)}…\n    |   ^`)
  })

  it('leaves lines up to 100 characters whole by default', () => {
    const line = 'y'.repeat(100)
    assert.equal(codeFrame(line, 1, 100), `> 1 | ${line}\n    | ${' '.repeat(99)}^`)
  })

  it('counts a surrogate pair as one character for the caret', () => {
    // `😀` is two UTF-16 units: column 4 (in units) is the `x` after it.
    assert.equal(codeFrame('😀 x', 1, 4), '> 1 | 😀 x\n    |   ^')
  })

  it('shows control characters as visible symbols', () => {
    assert.equal(codeFrame('a\u001b[31mb\u0000', 1), '> 1 | a\u241b[31mb\u2400')
  })

  it('shows more context when asked', () => {
    assert.equal(codeFrame('1\n2\n3\n4\n5', 3, undefined, { context: 2 }).split('\n').length, 5)
    assert.equal(codeFrame('1\n2\n3', 2, undefined, { context: 0 }), '> 2 | 2')
  })
})

describe('TemplateSyntaxError', () => {
  it('names template:line:column, then the frame, then the hint', () => {
    const error = new TemplateSyntaxError("Expected '}}' to close the expression.", {
      template: 'shop/products.html',
      line: 2,
      column: 13,
      source: SOURCE,
      hint: "Add '}}' after the expression.",
    })
    assert.equal(
      error.message,
      [
        "shop/products.html:2:13: Expected '}}' to close the expression.",
        '',
        '  1 | {% for p in products %}',
        '> 2 |   {{ p.name }',
        '    |             ^',
        '  3 | {% endfor %}',
        '',
        "Hint: Add '}}' after the expression.",
      ].join('\n'),
    )
    assert.equal(error.code, 'PLINTH_TEMPLATE_SYNTAX')
    assert.equal(error.name, 'TemplateSyntaxError')
    assert.equal(error.template, 'shop/products.html')
    assert.equal(error.line, 2)
    assert.equal(error.column, 13)
    assert.equal(error.reason, "Expected '}}' to close the expression.")
    assert.equal(error.hint, "Add '}}' after the expression.")
    assert.ok(error instanceof TemplateError)
    assert.ok(error instanceof Error)
  })

  it('is one line without source or hint', () => {
    const error = new TemplateSyntaxError('Unknown tag "endfro".', {
      template: 'a.html',
      line: 7,
      column: 4,
    })
    assert.equal(error.message, 'a.html:7:4: Unknown tag "endfro".')
    assert.equal(error.frame, undefined)
    assert.equal(error.hint, undefined)
  })

  it('has the hint without a frame when there is no source', () => {
    const error = new TemplateSyntaxError('Unknown tag "endfro".', {
      template: 'a.html',
      line: 7,
      column: 4,
      hint: 'Did you mean "endfor"?',
    })
    assert.equal(error.message, 'a.html:7:4: Unknown tag "endfro".\n\nHint: Did you mean "endfor"?')
  })
})

describe('TemplateRuntimeError', () => {
  it('names the template and line, and the cause', () => {
    const cause = new TypeError('x.upper is not a function')
    const error = new TemplateRuntimeError('Calling x.upper failed.', {
      template: 'a.html',
      line: 12,
      cause,
    })
    assert.equal(
      error.message,
      'a.html:12: Calling x.upper failed. (caused by TypeError: x.upper is not a function)',
    )
    assert.equal(error.code, 'PLINTH_TEMPLATE_RUNTIME')
    assert.equal(error.name, 'TemplateRuntimeError')
    assert.equal(error.cause, cause)
    assert.equal(error.template, 'a.html')
    assert.equal(error.line, 12)
  })

  it('does not repeat a cause message it already contains', () => {
    const cause = new Error("'user' is undefined")
    const error = new TemplateRuntimeError(cause.message, { template: 'a.html', line: 1, cause })
    assert.equal(error.message, "a.html:1: 'user' is undefined")
  })

  it('can carry a code frame', () => {
    const error = new TemplateRuntimeError('Division by zero.', {
      template: 'a.html',
      line: 2,
      source: 'a\n{{ 1 / 0 }}\nc',
    })
    assert.equal(
      error.message,
      'a.html:2: Division by zero.\n\n  1 | a\n> 2 | {{ 1 / 0 }}\n  3 | c',
    )
  })
})

describe('TemplateNotFoundError', () => {
  it('lists where the loaders looked and says what to do', () => {
    const error = new TemplateNotFoundError('shop/x.html', [
      '/app/templates/shop/x.html',
      'memory loader (0 templates)',
    ])
    assert.equal(error.code, 'PLINTH_TEMPLATE_NOT_FOUND')
    assert.equal(error.templateName, 'shop/x.html')
    assert.deepEqual(error.tried, ['/app/templates/shop/x.html', 'memory loader (0 templates)'])
    assert.match(error.message, /^Template "shop\/x.html" was not found\. Looked in:\n/)
    assert.match(error.message, /\n {2}- \/app\/templates\/shop\/x\.html\n/)
    assert.match(error.message, /\n {2}- memory loader \(0 templates\)\n/)
    assert.match(error.message, /add the directory that holds it/)
  })

  it('says when there is no loader at all', () => {
    const error = new TemplateNotFoundError('a.html', [])
    assert.match(error.message, /No loader is configured/)
  })

  it('quotes hostile names so they stay on one line', () => {
    const error = new TemplateNotFoundError('a\nb\u0000', ['x\ny'])
    assert.equal(error.message.split('\n')[0], 'Template "a\\nb\\u0000" was not found. Looked in:')
    assert.match(error.message, / {2}- x\u240ay/)
  })
})

describe('TemplatePathError', () => {
  it('names the refused name, the reason, and the rules', () => {
    const error = new TemplatePathError('../x', 'it contains a ".." segment')
    assert.equal(error.code, 'PLINTH_TEMPLATE_PATH')
    assert.equal(error.templateName, '../x')
    assert.match(error.message, /^Refusing template name "\.\.\/x": it contains a "\.\." segment\./)
    assert.match(error.message, /Never build a template name from request data/)
  })

  it('cuts very long names in the message', () => {
    const error = new TemplatePathError('a'.repeat(5000), 'it is too long')
    assert.ok(error.message.length < 800)
  })
})
