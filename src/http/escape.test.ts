import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { escapeHtml } from './escape.ts'

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
  })

  it('returns safe text unchanged and stringifies other values', () => {
    assert.equal(escapeHtml('plain café'), 'plain café')
    assert.equal(escapeHtml(42), '42')
    assert.equal(escapeHtml(null), 'null')
  })
})
