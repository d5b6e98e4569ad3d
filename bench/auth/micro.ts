/**
 * bench/auth.ts's micro-benchmarks (mitata): password hashing and verification with the
 * production defaults, JWT access tokens, masked CSRF tokens and `parseCookies`, each checked
 * before it is timed. They run in a child process (`bench/auth.ts --micro-child <result file>`)
 * with --expose-gc, pinned to CPU 0, which writes its results as JSON for the report.
 */
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BENCH_DIR, formatRps, pin, ROOT_DIR } from '../harness.ts'
import type { Options } from './options.ts'

export interface MicroResult {
  group: string
  name: string
  /** Nanoseconds per operation. */
  avg: number
  p50: number
  p99: number
  samples: number
}

export async function microChild(resultFile: string, filter: RegExp | undefined): Promise<void> {
  const { bench, do_not_optimize, group, run } = await import('mitata')
  const { createPasswordHasher, jwtTokens } = await import('plinth/auth')
  const { parseCookies } = await import('plinth/http')
  // Internal: the public API only reaches these through the csrf() middleware.
  const { csrfTokenMatches, maskCsrfSecret, newCsrfSecret } = await import(
    '../../src/security/csrf-token.ts'
  )
  if (typeof globalThis.gc !== 'function') {
    console.warn('note: run with --expose-gc for steadier numbers\n')
  }
  const fail = (message: string): never => {
    throw new Error(`bench/auth.ts (micro): ${message}`)
  }
  const groups = new Map<string, string>() // benchmark name → group

  // Passwords, production defaults.
  const PASSWORD = 'correct horse battery staple'
  const argon2 = createPasswordHasher()
  const scrypt = createPasswordHasher({ algorithm: 'scrypt' })
  const argon2Hash = await argon2.hash(PASSWORD)
  const scryptHash = await scrypt.hash(PASSWORD)
  if (!argon2Hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')) {
    fail(`the default hasher did not produce Argon2id m=19456,t=2,p=1 (got ${argon2Hash})`)
  }
  if (!scryptHash.startsWith('$scrypt$ln=17,r=8,p=1$')) {
    fail(`the scrypt hasher did not use N=2^17, r=8, p=1 (got ${scryptHash})`)
  }
  for (const [hasher, stored] of [
    [argon2, argon2Hash],
    [scrypt, scryptHash],
  ] as const) {
    const good = await hasher.verify(PASSWORD, stored)
    const bad = await hasher.verify(`${PASSWORD}!`, stored)
    if (!good.ok || good.needsRehash || bad.ok) fail(`verification is wrong for ${stored}`)
  }

  // JWT access tokens.
  const user = { id: 42, password: 'x' } as never
  const hs256 = jwtTokens({
    algorithms: ['HS256'],
    key: 'bench-jwt-secret-0123456789abcdefghijklmnopqrstuv',
    issuer: 'https://bench.plinth.test',
    audience: 'bench',
    accessTtl: '1h',
  })
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const es256 = jwtTokens({
    algorithms: ['ES256'],
    key: { privateKey, publicKey },
    issuer: 'https://bench.plinth.test',
    audience: 'bench',
    accessTtl: '1h',
  })
  const hsToken = await hs256.issueAccessToken(user, { scopes: ['items:read'] })
  const esToken = await es256.issueAccessToken(user, { scopes: ['items:read'] })
  for (const [tokens, token] of [
    [hs256, hsToken],
    [es256, esToken],
  ] as const) {
    const claims = await tokens.verifyAccessToken(token)
    if (claims.sub !== '42' || claims.scopes[0] !== 'items:read') fail('a token did not verify')
  }
  if (
    await es256.verifyAccessToken(hsToken).then(
      () => true,
      () => false,
    )
  ) {
    fail('an HS256 token verified against the ES256 configuration')
  }

  // CSRF tokens.
  const secret = newCsrfSecret()
  const masked = maskCsrfSecret(secret)
  if (
    !csrfTokenMatches(masked, secret) ||
    csrfTokenMatches(maskCsrfSecret(newCsrfSecret()), secret)
  ) {
    fail('masked CSRF tokens do not verify as expected')
  }

  // Cookies: what the `full` variant's browser sends, and the same next to analytics cookies.
  const session = 'uwMhu6iTA5uPGqvQGMo5pnjJNZzVtBb-eJmR7614nLc'
  const csrfCookie = 'AXqR4Wf6_m0Y2lXGVUUvX9e6hqZU_TU0MCIE0JtZP1k'
  const authCookies = `__Host-session=${session}; __Host-csrf=${csrfCookie}`
  const browserCookies = `_ga=GA1.1.1185302817.1763950000; ${authCookies}; _ga_X1Y2Z3W4V5=GS2.1.s1763950000$o3$g1$t1763953600$j60$l0$h0; theme=dark; consent=necessary%2Canalytics`
  for (const header of [authCookies, browserCookies]) {
    const parsed = parseCookies(header)
    if (parsed['__Host-session'] !== session || parsed['__Host-csrf'] !== csrfCookie) {
      fail(`parseCookies missed the session or csrf cookie in ${header}`)
    }
  }

  const add = (groupName: string, name: string, fn: () => unknown) => {
    groups.set(name, groupName)
    bench(name, fn)
  }
  group('passwords (production defaults)', () => {
    const g = 'passwords (production defaults)'
    add(g, 'argon2id hash (m=19456, t=2, p=1)', () => argon2.hash(PASSWORD))
    add(g, 'argon2id verify', () => argon2.verify(PASSWORD, argon2Hash))
    add(g, 'scrypt hash (N=2^17, r=8, p=1)', () => scrypt.hash(PASSWORD))
    add(g, 'scrypt verify', () => scrypt.verify(PASSWORD, scryptHash))
  })
  group('JWT access tokens (jwtTokens)', () => {
    const g = 'JWT access tokens (jwtTokens)'
    add(g, 'jwt verifyAccessToken HS256', () => hs256.verifyAccessToken(hsToken))
    add(g, 'jwt verifyAccessToken ES256', () => es256.verifyAccessToken(esToken))
    add(g, 'jwt issueAccessToken HS256', () => hs256.issueAccessToken(user))
    add(g, 'jwt issueAccessToken ES256', () => es256.issueAccessToken(user))
  })
  group('CSRF masked tokens', () => {
    const g = 'CSRF masked tokens'
    add(g, 'csrf generate (mask the secret)', () => do_not_optimize(maskCsrfSecret(secret)))
    add(g, 'csrf verify (unmask + timingSafeEqual)', () =>
      do_not_optimize(csrfTokenMatches(masked, secret)),
    )
    add(g, 'csrf generate + verify', () =>
      do_not_optimize(csrfTokenMatches(maskCsrfSecret(secret), secret)),
    )
  })
  group('cookies', () => {
    const g = 'cookies'
    add(g, `parseCookies session + csrf (${authCookies.length} B)`, () =>
      do_not_optimize(parseCookies(authCookies)),
    )
    add(g, `parseCookies browser header (${browserCookies.length} B, 6 cookies)`, () =>
      do_not_optimize(parseCookies(browserCookies)),
    )
  })

  const { benchmarks } = await run(filter === undefined ? {} : { filter })
  const results: MicroResult[] = []
  for (const trial of benchmarks) {
    for (const r of trial.runs) {
      if (r.error !== undefined || r.stats === undefined) fail(`${r.name} failed: ${r.error}`)
      results.push({
        group: groups.get(r.name) ?? '',
        name: r.name,
        avg: r.stats!.avg,
        p50: r.stats!.p50,
        p99: r.stats!.p99,
        samples: r.stats!.samples.length,
      })
    }
  }
  writeFileSync(resultFile, JSON.stringify(results))
}

export function runMicro(options: Options, pinning: boolean): MicroResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'plinth-bench-auth-micro-'))
  const file = join(dir, 'results.json')
  try {
    const command = pin(pinning, 0, [
      process.execPath,
      '--conditions=plinth-source',
      '--expose-gc',
      join(BENCH_DIR, 'auth.ts'),
      '--micro-child',
      file,
      ...(options.filter === undefined ? [] : ['--filter', options.filter.source]),
    ])
    const result = spawnSync(command[0]!, command.slice(1), {
      cwd: ROOT_DIR,
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production' },
    })
    if (result.status !== 0) {
      throw new Error(`the micro-benchmarks failed (${result.signal ?? `exit ${result.status}`})`)
    }
    return JSON.parse(readFileSync(file, 'utf8')) as MicroResult[]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`
  return `${ns.toFixed(0)} ns`
}

function formatOps(ns: number): string {
  const perSecond = 1e9 / ns
  return perSecond >= 100 ? formatRps(perSecond) : perSecond.toFixed(1)
}

export function renderMicroTable(results: readonly MicroResult[]): string {
  const lines = [
    '| Group | Benchmark | Time/op (avg) | p50 | p99 | Ops/s (one after another) |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ]
  for (const r of results) {
    lines.push(
      `| ${r.group} | ${r.name} | ${formatNs(r.avg)} | ${formatNs(r.p50)} | ${formatNs(r.p99)} | ${formatOps(r.avg)} |`,
    )
  }
  return lines.join('\n')
}
