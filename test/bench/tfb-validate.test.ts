/**
 * The TechEmpower validator of the benchmark suite (bench/tfb/validate.ts) against small
 * in-process servers: one correct, and one per mistake it must catch. All servers are validated
 * at once, so the 3 s Date check is paid once. Each server has its own SQLite file: /updates and
 * the Fortunes sort probe write to it.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { FORTUNES, query, readWorld, setupDatabase } from '../../bench/tfb/setup.ts'
import { type ValidationResult, validateContender } from '../../bench/tfb/validate.ts'
import {
  EXPECTED_FORTUNES_PAGE,
  fortunesDifference,
  normalizeFortunesHtml,
} from '../../bench/tfb/validate-html.ts'
import { parseResponses } from '../../bench/tfb/validate-http.ts'
import { requireService } from '../support/services.ts'
import { escapeHtml, FAULTS, type Fault, testServer } from './support/tfb-server.ts'

describe('TechEmpower validator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plinth-tfb-'))
  const results = new Map<Fault | 'correct', ValidationResult>()
  const closers: Array<() => Promise<void>> = []

  before(async () => {
    await Promise.all(
      (['correct', ...FAULTS] as const).map(async (name) => {
        const database = join(dir, `${name}.sqlite`)
        await setupDatabase({ db: 'sqlite', database })
        const server = await testServer(database, name === 'correct' ? undefined : name)
        closers.push(server.close)
        results.set(
          name,
          await validateContender({ baseUrl: server.baseUrl, db: 'sqlite', database }),
        )
      }),
    )
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
    rmSync(dir, { recursive: true, force: true })
  })

  const failuresOf = (name: Fault | 'correct') => results.get(name)!.failures

  it('passes a correct server without failures or warnings', () => {
    assert.deepEqual(results.get('correct'), { failures: [], warnings: [] })
  })

  it('fails a missing Server header on every test', () => {
    const failures = failuresOf('no-server-header')
    for (const path of [
      '/json',
      '/plaintext',
      '/db',
      '/queries?queries=2',
      '/fortunes',
      '/updates?queries=2',
    ])
      assert.ok(failures.includes(`GET ${path}: required header Server is missing`), path)
  })

  it('fails Fortunes without charset=utf-8', () => {
    assert.deepEqual(failuresOf('fortunes-charset'), [
      'GET /fortunes: Content-Type "text/html" does not match /^text\\/html; ?charset=(UTF|utf)-8$/',
    ])
  })

  it('fails Fortunes that do not escape the <script> message', () => {
    const [failure, ...rest] = failuresOf('fortunes-unescaped')
    assert.deepEqual(rest, [])
    assert.match(
      failure!,
      /^GET \/fortunes: the page differs .* at line 5: expected "<tr><td>11<\/td><td>&lt;script&gt;/,
    )
    assert.match(
      failure!,
      /got "<tr><td>11<\/td><td><\/td><\/tr>" \(a message is not HTML-escaped\)$/,
    )
  })

  it('fails Fortunes sorted with localeCompare, through the 13th-row probe', () => {
    const [failure, ...rest] = failuresOf('fortunes-locale-sort')
    assert.deepEqual(rest, [])
    assert.match(failure!, /^GET \/fortunes with a 13th fortune "Zen/)
    assert.match(failure!, /at line 16: expected "<tr><td>13<\/td>.*got "<tr><td>1<\/td>/)
    assert.match(failure!, /rows are out of order .* not localeCompare\)$/)
  })

  it('fails Fortunes read once and cached, through the same probe', () => {
    const [failure, ...rest] = failuresOf('fortunes-cached')
    assert.deepEqual(rest, [])
    assert.match(failure!, /at line 16: expected "<tr><td>13<\/td>.*got "<tr><td>1<\/td>/)
    assert.match(failure!, /\(the new row is missing: fortunes must be read on every request\)$/)
  })

  it('fails an unclamped queries parameter on /queries and /updates', () => {
    const expected = ['/queries', '/updates'].flatMap((route) => [
      `GET ${route}?queries=0: expected 1 row, got 0`,
      `GET ${route}?queries=foo: expected status 200, got 500 "Internal Server Error"`,
      `GET ${route}?queries=: expected status 200, got 500 "Internal Server Error"`,
      `GET ${route}?queries=501: expected 500 rows, got 501`,
    ])
    assert.deepEqual(failuresOf('queries-unclamped'), expected)
  })

  it('fails updates that are returned but not written', () => {
    const failures = failuresOf('updates-not-persisted')
    assert.equal(failures.length, 2, failures.join('\n'))
    assert.match(
      failures[0]!,
      /^updates: (\d+) of \1 returned rows do not hold the returned value in the database, e\.g\. row \d+: returned \d+, stored \d+ \(was \d+\)$/,
    )
    assert.match(
      failures[1]!,
      /^updates: 0 of \d+ rows the responses returned changed in the database \(0\.0%\); at least 95% must$/,
    )
  })

  it('fails a Date header that never changes', () => {
    assert.deepEqual(failuresOf('frozen-date'), [
      'GET /json: the Date header did not change in 3 s ("Thu, 01 Jan 2026 00:00:00 GMT" both times); it must be renewed at least every second',
    ])
  })

  it('reports a server that is not running instead of throwing', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const { failures } = await validateContender({
      baseUrl: `http://127.0.0.1:${port}`,
      db: 'sqlite',
      database: join(dir, 'correct.sqlite'),
    })
    assert.ok(
      failures.includes(
        'json: GET /json: request failed: fetch failed (connect ECONNREFUSED 127.0.0.1:' +
          port +
          ')',
      ),
      failures.join('\n'),
    )
  })
})

describe('Fortunes normalization', () => {
  const rows = EXPECTED_FORTUNES_PAGE.split('\n').slice(4, -1)
  const page = (transform: (row: string) => string, head = '<!DOCTYPE html>') =>
    `${head}<html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${rows.map(transform).join('')}</table></body></html>`

  /** Change only the message cell of a row, as an implementation's escaping would. */
  const message = (change: (text: string) => string) => (row: string) =>
    row.replace(
      /^(<tr><td>\d+<\/td><td>)(.*)(<\/td><\/tr>)$/,
      (_, a, text, b) => a + change(text) + b,
    )

  it('accepts what TechEmpower accepts', () => {
    const variants = [
      page((r) => r),
      page((r) => `\n  ${r}\n`, '<!doctype HTML>\n'),
      page(
        message((t) =>
          t
            .replaceAll('&quot;', '&#34;')
            .replaceAll('&apos;', '&#39;')
            .replaceAll('&lt;', '&#60;')
            .replaceAll('&gt;', '&#62;'),
        ),
      ),
      page(
        message((t) =>
          t
            .replaceAll('&quot;', '"')
            .replaceAll('&apos;', '&#x27;')
            .replaceAll('&gt;', '>')
            .replaceAll('—', '&mdash;'),
        ),
      ),
      page(
        message((t) =>
          t
            .replaceAll('+', '&#43;')
            .replaceAll('/', '&#47;')
            .replaceAll('(', '&#40;')
            .replaceAll(')', '&#41;'),
        ),
      ),
      page((r) => r.replace('<tr>', '<TR class="row">')).replace(
        '<head>',
        '<head><meta charset="utf-8"><link rel="icon" href="data:,">',
      ),
      page((r) => r)
        .replace('<table>', '<table><thead>')
        .replace('</th></tr>', '</th></tr></thead><tbody>')
        .replace('</table>', '</tbody></table>'),
    ]
    for (const html of variants)
      assert.equal(fortunesDifference(html), undefined, normalizeFortunesHtml(html))
  })

  it('rejects a raw < or & in a message', () => {
    assert.match(
      fortunesDifference(page((r) => r.replace('&lt;/script&gt;', '< /script>')))!,
      /at line 5/,
    )
    assert.match(
      fortunesDifference(page((r) => r.replace('4.33e+67', '4.33e+67 & more')))!,
      /at line 6/,
    )
  })

  it('matches the page built from the seeded fortunes, sorted by code unit', () => {
    const all = [...FORTUNES, { id: 0, message: 'Additional fortune added at request time.' }]
    all.sort((a, b) => (a.message < b.message ? -1 : 1))
    assert.equal(
      fortunesDifference(
        page(() => '').replace(
          '</table>',
          `${all.map((f) => `<tr><td>${f.id}</td><td>${escapeHtml(f.message)}</td></tr>`).join('')}</table>`,
        ),
      ),
      undefined,
    )
  })
})

describe('pipelined response parser', () => {
  it('splits Content-Length and chunked responses and keeps an incomplete one', () => {
    const data = Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!' +
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nHello, \r\n6\r\nWorld!\r\n0\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello',
    )
    const { responses, rest } = parseResponses(data)
    assert.deepEqual(responses, [
      { status: 200, body: 'Hello, World!' },
      { status: 200, body: 'Hello, World!' },
    ])
    assert.equal(rest.toString(), 'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello')
  })
})

describe('TechEmpower setup on PostgreSQL', () => {
  it('creates plinth_tfb_test, fills it twice over and drops it', async (t) => {
    if (!(await requireService(t, 'postgres'))) return
    const database = 'postgres://postgres@127.0.0.1:5432/plinth_tfb_test'
    t.after(async () => {
      const admin = new pg.Client({
        connectionString: 'postgres://postgres@127.0.0.1:5432/postgres',
      })
      await admin.connect()
      await admin.query('DROP DATABASE IF EXISTS plinth_tfb_test WITH (FORCE)')
      await admin.end()
    })
    await setupDatabase({ db: 'postgres', database })
    await setupDatabase({ db: 'postgres', database })
    const world = await readWorld('postgres', database)
    assert.equal(world.size, 10_000)
    assert.ok([...world.values()].every((n) => Number.isInteger(n) && n >= 1 && n <= 10_000))
    const target = { db: 'postgres' as const, database }
    const fortunes = await query<{ id: number; message: string }>(
      target,
      'SELECT id, message FROM fortune ORDER BY id',
    )
    assert.deepEqual(fortunes, FORTUNES)
    const [setting] = await query<{ synchronous_commit: string }>(target, 'SHOW synchronous_commit')
    assert.equal(setting?.synchronous_commit, 'off')
  })
})
