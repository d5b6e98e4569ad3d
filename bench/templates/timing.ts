/**
 * The two timing methods of bench/templates.ts, for synchronous render functions.
 *
 * - mitata, one contender after the other, for its statistics and its summary;
 * - a plain loop whose runs interleave the contenders in short blocks (as bench/orm.ts does),
 *   so that a VM that changes speed during a run, or garbage one contender leaves for the next
 *   to collect, falls on every contender alike. Ratios are taken per run and then the median,
 *   which is what the report trusts.
 *
 * Both wait for a quiet machine first and repeat a measurement during which other processes
 * used more than `maxForeign` cores (on a 2-core VM a test suite running beside the benchmark
 * moves the numbers far more than the differences measured).
 */
import { bench, do_not_optimize, group, run, summary } from 'mitata'
import { type CpuSample, foreignLoad, sampleCpu, sleep } from '../harness.ts'

export interface Variant {
  id: string
  label: string
  fn: () => string
}

export interface QuietOptions {
  /** Foreign load (cores) above which a measurement is repeated. */
  maxForeign: number
  /** How often a disturbed measurement is repeated. */
  retries: number
  /** How long to wait for a quiet machine before measuring anyway, in seconds. */
  waitSeconds: number
}

const collect = typeof globalThis.gc === 'function' ? globalThis.gc : () => {}
const sample = (): CpuSample => sampleCpu(undefined)

/** Wait until other processes use at most `maxForeign` cores (or `waitSeconds` have passed). */
export async function quiet(options: QuietOptions): Promise<void> {
  if (options.waitSeconds <= 0) return
  const deadline = Date.now() + options.waitSeconds * 1000
  let announced = false
  for (;;) {
    const before = sample()
    await sleep(500)
    const load = foreignLoad(before, sample())
    if (load <= options.maxForeign) return
    if (Date.now() > deadline) {
      console.warn(`  ⚠ still ${load.toFixed(2)} cores of foreign load; measuring anyway`)
      return
    }
    if (!announced) console.log(`  … other processes use ${load.toFixed(2)} cores; waiting`)
    announced = true
  }
}

/** Keeps every result alive, so that no render can be optimized away. */
let sink = 0

/** ns spent on `n` renders. */
function timed(fn: () => string, n: number): number {
  const start = performance.now()
  for (let k = 0; k < n; k++) sink += fn().length
  return (performance.now() - start) * 1e6
}

/** Runs `fn` for about `ms` (warming it up) and returns ns per render. */
function calibrate(fn: () => string, ms: number): number {
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) {
    for (let k = 0; k < 20; k++) sink += fn().length
    n += 20
  }
  return ((performance.now() - start) * 1e6) / n
}

export interface LoopResult {
  /** ns per render of each variant (in the order given), one entry per run. */
  perRun: number[][]
  /** Renders per run of each variant. */
  renders: number[]
  /** Highest foreign load (cores) of a kept run, and how many runs were repeated. */
  foreign: number
  repeated: number
}

/**
 * `runs` runs of every variant: each run renders about `runMs` worth per variant (so a fast
 * engine renders more often than a slow one), in `blocks` blocks whose order alternates
 * (forward, then backward) between the variants.
 */
export async function loop(
  variants: readonly Variant[],
  options: QuietOptions & { runs: number; runMs: number; blocks: number },
): Promise<LoopResult> {
  const perBlock = variants.map((v) =>
    Math.max(5, Math.round((options.runMs * 1e6) / calibrate(v.fn, 200) / options.blocks)),
  )
  const forward = variants.map((_, index) => index)
  const backward = [...forward].reverse()
  const perRun = variants.map(() => [] as number[])
  let foreign = 0
  let repeated = 0
  for (let r = 0; r < options.runs; r++) {
    for (let attempt = 0; ; attempt++) {
      await quiet(options)
      collect()
      const before = sample()
      const spent = variants.map(() => 0)
      for (let b = 0; b < options.blocks; b++) {
        for (const v of b % 2 === 0 ? forward : backward) {
          spent[v]! += timed(variants[v]!.fn, perBlock[v]!)
        }
      }
      const load = foreignLoad(before, sample())
      if (load > options.maxForeign && attempt < options.retries) {
        repeated++
        continue
      }
      foreign = Math.max(foreign, load)
      spent.forEach((ns, v) => {
        perRun[v]!.push(ns / (perBlock[v]! * options.blocks))
      })
      break
    }
  }
  if (sink === -1) console.log(sink) // never true; reads the sink once
  return { perRun, renders: perBlock.map((n) => n * options.blocks), foreign, repeated }
}

/**
 * One mitata group (printed with its summary, `baseline` first), repeated when disturbed.
 * Returns mitata's average ns per render by variant id, and the foreign load.
 */
export async function mitataGroup(
  title: string,
  variants: readonly Variant[],
  baseline: string,
  options: QuietOptions,
): Promise<{ avg: Map<string, number>; foreign: number }> {
  for (let attempt = 0; ; attempt++) {
    await quiet(options)
    summary(() => {
      group(title, () => {
        for (const v of variants) {
          const b = bench(`${v.label}`, () => do_not_optimize(v.fn()))
          if (v.id === baseline) b.baseline()
        }
      })
    })
    const before = sample()
    const result = await run()
    const foreign = foreignLoad(before, sample())
    if (foreign > options.maxForeign && attempt < options.retries) {
      console.log(`  (${foreign.toFixed(2)} cores of foreign load during ${title}; repeating)`)
      continue
    }
    const avg = new Map<string, number>()
    for (const trial of result.benchmarks) {
      const variant = variants.find((v) => v.label === trial.alias)
      const stats = trial.runs[0]?.stats
      if (variant !== undefined && stats !== undefined) avg.set(variant.id, stats.avg)
    }
    return { avg, foreign }
  }
}
