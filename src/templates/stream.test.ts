/**
 * The async render paths: `renderAsync` (promises in the context settle first) and `stream`
 * (chunks as the page renders; loops may iterate promises and async iterables), with the same
 * output as `render` for every construct.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createEnvironment, memoryLoader } from './index.ts'

const templates = {
  'base.html':
    '<head>{% block head %}<title>T</title>{% endblock %}</head><body>{% block body %}{% endblock %}</body>',
  'page.html':
    '{% extends "base.html" %}{% block head %}{{ super() }}<meta>{% endblock %}{% block body %}{% for r in rows %}<p>{{ r }}</p>{% else %}none{% endfor %}{% include "foot.html" %}{% endblock %}',
  'foot.html': '<footer>{{ rows|length }}</footer>',
  'feed.html':
    '{% extends "base.html" %}{% block body %}{% for r in rows %}<p>{{ loop.index }} {{ r }}</p>{% endfor %}<footer>end</footer>{% endblock %}',
  'macros.html':
    '{% macro m(x) %}[{{ x }}]{% endmacro %}{% for i in items %}{{ m(i) }}{% endfor %}{% set t %}{{ items|join("-") }}{% endset %}{{ t }}',
}
const env = createEnvironment({ loader: memoryLoader(templates) })

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const chunks: string[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return chunks
}

async function* numbers(n: number): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) yield `<${i}>`
}

describe('async rendering', () => {
  it('renderAsync settles promises and collects async iterables', async () => {
    const html = await env
      .getTemplate('page.html')
      .renderAsync({ rows: Promise.resolve(['a', 'b']) })
    assert.equal(
      html,
      '<head><title>T</title><meta></head><body><p>a</p><p>b</p><footer>2</footer></body>',
    )
    const fromIterable = await env.getTemplate('macros.html').renderAsync({ items: numbers(2) })
    assert.equal(fromIterable, '[&lt;0&gt;][&lt;1&gt;]&lt;0&gt;-&lt;1&gt;')
  })

  it('stream gives the same page in chunks, head first', async () => {
    const template = env.getTemplate('page.html')
    for (const rows of [['a', '<b>'], []]) {
      const chunks = await collect(template.stream({ rows }))
      assert.equal(chunks.join(''), template.render({ rows }))
      assert.ok(chunks.length > 1, 'more than one chunk')
      assert.match(chunks[0]!, /^<head>/)
    }
    assert.equal(
      (await collect(env.getTemplate('macros.html').stream({ items: [1, 2] }))).join(''),
      env.render('macros.html', { items: [1, 2] }),
    )
  })

  it('stream iterates async iterables in loops and hands over long loops as it goes', async () => {
    const rows = (async function* () {
      for (let i = 0; i < 3000; i++) yield 'x'.repeat(20)
    })()
    // An async iterable is consumed once, by the loop that iterates it.
    const chunks = await collect(env.getTemplate('feed.html').stream({ rows }))
    assert.ok(chunks.length > 4, `${chunks.length} chunks`)
    assert.ok(chunks.every((c) => c.length < 40_000))
    assert.match(chunks.join(''), /<p>3000 x{20}<\/p><footer>end<\/footer><\/body>$/)
  })

  it('stream errors name the template and line', async () => {
    const broken = createEnvironment({ loader: memoryLoader({ 'x.html': 'a\n{{ nope.attr }}' }) })
    await assert.rejects(
      collect(broken.getTemplate('x.html').stream()),
      /x\.html:2: 'nope' is undefined/,
    )
  })
})
