import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TemplateSyntaxError } from '../errors.ts'
import { memoryLoader } from '../loaders.ts'
import { analyzeTemplates, DEFAULT_GLOBALS } from './analyze.ts'
import { formatContext } from './emit.ts'

/** The context type of every template of `templates`, by name. */
function contexts(
  templates: Record<string, string>,
  globals?: Iterable<string>,
): Record<string, string> {
  const found = analyzeTemplates({ loader: memoryLoader(templates), ...(globals && { globals }) })
  return Object.fromEntries([...found].map(([name, context]) => [name, formatContext(context)]))
}

/** The context type of one template. */
function context(source: string, globals?: Iterable<string>): string {
  return contexts({ 't.html': source }, globals)['t.html']!
}

describe('analyzeTemplates(): free variables and their shapes', () => {
  it('reads attributes as nested objects with unknown leaves', () => {
    assert.equal(
      context('{{ user.name }} {{ user.address.city }} {{ title }}'),
      '{ title: unknown; user: { address: { city: unknown }; name: unknown } }',
    )
    assert.equal(context("{{ user['e-mail'] }}"), "{ user: { 'e-mail': unknown } }")
  })

  it('gives a loop target the items of what it loops over', () => {
    assert.equal(
      context(
        '{% for p in products %}{{ p.name }} {{ p.category.name }}{% empty %}{{ none_text }}{% endfor %}',
      ),
      '{ none_text: unknown; products: Iterable<{ category: { name: unknown }; name: unknown }> }',
    )
    assert.equal(
      context('{% for row in table %}{% for cell in row %}{{ cell.v }}{% endfor %}{% endfor %}'),
      '{ table: Iterable<Iterable<{ v: unknown }>> }',
    )
    // A loop filter reads the items too; pairs are not tracked.
    assert.equal(
      context(
        '{% for p in ps if p.shown %}{{ p.id }}{% endfor %}{% for k, v in d|items %}{{ v.x }}{% endfor %}',
      ),
      '{ d: object; ps: Iterable<{ id: unknown; shown: unknown }> }',
    )
  })

  it('treats sequence filters, indexes, slices and calls by what they need', () => {
    assert.equal(
      context(
        '{{ tags|join(", ") }} {{ errors|length }} {{ rows[0].id }} {{ rows[-1].x }} {{ xs.1 }} {{ s[1:] }} {{ d[k] }}',
      ),
      '{ d: unknown; errors: Sized; k: unknown; rows: Indexed<{ id: unknown; x: unknown }>; s: Indexed<unknown>; tags: Iterable<unknown>; xs: Indexed<unknown> }',
    )
    assert.equal(
      context('{{ fmt(price) }} {{ user.full_name() }}'),
      '{ fmt: Fn; price: unknown; user: { full_name: Fn } }',
    )
    // Python methods are the engine's, not attributes: `d.items()` only says d is a dict.
    assert.equal(
      context('{{ name.upper() }} {% for k, v in d.items() %}{% endfor %} {{ o.get("k") }}'),
      '{ d: object; name: unknown; o: object }',
    )
  })

  it('follows filters that keep, pick or group items, and attribute arguments', () => {
    assert.equal(
      context(
        "{% for p in products|sort(attribute='category.name')|reverse %}{{ p.name }}{% endfor %}" +
          "{{ (products|first).sku }} {{ products|map(attribute='price')|sum }}",
      ),
      '{ products: Iterable<{ category: { name: unknown }; name: unknown; price: unknown; sku: unknown }> }',
    )
    assert.equal(
      context(
        "{% for g in orders|groupby('status') %}{{ g.grouper }}{% for o in g.list %}{{ o.total }}{% endfor %}{% endfor %}",
      ),
      '{ orders: Iterable<{ status: unknown; total: unknown }> }',
    )
    assert.equal(
      context("{{ users|selectattr('active')|join(', ', attribute='name') }} {{ u|attr('x') }}"),
      '{ u: { x: unknown }; users: Iterable<{ active: unknown; name: unknown }> }',
    )
  })

  it('leaves values used only in conditions, filters and comparisons unknown', () => {
    assert.equal(
      context('{% if a %}{% endif %}{{ b|upper }} {{ c > 3 }} {{ "x" in d }} {{ e ~ f }}'),
      '{ a: unknown; b: unknown; c: unknown; d: unknown; e: unknown; f: unknown }',
    )
  })

  it('lets values tested for truth or none be null', () => {
    assert.equal(
      context('{% if user %}{{ user.name }}{% endif %}{{ x.y if x is not none }}'),
      '{ user: Maybe<{ name: unknown }>; x: Maybe<{ y: unknown }> }',
    )
  })

  it('makes variables guarded by default or is defined optional', () => {
    assert.equal(
      context(
        '{{ title|default("Shop") }} {% if user is defined %}{{ user.name }}{% endif %} {{ page.sub|d }}',
      ),
      '{ page: { sub?: unknown }; title?: unknown; user?: { name: unknown } }',
    )
  })

  it('does not count names the template assigns: set, with, macros, imports, loop targets', () => {
    assert.equal(
      context(
        '{% set title = "x" %}{{ title }}{% with n = count %}{{ n.v }}{% endwith %}' +
          '{% macro row(item, cls="") %}{{ item }}{{ cls }}{{ caller() }}{{ varargs }}{% endmacro %}{{ row(1) }}' +
          '{% set body %}{{ inner }}{% endset %}{{ body }}{% set ns = namespace(t=0) %}{% set ns.t = 1 %}',
      ),
      '{ count: { v: unknown }; inner: unknown }',
    )
    // A set inside a loop does not leak out of it; read before the set, it is the context's.
    assert.equal(
      context('{{ x }}{% set x = 1 %}{% for i in r %}{% set y = 2 %}{% endfor %}{{ y }}'),
      '{ r: Iterable<unknown>; x: unknown; y: unknown }',
    )
    // An alias carries uses back to the variable it names.
    assert.equal(
      context(
        '{% set first = products[0] %}{{ first.name }}{% set all = products %}{{ all|length }}',
      ),
      '{ products: Indexed<{ name: unknown }> }',
    )
  })

  it('excludes globals, and takes the set of globals as input', () => {
    assert.equal(
      context(
        '{% for i in range(3) %}{{ loop.index }}{% endfor %}{{ url("home") }}{{ static("a.css") }}' +
          '{{ request.path }}{{ dict(a=1) }}{{ user }}',
      ),
      '{ user: unknown }',
    )
    assert.equal(context('{{ user }}{{ site }}', [...DEFAULT_GLOBALS, 'user']), '{ site: unknown }')
    // Custom tags are read without knowing the environment; their arguments count.
    assert.equal(context("{% url 'product' p.id %}{% csrf_token %}"), '{ p: { id: unknown } }')
  })

  it('passes what a macro needs of its parameters on to the arguments', () => {
    assert.equal(
      context(
        '{% macro row(p, show=false) %}{{ p.name }}{% if show %}{{ p.price }}{% endif %}{% endmacro %}' +
          '{% for product in products %}{{ row(product) }}{{ row(p=featured) }}{% endfor %}',
      ),
      '{ featured: { name: unknown; price: unknown }; products: Iterable<{ name: unknown; price: unknown }> }',
    )
    // A recursive macro stops at one level.
    assert.equal(
      context('{% macro tree(n) %}{{ n.label }}{{ tree(n.child) }}{% endmacro %}{{ tree(root) }}'),
      '{ root: { child: unknown; label: unknown } }',
    )
  })
})

describe('analyzeTemplates(): across templates', () => {
  it('adds the parent’s variables, minus overridden blocks and names the child sets', () => {
    const found = contexts({
      'base.html':
        '<title>{% block title %}{{ site }}{% endblock %}</title>{{ nav_active }}' +
        '{% block body %}{{ placeholder }}{% endblock %}{% block footer %}{{ year }}{% endblock %}',
      'page.html':
        '{% extends "base.html" %}{% set nav_active = "home" %}' +
        '{% block title %}{{ page.title }} · {{ super() }}{% endblock %}' +
        '{% block body %}{{ page.body }}{% endblock %}',
    })
    assert.equal(
      found['base.html'],
      '{ nav_active: unknown; placeholder: unknown; site: unknown; year: unknown }',
    )
    assert.equal(
      found['page.html'],
      '{ page: { body: unknown; title: unknown }; site: unknown; year: unknown }',
    )
  })

  it('follows a chain of parents, and super() through it', () => {
    const found = contexts({
      'a.html': '{% block b %}{{ from_a }}{% endblock %}',
      'b.html': '{% extends "a.html" %}{% block b %}{{ from_b }}{{ super() }}{% endblock %}',
      'c.html': '{% extends "b.html" %}{% block b %}{{ from_c }}{{ super() }}{% endblock %}',
      'd.html': '{% extends "c.html" %}{% block b %}{{ from_d }}{% endblock %}',
    })
    assert.equal(found['c.html'], '{ from_a: unknown; from_b: unknown; from_c: unknown }')
    assert.equal(found['d.html'], '{ from_d: unknown }')
  })

  it('adds an included template’s variables; bound ones take its requirements on', () => {
    const found = contexts({
      'list.html':
        '{% for product in products %}{% include "row.html" %}{% endfor %}' +
        '{% include "footer.html" without context %}{% include ["missing.html", "note.html"] %}' +
        '{% include "gone.html" ignore missing %}',
      'row.html': '<tr><td>{{ product.name }}</td><td>{{ currency }}</td></tr>',
      'footer.html': '{{ year }}',
      'note.html': '{{ note }}',
    })
    assert.equal(
      found['list.html'],
      '{ currency: unknown; note: unknown; products: Iterable<{ name: unknown }> }',
    )
  })

  it('follows imports with context only, and macro parameters through imports', () => {
    const found = contexts({
      'forms.html':
        '{% macro field(f) %}<input name="{{ f.name }}" value="{{ f.value }}">{{ theme }}{% endmacro %}',
      'plain.html': '{% import "forms.html" as forms %}{{ forms.field(form.email) }}',
      'ctx.html': '{% from "forms.html" import field with context %}{{ field(form.email) }}',
    })
    assert.equal(found['plain.html'], '{ form: { email: { name: unknown; value: unknown } } }')
    assert.equal(
      found['ctx.html'],
      '{ form: { email: { name: unknown; value: unknown } }; theme: unknown }',
    )
  })

  it('survives include and extends cycles', () => {
    const found = contexts({
      'tree.html':
        '{{ node.label }}{% for node in node.children %}{% include "tree.html" %}{% endfor %}',
      'x.html': '{% extends "y.html" %}{{ a }}',
      'y.html': '{% extends "x.html" %}{{ b }}',
    })
    // The inner include is the template being analysed: its items are not described further.
    assert.equal(found['tree.html'], '{ node: { children: Iterable<unknown>; label: unknown } }')
    assert.equal(found['x.html'], '{ a: unknown; b: unknown }')
  })

  it('describes only the names given, and reports syntax errors', () => {
    const loader = memoryLoader({ 'a.html': '{{ a }}', 'b.html': '{{ b' })
    assert.deepEqual([...analyzeTemplates({ loader, names: ['a.html'] }).keys()], ['a.html'])
    assert.throws(() => analyzeTemplates({ loader }), TemplateSyntaxError)
    const stray = memoryLoader({ 's.html': '{% endorse user %}{% endfor %}' })
    assert.throws(() => analyzeTemplates({ loader: stray }), /Unexpected \{% endfor %\}/)
    const unlisted = { load: () => undefined }
    assert.throws(() => analyzeTemplates({ loader: unlisted }), /cannot list its templates/)
  })
})
