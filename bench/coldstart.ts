/**
 * Cold start: how long from `spawn` until a process is useful. Scripts (Node alone, importing
 * Plinth) are timed until they exit; servers (bare `node:http`, a minimal Plinth app, the example
 * catalogue on SQLite) until the first 200 answer, polled every millisecond. The contenders are
 * in `coldstart/contenders.ts`, with the breakdown the report derives from them.
 *
 *   npx node --conditions=plinth-source bench/coldstart.ts            # 15 interleaved runs (~2 min)
 *   npx node --conditions=plinth-source bench/coldstart.ts --quick    # 3 runs
 *   npx node --conditions=plinth-source bench/coldstart.ts --runs 30 --pin 0 --save
 *   npx node --conditions=plinth-source bench/coldstart.ts --contenders raw,plinth --dist
 *
 * Each run starts every contender once, in turn (order reversed every other run), after one
 * untimed warm-up round, so a machine changing speed affects all of them alike; the breakdown
 * uses the per-run differences. A run during which other processes used more than
 * `--max-foreign` cores is repeated (up to `--retries` times) and marked † when it stays so.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { breakdown, CONTENDERS, type Contender, TEMPLATE_SOURCE } from './coldstart/contenders.ts'
import {
  cpuModel,
  foreignLoad,
  formatCommand,
  median,
  ROOT_DIR,
  resultsFile,
  sampleCpu,
  sleep,
} from './harness.ts'
import { pickIds, readCli } from './measure.ts'

const argv = process.argv.slice(2)
const cli = readCli(argv)
const quick = argv.includes('--quick')
const options = {
  runs: cli.integer('--runs', quick ? 3 : 15),
  pin: cli.value('--pin'),
  dist: argv.includes('--dist'),
  save: argv.includes('--save'),
  maxForeign: Number(cli.value('--max-foreign') ?? 0.25),
  retries: cli.integer('--retries', quick ? 0 : 2, 0),
}
if (options.pin !== undefined && !/^\d+$/.test(options.pin)) throw new Error('--pin takes a CPU')
if (!(options.maxForeign > 0)) throw new Error('--max-foreign must be a positive number of cores')
if (options.dist && !existsSync(join(ROOT_DIR, 'dist', 'index.js'))) {
  throw new Error('--dist needs the built package: run `npm run build` first')
}
const ids = pickIds(cli.value('--contenders'), CONTENDERS, 'contender', 'node')
const contenders = CONTENDERS.filter((c) => ids.includes(c.id))

const STOP_TIMEOUT_MS = 10_000
/** Settings of the shell that would change what is measured (Node's compile cache included). */
const UNSET_ENV = ['REDIS_URL', 'CATALOG_MIGRATE_ON_START', 'PORT', 'HOST', 'NODE_COMPILE_CACHE']
const START_TIMEOUT_MS = 30_000

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(),
      )
    })
  })
}

/** Resolves once `path` answers 200; connection refusals are retried every millisecond. */
function firstOk(child: ChildProcess, port: number, path: string, label: string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (error?: Error) => {
      if (settled) return
      settled = true
      child.off('exit', onExit)
      error ? reject(error) : resolve()
    }
    const onExit = (code: number | null) => settle(new Error(`${label} exited (${code}) early`))
    child.once('exit', onExit)
    const attempt = () => {
      if (settled) return
      const request = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume()
        res.once('end', () =>
          res.statusCode === 200
            ? settle()
            : settle(new Error(`${label}: ${path} answered ${res.statusCode}`)),
        )
      })
      request.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNREFUSED' && error.code !== 'ECONNRESET') return settle(error)
        if (performance.now() > deadline) return settle(new Error(`${label} never answered`))
        setTimeout(attempt, 1)
      })
    }
    attempt()
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(force)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** One start of a contender: milliseconds from spawn to its exit or first 200 answer. */
async function startOnce(contender: Contender, template: string, keepDir?: string) {
  const dir = keepDir ?? mkdtempSync(join(tmpdir(), `plinth-coldstart-${contender.id}-`))
  try {
    contender.prepare?.(dir, template)
    const port = await freePort()
    const node = [process.execPath, ...(options.dist ? [] : ['--conditions=plinth-source'])]
    const command = [...(options.pin ? ['taskset', '-c', options.pin] : []), ...node]
    command.push(...contender.args(port, dir))
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' }
    for (const name of UNSET_ENV) delete env[name]
    Object.assign(env, contender.env?.(dir))
    let stderr = ''
    const before = sampleCpu(undefined)
    const started = performance.now()
    const child = spawn(command[0]!, command.slice(1), {
      cwd: contender.cwd ?? ROOT_DIR,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8')
    })
    let ms: number
    try {
      if (contender.path === undefined) {
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
        if (code !== 0) throw new Error(`${contender.label} exited with ${code}`)
      } else {
        await firstOk(child, port, contender.path, contender.label)
      }
      ms = performance.now() - started
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${stderr}`)
    } finally {
      await stop(child)
    }
    return { ms, foreign: foreignLoad(before, sampleCpu(undefined)) }
  } finally {
    if (keepDir === undefined) rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------

const times = new Map(contenders.map((c) => [c.id, [] as number[]]))
let disturbed = 0
let repeated = 0
const template = mkdtempSync(join(tmpdir(), 'plinth-coldstart-template-'))
try {
  if (contenders.some((c) => c.prepare !== undefined)) {
    // A fresh catalogue start migrates the database and stops cleanly: that is the template.
    const source = CONTENDERS.find((c) => c.id === TEMPLATE_SOURCE)!
    await startOnce(source, template, template)
  }
  console.log(`warm-up round, then ${options.runs} runs of ${contenders.length} contenders`)
  for (const contender of contenders) await startOnce(contender, template)
  for (let run = 0; run < options.runs; run++) {
    const order = run % 2 === 0 ? contenders : [...contenders].reverse()
    const line: string[] = []
    for (const contender of order) {
      let result = await startOnce(contender, template)
      for (let retry = 0; retry < options.retries && result.foreign > options.maxForeign; retry++) {
        repeated++
        await sleep(200)
        result = await startOnce(contender, template)
      }
      if (result.foreign > options.maxForeign) disturbed++
      times.get(contender.id)!.push(result.ms)
      const mark = result.foreign > options.maxForeign ? '†' : ''
      line.push(`${contender.id} ${result.ms.toFixed(0)}${mark}`)
    }
    console.log(`  run ${run + 1}: ${line.join(', ')} ms`)
  }
} finally {
  rmSync(template, { recursive: true, force: true })
}

// ---------------------------------------------------------------------------------------------

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}
const ms = (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(1))

const rows = contenders.map((c) => {
  const values = times.get(c.id)!
  const until = c.path === undefined ? 'exit' : `200 on \`${c.path}\``
  return `| ${c.label} | ${until} | ${ms(median(values))} | ${ms(percentile(values, 90))} | ${ms(Math.min(...values))} |`
})
const parts = breakdown(options.dist)
  .filter((p) => times.has(p.of) && (!p.minus || times.has(p.minus)))
  .map((p) => {
    const of = times.get(p.of)!
    const minus = p.minus ? times.get(p.minus)! : undefined
    const deltas = of.map((v, i) => v - (minus?.[i] ?? 0))
    return `| ${p.label} | ${ms(median(deltas))} | ${ms(percentile(deltas, 90))} |`
  })
const now = new Date()
const report = [
  `# Cold start (${now.toISOString().slice(0, 10)})`,
  '',
  `Node ${process.version}, ${cpuModel()}; ${options.runs} interleaved runs after a warm-up round; ` +
    `${options.pin === undefined ? 'not pinned' : `pinned to CPU ${options.pin}`}; ` +
    `Plinth from ${options.dist ? '`dist/` (built JavaScript)' : '`src/` (TypeScript, type stripping)'}.`,
  `Command: \`${formatCommand(['node', 'bench/coldstart.ts', ...argv])}\``,
  '',
  '| Contender | Timed until | Median ms | p90 ms | Min ms |',
  '| --- | --- | ---: | ---: | ---: |',
  ...rows,
  '',
  'Breakdown (median and p90 of per-run differences):',
  '',
  '| Part | Median ms | p90 ms |',
  '| --- | ---: | ---: |',
  ...parts,
  '',
  `Runs disturbed by other processes (over ${options.maxForeign} cores): ${disturbed}` +
    `${repeated ? `; ${repeated} repeated` : ''}.`,
].join('\n')
console.log(`\n${report}`)
if (options.save) {
  const file = resultsFile('coldstart', quick, now.toISOString().slice(0, 10))
  writeFileSync(file, `${report}\n`)
  console.log(`\nreport: ${file}`)
}
