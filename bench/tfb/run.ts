/**
 * The measurement loop of bench/tfb.ts. Per repetition, database and layout, each contender in
 * turn (the order rotating between repetitions), a fresh process each time: start it, note its
 * idle memory, validate it (first repetition only; a failing contender is never timed), warm each
 * route up, measure every test at every level, stop it and check nothing of it is left.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import {
  parseWrk,
  pin,
  type RunningServer,
  runWrk,
  startServer,
  type WrkResult,
  waitForQuiet,
  wrkArgs,
} from '../harness.ts'
import { formatErrors, formatFigures, measureQuietly } from '../measure.ts'
import { contenderById } from './contenders.ts'
import type { Db, Layout, TfbOptions } from './options.ts'
import { postgresPids, processTree, sampleRssPeak, stopServerTree, treeRss } from './procs.ts'
import { levelsOf, type TestId, TFB_TESTS, type TfbTest } from './tests.ts'
import { validateContender } from './validate.ts'

export interface Measurement extends WrkResult {
  socketErrors: { connect: number; read: number; write: number; timeout: number }
  non2xx: number
  /** Highest resident memory of the server's processes during the measurement, in bytes. */
  rssPeak: number
}

export interface Sample {
  rep: number
  db: Db
  layout: Layout
  contender: string
  test: TestId
  level: string
  result: Measurement
}

export interface ContenderEvent {
  rep: number
  db: Db
  layout: Layout
  contender: string
}

export interface TfbResults {
  samples: Sample[]
  /** One per database, layout and contender (first repetition). */
  validations: (ContenderEvent & { failures: string[]; warnings: string[] })[]
  /** Resident memory after start, before any request. */
  idle: (ContenderEvent & { rss: number })[]
  /** A contender that crashed, did not start or did not stop cleanly. */
  problems: (ContenderEvent & { problem: string })[]
}

export const runKey = (db: Db, layout: Layout, contender: string) => `${db}/${layout}/${contender}`

/** wrk's socket error counts and non-2xx responses (zero when it printed none). */
function parseErrorCounts(output: string): Pick<Measurement, 'socketErrors' | 'non2xx'> {
  const count = (name: string) =>
    Number(new RegExp(`Socket errors:.*\\b${name} (\\d+)`).exec(output)?.[1] ?? 0)
  return {
    socketErrors: {
      connect: count('connect'),
      read: count('read'),
      write: count('write'),
      timeout: count('timeout'),
    },
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
  }
}

/** wrk for `seconds` (fractions allowed): started long, stopped by SIGINT. Output ignored. */
function warmUp(args: string[], seconds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(args[0]!, args.slice(1), { stdio: 'ignore' })
    const timer = setTimeout(() => child.kill('SIGINT'), seconds * 1000)
    child.once('error', reject)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** A free port for a cluster (its workers must share a known one; PORT=0 is for one process). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** The server being measured, stopped if this process is interrupted. */
let current: RunningServer | undefined
process.once('SIGINT', () => {
  if (current?.child.pid !== undefined) {
    for (const pid of processTree(current.child.pid)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
  }
  process.exit(130)
})

export async function runTfb(
  options: TfbOptions,
  pinning: boolean,
  databases: Record<Db, string>,
): Promise<TfbResults> {
  const results: TfbResults = { samples: [], validations: [], idle: [], problems: [] }
  const failed = new Set<string>()
  for (let rep = 1; rep <= options.reps; rep++) {
    const shift = (rep - 1) % options.contenders.length
    const order = [...options.contenders.slice(shift), ...options.contenders.slice(0, shift)]
    for (const db of options.dbs) {
      for (const layout of options.layouts) {
        for (const contender of order) {
          if (failed.has(runKey(db, layout, contender))) continue
          const run: ContenderRun = { rep, db, layout, contender, options, pinning, databases }
          if ((await runContender(run, results)) === 'failed')
            failed.add(runKey(db, layout, contender))
        }
      }
    }
  }
  return results
}

interface ContenderRun extends ContenderEvent {
  options: TfbOptions
  pinning: boolean
  databases: Record<Db, string>
}

/** One contender's turn in one repetition; 'failed' when it must not run again (validation). */
async function runContender(run: ContenderRun, results: TfbResults): Promise<'ok' | 'failed'> {
  const { rep, db, layout, options, databases } = run
  const event: ContenderEvent = { rep, db, layout, contender: run.contender }
  const contender = contenderById(run.contender)
  const where = `${contender.label} (${db}, ${layout})`
  const extraPids = () => (db === 'postgres' ? postgresPids() : [])
  const pinned = layout === 'pinned' && run.pinning
  const workers = layout === 'cluster' ? options.workers : 1
  const fail = (problem: string): 'failed' => {
    results.validations.push({ ...event, failures: [problem], warnings: [] })
    return 'failed'
  }

  await waitForQuiet(options.maxForeign, undefined, extraPids())
  let server: RunningServer
  try {
    server = await startServer(
      {
        label: contender.label,
        script: contender.script,
        args: [],
        env: {
          ...contender.env,
          PORT: String(workers === 1 ? 0 : await freePort()),
          TFB_DB: db,
          TFB_DATABASE: databases[db],
          TFB_POOL: String(options.pool),
          TFB_WORKERS: String(workers),
        },
      },
      pinned,
    )
  } catch (error) {
    // In the first repetition this is the contender's validation result; later, a problem.
    const problem = `did not start: ${(error as Error).message}`
    console.log(`  ✗ ${where} ${problem}`)
    if (rep === 1) return fail(problem)
    results.problems.push({ ...event, problem })
    return 'ok'
  }
  current = server
  const pid = server.child.pid!
  const wrk = (test: TfbTest, path: string, connections: number, seconds: number) =>
    pin(
      pinned,
      1,
      wrkArgs(connections, { path, pipeline: test.pipeline }, server.port, seconds, {
        accept: test.accept,
        timeout: 8,
      }),
    )
  const tests = TFB_TESTS.filter((t) => options.tests.includes(t.id))
  try {
    results.idle.push({ ...event, rss: treeRss(pid) })
    if (rep === 1) {
      const began = Date.now()
      const verdict = await validate(`http://127.0.0.1:${server.port}`, db, databases[db])
      const notes = [...verdict.failures, ...verdict.warnings.map((w) => `warning: ${w}`)]
      const state = verdict.failures.length ? '✗ fails validation' : '✓ valid'
      const took = `${((Date.now() - began) / 1000).toFixed(1)} s`
      console.log(`  ${state}: ${where} (${took})${notes.map((l) => `\n      ${l}`).join('')}`)
      results.validations.push({ ...event, ...verdict })
      if (verdict.failures.length) return 'failed'
    }
    // Warm each route up at its highest level, as TechEmpower does before measuring; a smoke
    // run, where only correctness counts, warms them all at once to save time.
    const warmUpRoute = (test: TfbTest) => {
      const top = levelsOf(test, options).at(-1)!
      const args = wrk(test, top.path, top.connections, Math.ceil(options.warmup) + 1)
      return warmUp(args, options.warmup)
    }
    if (options.warmup > 0 && options.smoke) await Promise.all(tests.map(warmUpRoute))
    else if (options.warmup > 0) for (const test of tests) await warmUpRoute(test)
    for (const test of tests) {
      for (const level of levelsOf(test, options)) {
        if (server.child.exitCode !== null || server.child.signalCode !== null) {
          throw new Error('the server exited during the run')
        }
        const args = wrk(test, level.path, level.connections, options.duration)
        const progress = `  rep ${rep}/${options.reps} ${db.padEnd(8)} ${layout.padEnd(7)} ${contender.label.padEnd(16)} ${test.id.padEnd(9)} ${level.id.padEnd(12)}`
        const result = await measureQuietly(
          options,
          pid,
          async () => {
            const rss = sampleRssPeak(pid)
            let rssPeak = 0
            const output = await runWrk(args).finally(() => {
              rssPeak = rss.stop()
            })
            return { ...parseWrk(output), ...parseErrorCounts(output), rssPeak }
          },
          (foreign) => console.log(`${progress} disturbed (${foreign.toFixed(2)} cores), again`),
          // A cluster's workers and the PostgreSQL backends work for the benchmark.
          [...processTree(pid).slice(1), ...extraPids()],
        )
        results.samples.push({ ...event, test: test.id, level: level.id, result })
        console.log(
          `${progress} ${formatFigures(result)}  foreign ${result.foreign.toFixed(2)}${formatErrors(result)}`,
        )
      }
    }
  } catch (error) {
    const problem = (error as Error).message.split('\n')[0]!
    results.problems.push({ ...event, problem })
    console.log(`  ✗ ${where}: ${problem}`)
  } finally {
    current = undefined
    for (const problem of await stopServerTree(server)) {
      results.problems.push({ ...event, problem })
      console.log(`  ⚠ ${where} ${problem}`)
    }
  }
  return 'ok'
}

/** The validator's verdict; a crash of the validator itself is a failure too. */
async function validate(
  baseUrl: string,
  db: Db,
  database: string,
): Promise<{ failures: string[]; warnings: string[] }> {
  try {
    return await validateContender({ baseUrl, db, database })
  } catch (error) {
    return { failures: [`validation crashed: ${(error as Error).message}`], warnings: [] }
  }
}
