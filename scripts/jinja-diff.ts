/**
 * A development aid, not a test: render the same templates with Python's Jinja2 and with Plinth
 * and print every difference. Needs `python3` with `jinja2` installed; CI does not run it.
 *
 *   npx node --conditions=plinth-source scripts/jinja-diff.ts            # the built-in cases
 *   npx node --conditions=plinth-source scripts/jinja-diff.ts cases.json # [{ "template": "…", "context": {…} }]
 *
 * Contexts are JSON, so both engines see the same data (lists, dicts, strings, numbers, booleans,
 * null). Known, documented differences (docs/templates.md, "Differences from Jinja2") show up
 * too: whole floats print without `.0` in Plinth, and tuples print as lists.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createEnvironment, memoryLoader } from '../src/templates/index.ts'

interface Case {
  template: string
  context?: Record<string, unknown>
}

const BUILT_IN: Case[] = [
  { template: '{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }}' },
  { template: '{{ [1, "a", none, true] }} {{ {"a": [1]} }}' },
  { template: '{{ 1 < 2 < 3 }} {{ "a" in "cat" }} {{ 0 or "x" }} {{ "a" and "b" }}' },
  {
    template:
      '{% for x in xs %}{{ loop.index }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}|{% else %}none{% endfor %}',
    context: { xs: [1, 2, 3] },
  },
  {
    template: '{% for k, v in d|dictsort %}{{ k }}={{ v }};{% endfor %}',
    context: { d: { b: 2, a: 1 } },
  },
  {
    template:
      '{% set ns = namespace(n=0) %}{% for i in range(5) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}',
  },
  { template: '{{ "hello world"|title }} {{ "  x  "|trim }} {{ "abc"|center(9) }}|' },
  { template: '{{ "Lorem ipsum dolor sit amet, consectetur"|truncate(20) }}' },
  { template: '{{ "Lorem ipsum dolor sit amet"|wordwrap(10) }}' },
  {
    template: '{{ 2.675|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ 42.55|round(1, "floor") }}',
  },
  { template: '{{ 1234567|filesizeformat }} {{ 1234567|filesizeformat(true) }}' },
  { template: '{{ "%s - %05.2f"|format("a", 3.14159) }} {{ "{} {}".format(1, 2) }}' },
  {
    template: '{{ users|map(attribute="name")|join(", ") }}',
    context: { users: [{ name: 'a' }, { name: 'b' }] },
  },
  {
    template: '{% for g in users|groupby("c") %}{{ g.grouper }}:{{ g.list|length }} {% endfor %}',
    context: { users: [{ c: 'x' }, { c: 'y' }, { c: 'x' }] },
  },
  {
    template: '{{ [3, 1, 2]|sort|list }} {{ ["b", "A", "c"]|sort }} {{ [1, 2, 2, 3]|unique|list }}',
  },
  { template: '{{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3, 4, 5]|slice(2)|list }}' },
  {
    template:
      '{{ "<b>x</b>"|striptags }} {{ "<b>"|e }} {{ "a b"|urlencode }} {{ {"a": 1, "b": "x y"}|urlencode }}',
  },
  { template: '{{ "visit www.example.com now"|urlize }}' },
  { template: '{{ {"a": "<b>", "b": [1, 2]}|tojson }}' },
  { template: '<p{{ {"class": "x", "id": "y<"}|xmlattr }}>' },
  {
    template: '{{ x|default("d") }} {{ ""|default("e", true) }} {{ none is none }} {{ 3 is odd }}',
  },
  {
    template:
      '{% macro m(a, b=2) %}{{ a }}{{ b }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1) }}|{{ m(1, 3, 4, z=5) }}',
  },
  { template: '{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}inner{% endcall %}' },
  { template: 'a  {%- if true -%}  b  {%- endif -%}  c' },
  {
    template: '{% filter upper %}hi {{ 1 + 1 }}{% endfilter %} {% set x %}block{% endset %}{{ x }}',
  },
  { template: '{% raw %}{{ not }}{% endraw %}{# comment #}' },
  { template: '{{ "%(a)s-%(b)s"|format(a=1, b=2) }} {{ [1,2,3][::-1] }} {{ "hello"[1:3] }}' },
  {
    template:
      '{{ 10|int + "3"|int }} {{ "3.5"|float }} {{ -3|abs }} {{ [1, 2]|sum }} {{ [4, 9]|max }}',
  },
  {
    template:
      '{{ x is defined }} {{ x is undefined }} {{ "a" is string }} {{ [] is sequence }} {{ {} is mapping }}',
  },
  { template: "{{ 'a' ~ 1 ~ none }} {{ [1, 2] + [3] }} {{ 'ab' * 2 }}" },
]

const PYTHON = `
import json, sys
from jinja2 import Environment
cases = json.load(sys.stdin)
env = Environment(autoescape=True)
out = []
for c in cases:
    try:
        out.append(env.from_string(c["template"]).render(**(c.get("context") or {})))
    except Exception as e:
        out.append("ERROR: " + type(e).__name__ + ": " + str(e))
json.dump(out, sys.stdout)
`

const cases: Case[] = process.argv[2]
  ? (JSON.parse(readFileSync(process.argv[2], 'utf8')) as Case[])
  : BUILT_IN
const python = spawnSync('python3', ['-c', PYTHON], {
  input: JSON.stringify(cases),
  encoding: 'utf8',
})
if (python.status !== 0) {
  console.error(`python3 with jinja2 is needed: ${python.stderr || python.error?.message}`)
  process.exit(2)
}
const expected = JSON.parse(python.stdout) as string[]
const env = createEnvironment({ loader: memoryLoader({}) })
let differences = 0
for (const [i, c] of cases.entries()) {
  let actual: string
  try {
    actual = env.renderString(c.template, c.context ?? {})
  } catch (error) {
    actual = `ERROR: ${(error as Error).message.split('\n')[0]}`
  }
  if (actual !== expected[i]) {
    differences++
    console.log(
      `✗ ${c.template}\n  jinja2: ${JSON.stringify(expected[i])}\n  plinth: ${JSON.stringify(actual)}`,
    )
  }
}
console.log(`${cases.length - differences} of ${cases.length} cases render the same.`)
