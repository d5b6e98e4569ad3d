import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { compileCoercer } from './coerce.ts'
import { toJsonSchema } from './standard-schema.ts'

const coercerFor = (schema: z.ZodType) => compileCoercer(toJsonSchema(schema, 'input'))

describe('compileCoercer', () => {
  it('turns numeric, integer and boolean strings into values the schema expects', () => {
    const coerce = coercerFor(
      z.object({ page: z.number().int(), ratio: z.number(), on: z.boolean(), name: z.string() }),
    )!
    assert.deepEqual(
      { ...coerce({ page: '2', ratio: '-1.5e2', on: 'true', name: '007' }) },
      {
        page: 2,
        ratio: -150,
        on: true,
        name: '007',
      },
    )
  })

  it('wraps single values for array properties and coerces their items', () => {
    const coerce = coercerFor(z.object({ ids: z.array(z.number()), tags: z.array(z.string()) }))!
    assert.deepEqual({ ...coerce({ ids: ['1', '2'], tags: 'a' }) }, { ids: [1, 2], tags: ['a'] })
  })

  it('leaves values that do not convert for the validator to report', () => {
    const coerce = coercerFor(z.object({ page: z.number(), on: z.boolean() }))!
    assert.deepEqual({ ...coerce({ page: '12abc', on: 'maybe' }) }, { page: '12abc', on: 'maybe' })
    assert.deepEqual({ ...coerce({ page: '', on: '' }) }, { page: '', on: '' })
    assert.deepEqual({ ...coerce({ page: ['1', '2'] }) }, { page: ['1', '2'] })
  })

  it('handles optional and nullable properties', () => {
    const coerce = coercerFor(z.object({ a: z.number().optional(), b: z.number().nullable() }))!
    assert.deepEqual({ ...coerce({ a: '1', b: '2' }) }, { a: 1, b: 2 })
    assert.deepEqual({ ...coerce({}) }, {})
  })

  it('returns undefined when nothing needs coercing (all strings) or there is no JSON Schema', () => {
    assert.equal(coercerFor(z.object({ q: z.string(), slug: z.string().optional() })), undefined)
    assert.equal(compileCoercer(undefined), undefined)
  })

  it('follows a root $ref to a named schema (Zod .meta({ id }), model schemas)', () => {
    const coerce = coercerFor(z.object({ page: z.number() }).meta({ id: 'Paging' }))!
    assert.deepEqual({ ...coerce({ page: '2' }) }, { page: 2 })
    assert.equal(compileCoercer({ $ref: '#/$defs/Missing', $defs: {} }), undefined)
  })

  it('does not mutate its input', () => {
    const coerce = coercerFor(z.object({ n: z.number() }))!
    const input = { n: '5' }
    coerce(input)
    assert.equal(input.n, '5')
  })
})
