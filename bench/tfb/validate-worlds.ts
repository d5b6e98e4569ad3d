/**
 * The World rows of /db, /queries and /updates: their JSON shape (TechEmpower compares keys
 * case-insensitively and warns about extra keys), whether they match the database, and whether
 * /updates really wrote what it returned.
 */
import { readWorld, type TfbDatabaseKind } from './setup.ts'
import { type Answer, checkAnswer, type Findings, get, show } from './validate-http.ts'

export interface WorldRow {
  id: number
  randomNumber: number
}

/** Stop looking at a list's rows after this many bad ones, as TechEmpower does. */
const MAX_BAD_ROWS = 5
/** Concurrent `?queries=20` requests after the 500-row one: unsorted bulk updates deadlock. */
const CONCURRENT_UPDATES = 8

export function parseJson(answer: Answer, findings: Findings): unknown {
  try {
    return JSON.parse(answer.body!)
  } catch {
    findings.fail(`GET ${answer.path}: the body is not JSON: ${show(answer.body)}`)
    return undefined
  }
}

/**
 * Check one `{"id":n,"randomNumber":n}` object; the row when it has both integers. With `world`
 * (a snapshot taken before any update), the value must be the one in the database.
 */
export function checkWorldObject(
  value: unknown,
  answer: Answer,
  findings: Findings,
  world?: Map<number, number>,
): WorldRow | undefined {
  const where = `GET ${answer.path}`
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    findings.fail(
      `${where}: expected an object like {"id":3217,"randomNumber":2149}, got ${show(JSON.stringify(value))}`,
    )
    return undefined
  }
  const byLowerKey = new Map(Object.entries(value).map(([k, v]) => [k.toLowerCase(), { k, v }]))
  const id = byLowerKey.get('id')
  const randomNumber = byLowerKey.get('randomnumber')
  if (!id || !randomNumber) {
    findings.fail(`${where}: expected keys id and randomNumber, got ${show(JSON.stringify(value))}`)
    return undefined
  }
  const extra = [...byLowerKey.keys()].filter((k) => k !== 'id' && k !== 'randomnumber')
  if (extra.length > 0) findings.warn(`${where}: extra keys ${extra.join(', ')} in the row objects`)
  if (id.k !== 'id' || randomNumber.k !== 'randomNumber')
    findings.warn(
      `${where}: keys spelled ${id.k}/${randomNumber.k}; the specification says id/randomNumber`,
    )
  if (!Number.isInteger(id.v) || !Number.isInteger(randomNumber.v)) {
    findings.fail(
      `${where}: id and randomNumber must be integers, got ${show(JSON.stringify(value))}`,
    )
    return undefined
  }
  const row = { id: id.v as number, randomNumber: randomNumber.v as number }
  if (row.id < 1 || row.id > 10_000) findings.warn(`${where}: id ${row.id} is outside 1..10000`)
  if (row.randomNumber < 1 || row.randomNumber > 10_000)
    findings.warn(`${where}: randomNumber ${row.randomNumber} is outside 1..10000`)
  const stored = world?.get(row.id)
  if (world && world.size > 0 && stored !== row.randomNumber) {
    findings.fail(
      `${where}: row ${row.id} has randomNumber ${row.randomNumber} but ${stored ?? 'no row'} in the database (rows must be read from it)`,
    )
    return undefined
  }
  return row
}

/** Check a JSON array of `expected` World rows; the good rows. */
export function checkWorldList(
  answer: Answer,
  expected: number,
  findings: Findings,
  world?: Map<number, number>,
): WorldRow[] {
  const where = `GET ${answer.path}`
  const value = parseJson(answer, findings)
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    findings.fail(
      `${where}: expected a JSON array of ${rowCount(expected)}, got ${show(answer.body)}`,
    )
    return []
  }
  if (value.length !== expected)
    findings.fail(`${where}: expected ${rowCount(expected)}, got ${value.length}`)
  const rows: WorldRow[] = []
  let bad = 0
  for (const item of value) {
    const row = checkWorldObject(item, answer, findings, world)
    if (row) rows.push(row)
    else if (++bad >= MAX_BAD_ROWS) break
  }
  return rows
}

const rowCount = (n: number) => (n === 1 ? '1 row' : `${n} rows`)

/**
 * Snapshot World, ask for 500 updates and then for 20 updates several times at once, snapshot
 * again: rows returned once must now hold the returned value, and (nearly) all of them must have
 * changed. TechEmpower fails at ≤90% changed and warns at ≤95% (a new random value can equal the
 * old one, 1 in 10,000).
 */
export async function checkUpdatesPersist(
  target: { baseUrl: string; db: TfbDatabaseKind; database: string },
  findings: Findings,
): Promise<void> {
  const { baseUrl, db, database } = target
  const before = await readWorld(db, database)
  const big = await get(baseUrl, '/updates?queries=500', 'json')
  const concurrent = await Promise.all(
    Array.from({ length: CONCURRENT_UPDATES }, () => get(baseUrl, '/updates?queries=20', 'json')),
  )
  const after = await readWorld(db, database)

  const returned: WorldRow[] = []
  const answers: Array<[Answer, number]> = [
    [big, 500],
    ...concurrent.map((a): [Answer, number] => [a, 20]),
  ]
  for (const [answer, expected] of answers) {
    if (checkAnswer(answer, 'json', findings))
      returned.push(...checkWorldList(answer, expected, findings))
  }
  if (after.size !== 10_000)
    findings.fail(`updates: the world table has ${after.size} rows afterwards, expected 10000`)
  if (returned.length === 0) return

  // A row returned twice may hold either value; only rows returned once say what was written.
  const times = new Map<number, number>()
  for (const { id } of returned) times.set(id, (times.get(id) ?? 0) + 1)
  const once = returned.filter(({ id }) => times.get(id) === 1)
  const notWritten = once.filter(({ id, randomNumber }) => after.get(id) !== randomNumber)
  if (notWritten.length > 0) {
    const { id, randomNumber } = notWritten[0]!
    findings.fail(
      `updates: ${notWritten.length} of ${once.length} returned rows do not hold the returned value in the database, e.g. row ${id}: returned ${randomNumber}, stored ${after.get(id)} (was ${before.get(id)})`,
    )
  }
  const changed = once.filter(({ id }) => before.get(id) !== after.get(id)).length
  const share = changed / once.length
  const summary = `updates: ${changed} of ${once.length} rows the responses returned changed in the database (${(share * 100).toFixed(1)}%)`
  if (share <= 0.9) findings.fail(`${summary}; at least 95% must`)
  else if (share <= 0.95) findings.warn(`${summary}; expected at least 95%`)
}
