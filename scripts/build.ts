/**
 * Build the publishable package: `dist/` with JavaScript, declarations and source maps, from
 * `src/` (tests excluded). Relative `.ts` imports are rewritten to `.js` by the compiler.
 *
 * Usage: `npm run build` (or `node scripts/build.ts --out-dir <dir>` to build elsewhere).
 */
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
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
console.log(`built ${outDir}`)
