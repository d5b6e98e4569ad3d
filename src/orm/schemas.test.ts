/**
 * Model schemas: every field kind accepted and refused in its wire format, mass assignment refused,
 * the JSON Schema each schema documents, and conformance to Standard Schema / Standard JSON Schema.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import type { StandardSchemaV1 } from '../validation/index.ts'
import { ModelValidationError } from './errors.ts'
import { field } from './fields.ts'
import { defineModel } from './model.ts'
import type { CreateOf } from './schemas.ts'

const Maker = defineModel('Maker', { name: field.string({ maxLength: 40 }) })
const Part = defineModel('Part', { code: field.string({ maxLength: 8, primaryKey: true }) })
const Label = defineModel('Label', { word: field.string({ maxLength: 20 }) })

const Gadget = defineModel('Gadget', {
  name: field.string({ maxLength: 10, helpText: 'Shown in lists', verboseName: 'gadget name' }),
  note: field.text({ null: true, blank: true }),
  count: field.integer({ default: 0 }),
  big: field.bigint({ null: true }),
  ratio: field.float({ null: true }),
  price: field.decimal({ maxDigits: 6, decimalPlaces: 2 }),
  flag: field.boolean({ default: false }),
  day: field.date({ null: true }),
  at: field.datetime({ null: true }),
  clock: field.time({ null: true }),
  span: field.duration({ null: true }),
  data: field.json<{ a: number }>({ null: true }),
  token: field.uuid({ null: true }),
  email: field.email({ null: true }),
  site: field.url({ null: true }),
  slug: field.slug({ null: true }),
  status: field.enum(['draft', 'live'], { default: 'draft' }),
  size: field.string({
    maxLength: 1,
    choices: [
      ['s', 'Small'],
      ['l', 'Large'],
    ],
    null: true,
  }),
  bytes: field.binary({ null: true }),
  secret: field.string({ maxLength: 20, editable: false, default: 'x' }),
  createdAt: field.datetime({ autoNowAdd: true }),
  updatedAt: field.datetime({ autoNow: true }),
  maker: field.foreignKey(() => Maker, { onDelete: 'cascade' }),
  part: field.foreignKey(() => Part, { onDelete: 'setNull', null: true }),
  labels: field.manyToMany(() => Label),
})

const minimal = { name: 'Widget', price: '9.99', makerId: 1 }

type Result = StandardSchemaV1.Result<unknown>

function check(schema: StandardSchemaV1, value: unknown): Result {
  const result = schema['~standard'].validate(value)
  assert.ok(!(result instanceof Promise), 'validation is synchronous')
  return result as Result
}

/** The converted value, failing with the issues when there are any. */
function accepted(value: unknown, schema: StandardSchemaV1 = Gadget.schemas.create): any {
  const result = check(schema, value)
  assert.equal(result.issues, undefined, JSON.stringify(result.issues))
  return (result as { value: unknown }).value
}

/** The issues as `path: code`, failing when the value was accepted. */
function refused(value: unknown, schema: StandardSchemaV1 = Gadget.schemas.create): string[] {
  const result = check(schema, value)
  assert.ok(result.issues, `expected issues for ${inspect(value)}`)
  return result.issues.map((i) => `${(i.path ?? []).join('.')}: ${(i as { code?: string }).code}`)
}

const create = (extra: Record<string, unknown>) => accepted({ ...minimal, ...extra })
const refuse = (extra: Record<string, unknown>) => refused({ ...minimal, ...extra })

describe('model schemas: field kinds', () => {
  it('accepts a minimal body and returns only the keys given', () => {
    assert.deepEqual(accepted(minimal), { name: 'Widget', price: '9.99', makerId: 1 })
  })

  it('text: maxLength, blank, choices', () => {
    assert.deepEqual(refuse({ name: 'x'.repeat(11) }), ['name: too_long'])
    assert.deepEqual(refuse({ name: '' }), ['name: blank'])
    assert.deepEqual(refuse({ name: 5 }), ['name: invalid_type'])
    assert.equal(create({ note: '' }).note, '')
    assert.equal(create({ size: 'l' }).size, 'l')
    assert.deepEqual(refuse({ size: 'm' }), ['size: invalid_choice'])
  })

  it('integer, float and duration are JSON numbers', () => {
    assert.equal(create({ count: 3 }).count, 3)
    assert.deepEqual(refuse({ count: '3' }), ['count: invalid_type'])
    assert.deepEqual(refuse({ count: 1.5 }), ['count: invalid_type'])
    assert.deepEqual(refuse({ count: 2 ** 31 }), ['count: too_big'])
    assert.equal(create({ ratio: 0.5 }).ratio, 0.5)
    assert.equal(create({ span: 1500 }).span, 1500)
    assert.deepEqual(refuse({ span: 1.5 }), ['span: invalid_type'])
  })

  it('bigint: digit strings and exact numbers become bigints', () => {
    assert.equal(create({ big: '9007199254740993' }).big, 9007199254740993n)
    assert.equal(create({ big: 42 }).big, 42n)
    assert.equal(create({ big: null }).big, null)
    assert.deepEqual(refuse({ big: 2 ** 53 }), ['big: invalid_type'])
    assert.deepEqual(refuse({ big: '1.5' }), ['big: invalid_type'])
    assert.deepEqual(refuse({ big: '9223372036854775808' }), ['big: too_big'])
  })

  it('decimal: strings or numbers, normalised to the scale; never rounded', () => {
    assert.equal(create({ price: 9.9 }).price, '9.90')
    assert.equal(create({ price: '+007.5' }).price, '7.50')
    assert.equal(create({ price: '-0' }).price, '0.00')
    assert.equal(create({ price: '.5' }).price, '0.50')
    assert.deepEqual(refuse({ price: '9.999' }), ['price: too_precise'])
    assert.deepEqual(refuse({ price: '12345.6' }), ['price: too_big'])
    assert.deepEqual(refuse({ price: '1e3' }), ['price: invalid_type'])
    assert.deepEqual(refuse({ price: { $gt: '' } }), ['price: invalid_type'])
    assert.deepEqual(refuse({ price: null }), ['price: null'])
  })

  it('boolean, date and time', () => {
    assert.equal(create({ flag: true }).flag, true)
    assert.deepEqual(refuse({ flag: 'true' }), ['flag: invalid_type'])
    assert.equal(create({ day: '2024-02-29' }).day, '2024-02-29')
    assert.deepEqual(refuse({ day: '2023-02-29' }), ['day: invalid_type'])
    assert.equal(create({ clock: '09:30:15.5' }).clock, '09:30:15.5')
    assert.deepEqual(refuse({ clock: '9:30' }), ['clock: invalid_type'])
  })

  it('datetime: ISO 8601 with a time zone becomes a Date', () => {
    const { at } = create({ at: '2024-05-01T09:30:00+02:00' })
    assert.ok(at instanceof Date)
    assert.equal(at.toISOString(), '2024-05-01T07:30:00.000Z')
    assert.equal(create({ at: new Date(0) }).at.getTime(), 0)
    // No zone would mean the server's local time: refused rather than guessed.
    assert.deepEqual(refuse({ at: '2024-05-01T09:30:00' }), ['at: invalid_type'])
    assert.deepEqual(refuse({ at: '2024-13-45T09:30:00Z' }), ['at: invalid_type'])
    assert.deepEqual(refuse({ at: 0 }), ['at: invalid_type'])
  })

  it('json takes any JSON value; uuid, email, url and slug check their format', () => {
    assert.deepEqual(create({ data: { a: [1, { b: null }] } }).data, { a: [1, { b: null }] })
    const token = crypto.randomUUID()
    assert.equal(create({ token }).token, token)
    assert.deepEqual(refuse({ token: 'nope' }), ['token: invalid_uuid'])
    assert.equal(create({ email: 'ada@example.com' }).email, 'ada@example.com')
    assert.deepEqual(refuse({ email: 'ada' }), ['email: invalid_email'])
    assert.deepEqual(refuse({ site: 'javascript:alert(1)' }), ['site: invalid_url'])
    assert.deepEqual(refuse({ slug: 'a b' }), ['slug: invalid_slug'])
  })

  it('enum: one of its values', () => {
    assert.equal(create({ status: 'live' }).status, 'live')
    assert.deepEqual(refuse({ status: 'gone' }), ['status: invalid_choice'])
  })

  it('binary: base64 becomes a Buffer', () => {
    const { bytes } = create({ bytes: Buffer.from('hi there').toString('base64') })
    assert.ok(Buffer.isBuffer(bytes))
    assert.equal(bytes.toString(), 'hi there')
    assert.deepEqual(refuse({ bytes: 'not base64!' }), ['bytes: invalid_type'])
    assert.deepEqual(refuse({ bytes: [1, 2] }), ['bytes: invalid_type'])
  })

  it('foreign keys: the key as <name>Id, typed like the target key', () => {
    assert.equal(create({ partId: 'AB-1' }).partId, 'AB-1')
    assert.equal(create({ partId: null }).partId, null)
    assert.deepEqual(refuse({ makerId: '1' }), ['makerId: invalid_type'])
    assert.deepEqual(refuse({ makerId: { $gt: 0 } }), ['makerId: invalid_type'])
    assert.deepEqual(refuse({ makerId: null }), ['makerId: null'])
    assert.deepEqual(refuse({ partId: 'x'.repeat(9) }), ['partId: too_long'])
  })

  it('runs the field validators', () => {
    const Even = defineModel('Even', {
      n: field.integer({ validators: [(n) => (n % 2 === 0 ? undefined : 'Must be even.')] }),
    })
    assert.deepEqual(refused({ n: 3 }, Even.schemas.create), ['n: invalid'])
    assert.deepEqual(accepted({ n: 4 }, Even.schemas.create), { n: 4 })
  })
})

describe('model schemas: what may be written', () => {
  it('reports every missing required field, and not those with defaults or nullable', () => {
    assert.deepEqual(refused({}), ['name: required', 'price: required', 'makerId: required'])
  })

  it('refuses unknown, read-only and relation keys with unknown_key, listing every problem', () => {
    const body = {
      ...minimal,
      id: 99,
      isAdmin: true,
      secret: 'y',
      createdAt: '2024-01-01T00:00:00Z',
    }
    assert.deepEqual(refused({ ...body, maker: 1, labels: [1] }), [
      'id: unknown_key',
      'isAdmin: unknown_key',
      'secret: unknown_key',
      'createdAt: unknown_key',
      'maker: unknown_key',
      'labels: unknown_key',
    ])
    const result = check(Gadget.schemas.create, { ...minimal, maker: 1, id: 1 })
    const messages = result.issues!.map((i) => i.message)
    assert.ok(messages.includes('"id" is read-only.'))
    assert.ok(messages.some((m) => m.includes('"makerId"')))
  })

  it('refuses prototype keys from parsed JSON', () => {
    const hostile = JSON.parse('{"name":"x","price":"1","makerId":1,"__proto__":{"isAdmin":true}}')
    assert.deepEqual(refused(hostile), ['__proto__: unknown_key'])
  })

  it('refuses anything but an object', () => {
    for (const value of [null, [], 'x', 1]) assert.deepEqual(refused(value), [': invalid_type'])
  })

  it('update requires the required fields and refuses the primary key', () => {
    assert.deepEqual(refused({ name: 'x' }, Gadget.schemas.update), [
      'price: required',
      'makerId: required',
    ])
    assert.deepEqual(accepted(minimal, Gadget.schemas.update), minimal)
    assert.deepEqual(accepted({ code: 'AB' }, Part.schemas.create), { code: 'AB' })
    assert.deepEqual(refused({ code: 'AB' }, Part.schemas.update), ['code: unknown_key'])
  })

  it('partialUpdate makes every field optional but keeps the rules', () => {
    assert.deepEqual(accepted({}, Gadget.schemas.partialUpdate), {})
    assert.deepEqual(accepted({ price: 1 }, Gadget.schemas.partialUpdate), { price: '1.00' })
    assert.deepEqual(refused({ name: null, id: 1 }, Gadget.schemas.partialUpdate), [
      'id: unknown_key',
      'name: null',
    ])
  })

  it('parse() returns the value or throws ModelValidationError with the issues', () => {
    assert.deepEqual(Gadget.schemas.create.parse(minimal), minimal)
    assert.throws(
      () => Gadget.schemas.create.parse({ id: 1 }),
      (error: unknown) =>
        error instanceof ModelValidationError &&
        error.model === 'Gadget' &&
        error.issues.length === 4 &&
        error.issues.every((i) => i.location === 'body'),
    )
  })

  it('array() validates each item, issue paths starting with the index', () => {
    const list = Gadget.schemas.create.array()
    assert.equal(Gadget.schemas.create.array(), list)
    assert.deepEqual(accepted([minimal], list), [minimal])
    assert.deepEqual(refused([minimal, { ...minimal, price: 'x' }], list), [
      '1.price: invalid_type',
    ])
    assert.deepEqual(refused({}, list), [': invalid_type'])
  })
})

describe('model schemas: output', () => {
  const row = {
    id: 1,
    name: 'Widget',
    note: null,
    count: 0,
    big: 5n,
    ratio: null,
    price: '9.99',
    flag: false,
    day: null,
    at: new Date(0),
    clock: null,
    span: null,
    data: null,
    token: null,
    email: null,
    site: null,
    slug: null,
    status: 'draft',
    size: null,
    bytes: Buffer.from('a'),
    secret: 'x',
    createdAt: new Date(0),
    updatedAt: new Date(0),
    makerId: 1,
    partId: null,
  }

  it('accepts a row in JavaScript or wire form and returns its columns only', () => {
    const value = accepted({ ...row, maker: { id: 1, name: 'M' } }, Gadget.schemas.output)
    assert.deepEqual(Object.keys(value), Object.keys(row))
    const wire = accepted(
      JSON.parse(JSON.stringify({ ...row, big: '5', bytes: 'YQ==' })),
      Gadget.schemas.output,
    )
    assert.equal(wire.big, 5n)
    assert.equal(wire.at.getTime(), 0)
    assert.ok(Buffer.isBuffer(wire.bytes))
  })

  it('reports missing columns and values of the wrong type', () => {
    const { price: _price, ...rest } = row
    assert.deepEqual(refused({ ...rest, name: 5 }, Gadget.schemas.output), [
      'name: invalid_type',
      'price: required',
    ])
  })
})

describe('model schemas: JSON Schema', () => {
  const jsonOf = (
    schema: { '~standard': any },
    io: 'input' | 'output' = 'input',
    target = 'draft-2020-12',
  ) => schema['~standard'].jsonSchema[io]({ target })

  it('names the definition and points at it with a root $ref', () => {
    const doc = jsonOf(Gadget.schemas.create)
    assert.equal(doc.$schema, 'https://json-schema.org/draft/2020-12/schema')
    assert.equal(doc.$ref, '#/$defs/GadgetCreate')
    assert.equal(doc.$defs.GadgetCreate.title, 'GadgetCreate')
    assert.equal(doc.$defs.GadgetCreate.additionalProperties, false)
    assert.equal(jsonOf(Gadget.schemas.update).$ref, '#/$defs/GadgetUpdate')
    assert.equal(jsonOf(Gadget.schemas.partialUpdate).$ref, '#/$defs/GadgetPartialUpdate')
    assert.equal(jsonOf(Gadget.schemas.output, 'output').$ref, '#/$defs/Gadget')
  })

  it('describes each writable field from its metadata', () => {
    const create = jsonOf(Gadget.schemas.create).$defs.GadgetCreate
    const p = create.properties
    assert.deepEqual(create.required, ['name', 'price', 'makerId'])
    assert.deepEqual(
      Object.keys(p).includes('id') ||
        Object.keys(p).includes('secret') ||
        Object.keys(p).includes('createdAt') ||
        Object.keys(p).includes('labels'),
      false,
    )
    assert.deepEqual(p.name, {
      type: 'string',
      minLength: 1,
      maxLength: 10,
      title: 'gadget name',
      description: 'Shown in lists',
    })
    assert.deepEqual(p.note, { type: ['string', 'null'] })
    assert.deepEqual(p.count, {
      type: 'integer',
      minimum: -(2 ** 31),
      maximum: 2 ** 31 - 1,
      default: 0,
    })
    assert.equal(p.big.type.join(), 'string,null')
    assert.equal(p.big.pattern, '^-?\\d+$')
    assert.deepEqual(p.price, {
      type: 'string',
      pattern: '^-?\\d{1,4}(?:\\.\\d{1,2})?$',
      examples: ['19.99'],
    })
    assert.match('1234.56', new RegExp(p.price.pattern))
    assert.doesNotMatch('12345', new RegExp(p.price.pattern))
    assert.deepEqual(p.flag, { type: 'boolean', default: false })
    assert.equal(p.day.format, 'date')
    assert.equal(p.at.format, 'date-time')
    assert.equal(p.clock.format, 'time')
    assert.equal(p.span.description, 'A length of time in milliseconds.')
    assert.deepEqual(p.data, {})
    assert.equal(p.token.format, 'uuid')
    assert.equal(p.email.format, 'email')
    assert.equal(p.site.format, 'uri')
    assert.equal(p.slug.pattern, '^[-a-zA-Z0-9_]+$')
    assert.deepEqual(p.status.enum, ['draft', 'live'])
    assert.deepEqual(p.size.enum, ['s', 'l', null])
    assert.equal(p.bytes.contentEncoding, 'base64')
    assert.deepEqual(p.makerId, { type: 'integer' })
    assert.deepEqual(p.partId, { type: ['string', 'null'], minLength: 1, maxLength: 8 })
  })

  it('lists every column in the output, marking what the API cannot write readOnly', () => {
    const output = jsonOf(Gadget.schemas.output, 'output').$defs.Gadget
    assert.equal(output.required.length, Object.keys(output.properties).length)
    assert.ok(output.required.includes('id') && output.required.includes('makerId'))
    const readOnly = Object.entries(output.properties as Record<string, { readOnly?: boolean }>)
      .filter(([, s]) => s.readOnly)
      .map(([k]) => k)
    assert.deepEqual(readOnly, ['id', 'secret', 'createdAt', 'updatedAt'])
    assert.equal(output.properties.count.default, undefined)
  })

  it('partialUpdate has no required list; arrays refer to the named item', () => {
    assert.equal(jsonOf(Gadget.schemas.partialUpdate).$defs.GadgetPartialUpdate.required, undefined)
    const list = jsonOf(Gadget.schemas.output.array(), 'output')
    assert.deepEqual(list.items, { $ref: '#/$defs/Gadget' })
    assert.equal(list.type, 'array')
    assert.ok(list.$defs.Gadget)
  })

  it('supports draft-07 and refuses other targets', () => {
    const doc = jsonOf(Gadget.schemas.create, 'input', 'draft-07')
    assert.equal(doc.$ref, '#/definitions/GadgetCreate')
    assert.ok(doc.definitions.GadgetCreate)
    assert.throws(() => jsonOf(Gadget.schemas.create, 'input', 'openapi-3.0'), /draft-2020-12/)
  })

  it('returns a fresh document each time (callers may change it)', () => {
    const a = jsonOf(Gadget.schemas.create)
    a.$defs.GadgetCreate.title = 'changed'
    assert.equal(jsonOf(Gadget.schemas.create).$defs.GadgetCreate.title, 'GadgetCreate')
  })
})

describe('model schemas: Standard Schema conformance', () => {
  it('implements ~standard v1 with vendor, validate and jsonSchema converters', () => {
    for (const schema of Object.values(Gadget.schemas)) {
      const standard = schema['~standard']
      assert.equal(standard.version, 1)
      assert.equal(standard.vendor, 'plinth')
      assert.equal(typeof standard.validate, 'function')
      assert.equal(typeof standard.jsonSchema.input, 'function')
      assert.equal(typeof standard.jsonSchema.output, 'function')
    }
  })

  it('returns { value } on success and { issues } with message and path on failure', () => {
    const ok = check(Gadget.schemas.create, minimal)
    assert.ok('value' in ok && ok.issues === undefined)
    const bad = check(Gadget.schemas.create, { name: 1 })
    assert.ok(bad.issues && bad.issues.length > 0)
    for (const issue of bad.issues) {
      assert.equal(typeof issue.message, 'string')
      assert.ok(Array.isArray(issue.path))
    }
    assert.equal('value' in bad, false)
  })

  it('is built once per model, lazily', () => {
    assert.equal(Gadget.schemas, Gadget.schemas)
    assert.equal(Gadget.schemas.create, Gadget.schemas.create)
  })

  it('infers the body and row types', () => {
    // Checked by the type checker; the function is never called.
    const types = () => {
      const body = Gadget.schemas.create.parse(minimal)
      const name: string = body.name
      const makerId: number = body.makerId
      const partId: string | null | undefined = body.partId
      // @ts-expect-error many-to-many fields are not in the schemas
      body.labels
      // @ts-expect-error nor is the auto id
      body.id
      const change = Gadget.schemas.partialUpdate.parse({})
      const maybe: string | undefined = change.name
      const row = Gadget.schemas.output.parse({})
      const at: Date | null = row.at
      const id: number = row.id
      const typed: CreateOf<(typeof Part)['fields']> = { code: 'AB' }
      // What a client may send: decimals as numbers, datetimes and bigints as strings.
      const sent: StandardSchemaV1.InferInput<typeof Gadget.schemas.create> = {
        ...minimal,
        price: 9.9,
        at: '2024-05-01T09:30:00Z',
        big: '1',
      }
      return [name, makerId, partId, maybe, at, id, typed, sent]
    }
    assert.equal(typeof types, 'function')
  })
})
