/**
 * The contenders of the TechEmpower-style suite: one server script each under bench/tfb/servers/,
 * all following the same contract (environment variables, routes, the `{"port":N}` line; see
 * bench/README.md), and the version string the report shows, read from what is installed.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH_DIR, ROOT_DIR } from '../harness.ts'

export interface TfbContender {
  id: string
  label: string
  /** Under bench/. */
  script: string
  /** The framework's version as installed, e.g. `fastify 5.6.1`. */
  version(): string
  /** Extra environment variables on top of the server contract's (e.g. TFB_PG_MODE). */
  env?: Record<string, string>
  /**
   * A tuned reference, not a framework: reported beside the others but not a peer Plinth must
   * beat, and left out unless asked for with --contenders.
   */
  reference?: boolean
}

/** The version in an installed package's package.json (bench's node_modules first, then the root's). */
export function installedVersion(name: string): string {
  for (const dir of [join(BENCH_DIR, 'node_modules'), join(ROOT_DIR, 'node_modules')]) {
    const file = join(dir, name, 'package.json')
    if (existsSync(file))
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  }
  return 'not installed'
}

/** Plinth's package version and the commit measured (its `src/` runs from the working tree). */
function plinthVersion(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as {
    version: string
  }
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: ROOT_DIR, encoding: 'utf8' }).stdout?.trim() ?? ''
  const commit = git('rev-parse', '--short', 'HEAD')
  if (!commit) return `plinth ${version}`
  const dirty =
    git('status', '--porcelain', '--', 'src') !== '' ? ', with uncommitted changes in src/' : ''
  return `plinth ${version} (commit ${commit}${dirty})`
}

export const TFB_CONTENDERS: TfbContender[] = [
  {
    id: 'raw',
    label: 'node:http (raw)',
    script: 'tfb/servers/raw.ts',
    version: () => `node ${process.version.slice(1)}`,
  },
  {
    id: 'raw-pipelined',
    label: 'node:http + pipelined pg (tuned reference)',
    script: 'tfb/servers/raw.ts',
    env: { TFB_PG_MODE: 'pipelined' },
    reference: true,
    version: () => `node ${process.version.slice(1)}, pg ${installedVersion('pg')} pipeline mode`,
  },
  {
    id: 'plinth',
    label: 'Plinth',
    script: 'tfb/servers/plinth.ts',
    version: plinthVersion,
  },
  {
    id: 'plinth-reserved',
    label: 'Plinth, pool.pipeline = false (reference)',
    script: 'tfb/servers/plinth.ts',
    env: { TFB_PG_MODE: 'pool' },
    reference: true,
    version: () => `${plinthVersion()}, pool.pipeline = false`,
  },
  {
    id: 'fastify',
    label: 'Fastify',
    script: 'tfb/servers/fastify.ts',
    version: () => `fastify ${installedVersion('fastify')}`,
  },
  {
    id: 'hono',
    label: 'Hono',
    script: 'tfb/servers/hono.ts',
    version: () =>
      `hono ${installedVersion('hono')}, @hono/node-server ${installedVersion('@hono/node-server')}`,
  },
  {
    id: 'express',
    label: 'Express',
    script: 'tfb/servers/express.ts',
    version: () => `express ${installedVersion('express')}`,
  },
]

export const BASELINE = 'raw'
export const PLINTH = 'plinth'

export const contenderById = (id: string): TfbContender => {
  const contender = TFB_CONTENDERS.find((c) => c.id === id)
  if (contender === undefined) throw new Error(`unknown contender ${id}`)
  return contender
}
