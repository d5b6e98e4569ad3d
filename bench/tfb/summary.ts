/**
 * The figures the report and the chart share: per database, layout, test, level and contender,
 * the medians over repetitions and the ratio to raw node:http from the same run.
 */
import { formatRatio, median } from '../harness.ts'
import { BASELINE } from './contenders.ts'
import type { Db, Layout, TfbOptions } from './options.ts'
import type { Measurement, TfbResults } from './run.ts'
import { type Level, levelsOf, TFB_TESTS, type TfbTest } from './tests.ts'

export interface Cell {
  /** One per repetition that measured it, in repetition order. */
  runs: Measurement[]
  reps: number[]
  rps: number
  p50: number
  p99: number
  /** Median req/s over raw's median req/s (NaN without raw figures). */
  ratio: number
  /** Each repetition against raw in the same repetition. */
  paired: number[]
}

export interface Point {
  db: Db
  layout: Layout
  test: TfbTest
  level: Level
}

export function cellOf(results: TfbResults, point: Point, contender: string): Cell | undefined {
  const pick = (id: string) =>
    results.samples
      .filter(
        (s) =>
          s.contender === id &&
          s.db === point.db &&
          s.layout === point.layout &&
          s.test === point.test.id &&
          s.level === point.level.id,
      )
      .sort((a, b) => a.rep - b.rep)
  const own = pick(contender)
  if (own.length === 0) return undefined
  const raw = pick(BASELINE)
  const rps = median(own.map((s) => s.result.requestsPerSecond))
  const rawRps = median(raw.map((s) => s.result.requestsPerSecond))
  return {
    runs: own.map((s) => s.result),
    reps: own.map((s) => s.rep),
    rps,
    p50: median(own.map((s) => s.result.p50)),
    p99: median(own.map((s) => s.result.p99)),
    ratio: rps / rawRps,
    paired: own.map((s) => {
      const same = raw.find((r) => r.rep === s.rep)
      return same ? s.result.requestsPerSecond / same.result.requestsPerSecond : Number.NaN
    }),
  }
}

/** The tests run, each at its highest level (the headline), for one database and layout. */
export function headlinePoints(options: TfbOptions, db: Db, layout: Layout): Point[] {
  return TFB_TESTS.filter((t) => options.tests.includes(t.id)).map((test) => ({
    db,
    layout,
    test,
    level: levelsOf(test, options).at(-1)!,
  }))
}

/** Every database × layout of the run, in the order measured. */
export function combinations(options: TfbOptions): { db: Db; layout: Layout }[] {
  return options.dbs.flatMap((db) => options.layouts.map((layout) => ({ db, layout })))
}

/** Errors of a cell summed over repetitions: `read 3, timeout 2, non-2xx 10`, or `—`. */
export function formatErrorCounts(runs: readonly Measurement[]): string {
  const sum = (get: (m: Measurement) => number) => runs.reduce((n, m) => n + get(m), 0)
  const parts = [
    ['connect', sum((m) => m.socketErrors.connect)],
    ['read', sum((m) => m.socketErrors.read)],
    ['write', sum((m) => m.socketErrors.write)],
    ['timeout', sum((m) => m.socketErrors.timeout)],
    ['non-2xx', sum((m) => m.non2xx)],
  ] as const
  const nonzero = parts.filter(([, n]) => n > 0)
  return nonzero.length ? nonzero.map(([name, n]) => `${name} ${n}`).join(', ') : '—'
}

export const formatMb = (bytes: number) =>
  Number.isFinite(bytes) && bytes > 0 ? `${(bytes / 2 ** 20).toFixed(0)} MB` : 'n/a'

/** `97.5%`, or `n/a` without a raw figure to compare with. */
export const formatShare = (ratio: number) => (Number.isFinite(ratio) ? formatRatio(ratio) : 'n/a')
