/**
 * Typed template contexts end to end: `plinth templates:types` generates the types for the
 * fixture templates (`fixtures/templates-types/`), and the TypeScript compiler, run on a file
 * using `typedRender<TemplateContexts>()`, accepts correct render calls and rejects wrong ones
 * (each `@ts-expect-error` fails the compile if its line stops being an error). Also: `--check`,
 * the command's errors, Biome leaving the generated file as it is, and the typed wrappers
 * rendering exactly like `render`.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { createApp, render, templates, typedRender } from 'plinth'
import { createEnvironment, memoryLoader, typedEnvironment } from 'plinth/templates'
import { testClient } from 'plinth/testing'
import { runCli } from './support/cli.ts'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '..')
const FIXTURES = join(import.meta.dirname, 'fixtures/templates-types')
// Inside the repository (ignored by git) so `plinth` and the project's tsconfig resolve.
const WORK = join(ROOT, 'tmp', `templates-types-${process.pid}`)
rmSync(WORK, { recursive: true, force: true })
mkdirSync(WORK, { recursive: true })
after(() => rmSync(WORK, { recursive: true, force: true }))

/** Run `plinth <args>` in-process in `cwd`; its exit code and output. */
function plinth(args: string[], cwd = WORK) {
  return runCli(cwd, args)
}

const USE = `import { createApp, typedRender } from 'plinth'
import { createEnvironment, typedEnvironment } from 'plinth/templates'
import type { TemplateContexts } from './template-contexts.ts'

interface ProductRow {
  id: number
  name: string
  price: number
  category: { id: number; name: string } // more than the template reads is fine
}
const products: ProductRow[] = [{ id: 1, name: 'Oak stool', price: 45, category: { id: 2, name: 'Stools' } }]
const categories = new Set([{ name: 'Stools' }]) // any iterable, not only arrays
const render = typedRender<TemplateContexts>()
const app = createApp()

app.get('/ok', (ctx) => render(ctx, 'products.html', { products, categories, site_name: 'Shop' }))
app.get('/ok-optional', (ctx) =>
  render(
    ctx,
    'products.html',
    { products: [], categories: [], site_name: 'Shop', user: { name: 'Ada' }, query: 'oak' },
    { status: 404 },
  ),
)
// @ts-expect-error products is missing
app.get('/missing', (ctx) => render(ctx, 'products.html', { categories, site_name: 'Shop' }))
// @ts-expect-error prodcts is misspelled
app.get('/typo', (ctx) => render(ctx, 'products.html', { prodcts: products, categories, site_name: 'Shop' }))
app.get('/item', (ctx) =>
  // @ts-expect-error the items lack the name the row template reads
  render(ctx, 'products.html', { products: [{ nam: 'x', price: 1, category: { name: 'c' } }], categories, site_name: 'Shop' }),
)
// @ts-expect-error categories is looped over (join), a number is not iterable
app.get('/join', (ctx) => render(ctx, 'products.html', { products, categories: 3, site_name: 'Shop' }))
// @ts-expect-error user is optional, but when given it needs a name
app.get('/user', (ctx) => render(ctx, 'products.html', { products, categories, site_name: 'Shop', user: {} }))
// A template that reads nothing (or only optional variables) needs no data.
app.get('/forms', (ctx) => render(ctx, 'forms.html'))
app.get('/forms-404', (ctx) => render(ctx, 'forms.html', undefined, { status: 404 }))
app.get('/base', (ctx) => render(ctx, 'base.html', { site_name: 'Shop' }))
// @ts-expect-error products.html needs data
app.get('/nodata', (ctx) => render(ctx, 'products.html'))
// @ts-expect-error there is no template product.html
app.get('/name', (ctx) => render(ctx, 'product.html', {}))

const env = typedEnvironment<TemplateContexts>(createEnvironment())
export const row = () => env.render('row.html', { product: products[0]! })
// @ts-expect-error row.html reads product
export const bad = () => env.render('row.html', {})
export { app }
`

describe('plinth templates:types', () => {
  const out = join(WORK, 'template-contexts.ts')

  it('writes the contexts of every template', async () => {
    const result = await plinth(['templates:types', '--dir', FIXTURES, '--out', out])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^Wrote template-contexts\.ts \(4 templates\)\.$/m)
    const text = readFileSync(out, 'utf8')
    assert.match(
      text,
      /'products\.html': \{\n {4}categories: Iterable<\{ name: unknown \}>\n {4}products: Iterable<\{ category: \{ name: unknown \}; name: unknown; price: unknown \}>\n {4}query\?: unknown\n {4}site_name: unknown\n {4}user\?: \{ name: unknown \}\n {2}\}/,
    )
    assert.match(
      text,
      /'row\.html': \{ product: \{ category: \{ name: unknown \}; name: unknown; price: unknown \} \}/,
    )
    assert.match(text, /'forms\.html': \{\}/)
  })

  it('makes the compiler accept correct render calls and reject wrong ones', async () => {
    writeFileSync(join(WORK, 'use.ts'), USE)
    writeFileSync(
      join(WORK, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', include: ['./*.ts'] }),
    )
    const tsc = join(ROOT, 'node_modules/.bin/tsc')
    const result = await run(tsc, ['-p', join(WORK, 'tsconfig.json')], { cwd: ROOT }).catch(
      (error) => error,
    )
    assert.equal(result.code ?? 0, 0, `${result.stdout ?? ''}${result.stderr ?? ''}`)
  })

  it('writes what Biome leaves unchanged', async () => {
    const text = readFileSync(out, 'utf8')
    const biome = join(ROOT, 'node_modules/.bin/biome')
    const child = execFile(biome, ['format', '--stdin-file-path=src/template-contexts.ts'], {
      cwd: ROOT,
    })
    child.stdin?.end(text)
    let formatted = ''
    child.stdout?.on('data', (chunk) => (formatted += chunk))
    const code = await new Promise((done) => child.on('close', done))
    assert.equal(code, 0)
    assert.equal(formatted, text)
  })

  it('--check passes when up to date (even reformatted) and fails when not', async () => {
    const dir = join(WORK, 'app')
    cpSync(FIXTURES, join(dir, 'templates'), { recursive: true })
    const args = ['templates:types', '--check']
    const missing = await plinth(args, dir)
    assert.equal(missing.code, 1)
    assert.match(
      missing.stderr,
      /src\/template-contexts\.ts is missing; run plinth templates:types/,
    )

    assert.equal((await plinth(['templates:types'], dir)).code, 0)
    const file = join(dir, 'src/template-contexts.ts')
    const ok = await plinth(args, dir)
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /src\/template-contexts\.ts is up to date \(4 templates\)/)
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll("'", '"').replaceAll('; ', ';\n'))
    assert.equal((await plinth(args, dir)).code, 0)

    writeFileSync(join(dir, 'templates/row.html'), '{{ product.name }} {{ product.sku }}')
    const stale = await plinth(args, dir)
    assert.equal(stale.code, 1)
    assert.match(stale.stderr, /is out of date; run plinth templates:types --dir templates/)
  })

  it('leaves out names given with --global', async () => {
    const result = await plinth([
      'templates:types',
      '--dir',
      FIXTURES,
      '--out',
      out,
      '--global',
      'site_name',
    ])
    assert.equal(result.code, 0, result.stderr)
    const text = readFileSync(out, 'utf8')
    assert.doesNotMatch(text.slice(text.indexOf('export interface')), /site_name/)
    assert.match(text, /^\/\/ plinth templates:types .* --global site_name$/m)
  })

  it('reports a missing directory, a bad --global and a template syntax error', async () => {
    const empty = await plinth(['templates:types', '--dir', 'nowhere'])
    assert.equal(empty.code, 2)
    assert.match(empty.stderr, /No templates found in nowhere; give the template directory/)
    const global = await plinth(['templates:types', '--dir', FIXTURES, '--global', 'a-b'])
    assert.equal(global.code, 2)
    assert.match(global.stderr, /--global "a-b" is not a variable name/)
    const broken = join(WORK, 'broken')
    mkdirSync(broken, { recursive: true })
    writeFileSync(join(broken, 'bad.html'), '{% for x in xs %}')
    const syntax = await plinth(['templates:types', '--dir', broken, '--out', out])
    assert.equal(syntax.code, 1)
    assert.match(
      syntax.stderr,
      /bad\.html:1:18: Missing \{% endfor %\}.*\[PLINTH_TEMPLATE_SYNTAX\]/s,
    )
  })

  it('is listed in plinth --help', async () => {
    const help = await plinth(['--help'])
    assert.match(
      help.stdout,
      /templates:types\s+Generate TypeScript types of what each template reads/,
    )
  })
})

describe('typed rendering at run time', () => {
  const loader = memoryLoader({ 'hi.html': 'Hi {{ user.name }}' })

  it('typedRender() renders exactly as render()', async () => {
    const app = createApp()
    app.register(templates(createEnvironment({ loader })))
    const typed = typedRender<{ 'hi.html': { user: { name: unknown } } }>()
    app.get('/typed', (ctx) => typed(ctx, 'hi.html', { user: { name: '<Ada>' } }, { status: 201 }))
    app.get('/plain', (ctx) => render(ctx, 'hi.html', { user: { name: '<Ada>' } }, { status: 201 }))
    const client = testClient(app)
    const [a, b] = [await client.get('/typed'), await client.get('/plain')]
    assert.equal(a.status, 201)
    assert.equal(a.text, 'Hi &lt;Ada&gt;')
    assert.equal(a.text, b.text)
  })

  it('typedEnvironment() is the environment itself', () => {
    const env = createEnvironment({ loader })
    const typed = typedEnvironment<{ 'hi.html': { user: { name: unknown } } }>(env)
    assert.equal(typed, env)
    assert.equal(typed.render('hi.html', { user: { name: 'Bo' } }), 'Hi Bo')
  })
})
