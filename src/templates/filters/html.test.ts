/**
 * HTML and URL filters: what each trusts and escapes, checked against Jinja2 3.1's outputs.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SafeString } from '../runtime/markup.ts'
import { Undefined } from '../runtime/undefined.ts'
import { run, runEscaped } from './test-context.ts'

const safe = (text: string) => new SafeString(text)
const missing = new Undefined("'x' is undefined")

describe('escape, e, forceescape, safe', () => {
  it('escape returns markup, escaping only what is not markup yet', () => {
    assert.deepEqual(
      run('escape', `<a href="x">'&'</a>`),
      safe('&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;'),
    )
    assert.deepEqual(run('e', safe('<b>')), safe('<b>'))
    assert.deepEqual(run('e', null), safe('None'))
    assert.deepEqual(run('e', 5), safe('5'))
    assert.deepEqual(run('escape', missing), safe(''))
  })

  it('forceescape escapes markup too', () => {
    assert.deepEqual(run('forceescape', safe('<b>&amp;</b>')), safe('&lt;b&gt;&amp;amp;&lt;/b&gt;'))
    assert.deepEqual(run('forceescape', '<i>'), safe('&lt;i&gt;'))
  })

  it('safe trusts the value as markup', () => {
    assert.deepEqual(run('safe', '<b>x</b>'), safe('<b>x</b>'))
    assert.deepEqual(run('safe', null), safe('None'))
    const trusted = safe('<i>')
    assert.equal(run('safe', trusted), trusted)
  })
})

describe('striptags', () => {
  it('removes tags and comments, collapses whitespace, decodes references', () => {
    assert.equal(run('striptags', '<p>Main &raquo; <em>About</em></p>'), 'Main » About')
    assert.equal(
      run('striptags', 'a <!-- <b>c</b> --> d\n\n  e\t&amp;&lt;&#39;&#x41;&copy'),
      "a d e &<'A©",
    )
    assert.equal(run('striptags', safe('<i>x</i> &amp; y')), 'x & y')
  })

  it('leaves unclosed tags and comments, and unknown references', () => {
    assert.equal(run('striptags', 'unclosed <b'), 'unclosed <b')
    assert.equal(run('striptags', 'a<!--b'), 'a<!--b')
    assert.equal(run('striptags', '&bogus; &amp;lt;'), '&bogus; &lt;')
    assert.equal(run('striptags', '&#0;&#128;&#x110000;&#1;'), '\ufffd€\ufffd')
  })

  it('returns plain text, which the output escapes again', () => {
    assert.equal(runEscaped('striptags', safe('<b>&lt;script&gt;</b>')), '<script>')
  })
})

describe('tojson', () => {
  it('dumps as Python json.dumps with sorted keys', () => {
    assert.deepEqual(
      run('tojson', { b: 1, a: [1, 2.5, null, true] }),
      safe('{"a": [1, 2.5, null, true], "b": 1}'),
    )
    assert.deepEqual(
      run(
        'tojson',
        new Map<unknown, unknown>([
          [2, 'x'],
          [1, 'y'],
        ]),
      ),
      safe('{"1": "y", "2": "x"}'),
    )
    assert.deepEqual(
      run('tojson', [new Date(Date.UTC(2024, 0, 2))]),
      safe('["2024-01-02T00:00:00.000Z"]'),
    )
  })

  it('escapes characters that could end a script or an attribute', () => {
    assert.deepEqual(
      run('tojson', `<script>alert("x")</script> & '`),
      safe('"\\u003cscript\\u003ealert(\\"x\\")\\u003c/script\\u003e \\u0026 \\u0027"'),
    )
    assert.deepEqual(
      run('tojson', 'héllo 😀\n\x01'),
      safe('"h\\u00e9llo \\ud83d\\ude00\\n\\u0001"'),
    )
  })

  it('indents when asked', () => {
    assert.deepEqual(
      run('tojson', { b: 1, a: [1, { c: 2 }], e: [] }, [2]),
      safe('{\n  "a": [\n    1,\n    {\n      "c": 2\n    }\n  ],\n  "b": 1,\n  "e": []\n}'),
    )
    assert.deepEqual(run('tojson', [1], [], { indent: '\t' }), safe('[\n\t1\n]'))
  })

  it('refuses what JSON cannot hold', () => {
    assert.throws(() => run('tojson', missing), { code: 'PLINTH_TEMPLATE_TYPE' })
    assert.throws(() => run('tojson', { f: () => 1 }), { code: 'PLINTH_TEMPLATE_TYPE' })
    assert.throws(() => run('tojson', new (class User {})()), {
      code: 'PLINTH_TEMPLATE_TYPE',
      message: /User/,
    })
    const loop: unknown[] = []
    loop.push(loop)
    assert.throws(() => run('tojson', loop), { code: 'PLINTH_TEMPLATE_VALUE', message: /circular/ })
  })
})

describe('urlencode', () => {
  it('quotes strings for a path, keeping /', () => {
    assert.equal(run('urlencode', 'hello world/ü?&=+'), 'hello%20world/%C3%BC%3F%26%3D%2B')
    assert.equal(run('urlencode', "ÿ~._-!*'()"), '%C3%BF~._-%21%2A%27%28%29')
    assert.equal(run('urlencode', 42), '42')
  })

  it('builds query strings from mappings and pairs', () => {
    assert.equal(
      run('urlencode', { a: 1, b: 'x y&z', c: null, d: true }),
      'a=1&b=x+y%26z&c=None&d=True',
    )
    assert.equal(
      run('urlencode', [
        ['a', 1],
        ['b', '/'],
      ]),
      'a=1&b=%2F',
    )
    assert.equal(run('urlencode', new Map([['k', 'v']])), 'k=v')
    assert.equal(run('urlencode', missing), '')
    assert.throws(() => run('urlencode', [['a', 1, 2]]), { code: 'PLINTH_TEMPLATE_VALUE' })
  })
})

describe('urlize', () => {
  it('links web addresses with rel="noopener"', () => {
    assert.equal(
      run('urlize', 'visit http://example.com now, or www.example.com.'),
      'visit <a href="http://example.com" rel="noopener">http://example.com</a> now, or ' +
        '<a href="https://www.example.com" rel="noopener">www.example.com</a>.',
    )
    assert.equal(
      run('urlize', 'http://127.0.0.1:8080/x?y=1#z'),
      '<a href="http://127.0.0.1:8080/x?y=1#z" rel="noopener">http://127.0.0.1:8080/x?y=1#z</a>',
    )
  })

  it('balances parentheses and leaves surrounding punctuation out', () => {
    assert.equal(
      run('urlize', 'see (https://example.com/a_(b)) and <http://x.org>'),
      'see (<a href="https://example.com/a_(b)" rel="noopener">https://example.com/a_(b)</a>) and ' +
        '&lt;<a href="http://x.org" rel="noopener">http://x.org</a>&gt;',
    )
  })

  it('links e-mail addresses', () => {
    assert.equal(
      run('urlize', 'mail foo@example.com, mailto:bar@example.com'),
      'mail <a href="mailto:foo@example.com">foo@example.com</a>, <a href="mailto:bar@example.com">bar@example.com</a>',
    )
  })

  it('never links other schemes, and escapes the text', () => {
    assert.equal(
      run('urlize', 'javascript:alert(1) example.org'),
      'javascript:alert(1) <a href="https://example.org" rel="noopener">example.org</a>',
    )
    assert.equal(
      run('urlize', '<script>http://x.com/"onmouseover=</script>'),
      '&lt;script&gt;http://x.com/&#34;onmouseover=&lt;/script&gt;',
    )
  })

  it('trims, adds nofollow, target and rel, escaping attributes', () => {
    assert.equal(
      run('urlize', 'http://example.com/very/long/path', [15]),
      '<a href="http://example.com/very/long/path" rel="noopener">http://example....</a>',
    )
    assert.equal(
      run('urlize', 'http://example.com', [], { nofollow: true, target: '_blank' }),
      '<a href="http://example.com" rel="nofollow noopener" target="_blank">http://example.com</a>',
    )
    assert.equal(
      run('urlize', 'http://example.com', [], { rel: 'external', target: '"><' }),
      '<a href="http://example.com" rel="external noopener" target="&#34;&gt;&lt;">http://example.com</a>',
    )
  })

  it('links extra schemes when allowed, refusing malformed ones', () => {
    assert.equal(
      run('urlize', 'call tel:+123 or ftp://x.y', [], { extra_schemes: ['tel:', 'ftp://'] }),
      'call <a href="tel:+123" rel="noopener">tel:+123</a> or <a href="ftp://x.y" rel="noopener">ftp://x.y</a>',
    )
    assert.throws(() => run('urlize', 'x', [], { extra_schemes: ['t'] }), {
      code: 'PLINTH_TEMPLATE_FILTER_ARGUMENT',
    })
  })

  it('returns markup with autoescaping, keeping markup input as is', () => {
    assert.deepEqual(
      runEscaped('urlize', safe('<b>http://x.com</b> http://y.com')),
      safe('<b>http://x.com</b> <a href="http://y.com" rel="noopener">http://y.com</a>'),
    )
    assert.equal(typeof run('urlize', 'a'), 'string')
  })
})

describe('xmlattr', () => {
  it("reproduces Jinja2's documented example", () => {
    const attrs = { class: 'my_list', missing: null, id: run('format', 'list-%d', [42]) }
    assert.deepEqual(runEscaped('xmlattr', attrs), safe(' class="my_list" id="list-42"'))
  })

  it('escapes values (not markup), leaves out none and undefined, and can skip the space', () => {
    assert.deepEqual(
      runEscaped('xmlattr', { a: `<"&'>`, b: safe('<i>'), c: missing, d: undefined, e: 0 }, [
        false,
      ]),
      safe('a="&lt;&#34;&amp;&#39;&gt;" b="<i>" e="0"'),
    )
    assert.equal(run('xmlattr', {}), '')
    assert.equal(run('xmlattr', { a: 1 }), ' a="1"')
  })

  it('refuses names that would start another attribute', () => {
    for (const key of ['a b', 'a/', 'a=', 'a>', 'a\t']) {
      assert.throws(() => runEscaped('xmlattr', { [key]: 1 }), {
        code: 'PLINTH_TEMPLATE_VALUE',
        message: /invalid character in attribute name/,
      })
    }
    assert.throws(() => run('xmlattr', [1]), { code: 'PLINTH_TEMPLATE_TYPE' })
  })
})
