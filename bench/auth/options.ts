/** bench/auth.ts's command line (see its header and bench/README.md). */
import { type LoadOptions, parseLoadOptions, pickIds, readCli } from '../measure.ts'
import { VARIANTS, type Variant } from './fixture.ts'

export interface Options extends LoadOptions {
  only: 'http' | 'micro' | undefined
  variants: Variant[]
  /** Micro-benchmarks whose name matches. */
  filter: RegExp | undefined
  /** `--profile <variant>`: profile that variant instead of benchmarking. */
  profile: string | undefined
  top: number
  interval: number
}

export function parseOptions(argv: readonly string[]): Options {
  const cli = readCli(argv)
  const ids = pickIds(cli.value('--variants'), VARIANTS, 'variant', 'bare')
  const only = cli.value('--only')
  if (only !== undefined && only !== 'http' && only !== 'micro') {
    throw new Error('--only must be "http" or "micro"')
  }
  const profile = cli.value('--profile')
  if (profile !== undefined && !VARIANTS.some((v) => v.id === profile)) {
    throw new Error(`--profile takes a variant: ${VARIANTS.map((v) => v.id).join(', ')}`)
  }
  const filter = cli.value('--filter')
  const duration = profile !== undefined ? { full: 10, quick: 10 } : undefined
  return {
    ...parseLoadOptions(argv, cli, duration),
    only,
    variants: VARIANTS.filter((v) => ids.includes(v.id)),
    filter: filter === undefined ? undefined : new RegExp(filter, 'i'),
    profile,
    top: cli.integer('--top', 25),
    interval: cli.integer('--interval', 100),
  }
}
