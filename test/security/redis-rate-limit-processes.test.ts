/**
 * Two real app processes share one Redis rate limit (the "shared by two app processes"),
 * over real HTTP: requests sent alternately to both get exactly `limit` successes in total, the
 * rest 429 with `Retry-After`; a rotating `X-Forwarded-For` from one client does not open new
 * buckets (catalogue F6/A17); case and trailing-slash path variants do not escape `byRoute`
 * (F5); 100 parallel requests split over both processes never get past the limit.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { get, type Received, type SpawnedServer, spawnServer } from '../support/child-process.ts'
import { deleteRedisKeys } from '../support/redis.ts'
import { isReachable, requireService } from '../support/services.ts'

const FIXTURE = new URL('./fixtures/redis-rate-limit-app.ts', import.meta.url).pathname
const PREFIX = `plinth:test:rl-procs:${process.pid}:${randomUUID().slice(0, 8)}:`
const LIMIT = 5

const servers: SpawnedServer[] = []

before(async () => {
  if (!(await isReachable('redis'))) return
  const started = [1, 2].map(() =>
    spawnServer([FIXTURE], { env: { RL_PREFIX: PREFIX, RL_LIMIT: String(LIMIT) } }),
  )
  servers.push(...(await Promise.all(started)))
})

after(async () => {
  for (const { proc } of servers) proc.child.kill('SIGTERM')
  await Promise.all(servers.map(({ proc }) => proc.exited()))
  if (servers.length === 0) return
  await deleteRedisKeys(PREFIX)
})

/** Send `count` requests one after another, alternating between the two processes. */
async function alternate(
  count: number,
  path: (i: number) => string,
  headers?: (i: number) => Record<string, string>,
) {
  const answers: Received[] = []
  for (let i = 0; i < count; i++) {
    answers.push(await get(`${servers[i % 2]!.url}${path(i)}`, headers?.(i)))
  }
  return answers
}

function assertRefused(answer: Received, maxRetryAfter: number): void {
  assert.equal(answer.status, 429)
  const retryAfter = Number(answer.headers['retry-after'])
  assert.ok(retryAfter >= 1 && retryAfter <= maxRetryAfter, `Retry-After ${retryAfter}`)
  assert.equal(answer.headers['ratelimit-remaining'], '0')
  assert.equal(JSON.parse(answer.body).error.code, 'too_many_requests')
}

describe('two app processes sharing a Redis rate limit', () => {
  it('allow exactly `limit` requests in total, alternating between them (sliding window)', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const answers = await alternate(12, () => '/sliding')
    assert.deepEqual(
      answers.map((a) => a.status),
      [...Array(LIMIT).fill(200), ...Array(12 - LIMIT).fill(429)],
    )
    // Both processes served some of the allowed requests: they counted into one bucket.
    const pids = new Set(answers.filter((a) => a.status === 200).map((a) => JSON.parse(a.body).pid))
    assert.equal(pids.size, 2)
    assert.deepEqual(
      answers.slice(0, LIMIT).map((a) => a.headers['ratelimit-remaining']),
      ['4', '3', '2', '1', '0'],
    )
    // The 5 hits wait into the next hour until they weigh 4: at most 72 minutes.
    for (const refused of answers.slice(LIMIT)) assertRefused(refused, 3600 + 720)
  })

  it('allow exactly `limit` requests in total, alternating between them (token bucket)', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const answers = await alternate(9, () => '/bucket')
    assert.deepEqual(
      answers.map((a) => a.status),
      [...Array(LIMIT).fill(200), ...Array(9 - LIMIT).fill(429)],
    )
    // One token comes back every 12 minutes.
    for (const refused of answers.slice(LIMIT)) assertRefused(refused, 720)
  })

  it('ignore a rotating X-Forwarded-For from one client when no proxy is trusted', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const answers = await alternate(
      10,
      () => '/spoof',
      (i) => ({
        'x-forwarded-for': `198.51.100.${i + 1}`,
        'x-real-ip': `203.0.113.${i + 1}`,
        forwarded: `for=192.0.2.${i + 1}`,
      }),
    )
    assert.deepEqual(
      answers.map((a) => a.status),
      [...Array(LIMIT).fill(200), ...Array(10 - LIMIT).fill(429)],
    )
  })

  it('keep path variants in shared byRoute buckets: params, case and trailing slashes', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    // Every id matches the one route pattern: one bucket for /users/:id.
    const ids = await alternate(LIMIT + 2, (i) => `/users/${i + 1}`)
    assert.deepEqual(
      ids.map((a) => a.status),
      [...Array(LIMIT).fill(200), 429, 429],
    )
    // Variants match no route (404, or a 308 to the real path): all share one bucket, and none
    // reaches the handler.
    const variants = [
      '/USERS/1',
      '/users/1/',
      '/Users/2/',
      '/Users/3',
      '/uSeRs/4',
      '/USERS/5/',
      '/users/6/',
    ]
    const answers = await alternate(variants.length, (i) => variants[i]!)
    const statuses = answers.map((a) => a.status)
    assert.ok(
      statuses.slice(0, LIMIT).every((s) => s === 404 || s === 308),
      statuses.join(),
    )
    assert.deepEqual(statuses.slice(LIMIT), [429, 429])
  })

  it('never allow more than the limit to 100 parallel requests split over both', async (t) => {
    if (!(await requireService(t, 'redis'))) return
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => get(`${servers[i % 2]!.url}/burst`)),
    )
    assert.equal(answers.filter((a) => a.status === 200).length, LIMIT)
    const refused = answers.filter((a) => a.status !== 200)
    assert.equal(refused.length, 100 - LIMIT)
    for (const answer of refused) assertRefused(answer, 3600 + 720)
  })
})
