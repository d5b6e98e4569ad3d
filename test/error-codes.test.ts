/**
 * Every error code the source can produce is documented in docs/errors.md, so the reference
 * cannot fall behind the code.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { it } from 'node:test'

const ROOT = resolve(import.meta.dirname, '..')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) return sources(full)
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : []
  })
}

it('documents every PlinthError code and every response error code', () => {
  const text = sources(join(ROOT, 'src'))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n')
    // Codes quoted in comments (examples, validator codes) are not codes Plinth produces.
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
  const reference = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8')
  const plinthCodes = new Set(text.match(/'PLINTH_[A-Z0-9_]+'/g)?.map((c) => c.slice(1, -1)))
  const responseCodes = new Set(
    [
      ...text.matchAll(/code: '([a-z_]+)'/g),
      ...text.matchAll(/'([a-z]+(?:_[a-z]+)*_too_large|too_many_[a-z]+)'/g),
    ].map((m) => m[1]!),
  )
  const missing = [...plinthCodes, ...responseCodes].filter(
    (code) => !reference.includes(`\`${code}\``),
  )
  assert.ok(plinthCodes.size > 40)
  assert.deepEqual(missing, [])
})
