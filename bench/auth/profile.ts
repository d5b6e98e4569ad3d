/**
 * `bench/auth.ts --profile <variant>`: where the variant's CPU goes, per request, grouped by
 * Plinth module (`plinth src/sessions`), Node subsystem, GC, native code and dependency.
 */
import { type CallFrame, nodeCategory, profileServer } from '../cpu-profile.ts'
import { checkFixture, fixtureWrkArgs, startFixture, VARIANTS } from './fixture.ts'
import type { Options } from './options.ts'

/** By Plinth module (`plinth src/sessions`), Node subsystem, GC, native, dependencies. */
function frameCategory(frame: CallFrame): string {
  const { url, functionName } = frame
  if (url === '') {
    return functionName.startsWith('(') ? functionName : 'native (builtins, node:sqlite, crypto)'
  }
  if (url.startsWith('node:')) {
    return nodeCategory(url.slice(5), [
      [/sqlite/, 'node: sqlite'],
      [/crypto/, 'node: crypto'],
    ])
  }
  const src = /\/src\/([^/]+)\//.exec(url)
  if (src && !url.includes('/node_modules/')) return `plinth src/${src[1]}`
  if (url.includes('/bench/')) return 'bench fixture'
  const dep = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (dep) return `dependency ${dep[1]}`
  return 'other'
}

export function runProfile(options: Options, pinning: boolean): Promise<void> {
  const variant = VARIANTS.find((v) => v.id === options.profile)!
  return profileServer(
    {
      pinning,
      maxForeign: options.maxForeign,
      interval: options.interval,
      warmup: options.warmup + 1,
      duration: options.duration,
      start: (nodeFlags) => startFixture(variant, pinning, nodeFlags),
      check: (fixture) => checkFixture(fixture, variant),
      wrkArgs: (fixture, seconds) => fixtureWrkArgs(options.connections, fixture, seconds),
    },
    {
      title: `${variant.id} — GET /me`,
      own: 'Plinth and fixture',
      isOwn: (frame) => /\/(src|bench)\//.test(frame.url) && !frame.url.includes('/node_modules/'),
      category: frameCategory,
      top: options.top,
    },
  )
}
