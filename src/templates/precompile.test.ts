/**
 * Precompiled templates: `env.precompile()` writes an ES module; an environment given it renders
 * the same pages without a loader and without parsing anything.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { createEnvironment, memoryLoader, type PrecompiledTemplate } from './index.ts'

const templates = {
  'base.html': '<h1>{% block title %}Site{% endblock %}</h1>{% block body %}{% endblock %}',
  'page.html':
    '{% extends "base.html" %}{% block title %}{{ super() }}: {{ title|upper }}{% endblock %}{% block body %}{% for x in xs %}<i>{{ x }}</i>{% endfor %}{% endblock %}',
}

describe('precompiled templates', () => {
  it('render like compiled ones, from an ES module, without a loader', async () => {
    const dev = createEnvironment({ loader: memoryLoader(templates) })
    const file = join(mkdtempSync(join(tmpdir(), 'plinth-precompiled-')), 'templates.js')
    writeFileSync(file, dev.precompile(['base.html', 'page.html']))
    const mod = (await import(pathToFileURL(file).href)) as {
      default: Record<string, PrecompiledTemplate>
    }
    const prod = createEnvironment({ precompiled: mod.default })
    const data = { title: '<t>', xs: [1, 2] }
    assert.equal(prod.render('page.html', data), dev.render('page.html', data))
    assert.equal(prod.render('page.html', data), '<h1>Site: &lt;T&gt;</h1><i>1</i><i>2</i>')
    let streamed = ''
    for await (const chunk of prod.getTemplate('page.html').stream(data)) streamed += chunk
    assert.equal(streamed, dev.render('page.html', data))
    assert.throws(() => prod.render('other.html'), /Template "other.html" was not found/)
    assert.throws(() => dev.precompile(['nope.html']), /was not found/)
  })
})
