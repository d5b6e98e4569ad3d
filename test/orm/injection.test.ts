/**
 * SQL injection, operator injection and mass assignment (security catalogue cases 9, 28, 29 and
 * §2.H): identifiers come only from model metadata, values are always bound, objects never pass
 * for scalars nor for lookups (only `lookup.*()` in code chooses an operator), and writes take only
 * the model's fields. Every refusal is a `QueryError` raised before any SQL runs.
 */
import assert from 'node:assert/strict'
import {
  Count,
  defineModel,
  exists,
  F,
  field,
  has,
  Lookup,
  lookup,
  ModelValidationError,
  or,
  QueryError,
  Sum,
} from '../../src/orm/index.ts'
import { capture, forEachDialect } from './support/dialects.ts'

const Team = defineModel('Team', { name: field.string({ maxLength: 50 }) }, { table: 'inj_team' })

const Person = defineModel(
  'Person',
  {
    name: field.string({ maxLength: 200 }),
    age: field.integer({ null: true }),
    price: field.decimal({ maxDigits: 8, decimalPlaces: 2, null: true }),
    data: field.json({ null: true }),
    team: field.foreignKey(() => Team, { onDelete: 'cascade', null: true, relatedName: 'people' }),
  },
  { table: 'inj_person' },
)

const HOSTILE = [
  "'; DROP TABLE inj_person; --",
  "Robert'); DROP TABLE inj_team;--",
  "O'Brien",
  '"double" `back` \'single\'',
  'back\\slash\\',
  "\\'; SELECT 1; --",
  '%_*?[]^$.|+(){}',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃ é ß \u2028 \u200b',
  '1 OR 1=1',
  '$1 ? :name @p',
]

/** Expect `fn` to throw (or reject with) a QueryError with `code`, having run no SQL at all. */
async function refused(
  db: Parameters<typeof capture>[0],
  fn: () => unknown,
  code?: string,
): Promise<void> {
  let caught: unknown
  const sqls = await capture(db, async () => {
    try {
      await fn()
    } catch (error) {
      caught = error
    }
  })
  assert.ok(caught instanceof QueryError, `expected a QueryError, got ${String(caught)}`)
  if (code !== undefined) assert.equal(caught.code, code)
  assert.deepEqual(sqls, [], 'no SQL may run')
}

forEachDialect({ models: [Team, Person] }, (s) => {
  s.it('refuses identifiers in orderBy() that are not fields', async () => {
    await Person.objects.create({ name: 'a' })
    for (const key of [
      'name;DROP TABLE inj_person',
      '(SELECT 1)',
      'name desc',
      'name)',
      '"name"',
      'password',
      '-password',
      'team.password',
      'name.length',
      '',
      '-',
      '1',
    ]) {
      await refused(s.db, () => Person.objects.orderBy(key).all())
    }
    await refused(s.db, () =>
      Person.objects.orderBy({ field: 'name', nulls: 'first; DROP TABLE x' as 'first' }).all(),
    )
    await refused(s.db, () =>
      Person.objects.orderBy({ field: '(CASE WHEN 1=1 THEN name END)' as string }).all(),
    )
    await refused(s.db, () => Person.objects.orderBy(1 as never).all())
    assert.equal(await Person.objects.count(), 1)
  })

  s.it('refuses unknown fields and lookups', async () => {
    await refused(
      s.db,
      () => Person.objects.filter({ nope: 1 } as never).all(),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(
      s.db,
      () => Person.objects.filter({ 'name; DROP TABLE x': 1 } as never).all(),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(
      s.db,
      () => Person.objects.filter({ 'team.password': 'x' } as never).all(),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    for (const key of [
      'name.length',
      'team.name.length',
      'team.',
      '.name',
      'people.name',
      'team..name',
    ]) {
      await refused(
        s.db,
        () => Person.objects.filter({ [key]: 'x' }).all(),
        'PLINTH_ORM_UNKNOWN_FIELD',
      )
    }
    await assert.rejects(
      Person.objects.filter({ 'name.length': 1 } as never).all(),
      /"name\.length"/,
    )
    await refused(
      s.db,
      () => Person.objects.filter(JSON.parse('{"__proto__": {"name": "x"}}')).all(),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(
      s.db,
      () => Person.objects.filter({ constructor: 'x' } as never).all(),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    // Only Lookup instances name operators, and only the known ones.
    await refused(
      s.db,
      () =>
        Person.objects.filter({ name: new Lookup<'compare', string>('like' as never, '%') }).all(),
      'PLINTH_ORM_UNKNOWN_LOOKUP',
    )
    await refused(
      s.db,
      () =>
        Person.objects.filter({ name: new Lookup<'compare', string>('$gt' as never, '') }).all(),
      'PLINTH_ORM_UNKNOWN_LOOKUP',
    )
    await refused(
      s.db,
      () => Person.objects.filter({ age: lookup.contains('1') } as never).all(),
      'PLINTH_ORM_UNKNOWN_LOOKUP',
    )
    await refused(
      s.db,
      () => Person.objects.filter({ name: lookup.year(2020) } as never).all(),
      'PLINTH_ORM_UNKNOWN_LOOKUP',
    )
    await refused(
      s.db,
      () => Person.objects.exclude({ nope: 1 } as never).count(),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(
      s.db,
      () => Person.objects.filter({ nope: 1 } as never).delete(),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(
      s.db,
      () => Person.objects.filter({ nope: 1 } as never).update({ age: 1 }),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
  })

  s.it('refuses objects and arrays where a scalar belongs', async () => {
    const cases: unknown[] = [
      { name: { $gt: '' } },
      { id: { x: 1 } },
      { price: ['1'] },
      { name: ['a'] },
      { name: lookup.exact({ x: 1 }) },
      { name: lookup.exact(['a']) },
      { name: lookup.in('abc' as never) },
      { name: lookup.in([{ a: 1 }]) },
      { name: lookup.in([['a']]) },
      { name: lookup.contains({ a: 1 } as never) },
      { name: new Lookup('range', ['a']) },
      { name: lookup.range('a', undefined) },
      { name: lookup.isnull('yes' as never) },
      { name: true },
      { name: new Date() },
      { age: '1 OR 1=1' },
      { age: lookup.gt('1') },
      { id: '1 OR 1=1' },
      { age: Number.NaN },
      { 'team.id': { password: 1 } },
      { team: { id: { password: 1 } } },
      { teamId: { a: 1 } },
      { name: lookup.exact(undefined) },
      { name: undefined },
    ]
    for (const where of cases)
      await refused(s.db, () => Person.objects.filter(where as never).all())
    for (const where of [null, 'name = 1', 42, ['name']])
      await refused(s.db, () => Person.objects.filter(where as never).all())
    await refused(s.db, () => Person.objects.filter(exists('SELECT 1' as never)).all())
  })

  s.it('never reads request data as lookups (operator injection)', async () => {
    const team = await Team.objects.create({ name: 't' })
    await Person.objects.create({ name: 'secret', age: 30, teamId: team.id, data: { a: 1 } })
    // What a JSON body can hold where the code expects a value: each would widen an equality check
    // ("any token") if objects were read as lookups.
    const hostile: Array<[string, string]> = [
      ['name', '{"ne": ""}'],
      ['name', '{"gt": ""}'],
      ['name', '{"exact": "secret"}'],
      ['name', '{"icontains": ""}'],
      ['name', '{"regex": ".*"}'],
      ['name', '{"ne": "", "gt": ""}'],
      ['name', '{}'],
      ['age', '{"in": [1, 2, 30]}'],
      ['age', '{"isnull": false}'],
      ['age', '{"range": [0, 100]}'],
      ['age', '{"year": 2020}'],
      ['id', '{"gte": 0}'],
      ['teamId', '{"gte": 0}'],
      ['team', '{"name": "t"}'],
      ['team', '{"id": {"gt": 0}}'],
      ['team', '{"ne": 0}'],
      ['team.name', '{"ne": ""}'],
      ['team.id', '{"in": [1, 2]}'],
      ['data', '{"ne": ""}'],
      ['data', '{"a": 1}'],
      ['name', '["a", "b"]'],
      ['name', '["secret"]'],
      ['age', '[1, 30]'],
      ['name', '[{"ne": ""}]'],
      ['name', '[]'],
    ]
    for (const [key, json] of hostile) {
      // A body parsed from JSON is `any`: the types let it through, the parser must not.
      const body = JSON.parse(`{"value": ${json}}`)
      const where = { [key]: body.value }
      const label = `${key}: ${json}`
      await refused(s.db, () => Person.objects.filter(where).all(), 'PLINTH_ORM_BAD_VALUE')
      for (const run of [
        () => Person.objects.exclude(where).count(),
        () => Person.objects.get(where),
        () => Person.objects.filter(or(where, { name: 'x' })).exists(),
        () => Person.objects.filter(where).update({ age: 1 }),
        () => Person.objects.filter(where).delete(),
        () => Person.objects.getOrCreate(where),
        () => Person.objects.updateOrCreate(where, { age: 1 }),
        () => Person.objects.filter(JSON.parse(`{${JSON.stringify(key)}: ${json}}`)).all(),
        () => Team.objects.filter(has<typeof Person>('people', where)).all(),
        () => Team.objects.annotate({ n: Count('people', { filter: where }) }).all(),
      ]) {
        await refused(s.db, run)
      }
      assert.equal(await Person.objects.filter({ name: 'secret', age: 30 }).count(), 1, label)
    }
    // The same through a reverse relation, and the documented mistake: a body field as the value.
    await refused(
      s.db,
      () => Team.objects.filter(JSON.parse('{"people": {"name": "secret"}}')).all(),
      'PLINTH_ORM_BAD_VALUE',
    )
    await refused(
      s.db,
      () => Team.objects.filter(JSON.parse('{"people.age": {"gt": 0}}')).all(),
      'PLINTH_ORM_BAD_VALUE',
    )
    const body = JSON.parse('{"name": {"ne": ""}, "ids": {"__subquery": true}}')
    await refused(
      s.db,
      () => Person.objects.filter({ name: body.name }).all(),
      'PLINTH_ORM_BAD_VALUE',
    )
    // Lookups built in code work, and their values are checked like any other.
    assert.equal(await Person.objects.filter({ name: lookup.ne('') }).count(), 1)
    assert.equal(await Person.objects.filter({ age: lookup.in([1, 2, 30]) }).count(), 1)
    assert.equal(await Person.objects.filter({ age: lookup.isnull(false) }).count(), 1)
    assert.equal(await Person.objects.filter({ 'team.name': lookup.ne('') }).count(), 1)
    assert.equal(await Person.objects.filter({ data: lookup.exact({ a: 1 }) }).count(), 1)
    await refused(s.db, () => Person.objects.filter({ name: lookup.ne(body.name) }).all())
    await refused(s.db, () => Person.objects.filter({ age: lookup.in(body.ids) }).all())
    await refused(s.db, () => Person.objects.filter({ age: lookup.in([body.name]) }).all())
  })

  s.it('stores and matches hostile strings literally', async () => {
    const team = await Team.objects.create({ name: HOSTILE[1]! })
    for (const name of HOSTILE)
      await Person.objects.create({ name, teamId: team.id, data: { [name]: name } })
    for (const name of HOSTILE) {
      const row = await Person.objects.get({ name })
      assert.equal(row.name, name)
      assert.deepEqual(row.data, { [name]: name })
      assert.equal(
        (
          await Person.objects
            .filter({ name: lookup.contains(name) })
            .valuesList('name', { flat: true })
            .all()
        ).includes(name),
        true,
        name,
      )
      assert.equal(await Person.objects.filter({ name: lookup.iexact(name) }).count(), 1, name)
      assert.equal(await Person.objects.filter({ name: lookup.startswith(name) }).count(), 1, name)
      assert.equal(
        await Person.objects.filter({ 'team.name': name }).count(),
        name === HOSTILE[1] ? HOSTILE.length : 0,
      )
    }
    assert.equal(await Person.objects.filter({ name: lookup.in(HOSTILE) }).count(), HOSTILE.length)
    assert.equal(await Person.objects.filter({ name: "' OR 1=1 --" }).count(), 0)
    assert.equal(await Person.objects.filter({ name: lookup.icontains("' OR '1'='1") }).count(), 0)
    const [first] = await Person.objects
      .filter({ name: HOSTILE[0]! })
      .update({ name: HOSTILE[5]! })
      .then(() => Person.objects.filter({ name: HOSTILE[5]! }).all())
    assert.equal(first?.name, HOSTILE[5])
    // Both tables are still there, with every row.
    assert.equal(await Person.objects.count(), HOSTILE.length)
    assert.equal(await Team.objects.count(), 1)
  })

  s.it('refuses hostile names in values(), aggregates, F() and selectRelated()', async () => {
    await Person.objects.create({ name: 'a', age: 1 })
    await refused(
      s.db,
      () => Person.objects.values("a') OR 1=1--" as never).all(),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(s.db, () =>
      Person.objects.values('name', 'name; DROP TABLE inj_person' as never).all(),
    )
    await refused(s.db, () =>
      Person.objects.valuesList("a') OR 1=1--" as never, { flat: true }).all(),
    )
    await refused(s.db, () => Person.objects.values("data__a') OR 1=1--" as never).all())
    await refused(s.db, () =>
      Person.objects.aggregate({ n: Count('name); DROP TABLE inj_person; --') }),
    )
    await refused(s.db, () => Person.objects.aggregate({ n: Sum('password') }))
    await refused(s.db, () => Person.objects.annotate({ n: Count('people; --') }).all())
    await refused(s.db, () =>
      Person.objects.filter({ age: lookup.gt(F('age; DROP TABLE x')) }).all(),
    )
    await refused(s.db, () =>
      Person.objects.filter({ age: F('age').add('1; DROP TABLE x' as never) }).all(),
    )
    await refused(s.db, () => Person.objects.update({ age: F('age) + (SELECT 1') }))
    await refused(s.db, () => Person.objects.selectRelated('team; DROP TABLE x' as never).all())
    await refused(s.db, () => Person.objects.limit('1; DROP TABLE x' as never).all())
    await refused(s.db, () => Person.objects.offset(-1).all())
    await refused(s.db, () => Person.objects.slice(1.5).all())
    // An annotation's name never reaches the SQL text.
    const [row] = await Person.objects.values('name').annotate({ "n') OR 1=1; --": Count() }).all()
    assert.deepEqual(row, { name: 'a', "n') OR 1=1; --": 1 })
    assert.equal(await Person.objects.count(), 1)
  })

  s.it('refuses unknown keys on create, build and update (no mass assignment)', async () => {
    await refused(
      s.db,
      () => Person.objects.create({ name: 'x', isAdmin: true } as never),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(
      s.db,
      () => Person.objects.create({ name: 'x', unknownKey: 1 } as never),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(
      s.db,
      () => Person.objects.create(JSON.parse('{"name": "x", "__proto__": {"isAdmin": true}}')),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(s.db, () =>
      Person.objects.bulkCreate([{ name: 'x' }, { name: 'y', isAdmin: true } as never]),
    )
    // getOrCreate looks for the row first; the unknown key is refused before anything is written.
    await assert.rejects(
      Person.objects.getOrCreate({ name: 'x' }, { isAdmin: true } as never),
      QueryError,
    )
    assert.equal(await Person.objects.count(), 0)
    await refused(s.db, () =>
      Person.objects.build({ name: 'x', 'name) VALUES (1); --': 1 } as never),
    )
    const person = await Person.objects.create({ name: 'x' })
    await refused(
      s.db,
      () => Person.objects.update({ isAdmin: true } as never),
      'PLINTH_ORM_UNKNOWN_FIELD',
    )
    await refused(s.db, () =>
      Person.objects.filter({ id: person.id }).update({ name: { $set: 'y' } } as never),
    )
    await refused(s.db, () => Person.objects.update({ age: '1; DROP TABLE x' } as never))
    await refused(s.db, () => Person.objects.update({ age: [1] } as never))
    await refused(s.db, () => Person.objects.update(null as never))
    await refused(s.db, () => Person.objects.update(['name'] as never))
    ;(person as unknown as Record<string, unknown>).isAdmin = true
    await person.save()
    assert.deepEqual(Object.keys(await Person.objects.get({ id: person.id })).sort(), [
      'age',
      'data',
      'id',
      'name',
      'price',
      'teamId',
    ])
    assert.equal(await Person.objects.count(), 1)
  })

  s.it(
    'compares with the column type, never letting the database coerce (MySQL "abc" = 0)',
    async () => {
      const team = await Team.objects.create({ name: 't' })
      await Person.objects.create({ name: 'abc', age: 5, teamId: team.id })
      await Person.objects.create({ name: '5', age: 0 })
      assert.deepEqual(
        await Person.objects
          .filter({ name: 0 } as never)
          .valuesList('name', { flat: true })
          .all(),
        [],
      )
      assert.deepEqual(
        await Person.objects
          .filter({ name: 5 } as never)
          .valuesList('name', { flat: true })
          .all(),
        ['5'],
      )
      assert.deepEqual(
        await Person.objects
          .filter({ name: lookup.in([0, 5]) } as never)
          .valuesList('name', { flat: true })
          .all(),
        ['5'],
      )
      const bad = await Person.objects
        .create({ name: 'x', teamId: `${team.id} OR 1=1` } as never)
        .then(
          () => undefined,
          (error: unknown) => error,
        )
      assert.ok(bad instanceof ModelValidationError, String(bad))
      assert.deepEqual(
        bad.issues.map((i) => i.path),
        [['teamId']],
      )
      await refused(s.db, () =>
        Person.objects.filter({ teamId: `${team.id} OR 1=1` } as never).all(),
      )
      await refused(s.db, () => Person.objects.filter({ team: `${team.id}abc` } as never).all())
      await refused(s.db, () =>
        Person.objects.filter({ teamId: lookup.in([`${team.id}`, 'x']) } as never).all(),
      )
    },
  )
})
