/**
 * The template language, construct by construct, with the outputs Jinja2 gives for the same
 * templates (its documentation is the specification).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createEnvironment, type EnvironmentOptions, markSafe, memoryLoader } from './index.ts'

function render(
  source: string,
  context: object = {},
  options: EnvironmentOptions = {},
  templates: Record<string, string> = {},
): string {
  const env = createEnvironment({ loader: memoryLoader(templates), ...options })
  return env.renderString(source, context)
}

describe('expressions', () => {
  it('renders literals the way Jinja2 does', () => {
    assert.equal(
      render('{{ 42 }} {{ 1.5 }} {{ "a" ~ \'b\' }} {{ true }} {{ none }}'),
      '42 1.5 ab True None',
    )
    assert.equal(render('{{ [1, "a", none] }}', {}, { autoescape: false }), "[1, 'a', None]")
    assert.equal(render("{{ {'a': 1} }}", {}, { autoescape: false }), "{'a': 1}")
    assert.equal(render('{{ (1, 2)[1] }}{{ "abc"[-1] }}'), '2c')
  })

  it('does arithmetic with Python semantics', () => {
    assert.equal(
      render('{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }}'),
      '3 -4 1 2 1024 3.5',
    )
    assert.equal(render('{{ 1 + 2 * 3 - 4 }}'), '3')
    assert.equal(render('{{ "ab" * 3 }}'), 'ababab')
  })

  it('compares, chains comparisons and tests membership', () => {
    assert.equal(
      render(
        '{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ "a" in "cat" }} {{ 4 not in [1, 2] }}',
      ),
      'True False True True True',
    )
  })

  it('short-circuits and/or returning operands, and not', () => {
    assert.equal(
      render('{{ 0 or "x" }} {{ "a" and "b" }} {{ not [] }} {{ none or [] }}'),
      'x b True []',
    )
  })

  it('evaluates conditional expressions', () => {
    assert.equal(render('{{ "yes" if x else "no" }}|{{ "only" if x }}|', { x: 0 }), 'no||')
  })

  it('reads attributes and items, falling back to each other', () => {
    const ctx = { user: { name: 'Ada', tags: ['a', 'b'] }, m: new Map([['k', 'v']]) }
    assert.equal(
      render("{{ user.name }} {{ user['name'] }} {{ user.tags.1 }} {{ m.k }}", ctx),
      'Ada Ada b v',
    )
    assert.equal(
      render('{{ "hello"[1:4] }} {{ [1,2,3,4][::2] }} {{ [1,2,3][::-1] }}'),
      'ell [1, 3] [3, 2, 1]',
    )
  })

  it('calls functions with positional and keyword arguments', () => {
    const fmt = (a: string, b: string) => `${a}-${b}`
    assert.equal(
      render('{{ fmt("x", "y") }} {{ range(3) }} {{ dict(a=1).a }}', { fmt }),
      'x-y [0, 1, 2] 1',
    )
  })

  it('applies filters and tests, with keyword arguments', () => {
    assert.equal(
      render('{{ "hello world" | upper }} {{ name | default("anon") }}'),
      'HELLO WORLD anon',
    )
    assert.equal(
      render('{{ 6 is divisibleby 3 }} {{ 6 is divisibleby(4) }} {{ x is not defined }}'),
      'True False True',
    )
    assert.equal(
      render('{{ "abcdefghij" | truncate(length=7, killwords=true, leeway=0) }}'),
      'abcd...',
    )
  })
})

describe('undefined values', () => {
  it('render empty, are falsy and iterate as nothing', () => {
    assert.equal(
      render(
        '[{{ missing }}]{% if missing %}x{% endif %}{% for i in missing %}{{ i }}{% endfor %}',
      ),
      '[]',
    )
  })

  it('fail when used further, naming what was missing, template and line', () => {
    assert.throws(
      () => render('line one\n{{ user.name }}'),
      (e: Error & { code?: string }) =>
        e.code === 'PLINTH_TEMPLATE_RUNTIME' &&
        /<string>:2/.test(e.message) &&
        /'user' is undefined/.test(e.message),
    )
  })

  it('fail at once in strict mode', () => {
    assert.throws(() => render('{{ nope }}', {}, { undefined: 'strict' }), /'nope' is undefined/)
    assert.equal(render('{{ nope is defined }}', {}, { undefined: 'strict' }), 'False')
  })
})

describe('control structures', () => {
  it('if / elif / else', () => {
    const t = '{% if n > 1 %}many{% elif n == 1 %}one{% else %}none{% endif %}'
    assert.deepEqual(
      [0, 1, 5].map((n) => render(t, { n })),
      ['none', 'one', 'many'],
    )
  })

  it('for with else, empty, filtering and unpacking', () => {
    assert.equal(render('{% for x in xs %}{{ x }}{% else %}none{% endfor %}', { xs: [] }), 'none')
    assert.equal(render('{% for x in xs %}{{ x }}{% empty %}none{% endfor %}', { xs: [] }), 'none')
    assert.equal(
      render('{% for x in xs if x.visible %}{{ x.n }}{% endfor %}', {
        xs: [
          { n: 1, visible: true },
          { n: 2, visible: false },
          { n: 3, visible: true },
        ],
      }),
      '13',
    )
    assert.equal(
      render('{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', { d: { a: 1, b: 2 } }),
      'a=1;b=2;',
    )
  })

  it('the loop variable', () => {
    const t =
      '{% for x in "abc" %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}'
    assert.equal(render(t), '1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|')
    assert.equal(
      render('{% for x in [1,2,3] %}{{ loop.cycle("odd", "even") }} {% endfor %}'),
      'odd even odd ',
    )
    assert.equal(
      render('{% for x in [1,2,3] %}{{ loop.previtem }}-{{ loop.nextitem }} {% endfor %}'),
      '-2 1-3 2- ',
    )
    assert.equal(
      render('{% for x in [1,1,2] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}'),
      '12',
    )
  })

  it('recursive loops with loop.depth', () => {
    const tree = [
      { n: 'a', c: [{ n: 'b', c: [] }] },
      { n: 'c', c: [] },
    ]
    const t =
      '{% for i in tree recursive %}<{{ i.n }}{{ loop.depth }}{% if i.c %}{{ loop(i.c) }}{% endif %}>{% endfor %}'
    assert.equal(render(t, { tree }), '<a1<b2>><c1>')
  })

  it('a variable set in a loop does not leak out', () => {
    assert.equal(
      render('{% set x = 1 %}{% for i in [1,2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}'),
      '231',
    )
  })

  it('namespace lets a loop change an outer value', () => {
    assert.equal(
      render(
        '{% set ns = namespace(total=0) %}{% for i in [1,2,3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}',
      ),
      '6',
    )
  })

  it('set, block set with filters, and with', () => {
    assert.equal(render('{% set a, b = 1, 2 %}{{ a }}{{ b }}'), '12')
    assert.equal(
      render('{% set x | upper %}hi {{ n }}{% endset %}[{{ x }}]', { n: 'you' }),
      '[HI YOU]',
    )
    assert.equal(render('{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]'), '3[]')
  })

  it('filter blocks and raw', () => {
    assert.equal(render('{% filter upper %}hello {{ n }}{% endfilter %}', { n: 'x' }), 'HELLO X')
    assert.equal(
      render('{% raw %}{{ not }} {% evaluated %}{% endraw %}'),
      '{{ not }} {% evaluated %}',
    )
  })

  it('comments', () => {
    assert.equal(render('a{# a comment {{ x }} #}b'), 'ab')
  })
})

describe('whitespace control', () => {
  it('strips with - and keeps with +', () => {
    assert.equal(render('a  {%- if true -%}  b  {%- endif -%}  c'), 'abc')
    assert.equal(
      render('<ul>\n  {%- for x in [1,2] %}\n  <li>{{ x }}</li>\n  {%- endfor %}\n</ul>'),
      '<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>',
    )
  })

  it('trim_blocks, lstrip_blocks and keep_trailing_newline', () => {
    const src = '<div>\n    {% if true %}\n    yes\n    {% endif %}\n</div>\n'
    assert.equal(
      render(src, {}, { trimBlocks: true, lstripBlocks: true }),
      '<div>\n    yes\n</div>',
    )
    assert.equal(
      render(src, {}, { trimBlocks: true, lstripBlocks: true, keepTrailingNewline: true }),
      '<div>\n    yes\n</div>\n',
    )
    assert.equal(render('  {%+ if true %}x{% endif %}', {}, { lstripBlocks: true }), '  x')
  })
})

describe('macros and call blocks', () => {
  it('macros with defaults, varargs, kwargs and caller', () => {
    const t = `{% macro input(name, value='', type='text') -%}
<input type="{{ type }}" name="{{ name }}" value="{{ value }}">
{%- endmacro %}{{ input('user') }}{{ input('pw', type='password') }}`
    assert.equal(
      render(t),
      '<input type="text" name="user" value=""><input type="password" name="pw" value="">',
    )
    assert.equal(
      render(
        '{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, x=4) }}',
        {},
        { autoescape: false },
      ),
      "1[2, 3]{'x': 4}",
    )
    const call =
      '{% macro box(title) %}<b>{{ title }}</b>{{ caller() }}{% endmacro %}{% call box("T") %}body {{ 1 + 1 }}{% endcall %}'
    assert.equal(render(call), '<b>T</b>body 2')
    const withArgs =
      '{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(item) each([1,2]) %}[{{ item }}]{% endcall %}'
    assert.equal(render(withArgs), '[1][2]')
  })

  it('refuses wrong arguments clearly', () => {
    assert.throws(
      () => render('{% macro m(a) %}{% endmacro %}{{ m(b=1) }}'),
      /macro 'm' has no argument 'b'/,
    )
  })
})

describe('inheritance, includes and imports', () => {
  const templates = {
    'base.html':
      '<title>{% block title %}Site{% endblock %}</title><main>{% block body %}{% endblock %}</main>',
    'child.html':
      '{% extends "base.html" %}{% block title %}{{ super() }} - Page{% endblock %}{% block body %}<p>{{ text }}</p>{% endblock %}ignored',
    'grandchild.html': '{% extends "child.html" %}{% block body %}[{{ super() }}]{% endblock %}',
    'item.html': '<li>{{ item }}</li>',
    'macros.html': '{% macro hello(n) %}Hello {{ n }}!{% endmacro %}{% set version = 2 %}',
    'req.html': '{% block content required %}{% endblock %}',
  }
  const env = createEnvironment({ loader: memoryLoader(templates) })

  it('extends with blocks and super() across levels', () => {
    assert.equal(
      env.render('child.html', { text: '<x>' }),
      '<title>Site - Page</title><main><p>&lt;x&gt;</p></main>',
    )
    assert.equal(
      env.render('grandchild.html', { text: 'y' }),
      '<title>Site - Page</title><main>[<p>y</p>]</main>',
    )
  })

  it('includes with context, lists of names and ignore missing', () => {
    assert.equal(
      env.renderString('{% for item in [1,2] %}{% include "item.html" %}{% endfor %}'),
      '<li>1</li><li>2</li>',
    )
    assert.equal(
      env.renderString('{% include ["nope.html", "item.html"] %}', { item: 'z' }),
      '<li>z</li>',
    )
    assert.equal(env.renderString('{% include "nope.html" ignore missing %}ok'), 'ok')
    assert.throws(
      () => env.renderString('{% include "nope.html" %}'),
      /Template "nope.html" was not found/,
    )
  })

  it('imports macros and variables', () => {
    assert.equal(
      env.renderString('{% import "macros.html" as m %}{{ m.hello("Ada") }} v{{ m.version }}'),
      'Hello Ada! v2',
    )
    assert.equal(
      env.renderString('{% from "macros.html" import hello as hi %}{{ hi("Bo") }}'),
      'Hello Bo!',
    )
  })

  it('required blocks must be overridden', () => {
    assert.throws(() => env.render('req.html'), /required block 'content'/)
  })
})

describe('escaping', () => {
  it('escapes & < > " \' in .html templates and strings, never safe markup', () => {
    const ctx = { v: `<a href="x">'&'</a>`, safe: markSafe('<b>ok</b>') }
    assert.equal(
      render('{{ v }}|{{ safe }}|{{ v|safe }}', ctx),
      '&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;|<b>ok</b>|<a href="x">\'&\'</a>',
    )
    const env = createEnvironment({
      loader: memoryLoader({ 'a.txt': '{{ v }}', 'a.svg': '{{ v }}' }),
    })
    assert.equal(env.render('a.txt', { v: '<b>' }), '<b>')
    assert.equal(env.render('a.svg', { v: '<b>' }), '&lt;b&gt;')
  })

  it('macros return markup, so it is not escaped twice', () => {
    assert.equal(
      render('{% macro b(x) %}<b>{{ x }}</b>{% endmacro %}{{ b("<i>") }}'),
      '<b>&lt;i&gt;</b>',
    )
  })
})

describe('safety', () => {
  it('never reaches constructors, prototypes or built-in methods', () => {
    for (const src of [
      '{{ x.constructor }}',
      '{{ x.__proto__ }}',
      '{{ "".constructor }}',
      '{{ f.constructor("return 1")() }}',
    ]) {
      let out: string
      try {
        out = render(src, { x: {}, f: () => 1 })
      } catch {
        continue
      }
      assert.equal(out, '', src)
    }
    assert.throws(() => render('{{ constructor }}'), /cannot be used in templates/)
    assert.throws(() => render('{% set __proto__ = 1 %}'), /cannot/)
  })

  it('a __proto__ key in the data stays data', () => {
    const data = JSON.parse('{"__proto__": {"polluted": 1}, "ok": 1}')
    assert.equal(render('{{ ok }}{{ polluted }}', data), '1')
  })
})

describe('syntax errors', () => {
  it('name the template, line and column with a code frame', () => {
    assert.throws(
      () => render('line one\n{% if x %}\nno end'),
      (e: Error & { code?: string }) =>
        e.code === 'PLINTH_TEMPLATE_SYNTAX' &&
        /<string>:3/.test(e.message) &&
        /endif/.test(e.message),
    )
    assert.throws(() => render('{{ x | nofilter }}'), /No filter named "nofilter"/)
    assert.throws(() => render('{% frobnicate %}'), /Unknown tag "frobnicate"/)
    assert.throws(() => render('{{ 1 + }}'), /Expected an expression/)
    assert.throws(() => render('{% for x in y %}{% endif %}'), /innermost open tag is \{% for %\}/)
  })

  it('one broken template does not break others', () => {
    const env = createEnvironment({
      loader: memoryLoader({ 'bad.html': '{% if %}', 'good.html': 'ok' }),
    })
    assert.throws(() => env.render('bad.html'))
    assert.equal(env.render('good.html'), 'ok')
  })
})

describe('custom filters, tests, globals and tags', () => {
  it('registers each kind', () => {
    const env = createEnvironment({
      loader: memoryLoader({}),
      filters: { shout: (_ctx, v) => `${String(v)}!` },
      tests: { big: (_ctx, v) => Number(v) > 10 },
      globals: { site: 'Plinth' },
      tags: { hello: (_ctx, args) => `<hello ${String(args[0])}>` },
    })
    assert.equal(
      env.renderString('{{ "hi" | shout }} {{ 11 is big }} {{ site }} {% hello "w" %}'),
      'hi! True Plinth &lt;hello w&gt;',
    )
  })
})

describe('tests and filters by name, and ~ with markup', () => {
  it('`is filter` and `is test` check the registries', () => {
    assert.equal(
      render(
        "{{ 'upper' is filter }} {{ 'zzz' is filter }} {{ 'odd' is test }} {{ 'zzz' is test }}",
      ),
      'True False True False',
    )
  })

  it('~ keeps markup safe and escapes the other side', () => {
    assert.equal(render('{{ s ~ "<i>" }}', { s: markSafe('<b>') }), '<b>&lt;i&gt;')
  })
})

describe('filters passing keywords on', () => {
  it('map, selectattr, groupby and format with keyword arguments', () => {
    const users = [
      { name: 'Ada', age: 36, city: 'London' },
      { name: 'Bo', age: 20, city: 'Paris' },
      { name: 'Cy', age: 36, city: 'London' },
    ]
    assert.equal(render("{{ users|map(attribute='name')|join(', ') }}", { users }), 'Ada, Bo, Cy')
    assert.equal(
      render("{{ users|selectattr('age', 'equalto', 36)|map(attribute='name')|join }}", { users }),
      'AdaCy',
    )
    assert.equal(
      render(
        "{% for g in users|groupby('city') %}{{ g.grouper }}:{{ g.list|length }};{% endfor %}",
        { users },
      ),
      'London:2;Paris:1;',
    )
    assert.equal(
      render(
        "{% for city, items in users|groupby('city') %}{{ city }}={{ items|map(attribute='name')|join('+') }} {% endfor %}",
        { users },
      ),
      'London=Ada+Cy Paris=Bo ',
    )
    assert.equal(render('{{ "%(a)s-%(b)s"|format(a=1, b=2) }}'), '1-2')
  })
})

describe('self', () => {
  it('renders a block again', () => {
    const env = createEnvironment({
      loader: memoryLoader({
        'base.html': '<title>{% block title %}{% endblock %}</title><h1>{{ self.title() }}</h1>',
        'page.html': '{% extends "base.html" %}{% block title %}A & B{% endblock %}',
      }),
    })
    assert.equal(env.render('page.html'), '<title>A & B</title><h1>A & B</h1>')
  })
})

describe('HTML contexts (security catalogue G1–G3, G5)', () => {
  it('neutralises script URLs at the start of URL attributes', () => {
    const t = '<a href="{{ u }}">x</a><img src=\'{{ u }}\'><a href="/p/{{ u }}">'
    assert.equal(
      render(t, { u: ' JaVa\tScRipt:alert(1)' }),
      '<a href="about:invalid#blocked">x</a><img src=\'about:invalid#blocked\'><a href="/p/ JaVa\tScRipt:alert(1)">',
    )
    assert.equal(
      render('<a href="{{ u }}">', { u: 'data:text/html,<b>' }),
      '<a href="about:invalid#blocked">',
    )
    assert.equal(
      render('<a href="{{ u }}">', { u: 'https://x.test/?a=1&b="2"' }),
      '<a href="https://x.test/?a=1&amp;b=&#34;2&#34;">',
    )
    assert.equal(
      render('<a href="{{ u }}">', { u: markSafe('javascript:void(0)') }),
      '<a href="javascript:void(0)">',
    )
    // Not HTML: no change.
    assert.equal(
      render('href="{{ u }}"', { u: 'javascript:x' }, { autoescape: false }),
      'href="javascript:x"',
    )
  })

  it('refuses unquoted attribute values in HTML templates', () => {
    assert.throws(() => render('<td class={{ c }}>'), /unquoted attribute value cannot hold/)
    assert.equal(
      render('<td class="{{ c }}">', { c: 'a" onmouseover="x' }),
      '<td class="a&#34; onmouseover=&#34;x">',
    )
  })

  it('escapes markup and quotes in text and quoted attributes', () => {
    const x = '"><img src=x onerror=alert(1)>'
    assert.equal(
      render('<input value="{{ x }}">{{ x }}', { x }),
      '<input value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;">&#34;&gt;&lt;img src=x onerror=alert(1)&gt;',
    )
  })

  it('tojson is safe inside <script>', () => {
    const out = render('<script>const d = {{ d|tojson }}</script>', {
      d: { a: "</script><script>alert(1)</script>\u2028&'" },
    })
    assert.doesNotMatch(out.slice(8, -9), /<\/script>|\u2028/)
    assert.match(out, /\\u003c\/script\\u003e/)
  })

  it('request data cannot set engine options (EJS CVE-2022-29078)', () => {
    const data = {
      settings: { 'view options': { outputFunctionName: 'x;process.exit(1);//' } },
      autoescape: false,
      name: '<b>',
    }
    assert.equal(render('{{ name }}', data), '&lt;b&gt;')
  })
})

describe('context rules of blocks, includes and imports', () => {
  const env = createEnvironment({
    loader: memoryLoader({
      'list.html':
        '{% for item in items %}{% block row scoped %}<{{ item }}>{% endblock %}{% endfor %}',
      'unscoped.html':
        '{% for item in items %}{% block row %}<{{ item }}>{% endblock %}{% endfor %}',
      'show.html': '[{{ item }}]',
      'macros.html': '{% macro greet() %}Hi {{ who }}{% endmacro %}',
    }),
  })

  it('a scoped block sees the loop variable; an unscoped one does not', () => {
    assert.equal(env.render('list.html', { items: [1, 2] }), '<1><2>')
    assert.equal(env.render('unscoped.html', { items: [1, 2] }), '<><>')
  })

  it('includes without context see only the globals', () => {
    assert.equal(
      env.renderString(
        '{% set item = 1 %}{% include "show.html" %}{% include "show.html" without context %}',
      ),
      '[1][]',
    )
  })

  it('imports see the caller context only when asked', () => {
    assert.equal(
      env.renderString('{% import "macros.html" as m %}{{ m.greet() }}', { who: 'Ada' }),
      'Hi ',
    )
    assert.equal(
      env.renderString('{% import "macros.html" as m with context %}{{ m.greet() }}', {
        who: 'Ada',
      }),
      'Hi Ada',
    )
  })

  it('+%} keeps the newline trim_blocks would remove', () => {
    const opts = { trimBlocks: true }
    assert.equal(render('{% if true %}\nx{% endif %}', {}, opts), 'x')
    assert.equal(render('{% if true +%}\nx{% endif %}', {}, opts), '\nx')
  })
})
