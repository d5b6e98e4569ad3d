/**
 * bench/auth.ts over HTTP: every variant of the fixture loaded by wrk in turn within each
 * repetition, with the server's own user and kernel CPU per request, and the tables of the report.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import {
  formatMs,
  formatRatio,
  formatRps,
  median,
  parseWrk,
  pin,
  processTimes,
  runWrk,
  type WrkResult,
} from '../harness.ts'
import {
  formatErrors,
  formatFigures,
  formatPairedRatios,
  formatRepetitions,
  interleave,
  measureQuietly,
} from '../measure.ts'
import { checkFixture, fixtureWrkArgs, startFixture } from './fixture.ts'
import type { Options } from './options.ts'

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux unless built otherwise). */
const CLOCK_TICKS = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
  const n = Number(out.stdout?.trim())
  return Number.isSafeInteger(n) && n > 0 ? n : 100
})()

// Redis serves the sessions-redis variant: its CPU is the benchmark's own, not foreign load.

/** The local redis-server's pid (for CPU accounting), when Redis runs on this machine. */
async function localRedisPid(): Promise<number | undefined> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  if (!/^redis:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(url)) return undefined
  const { connectRedis } = await import('plinth/redis')
  const redis = connectRedis(url)
  try {
    const info = String(await redis.command(['INFO', 'server']))
    const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1])
    return Number.isSafeInteger(pid) && existsSync(`/proc/${pid}/stat`) ? pid : undefined
  } catch (error) {
    throw new Error(
      `the sessions-redis variant needs Redis at ${url} (REDIS_URL): ${(error as Error).message}`,
    )
  } finally {
    await redis.close()
  }
}

/** One measurement: wrk's figures plus the server's own CPU time per request. */
interface Measurement extends WrkResult {
  /** Server CPU per request in user space and in the kernel (µs), from /proc/<pid>/stat. */
  userUs: number
  sysUs: number
}

export type Results = Map<string, Measurement[]> // variant id → one per repetition

export async function runHttp(options: Options, pinning: boolean): Promise<Results> {
  const results: Results = new Map(options.variants.map((v) => [v.id, []]))
  const redisPid = options.variants.some((v) => v.id === 'sessions-redis')
    ? await localRedisPid()
    : undefined
  const perServer = options.duration + options.warmup + 2
  console.log(
    `HTTP: ${options.reps} repetition(s) × ${options.variants.length} variants, GET /me for ${options.duration} s each ` +
      `(about ${Math.ceil((options.reps * options.variants.length * perServer) / 60)} min)`,
  )
  const wrk = (fixture: Parameters<typeof fixtureWrkArgs>[1], seconds: number) =>
    pin(pinning, 1, fixtureWrkArgs(options.connections, fixture, seconds))
  await interleave(
    options,
    options.variants,
    (variant) => startFixture(variant, pinning),
    async (fixture, variant, rep) => {
      const extra = variant.id === 'sessions-redis' && redisPid !== undefined ? [redisPid] : []
      await checkFixture(fixture, variant)
      await runWrk(wrk(fixture, options.warmup))
      const args = wrk(fixture, options.duration)
      const pid = fixture.child.pid!
      const progress = `  rep ${rep}/${options.reps}  ${variant.id.padEnd(16)} `
      const result = await measureQuietly(
        options,
        pid,
        async () => {
          const times = processTimes(pid)
          const output = await runWrk(args)
          const after = processTimes(pid)
          const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN)
          const perRequest = (ticks: number) => (ticks / CLOCK_TICKS / requests) * 1e6
          return {
            ...parseWrk(output),
            userUs: perRequest(after.user - times.user),
            sysUs: perRequest(after.sys - times.sys),
          }
        },
        (foreign) =>
          console.log(
            `${progress}disturbed (${foreign.toFixed(2)} cores of foreign load), measuring again`,
          ),
        extra,
      )
      const refused = result.errors.find((e) => e.includes('non-2xx'))
      if (refused) throw new Error(`variant ${variant.id}: wrk got ${refused} — not measuring /me`)
      results.get(variant.id)!.push(result)
      console.log(
        `${progress}${formatFigures(result)}` +
          `  server CPU ${result.userUs.toFixed(1)} user + ${result.sysUs.toFixed(1)} sys µs/req  foreign ${result.foreign.toFixed(2)}` +
          formatErrors(result),
      )
    },
  )
  return results
}

export function renderHttpTable(options: Options, results: Results): string {
  const baseline = median(results.get('bare')!.map((r) => r.requestsPerSecond))
  const lines = [
    '| Variant | Req/s (median) | p50 | p99 | vs bare | µs/req added (1/req/s) | Server CPU µs/req: user + sys | Req/s per repetition |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const variant of options.variants) {
    const runs = results.get(variant.id)!
    const rps = median(runs.map((r) => r.requestsPerSecond))
    const errors = runs.flatMap((r) => r.errors)
    const added = variant.id === 'bare' ? '—' : (1e6 / rps - 1e6 / baseline).toFixed(1)
    const user = median(runs.map((r) => r.userUs))
    const sys = median(runs.map((r) => r.sysUs))
    lines.push(
      `| \`${variant.id}\`${errors.length ? ' ⚠' : ''} | ${formatRps(rps)} | ${formatMs(median(runs.map((r) => r.p50)))} | ${formatMs(median(runs.map((r) => r.p99)))} | ${formatRatio(rps / baseline)} | ${added} | ${user.toFixed(1)} + ${sys.toFixed(1)} | ${formatRepetitions(runs, options.maxForeign)} |`,
    )
  }
  return lines.join('\n')
}

export function renderPairedRatios(options: Options, results: Results): string {
  const bare = results.get('bare')!
  const lines = ['| Variant | Ratio to `bare` in each repetition |', '| --- | --- |']
  for (const variant of options.variants) {
    if (variant.id === 'bare') continue
    lines.push(`| \`${variant.id}\` | ${formatPairedRatios(results.get(variant.id)!, bare)} |`)
  }
  return lines.join('\n')
}
