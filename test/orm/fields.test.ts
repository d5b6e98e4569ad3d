/**
 * Every field kind round-trips exactly on every dialect: decimals stay exact strings, bigints keep
 * every digit, datetimes are UTC instants whatever the process time zone, dates are never shifted.
 * Also defaults, nullable fields, automatic timestamps and the kinds of primary key.
 */
import assert from 'node:assert/strict'
import { defineModel, field, lookup, ModelValidationError } from '../../src/orm/index.ts'
import { forEachDialect } from './support/dialects.ts'

// A zone far from UTC (and with DST), so a value shifted by the local offset anywhere shows up.
process.env.TZ = 'Pacific/Auckland'

const Kinds = defineModel(
  'Kinds',
  {
    label: field.string({ maxLength: 50 }),
    body: field.text({ null: true }),
    count: field.integer({ null: true }),
    big: field.bigint({ null: true }),
    ratio: field.float({ null: true }),
    price: field.decimal({ maxDigits: 10, decimalPlaces: 2, null: true }),
    flag: field.boolean({ null: true }),
    day: field.date({ null: true }),
    at: field.datetime({ null: true }),
    clock: field.time({ null: true }),
    span: field.duration({ null: true }),
    data: field.json({ null: true }),
    token: field.uuid({ null: true }),
    email: field.email({ null: true }),
    site: field.url({ null: true }),
    slug: field.slug({ null: true }),
    status: field.enum(['draft', 'published'], { null: true }),
    size: field.string({
      maxLength: 1,
      choices: [
        ['s', 'Small'],
        ['l', 'Large'],
      ],
      null: true,
    }),
    bytes: field.binary({ null: true }),
  },
  { table: 'fld_kinds' },
)

let counter = 0
const Defaults = defineModel(
  'Defaults',
  {
    title: field.string({ maxLength: 20, default: 'untitled' }),
    rank: field.integer({ default: () => ++counter }),
    tags: field.json<string[]>({ default: [] as string[] }),
    active: field.boolean({ default: true }),
    note: field.text({ null: true }),
    createdAt: field.datetime({ autoNowAdd: true }),
    updatedAt: field.datetime({ autoNow: true }),
    createdOn: field.date({ autoNowAdd: true }),
  },
  { table: 'fld_defaults' },
)

const Token = defineModel(
  'Token',
  { id: field.uuidId(), name: field.string({ maxLength: 20 }) },
  { table: 'fld_token' },
)
const Event = defineModel(
  'Event',
  { id: field.bigAutoId(), name: field.string({ maxLength: 20 }) },
  { table: 'fld_event' },
)
const Ticket = defineModel(
  'Ticket',
  {
    event: field.foreignKey(() => Event, { onDelete: 'cascade', relatedName: 'tickets' }),
    token: field.foreignKey(() => Token, {
      onDelete: 'cascade',
      null: true,
      relatedName: 'tickets',
    }),
  },
  { table: 'fld_ticket' },
)
const Plain = defineModel(
  'Plain',
  { name: field.string({ maxLength: 20 }) },
  { table: 'fld_plain' },
)

const AT = new Date('2024-03-10T23:59:58.123Z')

forEachDialect({ models: [Kinds, Defaults, Token, Event, Ticket, Plain] }, (s) => {
  s.it('round-trips every field kind exactly', async () => {
    const uuid = '6f1c2a1e-4b7d-4c1a-9e0f-2b3c4d5e6f70'
    const bytes = new Uint8Array([0, 1, 2, 127, 128, 254, 255])
    const created = await Kinds.objects.create({
      label: 'all',
      body: 'line 1\nline 2 — ünïcødé 🚀',
      count: -2147483648,
      big: 9007199254740993n,
      ratio: 0.1,
      price: '12345678.99',
      flag: true,
      day: '2024-01-31',
      at: AT,
      clock: '23:59:58',
      span: 86_400_000 * 400 + 1,
      data: { a: [1, 2.5, 'x', null, true], nested: { deep: 'é' } },
      token: uuid,
      email: 'a@example.com',
      site: 'https://example.com/a?b=c',
      slug: 'a-b_c',
      status: 'published',
      size: 'l',
      bytes,
    })
    assert.equal(typeof created.id, 'number')
    const row = await Kinds.objects.get({ id: created.id })
    assert.equal(row.label, 'all')
    assert.equal(row.body, 'line 1\nline 2 — ünïcødé 🚀')
    assert.equal(row.count, -2147483648)
    assert.equal(row.big, 9007199254740993n)
    assert.equal(row.ratio, 0.1)
    assert.equal(row.price, '12345678.99')
    assert.equal(row.flag, true)
    assert.equal(row.day, '2024-01-31')
    assert.ok(row.at instanceof Date)
    assert.equal(row.at.getTime(), AT.getTime())
    assert.equal(row.clock, '23:59:58')
    assert.equal(row.span, 86_400_000 * 400 + 1)
    assert.deepEqual(row.data, { a: [1, 2.5, 'x', null, true], nested: { deep: 'é' } })
    assert.equal(row.token, uuid)
    assert.equal(row.email, 'a@example.com')
    assert.equal(row.site, 'https://example.com/a?b=c')
    assert.equal(row.slug, 'a-b_c')
    assert.equal(row.status, 'published')
    assert.equal(row.size, 'l')
    assert.ok(row.bytes instanceof Uint8Array)
    assert.deepEqual([...row.bytes], [...bytes])
  })

  s.it('reads the same values through values() and valuesList()', async () => {
    await Kinds.objects.create({
      label: 'v',
      big: -9223372036854775808n,
      price: '-0.01',
      flag: false,
      day: '1999-12-31',
      at: AT,
    })
    const [values] = await Kinds.objects
      .filter({ label: 'v' })
      .values('big', 'price', 'flag', 'day', 'at')
      .all()
    assert.deepEqual(values, {
      big: -9223372036854775808n,
      price: '-0.01',
      flag: false,
      day: '1999-12-31',
      at: AT,
    })
    await Kinds.objects.create({ label: 'b', big: 9007199254740993n })
    assert.equal(await Kinds.objects.filter({ big: 9007199254740993n }).count(), 1)
    assert.equal(await Kinds.objects.filter({ big: '9007199254740993' as never }).count(), 1)
    assert.equal(await Kinds.objects.filter({ big: lookup.gt(9007199254740992n) }).count(), 1)
    assert.equal(
      await Kinds.objects
        .filter({ big: lookup.in([9007199254740993n, -9223372036854775808n]) })
        .count(),
      2,
    )
    const list = await Kinds.objects
      .filter({ label: 'v' })
      .valuesList('price', { flat: true })
      .all()
    assert.deepEqual(list, ['-0.01'])
  })

  s.it('keeps decimals exact, with the declared scale', async () => {
    for (const price of ['12345678.99', '-0.01', '0.10', '99999999.99', '-99999999.99', '0.00']) {
      const { id } = await Kinds.objects.create({ label: price, price })
      assert.equal((await Kinds.objects.get({ id })).price, price)
    }
    const { id } = await Kinds.objects.create({ label: 'scale', price: '7' })
    assert.equal((await Kinds.objects.get({ id })).price, '7.00')
    assert.equal((await Kinds.objects.filter({ price: '12345678.99' }).get()).label, '12345678.99')
  })

  s.it('stores datetimes in UTC, and filters by instant', async () => {
    assert.notEqual(
      AT.getTimezoneOffset(),
      0,
      'the process time zone must differ from UTC for this test',
    )
    const { id } = await Kinds.objects.create({ label: 'utc', at: AT })
    const raw = await s.db.execute({
      sql: {
        sqlite: 'SELECT at AS v FROM fld_kinds WHERE id = ?',
        postgres: `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS v FROM fld_kinds WHERE id = $1`,
        mysql: 'SELECT CAST(at AS CHAR) AS v FROM fld_kinds WHERE id = ?',
      }[s.dialect],
      params: [id],
      returnsRows: true,
    })
    assert.match(String(raw.rows[0]?.v), /^2024-03-10[ T]23:59:58\.123/)
    assert.equal(await Kinds.objects.filter({ at: AT }).count(), 1)
    assert.equal(
      await Kinds.objects.filter({ at: lookup.gt(new Date(AT.getTime() - 1)) }).count(),
      1,
    )
    assert.equal(await Kinds.objects.filter({ at: lookup.gt(AT) }).count(), 0)
    assert.equal(await Kinds.objects.filter({ at: lookup.date('2024-03-10') }).count(), 1)
    assert.equal(await Kinds.objects.filter({ at: lookup.hour(23) }).count(), 1)
    assert.equal(
      await Kinds.objects
        .filter({ at: [lookup.day(10), lookup.month(3), lookup.year(2024)] })
        .count(),
      1,
    )
    assert.equal(await Kinds.objects.filter({ at: '2024-03-10T23:59:58.123Z' }).count(), 1)
    const row = await Kinds.objects.get({ id })
    row.label = 'utc2'
    await row.save()
    assert.equal((await Kinds.objects.get({ id })).at?.getTime(), AT.getTime())
  })

  s.it('never shifts dates', async () => {
    for (const day of ['2024-01-01', '2024-02-29', '2024-12-31', '1970-01-01']) {
      const { id } = await Kinds.objects.create({ label: day, day })
      assert.equal((await Kinds.objects.get({ id })).day, day)
      assert.equal(await Kinds.objects.filter({ id, day }).count(), 1)
    }
  })

  s.it('round-trips times, durations and JSON values of every shape', async () => {
    const cases: unknown[] = [{ a: 1 }, [1, 'two', { three: 3 }], 'a string', 42, true, []]
    for (const data of cases) {
      const { id } = await Kinds.objects.create({ label: 'json', data, clock: '00:00:01', span: 0 })
      const row = await Kinds.objects.get({ id })
      assert.deepEqual(row.data, data)
      assert.equal(row.clock, '00:00:01')
      assert.equal(row.span, 0)
    }
    const { id } = await Kinds.objects.create({ label: 'json-null', data: null })
    assert.equal((await Kinds.objects.get({ id })).data, null)
    const micro = await Kinds.objects.create({
      label: 'micro',
      clock: '12:34:56.789012',
      data: '{"looks":"like json"}',
    })
    const back = await Kinds.objects.get({ id: micro.id })
    assert.equal(back.clock, '12:34:56.789012')
    assert.equal(back.data, '{"looks":"like json"}')
  })

  s.it('keeps booleans as booleans and NULL as null', async () => {
    const { id } = await Kinds.objects.create({ label: 'nulls' })
    const row = await Kinds.objects.get({ id })
    for (const key of [
      'body',
      'count',
      'big',
      'ratio',
      'price',
      'flag',
      'day',
      'at',
      'clock',
      'span',
      'data',
      'token',
      'bytes',
    ] as const) {
      assert.equal(row[key], null, key)
    }
    await Kinds.objects.create({ label: 'f', flag: false })
    assert.deepEqual(
      await Kinds.objects.filter({ flag: false }).valuesList('label', { flat: true }).all(),
      ['f'],
    )
    assert.equal(await Kinds.objects.filter({ flag: lookup.isnull() }).count(), 1)
  })

  s.it('refuses values that are not valid for the field', async () => {
    await assert.rejects(
      Kinds.objects.create({ label: 'bad', status: 'archived' as never }),
      ModelValidationError,
    )
    await assert.rejects(Kinds.objects.create({ label: 'bad', size: 'm' }), ModelValidationError)
    await assert.rejects(
      Kinds.objects.create({ label: 'bad', price: '1.234' }),
      ModelValidationError,
    )
    await assert.rejects(
      Kinds.objects.create({ label: 'bad', day: '2024-02-30' }),
      ModelValidationError,
    )
    await assert.rejects(Kinds.objects.create({ label: 'x'.repeat(51) }), ModelValidationError)
    assert.equal(await Kinds.objects.count(), 0)
  })

  s.it('applies value and function defaults', async () => {
    const a = await Defaults.objects.create({})
    const b = await Defaults.objects.create({ title: 'given' })
    const rows = await Defaults.objects.orderBy('id').all()
    assert.deepEqual(
      rows.map((r) => [r.title, r.active, r.tags, r.note]),
      [
        ['untitled', true, [], null],
        ['given', true, [], null],
      ],
    )
    assert.equal(rows[1]!.rank, rows[0]!.rank + 1)
    // A mutable default is copied per row, never shared.
    assert.notEqual(a.tags, b.tags)
  })

  s.it('sets autoNowAdd on insert and autoNow on every save', async () => {
    const before = Date.now()
    const row = await Defaults.objects.create({})
    const fresh = await Defaults.objects.get({ id: row.id })
    assert.ok(
      fresh.createdAt.getTime() >= before - 1000 && fresh.createdAt.getTime() <= Date.now() + 1000,
    )
    assert.equal(fresh.createdOn, new Date().toISOString().slice(0, 10))
    const created = fresh.createdAt.getTime()
    await new Promise((resolve) => setTimeout(resolve, 5))
    fresh.title = 'later'
    await fresh.save()
    const again = await Defaults.objects.get({ id: row.id })
    assert.equal(again.createdAt.getTime(), created)
    assert.ok(again.updatedAt.getTime() > created)
    await Defaults.objects.filter({ id: row.id }).update({ title: 'bulk' })
    const third = await Defaults.objects.get({ id: row.id })
    assert.ok(third.updatedAt.getTime() >= again.updatedAt.getTime())
    assert.equal(third.createdAt.getTime(), created)
  })

  s.it('gives models without a primary key an auto id', async () => {
    const a = await Plain.objects.create({ name: 'a' })
    const b = await Plain.objects.create({ name: 'b' })
    assert.equal(typeof a.id, 'number')
    assert.ok(b.id > a.id)
    assert.equal((await Plain.objects.get({ id: b.id })).name, 'b')
    const bulk = await Plain.objects.bulkCreate([{ name: 'c' }, { name: 'd' }])
    assert.deepEqual(
      await Plain.objects
        .filter({ id: lookup.in(bulk.map((r) => r.id)) })
        .orderBy('id')
        .valuesList('name', { flat: true })
        .all(),
      ['c', 'd'],
    )
  })

  s.it('keeps explicit values of auto ids', async () => {
    const one = await Plain.objects.create({ id: 1000, name: 'explicit' } as never)
    assert.equal(one.id, 1000)
    const bulk = await Plain.objects.bulkCreate([
      { id: 2000, name: 'x' } as never,
      { id: 1500, name: 'y' } as never,
    ])
    assert.deepEqual(
      bulk.map((r) => r.id),
      [2000, 1500],
    )
    assert.equal((await Plain.objects.get({ id: 1500 })).name, 'y')
    // (Beyond 2^53 SQLite cannot read it: its auto id column must be declared INTEGER, not BIGINT.)
    const big = s.dialect === 'sqlite' ? 5000n : 9007199254740993n
    const events = await Event.objects.bulkCreate([{ id: big, name: 'big' } as never])
    assert.equal(events[0]!.id, big)
    assert.equal((await Event.objects.get({ id: big })).name, 'big')
    // MySQL continues after the largest id, beyond 2^53 here: the ids it reports stay exact.
    const after = await Event.objects.bulkCreate([{ name: 'next-1' }, { name: 'next-2' }])
    if (s.dialect === 'mysql')
      assert.deepEqual(
        after.map((e) => e.id),
        [big + 1n, big + 2n],
      )
    for (const e of after) assert.equal((await Event.objects.get({ id: e.id })).name, e.name)
  })

  s.it('generates uuid primary keys', async () => {
    const a = await Token.objects.create({ name: 'a' })
    assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal((await Token.objects.get({ id: a.id })).name, 'a')
    const [b] = await Token.objects.bulkCreate([{ name: 'b' }])
    assert.notEqual(b!.id, a.id)
    assert.equal((await Token.objects.get({ id: b!.id })).name, 'b')
  })

  s.it('reads big auto ids as bigints', async () => {
    const a = await Event.objects.create({ name: 'a' })
    assert.equal(typeof a.id, 'bigint')
    const row = await Event.objects.get({ id: a.id })
    assert.equal(row.id, a.id)
    const bulk = await Event.objects.bulkCreate([{ name: 'b' }, { name: 'c' }])
    assert.deepEqual(
      bulk.map((r) => typeof r.id),
      ['bigint', 'bigint'],
    )
    assert.equal((await Event.objects.get({ id: bulk[1]!.id })).name, 'c')
  })

  s.it('reads foreign keys with the type of the key they point at', async () => {
    const event = await Event.objects.create({ name: 'e' })
    const token = await Token.objects.create({ name: 't' })
    const ticket = await Ticket.objects.create({ eventId: event.id, tokenId: token.id })
    const row = await Ticket.objects.get({ id: ticket.id })
    assert.equal(row.eventId, event.id)
    assert.equal(typeof row.eventId, 'bigint')
    assert.equal(row.tokenId, token.id)
    assert.deepEqual(await Ticket.objects.values('eventId', 'event.id').all(), [
      { eventId: event.id, 'event.id': event.id },
    ])
    assert.deepEqual(await Ticket.objects.valuesList('eventId', { flat: true }).all(), [event.id])
    assert.equal(await Ticket.objects.filter({ eventId: event.id }).count(), 1)
    assert.equal(await Ticket.objects.filter({ event: lookup.in([event.id]) }).count(), 1)
    assert.equal(await Ticket.objects.filter({ event }).count(), 1)
    const joined = await Ticket.objects.selectRelated('event').get({ id: ticket.id })
    assert.equal(joined.event.id, event.id)
  })

  s.it('saves JSON and bytes changed in place', async () => {
    const created = await Kinds.objects.create({
      label: 'mutable',
      data: { tags: ['a'] },
      bytes: new Uint8Array([1, 2]),
    })
    created.data = { tags: ['a'] }
    const row = await Kinds.objects.get({ id: created.id })
    ;(row.data as { tags: string[] }).tags.push('b')
    row.bytes![0] = 9
    await row.save()
    const fresh = await Kinds.objects.get({ id: created.id })
    assert.deepEqual(fresh.data, { tags: ['a', 'b'] })
    assert.deepEqual([...fresh.bytes!], [9, 2])
    // After a save too.
    ;(fresh.data as { tags: string[] }).tags.push('c')
    await fresh.save()
    ;(fresh.data as { tags: string[] }).tags.push('d')
    await fresh.save()
    assert.deepEqual((await Kinds.objects.get({ id: created.id })).data, {
      tags: ['a', 'b', 'c', 'd'],
    })
  })

  s.it('stores UUIDs in lower case and matches them in any case', async () => {
    const upper = '6F1C2A1E-4B7D-4C1A-9E0F-2B3C4D5E6F70'
    const { id } = await Kinds.objects.create({ label: 'uuid', token: upper })
    assert.equal((await Kinds.objects.get({ id })).token, upper.toLowerCase())
    assert.equal(await Kinds.objects.filter({ token: upper }).count(), 1)
    assert.equal(await Kinds.objects.filter({ token: upper.toLowerCase() }).count(), 1)
    assert.equal(await Kinds.objects.filter({ token: lookup.in([upper]) }).count(), 1)
    assert.equal(await Kinds.objects.filter({ token: lookup.startswith('6f1c') }).count(), 1)
    assert.equal(await Kinds.objects.filter({ token: lookup.iexact(upper) }).count(), 1)
    assert.equal(await Kinds.objects.filter({ token: lookup.icontains('4B7D') }).count(), 1)
    const token = await Token.objects.create({ id: upper, name: 'u' })
    assert.equal(token.id, upper)
    assert.equal((await Token.objects.get({ id: upper })).id, upper.toLowerCase())
  })
})
