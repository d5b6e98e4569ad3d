/**
 * Build the publishable package: `dist/` with JavaScript, declarations and source maps, from
 * `src/` (tests excluded). Relative `.ts` imports are rewritten to `.js` by the compiler.
 *
 * Usage: `npm run build` (or `node scripts/build.ts --out-dir <dir>` to build elsewhere).
 */
import { execFileSync } from 'node:child_process'
import { cpSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const root = resolve(import.meta.dirname, '..')
const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } })
const outDir = resolve(values['out-dir'] ?? join(root, 'dist'))

rmSync(outDir, { recursive: true, force: true })
execFileSync(
  join(root, 'node_modules/.bin/tsc'),
  ['-p', join(root, 'tsconfig.build.json'), '--outDir', outDir],
  {
    stdio: 'inherit',
  },
)
// Data files the code reads at run time (the common-passwords list) travel beside the JavaScript.
const ASSETS = /\.(gz|txt|json)$/
for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !ASSETS.test(entry.name)) continue
  const from = join(entry.parentPath, entry.name)
  const to = join(outDir, relative(join(root, 'src'), from))
  cpSync(from, to)
  console.log(`copied ${relative(root, to)} (${dirname(relative(root, from))})`)
}
console.log(`built ${outDir}`)
