/**
 * Documentation examples are tests: every ```ts block in README.md and docs/ is extracted,
 * type-checked with the project's strict settings, and run. A block whose info string is
 * `ts fragment` is shown to readers but not run (it is not a complete program).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = resolve(import.meta.dirname, '..')
const OUT = join(ROOT, '.doctest')

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) return markdownFiles(full)
    return name.endsWith('.md') ? [full] : []
  })
}

interface Snippet {
  source: string
  line: number
  file: string
  code: string
}

const snippets: Snippet[] = []
for (const source of [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))]) {
  const text = readFileSync(source, 'utf8')
  const block = /^```ts\n([\s\S]*?)^```$/gm
  for (const match of text.matchAll(block)) {
    const line = text.slice(0, match.index).split('\n').length
    const name = `${relative(ROOT, source).replace(/[^a-z0-9]+/gi, '_')}_${line}.ts`
    snippets.push({ source: relative(ROOT, source), line, file: join(OUT, name), code: match[1]! })
  }
}

rmSync(OUT, { recursive: true, force: true })
mkdirSync(OUT, { recursive: true })
for (const snippet of snippets) writeFileSync(snippet.file, `${snippet.code}\nexport {}\n`)
writeFileSync(
  join(OUT, 'tsconfig.json'),
  JSON.stringify({
    extends: '../tsconfig.json',
    include: ['./*.ts'],
    compilerOptions: { noEmit: true },
  }),
)

describe('documentation examples', () => {
  it('found examples to check', () => {
    assert.ok(snippets.length >= 10, `only ${snippets.length} examples found`)
  })

  it('type-check with the strict project settings', async () => {
    const tsc = join(ROOT, 'node_modules/.bin/tsc')
    const result = await run(tsc, ['-p', join(OUT, 'tsconfig.json')], { cwd: ROOT }).catch(
      (error) => error,
    )
    assert.equal(result.code ?? 0, 0, `${result.stdout ?? ''}${result.stderr ?? ''}`)
  })

  for (const snippet of snippets) {
    it(`${snippet.source}:${snippet.line} runs`, async () => {
      const result = await run(process.execPath, ['--conditions=plinth-source', snippet.file], {
        cwd: ROOT,
        timeout: 60_000,
        env: { ...process.env, NODE_ENV: 'test' },
      }).catch((error) => error)
      assert.equal(result.code ?? 0, 0, `${result.stdout ?? ''}${result.stderr ?? ''}`)
    })
  }
})
