/**
 * The wrk measurement loop of http.ts and auth.ts: their common options, servers started one at
 * a time in turn within each repetition (A B C A B C …, a fresh process each time), each
 * measurement repeated while other processes disturbed it, and the figures the reports share.
 */
import {
  foreignLoad,
  formatMs,
  formatRatio,
  formatRps,
  type RunningServer,
  sampleCpu,
  stopServer,
  type WrkResult,
  waitForQuiet,
} from './harness.ts'

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/** `--name value` options of a command line. */
export interface Cli {
  /** The value after `name`, undefined when `name` is absent. */
  value(name: string): string | undefined
  integer(name: string, fallback: number, min?: number): number
}

export function readCli(argv: readonly string[]): Cli {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(name)
    if (index === -1) return undefined
    const v = argv[index + 1]
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`)
    return v
  }
  const integer = (name: string, fallback: number, min = 1): number => {
    const raw = value(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}`)
    return n
  }
  return { value, integer }
}

/**
 * The ids of a comma-separated option (all `known` ones when absent), each checked, with the
 * baseline put first when missing: ratios need it.
 */
export function pickIds(
  raw: string | undefined,
  known: readonly { id: string }[],
  kind: string,
  baseline: string,
): string[] {
  const ids = (raw ?? known.map((k) => k.id).join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const id of ids) {
    if (!known.some((k) => k.id === id)) {
      throw new Error(`unknown ${kind} "${id}"; known: ${known.map((k) => k.id).join(', ')}`)
    }
  }
  if (!ids.includes(baseline)) ids.unshift(baseline)
  return ids
}

export interface LoadOptions {
  quick: boolean
  reps: number
  duration: number
  warmup: number
  connections: number
  /** Foreign CPU load (in cores) above which a measurement counts as disturbed. */
  maxForeign: number
  /** How often a disturbed measurement is repeated. */
  retries: number
}

/** `--quick`, `--max-foreign`, `--retries`, `--reps`, `--duration`, `--warmup`, `--connections`. */
export function parseLoadOptions(
  argv: readonly string[],
  cli: Cli,
  duration = { full: 5, quick: 2 },
): LoadOptions {
  const quick = argv.includes('--quick')
  const maxForeign = Number(cli.value('--max-foreign') ?? 0.05)
  if (!(maxForeign > 0)) throw new Error('--max-foreign must be a positive number of cores')
  return {
    quick,
    maxForeign,
    retries: cli.integer('--retries', quick ? 0 : 2, 0),
    reps: cli.integer('--reps', quick ? 1 : 3),
    duration: cli.integer('--duration', quick ? duration.quick : duration.full),
    warmup: cli.integer('--warmup', quick ? 1 : 2),
    connections: cli.integer('--connections', 64),
  }
}

// ---------------------------------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------------------------------

/**
 * For each repetition, each item in turn: wait for a quiet machine, start its server, `measure`
 * it, stop it.
 */
export async function interleave<Item, Server extends RunningServer>(
  options: Pick<LoadOptions, 'reps' | 'maxForeign'>,
  items: readonly Item[],
  start: (item: Item) => Promise<Server>,
  measure: (server: Server, item: Item, rep: number) => Promise<void>,
): Promise<void> {
  for (let rep = 1; rep <= options.reps; rep++) {
    for (const item of items) {
      await waitForQuiet(options.maxForeign, undefined)
      const server = await start(item)
      try {
        await measure(server, item, rep)
      } finally {
        await stopServer(server)
      }
    }
  }
}

/**
 * `run` once the machine is quiet, and again (up to `retries` times, `onDisturbed` told each
 * time) while other processes used more than `maxForeign` cores meanwhile. `extraPids` serve the
 * benchmark (Redis): their CPU is not foreign.
 */
export async function measureQuietly<T extends object>(
  options: Pick<LoadOptions, 'maxForeign' | 'retries'>,
  serverPid: number | undefined,
  run: () => Promise<T>,
  onDisturbed: (foreign: number) => void,
  extraPids: readonly number[] = [],
): Promise<T & Pick<WrkResult, 'foreign' | 'attempts'>> {
  for (let attempt = 1; ; attempt++) {
    await waitForQuiet(options.maxForeign, serverPid, extraPids)
    const before = sampleCpu(serverPid, extraPids)
    const value = await run()
    const foreign = foreignLoad(before, sampleCpu(serverPid, extraPids))
    if (foreign <= options.maxForeign || attempt > options.retries) {
      return { ...value, foreign, attempts: attempt }
    }
    onDisturbed(foreign)
  }
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/** `12,345 req/s  p50 1.23 ms  p99 4.56 ms` (req/s padded to 9) for the progress lines. */
export function formatFigures(result: WrkResult): string {
  return (
    `${formatRps(result.requestsPerSecond).padStart(9)} req/s` +
    `  p50 ${formatMs(result.p50)}  p99 ${formatMs(result.p99)}`
  )
}

/** wrk's errors at the end of a progress line, if any. */
export const formatErrors = (result: WrkResult): string =>
  result.errors.length ? `  ⚠ ${result.errors.join('; ')}` : ''

/** Req/s of each repetition, a disturbed one marked †. */
export function formatRepetitions(runs: readonly WrkResult[], maxForeign: number): string {
  return runs
    .map((r) => formatRps(r.requestsPerSecond) + (r.foreign > maxForeign ? '†' : ''))
    .join(', ')
}

/** Each run's req/s against the baseline's in the same repetition. */
export function formatPairedRatios(
  runs: readonly WrkResult[],
  baseline: readonly WrkResult[],
): string {
  return runs
    .map((r, i) => formatRatio(r.requestsPerSecond / baseline[i]!.requestsPerSecond))
    .join(', ')
}

/** Over all kept measurements: wrk's errors, and how much foreign load there was. */
export function summariseLoad(all: readonly WrkResult[], maxForeign: number) {
  return {
    errors: all.flatMap((r) => r.errors),
    disturbed: all.filter((r) => r.foreign > maxForeign).length,
    repeated: all.reduce((n, r) => n + r.attempts - 1, 0),
    maxForeign: Math.max(...all.map((r) => r.foreign)),
  }
}

/** The report's closing line when wrk reported errors. */
export const errorsNote = (errors: readonly string[]): string =>
  errors.length ? `\n⚠ wrk reported errors: ${[...new Set(errors)].join('; ')}\n` : ''
