import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { stripVTControlCharacters } from 'node:util'
import { spawnNode } from '../../test/support/child-process.ts'

/** Run a module body in a fresh process (so what it loads is its own) and return its stdout. */
async function runScript(source: string): Promise<string> {
  const child = spawnNode(['--input-type=module', '-e', source])
  const code = await child.exited(60_000)
  assert.equal(code, 0, child.stderr())
  return child.stdout()
}

describe('createLogger', () => {
  it('writes one JSON object per line by default', async () => {
    const out = await runScript(
      "import { createLogger } from 'plinth/logging'; createLogger({ base: { service: 'shop' } }).info({ order: 7 }, 'paid'); await new Promise((r) => setTimeout(r, 50))",
    )
    const line = JSON.parse(out.trim())
    assert.equal(line.msg, 'paid')
    assert.equal(line.order, 7)
    assert.equal(line.service, 'shop')
    assert.equal(line.level, 30)
  })

  it('pretty-prints when asked, loading pino-pretty on demand', async () => {
    const out = await runScript(
      "import { createLogger } from 'plinth/logging'; createLogger({ pretty: true }).warn({ order: 7 }, 'card declined')",
    )
    const text = stripVTControlCharacters(out)
    assert.throws(() => JSON.parse(text.trim()), 'not JSON')
    assert.match(text, /WARN: card declined/)
    assert.match(text, /order: 7/)
  })

  it("is not what makes `import 'plinth'` load pino-pretty or the multipart parser", async () => {
    // Both cost start-up time in every process; they load on first use instead.
    const out = await runScript(
      "import { createRequire } from 'node:module'; await import('plinth'); await import('plinth/logging'); const cache = Object.keys(createRequire(import.meta.url).cache); console.log(JSON.stringify(cache.filter((p) => /pino-pretty|busboy/.test(p))))",
    )
    assert.deepEqual(JSON.parse(out.trim()), [])
  })
})
